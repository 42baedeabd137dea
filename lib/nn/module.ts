/**
 * nn.Module, in PyTorch's shape: a tree of modules owning parameters and buffers, with
 * PyTorch's dotted names ('0.weight', 'fc1.bias', 'bn.running_mean'), train/eval,
 * stateDict/loadStateDict, apply, to(dtype), a PyTorch-like toString() and a Keras-like
 * summary().
 *
 * Registration: registerParameter / registerBuffer / registerModule, or simply assign a
 * module or an nn.parameter(...) to a field (`this.fc1 = new nn.Linear(4, 3)`): such
 * fields are picked up, in assignment order, the next time the module is inspected.
 * Buffers always need registerBuffer (a plain tensor field stays a plain field).
 *
 * Calling: JS objects are not callable, so `model.forward(x)` and `model.call(x)` do
 * the same thing (call() is the PyTorch `model(x)` spelling; containers use it).
 *
 * Ownership: parameters and buffers are kept out of tidy() scopes and freed by
 * dispose(), with their gradients.
 */
import { isFloating, type DType } from '../dtype';
import { ArgumentError, DisposedError, ShapeError, fmtShape } from '../errors';
import { keep, tidy } from '../scope';
import { Tensor, isTensor } from '../tensor';
import { zeros } from '../creation';
import { copyToContiguous } from '../ops/copy';
import { fill_ } from '../ops/inplace';
import { isParameter, parameter } from './parameter';
import { assignNoGrad } from './util';

/** A state dict: name -> tensor in PyTorch's order (each module's parameters, then its buffers, then its children). */
export type StateDict = Map<string, Tensor>;

/** What loadStateDict reports (PyTorch's _IncompatibleKeys). */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

type Kind = 'parameter' | 'buffer' | 'module';

