/**
 * The Optimizer base class, in PyTorch's shape: parameter groups with their own options,
 * step(), zeroGrad(), stateDict()/loadStateDict() with PyTorch's key names, and
 * per-parameter state tensors that the optimizer owns (kept out of tidy() scopes and
 * freed by dispose()). Each concrete optimizer updates one parameter per native call
 * (native/kernels/cpu/optim/), never element by element in JS.
 */
import { dtypeCode } from '../dtype';
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape, rethrowNative } from '../errors';
import { native, type NativeHandle } from '../native';
import { keep } from '../scope';
import { layoutMeta, sameShape } from '../shape';
import { Tensor, isTensor } from '../tensor';
import { filled } from '../creation';
import { copyToContiguous } from '../ops/copy';

/** Options every optimizer has. */
export interface BaseOptions {
  lr: number;
}

/** A parameter group as the optimizer holds it: its params and its own options. */
export type ParamGroup<O extends BaseOptions = BaseOptions> = O & {
  params: Tensor[];
  /** Extra keys set by schedulers (initialLr, maxLr, ...). */
  [key: string]: unknown;
};

/** A parameter group as given to a constructor or addParamGroup(). */
export type ParamGroupSpec<O> = Partial<O> & { params: Iterable<Tensor> | Tensor; [key: string]: unknown };

/** Parameters: an iterable of tensors, or a list of groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupSpec<O>>;

/** Per-parameter state: tensors (owned by the optimizer) and numbers (step). */
export type ParamState = Record<string, Tensor | number>;

/** PyTorch's optimizer state dict: state by parameter index, and the groups' options. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
}

/** weightDecay -> weight_decay (PyTorch's key names in state dicts). */
export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
/** weight_decay -> weightDecay. */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (isTensor(x)) return `a Tensor of shape ${fmtShape(x.shape)}`;
  if (Array.isArray(x)) return 'an array';
  return typeof x;
}

/** Reusable hyperparameter block for the native call (the kernel copies it). */
const hyper = new Float64Array(12);

