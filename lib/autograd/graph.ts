/**
 * The autograd graph: grad mode (noGrad / enableGrad), the graph node every
 * differentiable op records after its forward, and the guard of in-place ops.
 *
 * An op file computes its forward, then, when grad mode is on and an input requires
 * grad (one cheap check: `needsGrad(x)`), calls `record(name, out, inputs, backward,
 * saved)`. The backward closure receives the gradient of the output and returns one
 * gradient per input (null where there is none). It is written with public ops, so it
 * works on every device; it may return the incoming gradient itself or views of it, but
 * never a tensor of the forward pass (the engine disposes what it is given). Returned
 * gradients may have the output's broadcast shape or another float dtype: the engine sums
 * them back to the input's shape and casts them to its dtype, as PyTorch's engine does.
 */
import { type DType } from '../dtype';
import { ArgumentError, TensorforgeError, fmtShape } from '../errors';
import { type GradFn, Tensor } from '../tensor';

/** Errors of the autograd engine: backward through freed graphs, modified saved tensors, ... */
export class AutogradError extends TensorforgeError {}

let gradEnabled = true;

/** Whether operations are recorded for autograd now (false inside noGrad). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Sets grad mode; returns the previous mode. Prefer noGrad(fn) / enableGrad(fn). */
export function setGradEnabled(enabled: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = Boolean(enabled);
  return prev;
}

function withMode<T>(op: string, on: boolean, fn: () => T): T {
  if (typeof fn !== 'function') throw new ArgumentError(op, `expected a function, got ${typeof fn}`);
  const prev = gradEnabled;
  gradEnabled = on;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Runs fn with grad mode off: nothing it computes is recorded, and in-place updates of
 * parameters are allowed (what optimizers do). Returns fn's result.
 * @example
 * tf.noGrad(() => w.sub_(w.grad!, { alpha: 0.1 }));
 * const pred = tf.noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  return withMode('noGrad', false, fn);
}

/**
 * Runs fn with grad mode on, also inside noGrad. Returns fn's result.
 * @example tf.noGrad(() => tf.enableGrad(() => x.mul(2))).requiresGrad // true when x requires grad
 */
export function enableGrad<T>(fn: () => T): T {
  return withMode('enableGrad', true, fn);
}

/** True when grad mode is on and x is a tensor that requires grad: the one check ops make. */
export function needsGrad(x: unknown): boolean {
  return gradEnabled && x instanceof Tensor && x.requiresGrad;
}

/** needsGrad for two operands (tensors or scalars). */
export function needsGrad2(a: unknown, b: unknown): boolean {
  return gradEnabled && ((a instanceof Tensor && a.requiresGrad) || (b instanceof Tensor && b.requiresGrad));
}

/** needsGrad for a list of operands. */
export function needsGradAny(list: readonly unknown[]): boolean {
  if (!gradEnabled) return false;
  for (const x of list) if (x instanceof Tensor && x.requiresGrad) return true;
  return false;
}

/** Gradients a backward returns: one per input, null (or undefined) where there is none. */
export type GradList = readonly (Tensor | null | undefined)[];
/** Backward of a one-output op: the output's gradient in, one gradient per input out. */
export type BackwardFn = (grad: Tensor, node: Node) => GradList;
/** Backward of a several-output op (split, unbind): gradients of outputs that got none are null. */
export type MultiBackwardFn = (grads: (Tensor | null)[], node: Node) => GradList;

let sequence = 0;

/** A node of the graph: the op that made a tensor, how to get its inputs' gradients, what it saved. */
export class Node implements GradFn {
  /** The op's name ('mul', 'matmul', ...). */
  readonly name: string;
  /** The inputs that require grad (null for the others: scalars, constants, indices). */
  readonly inputs: (Tensor | null)[];
  /** The node that made each input (null for a leaf, whose .grad is accumulated). */
  readonly nextFns: (Node | null)[];
  /** Which output of nextFns[i] inputs[i] is. */
  readonly nextNrs: number[];
  /** Number of outputs. */
  readonly numOutputs: number;
  /** Creation order. */
  readonly seq: number;
  /** @internal The backward closure; null once released after a backward. */
  fn: BackwardFn | MultiBackwardFn | null;
  /** @internal Tensors the backward reads, checked against in-place changes. */
  saved: readonly Tensor[] | null;
  /** @internal Storage versions of `saved` when they were saved. */
  versions: number[] | null;
  /** @internal Outputs whose gradient retainGrad() asked to keep, by output number. */
  retained: (Tensor | null)[] | null = null;
  /** @internal Gradients of the outputs gathered during a backward. */
  buf: (Tensor | null)[] | null = null;
  /** @internal Edges from not-yet-run nodes during a backward. */
  deps = 0;
  /** @internal The backward pass that last visited this node. */
  mark = 0;
  /**
   * @internal During an autograd.grad pass: which inputs lead to a requested tensor (null:
   * all). Input edges that lead nowhere are skipped, as in PyTorch.
   */
  wanted: boolean[] | null = null;

