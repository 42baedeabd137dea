/**
 * Test helpers: a seeded JS random source independent of tensorforge's generator,
 * tensors built from known float64 values (contiguous or not), a float64 broadcasting
 * reference, and closeness checks whose failure message shows where and by how much.
 */
import { expect } from 'vitest';
import * as tf from '../lib/index';
import type { DType, Tensor } from '../lib/index';

/** mulberry32: small, seedable, good enough for test inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Random values for a dtype: floats in [lo, hi), ints in [lo, hi), bools 0/1. */
export function randomValues(n: number, dtype: DType, r: () => number, lo = -3, hi = 3): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'bool') out[i] = r() < 0.5 ? 1 : 0;
    else if (dtype === 'int32') out[i] = Math.floor(lo + r() * (hi - lo));
    else out[i] = dtype === 'float32' ? Math.fround(lo + r() * (hi - lo)) : lo + r() * (hi - lo);
  }
  return out;
}

export type Layout = 'contiguous' | 'transposed' | 'sliced' | 'expanded';

/**
 * A tensor of `shape` holding `values` (row-major), laid out as asked:
 * 'transposed' stores it permuted and views it back, 'sliced' takes every other element
 * of a larger tensor, 'expanded' is not used here (see broadcast tests).
 */
export function makeTensor(values: Float64Array, shape: number[], dtype: DType, layout: Layout = 'contiguous'): Tensor {
  if (layout === 'contiguous' || shape.length === 0 || numel(shape) === 0) {
    return tf.tensor(toTyped(values, dtype), { shape, dtype });
  }
  if (layout === 'transposed') {
    // Store with dims reversed, then permute back: strides are non-contiguous.
    const nd = shape.length;
    const rev = shape.slice().reverse();
    const stored = new Float64Array(values.length);
    const idx = new Array(nd).fill(0);
    for (let i = 0; i < values.length; i++) {
      let r = 0;
      for (let d = 0; d < nd; d++) r = r * rev[d] + idx[nd - 1 - d];
      stored[r] = values[i];
      for (let d = nd - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
    const base = tf.tensor(toTyped(stored, dtype), { shape: rev, dtype });
    const perm = Array.from({ length: nd }, (_, i) => nd - 1 - i);
    const v = base.permute(perm);
    base.dispose();
    return v;
  }
  // 'sliced': a tensor twice as long in the last dim, every other element taken
  const big = shape.slice();
  big[big.length - 1] *= 2;
  const stored = new Float64Array(numel(big));
  const last = shape[shape.length - 1];
  for (let i = 0; i < values.length; i++) {
    const row = Math.floor(i / last);
    const col = i % last;
    stored[row * last * 2 + col * 2] = values[i];
    stored[row * last * 2 + col * 2 + 1] = 12345; // poison: must never be read
  }
  const base = tf.tensor(toTyped(stored, dtype), { shape: big, dtype });
  const v = base.slice(shape.length - 1, 0, null, 2);
  base.dispose();
  return v;
}

export function toTyped(values: ArrayLike<number>, dtype: DType) {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'bool': return Uint8Array.from(values, (v) => (v ? 1 : 0));
  }
}

/** Float64 reference of an elementwise op over NumPy broadcasting. */
export function refBroadcast(
  a: { shape: number[]; values: ArrayLike<number> },
  b: { shape: number[]; values: ArrayLike<number> },
  fn: (x: number, y: number) => number,
): { shape: number[]; values: Float64Array } {
  const nd = Math.max(a.shape.length, b.shape.length);
  const pad = (s: number[]) => [...new Array(nd - s.length).fill(1), ...s];
  const sa = pad(a.shape);
  const sb = pad(b.shape);
  const shape = sa.map((d, i) => Math.max(d, sb[i]));
  for (let i = 0; i < nd; i++) {
    if (sa[i] !== sb[i] && sa[i] !== 1 && sb[i] !== 1) throw new Error('reference: shapes do not broadcast');
    if (sa[i] === 0 || sb[i] === 0) shape[i] = 0;
  }
  const n = numel(shape);
  const out = new Float64Array(n);
  const idx = new Array(nd).fill(0);
  const stridesOf = (s: number[]) => {
    const st = new Array(nd).fill(0);
    let acc = 1;
    for (let d = nd - 1; d >= 0; d--) {
      st[d] = s[d] === 1 ? 0 : acc;
      acc *= s[d];
    }
    return st;
  };
  const ta = stridesOf(sa);
  const tb = stridesOf(sb);
  for (let i = 0; i < n; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < nd; d++) {
      ia += idx[d] * ta[d];
      ib += idx[d] * tb[d];
    }
    out[i] = fn(a.values[ia], b.values[ib]);
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape, values: out };
}