export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  /** The options a group gets when it does not set them. */
  readonly defaults: Readonly<O>;
  /** The parameter groups, each with its own options (schedulers change group.lr). */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (momentum buffers, exp_avg, step, ...), keyed by parameter. */
  readonly state = new Map<Tensor, ParamState>();
  /** The optimizer's name, used in error messages ("Adam", "SGD", ...). */
  readonly name: string;
  private disposed = false;

  protected constructor(name: string, params: Params<O>, defaults: O) {
    this.name = name;
    this.defaults = Object.freeze({ ...defaults });
    this.checkOptions(defaults as ParamGroup<O>);
    if (isTensor(params)) {
      throw new ArgumentError(name, 'params must be an iterable of Tensors, got a single Tensor; wrap it in an array');
    }
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new ArgumentError(name, `params must be an iterable of Tensors or of parameter groups, got ${describe(params)}`);
    }
    const list = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new ArgumentError(name, 'got an empty parameter list');
    const first = list[0];
    if (!isTensor(first) && (first === null || typeof first !== 'object' || Array.isArray(first))) {
      throw new ArgumentError(name, `params[0] must be a Tensor or a parameter group { params, ...options }, got ${describe(first)}`);
    }
    if (isTensor(list[0])) this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupSpec<O>);
    else for (const g of list) this.addParamGroup(g as ParamGroupSpec<O>);
  }

  /** Checks a group's options; throws ArgumentError naming the optimizer and the option. */
  protected abstract checkOptions(group: ParamGroup<O>): void;
  /** Updates one parameter in place from its (contiguous) gradient. */
  protected abstract updateParam(p: Tensor, grad: Tensor, group: ParamGroup<O>, state: ParamState): void;

  /**
   * Adds a group of parameters with its own options (the others come from the defaults).
   * @example opt.addParamGroup({ params: head.parameters(), lr: 1e-2 })
   */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    this.checkLive('addParamGroup');
    if (spec === null || typeof spec !== 'object' || !('params' in spec)) {
      throw new ArgumentError(this.name, `a parameter group must be an object with a params key, got ${describe(spec)}`);
    }
    const raw = spec.params as unknown;
    const params: unknown[] = isTensor(raw) ? [raw] : raw && typeof (raw as Iterable<unknown>)[Symbol.iterator] === 'function' ? Array.from(raw as Iterable<unknown>) : [raw];
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    params.forEach((p, i) => {
      if (!isTensor(p)) throw new ArgumentError(this.name, `params[${i}] must be a Tensor, got ${describe(p)}`);
      p.handle(this.name);
      if (p.dtype !== 'float32' && p.dtype !== 'float64') {
        throw new DTypeError(this.name, `params[${i}] (shape ${fmtShape(p.shape)}) has dtype ${p.dtype}; only float32 and float64 parameters can be optimized`);
      }
      if (p.gradFn !== null) throw new ArgumentError(this.name, `params[${i}] (shape ${fmtShape(p.shape)}) is not a leaf tensor; only leaf tensors can be optimized`);
      if (seen.has(p)) throw new ArgumentError(this.name, `params[${i}] (shape ${fmtShape(p.shape)}) appears in more than one parameter group (or twice in one)`);
      seen.add(p);
    });
    const group = { ...this.defaults } as ParamGroup<O>;
    for (const [k, v] of Object.entries(spec)) if (k !== 'params') (group as Record<string, unknown>)[k] = v;
    group.params = params as Tensor[];
    this.checkOptions(group);
    this.paramGroups.push(group);
  }

  /**
   * Updates every parameter that has a gradient (those whose grad is null are skipped).
   * closure, when given, re-evaluates the model and returns the loss, which step returns.
   * @example loss.backward(); opt.step(); opt.zeroGrad();
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    this.checkLive('step');
    let loss: T | undefined;
    if (closure !== undefined) {
      if (typeof closure !== 'function') throw new ArgumentError(`${this.name}.step`, `closure must be a function, got ${describe(closure)}`);
      loss = closure();
    }
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const grad = p.grad;
        if (grad === null || grad === undefined) continue;
        const op = `${this.name}.step`;
        p.handle(op);
        if (!isTensor(grad)) throw new ArgumentError(op, `the grad of a parameter of shape ${fmtShape(p.shape)} is ${describe(grad)}, not a Tensor`);
        grad.handle(op);
        if (grad.dtype !== p.dtype) throw new DTypeError(op, `a parameter of dtype ${p.dtype} (shape ${fmtShape(p.shape)}) has a grad of dtype ${grad.dtype}`);
        if (!sameShape(grad.shape, p.shape)) throw new ShapeError(op, `a parameter of shape ${fmtShape(p.shape)} has a grad of shape ${fmtShape(grad.shape)}`);
        if (!p.isContiguous()) {
          throw new ArgumentError(op, `parameters must be contiguous; got one of shape ${fmtShape(p.shape)} with strides ${fmtShape(p.strides)} (make it contiguous before creating the optimizer)`);
        }
        let state = this.state.get(p);
        if (state === undefined) {
          state = {};
          this.state.set(p, state);
        }
        const g = grad.isContiguous() ? grad : copyToContiguous(op, grad);
        try {
          this.updateParam(p, g, group, state);
        } finally {
          if (g !== grad) g.dispose();
        }
        p.storage.version++;
      }
    }
    return loss;
  }

  /**
   * Resets the gradients: setToNone (the default, as in PyTorch) disposes each grad and
   * sets it to null; otherwise grads are filled with zeros in place.
   */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const grad = p.grad;
        if (grad === null || grad === undefined) continue;
        if (setToNone) {
          p.grad = null;
          grad.dispose();
        } else if (!grad.isDisposed) {
          fillZero(grad);
        }
      }
    }
  }

  /** Alias of zeroGrad (PyTorch's zero_grad). */
  zero_grad(opts?: { setToNone?: boolean }): void {
    this.zeroGrad(opts);
  }

  /**
   * The optimizer's state in PyTorch's structure: { state: { index: {...} },
   * param_groups: [{ lr, ..., params: [indices] }] }, with PyTorch's key names. State
   * tensors are the optimizer's own (live, not copies): clone them to keep them past a
   * later step() or dispose().
   */
  stateDict(): OptimizerStateDict {
    this.checkLive('stateDict');
    const state: OptimizerStateDict['state'] = {};
    const groups: OptimizerStateDict['param_groups'] = [];
    let index = 0;
    for (const group of this.paramGroups) {
      const indices: number[] = [];
      for (const p of group.params) {
        const s = this.state.get(p);
        if (s !== undefined && Object.keys(s).length !== 0) state[index] = { ...s };
        indices.push(index++);
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) {
        if (k === 'params') continue;
        out[camelToSnake(k)] = Array.isArray(v) ? v.slice() : v;
      }
      groups.push({ ...out, params: indices });
    }
    return { state, param_groups: groups };
  }

  /**
   * Loads a state dict made by stateDict() (here or by PyTorch, same key names). State
   * tensors are copied (converted to each parameter's dtype); the old state is freed.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    this.checkLive('loadStateDict');
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.param_groups) || sd.state === null || typeof sd.state !== 'object') {
      throw new ArgumentError(op, 'expected { state, param_groups } as stateDict() returns');
    }
    if (sd.param_groups.length !== this.paramGroups.length) {
      throw new ArgumentError(op, `the state dict has ${sd.param_groups.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    sd.param_groups.forEach((g, gi) => {
      const mine = this.paramGroups[gi].params;
      if (!Array.isArray(g.params) || g.params.length !== mine.length) {
        throw new ArgumentError(op, `parameter group ${gi} of the state dict has ${Array.isArray(g.params) ? g.params.length : 'no'} params, the optimizer's has ${mine.length}`);
      }
      g.params.forEach((idx, k) => byIndex.set(idx, mine[k]));
    });
    // Check everything before changing anything.
    const loaded = new Map<Tensor, [string, Tensor | number][]>();
    for (const [key, entry] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(key));
      if (p === undefined) throw new IndexError(op, `the state dict has state for parameter ${key}, which no parameter group lists`);
      const items: [string, Tensor | number][] = [];
      for (const [name, v] of Object.entries(entry)) {
        if (isTensor(v)) {
          v.handle(op);
          if (!sameShape(v.shape, p.shape)) throw new ShapeError(op, `state '${name}' of parameter ${key} has shape ${fmtShape(v.shape)}, the parameter has ${fmtShape(p.shape)}`);
        } else if (typeof v !== 'number') {
          throw new ArgumentError(op, `state '${name}' of parameter ${key} must be a Tensor or a number, got ${describe(v)}`);
        }
        items.push([name, v]);
      }
      loaded.set(p, items);
    }
    this.disposeState();
    for (const [p, items] of loaded) {
      const s: ParamState = {};
      for (const [name, v] of items) s[name] = isTensor(v) ? keep(copyToContiguous(op, v, p.dtype)) : v;
      this.state.set(p, s);
    }
    sd.param_groups.forEach((g, gi) => {
      const group = this.paramGroups[gi] as Record<string, unknown>;
      for (const [k, v] of Object.entries(g)) if (k !== 'params') group[snakeToCamel(k)] = Array.isArray(v) ? v.slice() : v;
      this.checkOptions(group as ParamGroup<O>);
    });
  }

  /** Frees every state tensor; the optimizer cannot step afterwards. Safe to call twice. */
  dispose(): void {
    this.disposeState();
    this.disposed = true;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this.state.clear();
  }

  private checkLive(what: string): void {
    if (this.disposed) throw new ArgumentError(`${this.name}.${what}`, 'the optimizer was disposed');
  }

  /** A state tensor of p's shape and dtype filled with value, owned by the optimizer. */
  protected newState(p: Tensor, value = 0): Tensor {
    return keep(filled(`${this.name}.step`, p.shape.slice(), value, p.dtype, p.device));
  }

  /** The state tensor `key` of p, created (filled with `value`) if missing. */
  protected stateTensor(state: ParamState, key: string, p: Tensor, value = 0): Tensor {
    const t = state[key];
    if (isTensor(t)) return t;
    const fresh = this.newState(p, value);
    state[key] = fresh;
    return fresh;
  }

  /** Runs the fused native step for one parameter; h are the kernel's hyperparameters. */
  protected runKernel(kind: number, p: Tensor, g: Tensor, h: readonly number[], s1: Tensor | null, s2: Tensor | null = null, s3: Tensor | null = null): void {
    const op = `${this.name}.step`;
    hyper.fill(0);
    for (let i = 0; i < h.length; i++) hyper[i] = h[i];
    const n = p.size;
    if (n === 0) return;
    const hp = p.handle(op);
    const hg = g.handle(op);
    const h1: NativeHandle | null = s1 ? s1.handle(op) : null;
    const h2: NativeHandle | null = s2 ? s2.handle(op) : null;
    const h3: NativeHandle | null = s3 ? s3.handle(op) : null;
    try {
      native.optimStep(kind, dtypeCode(p.dtype), n, hyper, hp, p.offset, hg, g.offset, h1, s1 ? s1.offset : 0, h2, s2 ? s2.offset : 0, h3, s3 ? s3.offset : 0);
    } catch (e) {
      rethrowNative(op, e);
    }
  }
}

