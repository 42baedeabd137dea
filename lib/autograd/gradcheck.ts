/**
 * gradcheck: compares the gradients autograd computes with central finite differences
 * in float64, element by element of the full Jacobian (each output element against
 * each input element).
 */
import { ArgumentError, TensorforgeError, fmtShape } from '../errors';
import { tidy } from '../scope';
import { Tensor, isTensor } from '../tensor';
import { tensor } from '../creation';
import { enableGrad, noGrad } from './graph';
import { grad } from './engine';

/** A gradient that does not match its finite-difference estimate. */
export class GradcheckError extends TensorforgeError {}

/** Options of gradcheck. */
export interface GradcheckOptions {
  /** Step of the central differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, of the numerical value (default 1e-3). */
  rtol?: number;
}

type Outputs = Tensor | Tensor[];

function outputsOf(op: string, r: unknown): Tensor[] {
  const list = Array.isArray(r) ? r : [r];
  list.forEach((t, i) => {
    if (!isTensor(t)) throw new ArgumentError(op, `fn must return a Tensor or an array of Tensors; output ${i} is ${t === null ? 'null' : typeof t}`);
  });
  return list as Tensor[];
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/**
 * Checks fn's gradients with respect to its inputs that require grad: the analytical
 * Jacobian (autograd, one backward per output element) against central finite
 * differences (fn(x + eps) - fn(x - eps)) / 2 eps, both in float64. Returns true, or
 * throws GradcheckError naming the output, the input, the worst element (its index in
 * each) and both values. Inputs that require grad must be float64; they may be any
 * strided view (the analytical pass uses them as given).
 *
 * @param fn the function to check: tensors in, a tensor (or array of tensors) out
 * @param inputs its arguments; those with requiresGrad are checked
 * @example
 * const x = tf.randn([3], { dtype: 'float64', requiresGrad: true });
 * tf.gradcheck((x) => x.sin().mul(x), [x]); // true
 */
export function gradcheck(fn: (...xs: Tensor[]) => Outputs, inputs: Tensor[], opts: GradcheckOptions = {}): true {
  const op = 'gradcheck';
  if (typeof fn !== 'function') throw new ArgumentError(op, `fn must be a function, got ${typeof fn}`);
  if (!Array.isArray(inputs)) throw new ArgumentError(op, 'inputs must be an array of tensors');
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const checked: number[] = [];
  inputs.forEach((t, i) => {
    if (!isTensor(t)) throw new ArgumentError(op, `input ${i} is not a Tensor`);
    t.handle(op);
    if (t.requiresGrad) {
      if (t.dtype !== 'float64') throw new ArgumentError(op, `input ${i} (shape ${fmtShape(t.shape)}) requires grad but is ${t.dtype}; gradcheck needs float64 inputs (finite differences in float32 are too coarse)`);
      checked.push(i);
    }
  });
  if (checked.length === 0) throw new ArgumentError(op, 'no input requires grad: nothing to check');

  // Analytical Jacobians: jac[k][o] is a Float64Array [numel(input k) x numel(output o)].
  const analytical = tidy(() => {
    const outs = enableGrad(() => outputsOf(op, fn(...inputs)));
    const res: Float64Array[][] = checked.map(() => []);
    outs.forEach((out, o) => {
      const m = out.size;
      const cols = checked.map((k) => new Float64Array(inputs[k].size * m));
      res.forEach((r, c) => (r[o] = cols[c]));
      if (!out.requiresGrad || (out.dtype !== 'float32' && out.dtype !== 'float64')) return; // no gradient: zeros
      for (let j = 0; j < m; j++) {
        const onehot = new Float64Array(m);
        onehot[j] = 1;
        const go = tensor(onehot, { shape: out.shape.slice(), dtype: out.dtype });
        const gs = grad([out], checked.map((k) => inputs[k]), [go], { retainGraph: true, allowUnused: true });
        go.dispose();
        gs.forEach((g, c) => {
          if (g === null) return;
          const v = g.dataSync();
          g.dispose();
          const n = inputs[checked[c]].size;
          for (let i = 0; i < n; i++) cols[c][i * m + j] = v[i];
        });
      }
    });
    return res;
  });

  // Numerical Jacobians from contiguous float64 copies of the inputs.
  const base = inputs.map((t) => (t.requiresGrad ? Float64Array.from(t.dataSync()) : null));
  const evalAt = (k: number, values: Float64Array): Float64Array[] =>
    tidy(() => {
      const args = inputs.map((t, i) => (i === k ? tensor(values, { shape: t.shape.slice(), dtype: 'float64' }) : t));
      return noGrad(() => outputsOf(op, fn(...args))).map((o) => Float64Array.from(o.dataSync()));
    });
  checked.forEach((k, c) => {
    const x = base[k] as Float64Array;
    const cols = analytical[c];
    let worst: { o: number; i: number; j: number; num: number; ana: number; excess: number } | null = null;
    for (let i = 0; i < x.length; i++) {
      const orig = x[i];
      x[i] = orig + eps;
      const plus = evalAt(k, x);
      x[i] = orig - eps;
      const minus = evalAt(k, x);
      x[i] = orig;
      plus.forEach((p, o) => {
        const m = p.length;
        const col = cols[o];
        if (col.length !== x.length * m) {
          throw new GradcheckError(op, `output ${o} changed size between evaluations (${col.length / Math.max(1, x.length)} vs ${m} elements)`);
        }
        for (let j = 0; j < m; j++) {
          const num = (p[j] - minus[o][j]) / (2 * eps);
          const ana = col[i * m + j];
          const excess = Math.abs(num - ana) - (atol + rtol * Math.abs(num));
          if (!(excess <= 0) && (worst === null || !(excess <= worst.excess))) worst = { o, i, j, num, ana, excess };
        }
      });
    }
    if (worst !== null) {
      const w = worst as { o: number; i: number; j: number; num: number; ana: number };
      const inShape = inputs[k].shape;
      throw new GradcheckError(op, `Jacobian mismatch for output ${w.o} with respect to input ${k} (shape ${fmtShape(inShape)}): worst at input element ${w.i} (index ${fmtShape(unravel(w.i, inShape))}), output element ${w.j}: numerical ${w.num}, analytical ${w.ana} (atol ${atol}, rtol ${rtol})`);
    }
  });
  return true;
}

/** Options of gradgradcheck. */
export interface GradgradcheckOptions extends GradcheckOptions {
  /** The gradients of fn's outputs to differentiate with (default: fixed pseudo-random values). */
  gradOutputs?: Tensor[];
}

/** Fixed, irregular values in (-1, 1) (no zeros, no pattern a bug could hide behind). */
function spread(n: number, seed: number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453;
    v[i] = 0.2 + 0.8 * (s - Math.floor(s)) * (i % 2 === 0 ? 1 : -1);
  }
  return v;
}

