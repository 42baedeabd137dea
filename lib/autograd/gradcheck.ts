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