  constructor(name: string, inputs: readonly unknown[], fn: BackwardFn | MultiBackwardFn, saved: readonly Tensor[] | undefined, numOutputs: number) {
    this.name = name;
    this.seq = sequence++;
    const n = inputs.length;
    this.inputs = new Array(n);
    this.nextFns = new Array(n);
    this.nextNrs = new Array(n);
    for (let i = 0; i < n; i++) {
      const x = inputs[i];
      if (x instanceof Tensor && x.requiresGrad) {
        this.inputs[i] = x;
        const [f, nr] = resolveGradFn(x.gradFn);
        this.nextFns[i] = f;
        this.nextNrs[i] = nr;
      } else {
        this.inputs[i] = null;
        this.nextFns[i] = null;
        this.nextNrs[i] = 0;
      }
    }
    this.fn = fn;
    this.numOutputs = numOutputs;
    if (saved !== undefined && saved.length !== 0) {
      this.saved = saved;
      this.versions = saved.map((t) => t.storage.version);
    } else {
      this.saved = null;
      this.versions = null;
    }
  }

  /** Whether input i needs a gradient (backward closures skip the others). */
  needs(i: number): boolean {
    return this.inputs[i] !== null && (this.wanted === null || this.wanted[i]);
  }

  /** Whether the saved tensors are still held (false after a backward without retainGraph). */
  get isReleased(): boolean {
    return this.fn === null;
  }

  /** @internal Drops the closure and the saved tensors (they stay owned by their creators). */
  release(): void {
    this.fn = null;
    this.saved = null;
    this.versions = null;
  }

  toString(): string {
    return `<${this.name}Backward>`;
  }
}

/** The gradFn of output `nr` of a several-output node. */
export class OutputRef implements GradFn {
  constructor(readonly node: Node, readonly nr: number) {}
  get name(): string {
    return this.node.name;
  }
  toString(): string {
    return `<${this.node.name}Backward[${this.nr}]>`;
  }
}

/** A tensor's gradFn as (node, output number); [null, 0] for a leaf. */
export function resolveGradFn(f: GradFn | null): [Node | null, number] {
  if (f === null) return [null, 0];
  if (f instanceof Node) return [f, 0];
  if (f instanceof OutputRef) return [f.node, f.nr];
  throw new AutogradError('autograd', `unknown gradFn ${String(f)}`);
}

function isFloatDType(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/**
 * Records a one-output op: `out` gets a node whose backward is `fn`. Call it after the
 * forward when needsGrad(...) is true. `saved` lists the tensors fn reads (inputs or
 * the output), so that in-place changes to them are caught at backward. Outputs of
 * non-float dtypes are not differentiable and are returned unrecorded.
 * @example
 * // in an op file:
 * const out = forward(x);
 * return needsGrad(x) ? record('exp', out, [x], (g) => [g.mul(out)], [out]) : out;
 */
export function record(name: string, out: Tensor, inputs: readonly unknown[], fn: BackwardFn, saved?: readonly Tensor[]): Tensor {
  if (!isFloatDType(out.dtype) || !needsGradAny(inputs)) return out;
  const node = new Node(name, inputs, fn, saved, 1);
  out.requiresGrad = true;
  out.gradFn = node;
  return out;
}

/** Records a several-output op (split, chunk, unbind): output i gets gradFn OutputRef(node, i). */
export function recordMulti(name: string, outs: Tensor[], inputs: readonly unknown[], fn: MultiBackwardFn, saved?: readonly Tensor[]): Tensor[] {
  if (outs.length === 0 || !isFloatDType(outs[0].dtype) || !needsGradAny(inputs)) return outs;
  const node = new Node(name, inputs, fn, saved, outs.length);
  for (let i = 0; i < outs.length; i++) {
    outs[i].requiresGrad = true;
    outs[i].gradFn = new OutputRef(node, i);
  }
  return outs;
}

/**
 * The guard of in-place ops. Returns true when the op must be recorded on x's history
 * (x, or the other operand, requires grad and grad mode is on), and throws where
 * autograd cannot follow the change: a leaf that requires grad (like PyTorch; optimizers
 * update parameters inside noGrad), an op without an in-place gradient
 * (`supported` false), or a tensor sharing its memory with other live tensors (a view or
 * its base, whose histories would not see the change).
 */
export function inPlaceNeedsGrad(op: string, x: Tensor, other: unknown, supported: boolean): boolean {
  if (!gradEnabled) return false;
  const xr = x.requiresGrad;
  if (!xr && !(other instanceof Tensor && other.requiresGrad)) return false;
  const what = `tensor of shape ${fmtShape(x.shape)} (${x.dtype})`;
  if (xr && x.gradFn === null) {
    throw new AutogradError(op, `a leaf ${what} that requires grad cannot be modified in place while grad mode is on; update it inside tf.noGrad(() => ...) (as optimizers do), or use the out-of-place op`);
  }
  if (!supported) {
    throw new AutogradError(op, `in-place ${op} is not supported by autograd on a ${what} that requires grad (or with an operand that does); use the out-of-place op`);
  }
  if (x.storage.refs > 1) {
    throw new AutogradError(op, `the ${what} shares its memory with another live tensor (a view or its base), and autograd does not follow in-place changes through views; use the out-of-place op, or clone() first`);
  }
  return true;
}

/**
 * Disposes temporaries of a backward closure, except when a graph of the backward is
 * being built (createGraph), where recorded ops may have saved them.
 */
export function disposeTemps(...ts: (Tensor | null | undefined)[]): void {
  if (gradEnabled) return;
  for (const t of ts) t?.dispose();
}