/**
 * Checks second derivatives (PyTorch's gradgradcheck): gradcheck of the function
 * (inputs, gradOutputs) -> the gradients of fn's outputs with respect to its inputs that
 * require grad, computed with createGraph. So the derivatives of the backward with
 * respect to the inputs and to the output gradients are compared with finite
 * differences of the backward. Inputs that require grad must be float64.
 *
 * @param fn the function to check
 * @param inputs its arguments; those with requiresGrad are differentiated
 * @example
 * const x = tf.randn([2, 1, 5, 5], { dtype: 'float64', requiresGrad: true });
 * const w = tf.randn([3, 1, 3, 3], { dtype: 'float64', requiresGrad: true });
 * tf.gradgradcheck((x, w) => tf.conv2d(x, w).tanh(), [x, w]); // true
 */
export function gradgradcheck(fn: (...xs: Tensor[]) => Outputs, inputs: Tensor[], opts: GradgradcheckOptions = {}): true {
  const op = 'gradgradcheck';
  if (typeof fn !== 'function') throw new ArgumentError(op, `fn must be a function, got ${typeof fn}`);
  if (!Array.isArray(inputs)) throw new ArgumentError(op, 'inputs must be an array of tensors');
  const diff: number[] = [];
  inputs.forEach((t, i) => {
    if (!isTensor(t)) throw new ArgumentError(op, `input ${i} is not a Tensor`);
    if (t.requiresGrad) diff.push(i);
  });
  if (diff.length === 0) throw new ArgumentError(op, 'no input requires grad: nothing to check');
  const n = inputs.length;
  let gos = opts.gradOutputs;
  const made: Tensor[] = [];
  if (gos === undefined) {
    const shapes = tidy(() => enableGrad(() => outputsOf(op, fn(...inputs)).map((o) => o.shape.slice())));
    gos = shapes.map((s, k) => {
      const t = tensor(spread(s.reduce((a, b) => a * b, 1), k + 1), { shape: s, dtype: 'float64' });
      made.push(t);
      return t;
    });
  } else if (!Array.isArray(gos) || !gos.every(isTensor)) {
    throw new ArgumentError(op, 'gradOutputs must be an array of tensors, one per output of fn');
  }
  const goList = gos.map((g) => (g.requiresGrad || g.dtype !== 'float64' ? g : g.detach().requiresGrad_()));
  // The backward of fn as a function: inputs that do not require grad (the perturbed copies
  // of the numerical pass) are made leaves that do.
  const backwardOf = (...args: Tensor[]): Tensor[] => enableGrad(() => {
    const xs = args.slice(0, n).map((x, i) => (diff.includes(i) && !x.requiresGrad ? x.detach().requiresGrad_() : x));
    const outs = outputsOf(op, fn(...xs));
    const roots: Tensor[] = [];
    const gs: Tensor[] = [];
    outs.forEach((o, k) => {
      if (o.requiresGrad) {
        roots.push(o);
        gs.push(args[n + k]);
      }
    });
    // (Outputs that do not depend on the inputs through recorded ops would make the check vacuous.)
    if (roots.length === 0) throw new GradcheckError(op, `none of fn's outputs (shapes ${outs.map((o) => fmtShape(o.shape)).join(', ')}) requires grad: there is no backward to check`);
    const targets = diff.map((i) => xs[i]);
    const res = grad(roots, targets, gs, { createGraph: true, allowUnused: true });
    return res.map((g, j) => g ?? zerosOf(targets[j]));
  });
  try {
    return gradcheck(backwardOf, [...inputs, ...goList], opts);
  } finally {
    for (const t of made) t.dispose();
  }
}

function zerosOf(t: Tensor): Tensor {
  return tensor(new Float64Array(t.size), { shape: t.shape.slice(), dtype: 'float64' });
}