/**
 * Checks |actual - expected| <= atol + rtol * |expected| elementwise (NaN must match NaN,
 * infinities must match exactly), and reports the worst element on failure.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: { rtol?: number; atol?: number; what?: string } = {}): void {
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-6;
  expect(actual.length, `${opts.what ?? ''} length`).toBe(expected.length);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) {
        worst = i;
        worstErr = Infinity;
        break;
      }
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) {
        worst = i;
        worstErr = Infinity;
        break;
      }
      continue;
    }
    const err = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (err > 0 && err > worstErr) {
      worstErr = err;
      worst = i;
    }
  }
  if (worst >= 0) {
    expect.fail(`${opts.what ?? 'values'} differ at index ${worst}: got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Tolerances suited to a dtype for results of a few float operations. */
export function tolFor(dtype: DType): { rtol: number; atol: number } {
  return dtype === 'float64' ? { rtol: 1e-10, atol: 1e-12 } : dtype === 'float32' ? { rtol: 2e-5, atol: 1e-6 } : { rtol: 0, atol: 0 };
}

/** Shapes that exercise the edge cases: 0-d, empty, odd sizes, one and many dims. */
export const SHAPES: number[][] = [[], [1], [7], [0], [3, 0], [2, 3], [17, 5], [3, 1, 4], [2, 3, 4, 5], [1000], [33, 257]];

/** Pairs of shapes that broadcast against each other. */
export const BROADCAST_PAIRS: [number[], number[]][] = [
  [[2, 3], [3]], [[4, 1], [1, 5]], [[], [2, 3]], [[3, 1, 5], [4, 1]], [[2, 0], [1]], [[7, 1], [7, 9]], [[1], [1000]], [[6, 1, 1, 3], [1, 4, 5, 1]],
];

// erf in float64: the Taylor series below |x| = 1.5, the continued fraction of erfc above
// (both accurate to ~1e-16 there).
export function erfRef(x: number): number {
  const ax = Math.abs(x);
  if (ax < 1.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (x < 0) return -1 + erfcTail(ax);
  return 1 - erfcTail(ax);
}

/** erfc(ax) for ax >= 1.5 by its continued fraction. */
export function erfcTail(ax: number): number {
  let t = ax;
  for (let n = 400; n >= 1; n--) t = ax + n / 2 / t;
  return Math.exp(-ax * ax) / Math.sqrt(Math.PI) / t;
}

/** Options of gemmRef: C = act(alpha * A·B + beta * c0 + biasScale * bias). */
export interface GemmRefOptions {
  alpha?: number;
  beta?: number;
  c0?: Float64Array;
  bias?: Float64Array;
  /** The bias has one value per row of C (else per column). */
  biasPerRow?: boolean;
  biasScale?: number;
  act?: (v: number) => number;
}

/**
 * act(alpha * A·B + beta * c0 + biasScale * bias) in float64 over row-major A [m, k] and
 * B [k, n]; bound is the sum of the terms' magnitudes per element, for the tolerance.
 */
export function gemmRef(A: Float64Array, B: Float64Array, m: number, k: number, n: number, o: GemmRefOptions = {}): { values: Float64Array; bound: Float64Array } {
  const { alpha = 1, beta = 0, c0, bias, biasPerRow = false, biasScale = 1, act = (v: number) => v } = o;
  const values = new Float64Array(m * n);
  const bound = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let g = 0;
      for (let p = 0; p < k; p++) {
        const t = A[i * k + p] * B[p * n + j];
        s += t;
        g += Math.abs(t);
      }
      let v = alpha * s;
      g *= Math.abs(alpha);
      if (beta !== 0 && c0) {
        v += beta * c0[i * n + j];
        g += Math.abs(beta * c0[i * n + j]);
      }
      if (bias) {
        const b = biasScale * bias[biasPerRow ? i : j];
        v += b;
        g += Math.abs(b);
      }
      values[i * n + j] = act(v);
      bound[i * n + j] = g;
    }
  }
  return { values, bound };
}