function checkName(op: string, name: unknown): string {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new ArgumentError(op, `name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
  }
  return name;
}

function addIndent(s: string, n: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const pad = ' '.repeat(n);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join('\n');
}

function shapeOf(v: unknown): string {
  if (isTensor(v)) return fmtShape(v.shape);
  if (Array.isArray(v)) return `[${v.map(shapeOf).join(', ')}]`;
  return '?';
}

export class Module {
  /** True in training mode (the default), false after eval(). */
  training = true;
  /** @internal */ readonly _parameters = new Map<string, Tensor | null>();
  /** @internal */ readonly _buffers = new Map<string, Tensor | null>();
  /** @internal */ readonly _nonPersistent = new Set<string>();
  /** @internal */ readonly _modules = new Map<string, Module | null>();
  /** @internal */ _disposed = false;

  constructor() {
    for (const k of ['_parameters', '_buffers', '_nonPersistent', '_modules', '_disposed']) {
      Object.defineProperty(this, k, { enumerable: false });
    }
  }

  /** The computation. Subclasses override it; call it as module.forward(x) or module.call(x). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(...args: any[]): any {
    throw new ArgumentError(`${this.constructor.name}.forward`, `module ${this.constructor.name} does not define forward()`);
  }

  /** Runs forward (PyTorch's `module(x)`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(...args: Parameters<this['forward']>): ReturnType<this['forward']> {
    if (this._disposed) throw new DisposedError(`${this.constructor.name}.forward`, 'the module was disposed');
    return this.forward(...args);
  }

  // ---- registration ----

  /** @internal Registers fields assigned since the last inspection (modules and parameters). */
  _sync(): void {
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (v instanceof Module) {
        delete (this as Record<string, unknown>)[key];
        this.defineSlot('registerModule', key, 'module');
        this._modules.set(key, v);
      } else if (isParameter(v)) {
        delete (this as Record<string, unknown>)[key];
        this.defineSlot('registerParameter', key, 'parameter');
        this._parameters.set(key, v);
      }
    }
  }

  private slotOf(name: string): Kind | null {
    if (this._parameters.has(name)) return 'parameter';
    if (this._buffers.has(name)) return 'buffer';
    if (this._modules.has(name)) return 'module';
    return null;
  }

  private defineSlot(op: string, name: string, kind: Kind): void {
    const have = this.slotOf(name);
    if (have !== null && have !== kind) throw new ArgumentError(op, `attribute '${name}' is already a ${have}`);
    if (have === null && name in this && Object.getOwnPropertyDescriptor(this, name) === undefined) {
      throw new ArgumentError(op, `attribute '${name}' already exists on ${this.constructor.name}`);
    }
    Object.defineProperty(this, name, {
      configurable: true,
      enumerable: false,
      get: () => (kind === 'parameter' ? this._parameters : kind === 'buffer' ? this._buffers : this._modules).get(name),
      set: (v: unknown) => {
        if (kind === 'parameter') this.registerParameter(name, v as Tensor | null);
        else if (kind === 'buffer') this.registerBuffer(name, v as Tensor | null, !this._nonPersistent.has(name));
        else this.registerModule(name, v as Module | null);
      },
    });
  }

  /**
   * Adds (or replaces) a parameter, reachable as this[name]. p must come from
   * nn.parameter(...) (or be null, for an optional parameter such as a missing bias).
   * @example this.registerParameter('weight', nn.parameter(tf.empty([3, 4])))
   */
  registerParameter(name: string, p: Tensor | null): void {
    const op = 'registerParameter';
    checkName(op, name);
    if (p !== null && !isParameter(p)) {
      throw new ArgumentError(op, `cannot assign a plain tensor as parameter '${name}': wrap it with nn.parameter(t) (or use registerBuffer)`);
    }
    this._sync();
    this.defineSlot(op, name, 'parameter');
    this._parameters.set(name, p);
  }

  /**
   * Adds (or replaces) a buffer: state saved in stateDict (unless persistent is false) but
   * not trained, such as BatchNorm's running_mean. Kept out of tidy() scopes.
   */
  registerBuffer(name: string, t: Tensor | null, persistent = true): void {
    const op = 'registerBuffer';
    checkName(op, name);
    if (t !== null && !isTensor(t)) throw new ArgumentError(op, `buffer '${name}' must be a Tensor or null, got ${typeof t}`);
    if (t !== null) keep(t);
    this._sync();
    this.defineSlot(op, name, 'buffer');
    this._buffers.set(name, t);
    if (persistent) this._nonPersistent.delete(name);
    else this._nonPersistent.add(name);
  }

  /** Adds (or replaces) a child module, reachable as this[name]. */
  registerModule(name: string, m: Module | null): void {
    const op = 'registerModule';
    checkName(op, name);
    if (m !== null && !(m instanceof Module)) throw new ArgumentError(op, `child '${name}' must be a Module or null, got ${typeof m}`);
    this._sync();
    this.defineSlot(op, name, 'module');
    this._modules.set(name, m);
  }

  /** PyTorch's add_module. */
  addModule(name: string, m: Module | null): void {
    this.registerModule(name, m);
  }

  // ---- traversal ----

  /** [name, module] for this module and every descendant ('' for this one), each once. */
  namedModules(prefix = '', memo: Set<Module> = new Set()): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    if (memo.has(this)) return out;
    memo.add(this);
    this._sync();
    out.push([prefix, this]);
    for (const [name, m] of this._modules) {
      if (m === null) continue;
      out.push(...m.namedModules(prefix === '' ? name : `${prefix}.${name}`, memo));
    }
    return out;
  }

  /** This module and every descendant. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** [name, child] for the direct children. */
  namedChildren(): Array<[string, Module]> {
    this._sync();
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    for (const [name, m] of this._modules) {
      if (m !== null && !seen.has(m)) {
        seen.add(m);
        out.push([name, m]);
      }
    }
    return out;
  }

  /** The direct children. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  private namedMembers(kind: 'parameter' | 'buffer', prefix: string, recurse: boolean): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    const seen = new Set<Tensor>();
    const mods: Array<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      m._sync();
      for (const [name, t] of kind === 'parameter' ? m._parameters : m._buffers) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([mp === '' ? name : `${mp}.${name}`, t]);
      }
    }
    return out;
  }

  /**
   * [dotted name, parameter] pairs, each parameter once.
   * @example new nn.Sequential(new nn.Linear(4, 3)).namedParameters().map(([n]) => n) // ['0.weight', '0.bias']
   */
  namedParameters(prefix = '', recurse = true): Array<[string, Tensor]> {
    return this.namedMembers('parameter', prefix, recurse);
  }

  /** The parameters (of descendants too unless recurse is false), e.g. for an optimizer. */
  parameters(recurse = true): Tensor[] {
    return this.namedParameters('', recurse).map(([, t]) => t);
  }

  /** [dotted name, buffer] pairs. */
  namedBuffers(prefix = '', recurse = true): Array<[string, Tensor]> {
    return this.namedMembers('buffer', prefix, recurse);
  }

  /** The buffers. */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, t]) => t);
  }

  /** Calls fn on every descendant, then on this module (as PyTorch). Returns this. */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== 'function') throw new ArgumentError('apply', `expected a function, got ${typeof fn}`);
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes and gradients ----

  /** Sets training mode on this module and its descendants. Returns this. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new ArgumentError('train', `mode must be a boolean, got ${typeof mode}`);
    this.training = mode;
    for (const m of this.children()) m.train(mode);
    return this;
  }

  /** Evaluation mode: train(false). Dropout becomes the identity, BatchNorm uses its running stats. */
  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter (freezing with false). Returns this. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Resets the parameters' gradients: setToNone (the default, as PyTorch) disposes each
   * grad and sets it to null; otherwise grads are zeroed in place.
   */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      const g = p.grad;
      if (g === null || g === undefined) continue;
      if (setToNone) {
        p.grad = null;
        g.dispose();
      } else if (!g.isDisposed) {
        fill_(g, 0);
      }
    }
  }

  // ---- state ----

  /**
   * name -> tensor for every parameter and persistent buffer, with PyTorch's keys and
   * order. The tensors are the module's own (not copies): clone them to keep values past
   * a later step or dispose().
   * @example [...model.stateDict().keys()] // ['0.weight', '0.bias', '2.weight', '2.bias']
   */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [prefix, m] of this.namedModules()) {
      const pre = prefix === '' ? '' : `${prefix}.`;
      for (const [name, t] of m._parameters) if (t !== null) out.set(pre + name, t);
      for (const [name, t] of m._buffers) if (t !== null && !m._nonPersistent.has(name)) out.set(pre + name, t);
    }
    return out;
  }

  /**
   * Copies values from a state dict (a Map or a plain object of name -> tensor) into the
   * module's parameters and buffers, in place, converting dtypes. Shapes must match. With
   * strict (the default), a missing or unexpected key throws; nothing is copied when
   * anything throws.
   * @returns the missing keys and the unexpected keys
   */
  loadStateDict(dict: StateDict | Record<string, Tensor>, { strict = true }: { strict?: boolean } = {}): LoadResult {
    const op = 'loadStateDict';
    if (dict === null || typeof dict !== 'object') throw new ArgumentError(op, `expected a Map or an object of tensors, got ${dict === null ? 'null' : typeof dict}`);
    const given = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const own = this.stateDict();
    const missingKeys: string[] = [];
    const unexpectedKeys: string[] = [];
    const pairs: Array<[Tensor, Tensor]> = [];
    for (const [key, dst] of own) {
      if (!given.has(key)) {
        missingKeys.push(key);
        continue;
      }
      const src = given.get(key);
      if (!isTensor(src)) throw new ArgumentError(op, `value of '${key}' must be a Tensor, got ${typeof src}`);
      src.handle(op);
      if (src.shape.length !== dst.shape.length || src.shape.some((d, i) => d !== dst.shape[i])) {
        throw new ShapeError(op, `size mismatch for ${key}: copying a tensor of shape ${fmtShape(src.shape)} from the state dict, the shape in the current model is ${fmtShape(dst.shape)}`);
      }
      pairs.push([dst, src]);
    }
    for (const key of given.keys()) if (!own.has(key)) unexpectedKeys.push(key);
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      const parts: string[] = [];
      if (missingKeys.length) parts.push(`missing key(s): ${missingKeys.map((k) => `'${k}'`).join(', ')}`);
      if (unexpectedKeys.length) parts.push(`unexpected key(s): ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}`);
      throw new ArgumentError(op, `error(s) in loading the state dict for ${this.constructor.name}: ${parts.join('; ')} (pass { strict: false } to ignore them)`);
    }
    for (const [dst, src] of pairs) if (dst !== src) assignNoGrad(op, dst, src);
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Converts the floating parameters and buffers to dtype (float32 or float64). The
   * parameters are new tensors afterwards: create the optimizer after calling to().
   * Returns this.
   */
  to(dtype: DType): this {
    const op = 'Module.to';
    if (dtype !== 'float32' && dtype !== 'float64') throw new ArgumentError(op, `dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
    const converted = new Map<Tensor, Tensor>();
    const convert = (t: Tensor): Tensor => {
      let c = converted.get(t);
      if (c === undefined) {
        c = copyToContiguous(op, t, dtype);
        converted.set(t, c);
      }
      return c;
    };
    for (const m of this.modules()) {
      for (const [name, p] of m._parameters) {
        if (p === null || !isFloating(p.dtype) || p.dtype === dtype) continue;
        m._parameters.set(name, parameter(convert(p), p.requiresGrad));
      }
      for (const [name, b] of m._buffers) {
        if (b === null || !isFloating(b.dtype) || b.dtype === dtype) continue;
        m._buffers.set(name, keep(convert(b)));
      }
    }
    for (const old of converted.keys()) {
      old.grad?.dispose();
      old.dispose();
    }
    return this;
  }

  /** to('float64'). */
  double(): this {
    return this.to('float64');
  }

  /** to('float32'). */
  float(): this {
    return this.to('float32');
  }

  /** Frees every parameter (with its grad) and buffer of this module and its descendants. */
  dispose(): void {
    const mods = this.modules();
    for (const m of mods) {
      for (const p of m._parameters.values()) {
        if (p === null) continue;
        if (p.grad) {
          p.grad.dispose();
          p.grad = null;
        }
        p.dispose();
      }
      for (const b of m._buffers.values()) b?.dispose();
    }
    for (const m of mods) m._disposed = true;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- saving (lib/io: saveModel / loadModel) ----

  /**
   * The constructor arguments that rebuild this module, as JSON values (tensors among
   * them are saved as placeholders and take their values from the state dict), or null
   * when the module cannot describe itself. Built-in layers override it; a custom module
   * overrides it too and is registered with tf.io.registerModule(name, Class) to be saved
   * by tf.saveModel. Containers (Sequential, ModuleList, ModuleDict) are described by
   * their children instead.
   * @example new nn.Linear(4, 3).getConfig() // [4, 3, { bias: true, dtype: 'float32' }]
   */
  getConfig(): unknown[] | null {
    return null;
  }

  // ---- printing ----

  /** The text inside the parentheses of toString() (PyTorch's extra_repr). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's repr: `Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n ...)`. */
  toString(): string {
    const lines: string[] = [];
    const extra = this.extraRepr();
    if (extra) lines.push(...extra.split('\n'));
    for (const [name, m] of (this._sync(), this._modules)) {
      lines.push(`(${name}): ${m === null ? 'None' : addIndent(m.toString(), 2)}`);
    }
    const head = `${this.constructor.name}(`;
    if (lines.length === 0) return `${head})`;
    if (this._modules.size === 0 && lines.length === 1) return `${head}${lines[0]})`;
    return `${head}\n  ${lines.join('\n  ')}\n)`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /**
   * A Keras-like table: one row per descendant module (dotted name and type), its output
   * shape when inputShape is given (the model is run once on zeros, in eval mode and
   * inside tidy(), then restored), and the parameters it owns directly; then the totals.
   * @param inputShape the input's shape, or a list of shapes for several inputs
   * @example console.log(model.summary([1, 784]))
   */
  summary(inputShape?: number[] | number[][], { dtype = 'float32' as DType } = {}): string {
    const named = this.namedModules().filter(([n]) => n !== '');
    const rows: Array<[string, string, number]> = [];
    const shapes = new Map<Module, string>();
    if (inputShape !== undefined) {
      if (!Array.isArray(inputShape)) throw new ArgumentError('summary', `inputShape must be an array, got ${typeof inputShape}`);
      const shapesIn = (inputShape.length > 0 && Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as number[][];
      const wasTraining = this.training;
      const patched: Module[] = [];
      for (const [, m] of named) {
        const f = m.forward;
        Object.defineProperty(m, 'forward', {
          configurable: true,
          writable: true,
          enumerable: false,
          value: (...args: unknown[]) => {
            const out = f.apply(m, args);
            shapes.set(m, shapeOf(out));
            return out;
          },
        });
        patched.push(m);
      }
      this.eval();
      try {
        tidy(() => {
          const out = this.forward(...shapesIn.map((s) => zeros(s, { dtype })));
          shapes.set(this, shapeOf(out));
        });
      } finally {
        for (const m of patched) delete (m as unknown as Record<string, unknown>).forward;
        this.train(wasTraining);
      }
    }
    for (const [name, m] of named) {
      rows.push([`${name} (${m.constructor.name})`, shapes.get(m) ?? '', m.parameters(false).reduce((a, p) => a + p.size, 0)]);
    }
    const all = this.parameters();
    const total = all.reduce((a, p) => a + p.size, 0);
    const trainable = all.filter((p) => p.requiresGrad).reduce((a, p) => a + p.size, 0);
    const showShape = inputShape !== undefined;
    const head: [string, string, string] = ['Layer (type)', 'Output Shape', 'Param #'];
    const w0 = Math.max(head[0].length, ...rows.map((r) => r[0].length)) + 2;
    const w1 = Math.max(head[1].length, ...rows.map((r) => r[1].length)) + 2;
    const fmt = (a: string, b: string, c: string) => (showShape ? a.padEnd(w0) + b.padEnd(w1) + c : a.padEnd(w0) + c);
    const width = fmt(head[0], head[1], head[2]).length + 4;
    const out = [`Model: ${this.constructor.name}`, '='.repeat(width), fmt(...head), '='.repeat(width)];
    for (const r of rows) out.push(fmt(r[0], r[1], r[2].toLocaleString('en-US')));
    if (showShape) out.push('-'.repeat(width), fmt('Output', shapes.get(this) ?? '', ''));
    out.push('='.repeat(width));
    out.push(`Total params: ${total.toLocaleString('en-US')}`);
    out.push(`Trainable params: ${trainable.toLocaleString('en-US')}`);
    out.push(`Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`);
    return out.join('\n');
  }
}
