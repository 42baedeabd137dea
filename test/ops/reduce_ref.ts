/**
 * Float64 references for the reduce family, written as plain loops over row-major
 * values, and the table of dims each shape is reduced over.
 */
import { expect } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { expectClose, makeTensor, numel, randomValues, rng, SHAPES, type Layout } from '../helpers';

export type Dims = number | number[] | undefined;

/** The dims to test a shape with: all, single dims (negative too), several, unsorted. */
export function dimCombos(nd: number): Dims[] {
  if (nd === 0) return [undefined, 0, -1];
  const out: Dims[] = [undefined, 0, -1];
  if (nd >= 2) out.push(1, [nd - 1, 0], []);
  if (nd >= 3) out.push([1, -1]);
  if (nd >= 4) out.push([0, 2, 3], -3);
  return out;
}

export function normDimsRef(nd: number, dims: Dims): number[] {
  if (dims === undefined || (Array.isArray(dims) && dims.length === 0)) return Array.from({ length: nd }, (_, i) => i);
  if (nd === 0) return [];
  const list = Array.isArray(dims) ? dims : [dims];
  return list.map((d) => (d < 0 ? d + nd : d)).sort((a, b) => a - b);
}

/**
 * Groups the elements of a row-major tensor by output position (reduced dims removed);
 * each group lists its elements in row-major order of the reduced dims.
 */
export function groupsOf(values: ArrayLike<number>, shape: number[], dims: number[]): { outShape: number[]; keepShape: number[]; groups: number[][] } {
  const nd = shape.length;
  const kept = Array.from({ length: nd }, (_, i) => i).filter((i) => !dims.includes(i));
  const outShape = kept.map((i) => shape[i]);
  const keepShape = shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const groups: number[][] = Array.from({ length: numel(outShape) }, () => []);
  const idx = new Array(nd).fill(0);
  const n = numel(shape);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (const k of kept) o = o * shape[k] + idx[k];
    groups[o].push(values[i]);
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return { outShape, keepShape, groups };
}

/** Reference reduction: f maps one group (in order) to its result. */
export function refReduce(values: ArrayLike<number>, shape: number[], dims: Dims, keepdim: boolean, f: (xs: number[]) => number): { shape: number[]; values: Float64Array } {
  const nd = normDimsRef(shape.length, dims);
  const g = groupsOf(values, shape, nd);
  return { shape: keepdim ? g.keepShape : g.outShape, values: Float64Array.from(g.groups.map(f)) };
}

/**
 * Reference for ops along one dim (softmax, cumsum): f maps one line (in order) to its
 * outputs, written back in place of the line.
 */
export function refAlong(values: ArrayLike<number>, shape: number[], dim: number, f: (xs: number[]) => number[]): Float64Array {
  const nd = shape.length;
  const out = new Float64Array(values.length);
  if (nd === 0) {
    out[0] = f([values[0]])[0];
    return out;
  }
  const d = dim < 0 ? dim + nd : dim;
  const stride = numel(shape.slice(d + 1));
  const len = shape[d];
  const outer = numel(shape.slice(0, d));
  for (let o = 0; o < outer; o++) {
    for (let inner = 0; inner < stride; inner++) {
      const base = o * len * stride + inner;
      const line: number[] = [];
      for (let i = 0; i < len; i++) line.push(values[base + i * stride]);
      const r = f(line);
      for (let i = 0; i < len; i++) out[base + i * stride] = r[i];
    }
  }
  return out;
}

export const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];

export interface Case {
  shape: number[];
  layout: Layout;
  dtype: DType;
  values: Float64Array;
  x: Tensor;
  label: string;
}

/** Runs body on a fresh random input for every shape in SHAPES and layout; disposes it after. */
export function forEachInput(dtypes: DType[], seed: number, body: (c: Case) => void,
  opts: { range?: [number, number]; shapes?: number[][]; whole?: boolean } = {}): void {
  const r = rng(seed);
  const range = opts.range ?? [-3, 3];
  const shapes = opts.shapes ?? SHAPES;
  for (const dtype of dtypes) {
    for (const shape of shapes) {
      for (const layout of LAYOUTS) {
        const values = randomValues(numel(shape), dtype, r, range[0], range[1]);
        // whole numbers in any dtype: zeros and ties for all/any/argmax
        if (opts.whole) for (let i = 0; i < values.length; i++) values[i] = Math.floor(values[i]);
        const x = makeTensor(values, shape, dtype, layout);
        try {
          body({ shape, layout, dtype, values, x, label: `${dtype} ${JSON.stringify(shape)} ${layout}` });
        } finally {
          x.dispose();
        }
      }
    }
  }
}

/** Checks a result tensor's dtype, shape and values against a reference; disposes it. */
export function check(t: Tensor, expected: { shape: number[]; values: ArrayLike<number> }, dtype: DType, tol: { rtol?: number; atol?: number }, what: string): void {
  try {
    expect(t.dtype, `${what} dtype`).toBe(dtype);
    expect(t.shape, `${what} shape`).toEqual(expected.shape);
    expectClose(t.dataSync(), expected.values, { ...tol, what });
  } finally {
    t.dispose();
  }
}

/** Sets the kernel path for a describe block, restoring AVX2 (if present) afterwards. */
export function kernelPaths(): [string, boolean][] {
  return tf.backendInfo().cpu.avx2 ? [['avx2', false], ['portable', true]] : [['portable', true]];
}

/** int32 wrapping sum and product, as the kernels compute them. */
export const i32 = {
  sum: (xs: number[]) => xs.reduce((a, b) => (a + b) | 0, 0),
  prod: (xs: number[]) => xs.reduce((a, b) => Math.imul(a, b), 1),
};