/** Fills a tensor with zeros in place (contiguous or not). */
function fillZero(t: Tensor): void {
  const h = t.handle('zeroGrad');
  if (t.size === 0) return;
  if (t.isContiguous()) {
    native.fill(h, dtypeCode(t.dtype), t.offset, t.size, 0);
  } else {
    const z = filled('zeroGrad', t.shape.slice(), 0, t.dtype, t.device);
    try {
      native.copy(h, dtypeCode(t.dtype), t.offset, z.handle('zeroGrad'), dtypeCode(t.dtype), 0,
        layoutMeta(t.shape, t.strides, z.strides));
    } finally {
      z.dispose();
    }
  }
  t.storage.version++;
}

/** Option checks shared by the optimizers. */
export function checkNumber(op: string, name: string, v: unknown, { min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false } = {}): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ArgumentError(op, `${name} must be a number, got ${describe(v)}`);
  const lowOk = minExclusive ? v > min : v >= min;
  const highOk = maxExclusive ? v < max : v <= max;
  if (!lowOk || !highOk) {
    const lo = min === -Infinity ? '' : `${minExclusive ? '>' : '>='} ${min}`;
    const hi = max === Infinity ? '' : `${maxExclusive ? '<' : '<='} ${max}`;
    throw new ArgumentError(op, `invalid ${name} ${v}: expected ${[lo, hi].filter(Boolean).join(' and ')}`);
  }
}

export function checkBool(op: string, name: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new ArgumentError(op, `${name} must be a boolean, got ${describe(v)}`);
}
