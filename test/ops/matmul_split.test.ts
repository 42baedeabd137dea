/**
 * How the GEMM splits mid-size products between threads, against a float64 reference
 * written as plain loops: products up to 2^24 multiply-adds whose threads each take whole
 * row tiles and read B in place (float32 with AVX2; the portable kernels and float64 take
 * the column split), at the edges of that path (the fewest row tiles, the most rows per
 * thread, N at one panel and with a short last panel, K over several blocks), A row- and
 * column-major, C with a row stride, beta = 0 over NaN, beta != 0, a bias per row or per
 * column with each activation; on 1 and 2 threads, with the default and portable kernels.
 * Tall products (K at least 4 x M and N, over 2^24 multiply-adds) split K between the
 * threads instead, each into its own partial C, added at the end: three of those, one
 * with K odd and not a multiple of the thread count.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType } from '../../lib/index';
import { native } from '../../lib/native';
import { erfRef as erf, gemmRef, makeTensor, randomValues, rng } from '../helpers';

const ACTS = ['none', 'relu', 'gelu', 'sigmoid', 'tanh'] as const;
const ACT_FN: ((v: number) => number)[] = [
  (v) => v,
  (v) => (v > 0 ? v : 0),
  (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  (v) => 1 / (1 + Math.exp(-v)),
  (v) => Math.tanh(v),
];

interface Opts { alpha: number; beta: number; c0?: Float64Array; bias?: Float64Array; biasPerRow?: boolean; biasScale?: number; act?: number }

/** The float64 reference with act given by its code (ACT_FN). */
function reference(A: Float64Array, B: Float64Array, m: number, k: number, n: number, o: Opts) {
  return gemmRef(A, B, m, k, n, { ...o, act: ACT_FN[o.act ?? 0] });
}

/** Checks C [m, ldc] (the first n columns) against ref, and that the columns past n still hold NaN. */
function expectRef(got: ArrayLike<number>, ref: { values: Float64Array; bound: Float64Array }, m: number, n: number, ldc: number, dtype: DType, what: string) {
  const rt = dtype === 'float32' ? 2e-5 : 1e-13;
  const at = dtype === 'float32' ? 2e-6 : 1e-13;
  expect(got.length, what).toBe(m * ldc);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < ldc; j++) {
      const g = got[i * ldc + j];
      if (j >= n) {
        if (!Number.isNaN(g)) expect.fail(`${what}: padding element (${i}, ${j}) was written: ${g}`);
        continue;
      }
      const e = ref.values[i * n + j];
      if (!(Math.abs(g - e) <= 1.13 * rt * ref.bound[i * n + j] + at * (1 + Math.abs(e)))) {
        expect.fail(`${what}: element (${i}, ${j}) is ${g}, expected ${e}`);
      }
    }
  }
}

// [m, k, n]: 128^3; the fewest row tiles the row split takes on 2 threads (4 tiles, the
// last short) and one fewer; N at one panel (32: the least it takes) and odd (a short last
// panel); K past one block; the most rows per thread (2 x 34 tiles) and one row more;
// 2^24 multiply-adds exactly; tiny K.
const SHAPES: [number, number, number][] = [
  [128, 128, 128], [19, 300, 33], [18, 100, 100], [24, 7, 32], [61, 513, 129], [132, 129, 255],
  [408, 50, 64], [409, 40, 40], [128, 1024, 128], [97, 1, 77],
  [48, 8192, 48], [37, 12007, 45], [60, 4800, 61],
];

afterAll(() => {
  tf.setPortableKernels(false);
  tf.setNumThreads(tf.backendInfo().hardwareThreads);
});

for (const portable of [false, true]) {
  describe(`GEMM thread split of mid-size products, ${portable ? 'portable' : 'default (AVX2 where available)'} kernels`, () => {
    it('row-major and column-major A, C with a row stride, beta 0 over NaN then beta != 0, bias per row or column with each activation, 1 and 2 threads', () => {
      tf.setPortableKernels(portable);
      const r = rng(portable ? 911 : 912);
      let c = 0;
      for (const dtype of ['float32', 'float64'] as DType[]) {
        const code = dtype === 'float32' ? 0 : 1;
        for (const [m, k, n] of SHAPES) {
          if (dtype === 'float64' && c % 3 !== 0) {
            c++;
            continue;
          }
          const Av = randomValues(m * k, dtype, r);
          const Bv = randomValues(k * n, dtype, r);
          const bias = randomValues(Math.max(m, n), dtype, r);
          const colA = c % 2 === 1; // A stored column-major: rsA = 1, csA = m
          const act = c % ACTS.length;
          const perRow = c % 3 !== 1;
          c++;
          const ldc = n + 3;
          for (const threads of [2, 1]) {
            tf.setNumThreads(threads);
            const what = `${dtype} [${m}, ${k}]${colA ? ' (A column-major)' : ''}·[${k}, ${n}], ${threads} threads`;
            tf.tidy(() => {
              const At = tf.tensor(colA ? transpose(Av, m, k) : Av, { shape: [m * k], dtype });
              const B = tf.tensor(Bv, { shape: [k * n], dtype });
              const C = tf.full([m, ldc], NaN, { dtype });
              const meta = new Float64Array([0, m, n, k, colA ? 1 : k, colA ? m : 1, n, 1, ldc, 1]);
              native.gemm(code, At.handle('t'), 0, B.handle('t'), 0, C.handle('t'), 0, meta, -0.75, 0);
              const first = reference(Av, Bv, m, k, n, { alpha: -0.75, beta: 0 });
              expectRef(C.dataSync(), first, m, n, ldc, dtype, `beta 0 over NaN, ${what}`);
              const c0 = Float64Array.from(first.values);
              const bt = tf.tensor(bias, { shape: [bias.length], dtype });
              native.gemm(code, At.handle('t'), 0, B.handle('t'), 0, C.handle('t'), 0, meta, 1.5, 0.5,
                bt.handle('t'), 0, perRow ? 1 : 0, perRow ? 0 : 1, 0.25, act);
              const second = reference(Av, Bv, m, k, n, { alpha: 1.5, beta: 0.5, c0, bias, biasPerRow: perRow, biasScale: 0.25, act });
              expectRef(C.dataSync(), second, m, n, ldc, dtype, `beta 0.5, bias per ${perRow ? 'row' : 'column'}, ${ACTS[act]}, ${what}`);
            });
          }
        }
      }
    });

    it('matmul and linear over the same shapes with A transposed or sliced (float32), 1 and 2 threads', () => {
      tf.setPortableKernels(portable);
      const r = rng(portable ? 913 : 914);
      let c = 0;
      for (const [m, k, n] of SHAPES) {
        const Av = randomValues(m * k, 'float32', r);
        const Bv = randomValues(k * n, 'float32', r);
        const bias = randomValues(n, 'float32', r);
        const layout = (['contiguous', 'transposed', 'sliced'] as const)[c++ % 3];
        for (const threads of [2, 1]) {
          tf.setNumThreads(threads);
          const what = `[${m}, ${k}] ${layout}·[${k}, ${n}], ${threads} threads`;
          tf.tidy(() => {
            const A = makeTensor(Av, [m, k], 'float32', layout);
            const B = tf.tensor(Bv, { shape: [k, n], dtype: 'float32' });
            expectRef(tf.matmul(A, B).dataSync(), reference(Av, Bv, m, k, n, { alpha: 1, beta: 0 }), m, n, n, 'float32', `matmul ${what}`);
            const y = tf.linear(A, B.t(), tf.tensor(bias, { shape: [n], dtype: 'float32' }), { activation: 'gelu' });
            expectRef(y.dataSync(), reference(Av, Bv, m, k, n, { alpha: 1, beta: 0, bias, act: 2 }), m, n, n, 'float32', `linear gelu ${what}`);
          });
        }
      }
    });
  });
}

function transpose(v: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = v[i * cols + j];
  return out;
}
