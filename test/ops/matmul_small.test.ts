/**
 * The GEMM's paths for few rows, against a float64 reference written as plain loops:
 * the few-rows path whose first row tile reads row-major B in place and packs it for
 * the other row tiles (M from 5 up to the MC block, N >= 2M), its short last panel and
 * K blocks, the register tiles for M <= 4, and the GEMV (M = 1) that splits K between
 * threads when N is small. Row-major B contiguous and with a row stride (a column
 * slice), transposed and strided operands, beta = 0 over NaN, beta != 0, the fused bias +
 * every activation, batched products with and without a broadcast operand, and a
 * prepacked weight; on 1 and 2 threads, with the default and the portable kernels.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Activation, DType, Tensor } from '../../lib/index';
import { native } from '../../lib/native';
import { erfRef as erf, makeTensor, randomValues, rng, type Layout } from '../helpers';

const ACT: Record<Activation, (v: number) => number> = {
  none: (v) => v,
  relu: (v) => (v > 0 ? v : 0),
  gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: (v) => Math.tanh(v),
};

interface Ref { values: Float64Array; bound: Float64Array }

/** act(alpha * A·B + beta * c0[i, j] + bias[j]) with A [m, k] and B [k, n] row-major; bound = sum of |terms|. */
function reference(A: Float64Array, B: Float64Array, m: number, k: number, n: number,
  o: { alpha?: number; beta?: number; c0?: ArrayLike<number>; bias?: Float64Array; act?: Activation } = {}): Ref {
  const { alpha = 1, beta = 0, c0, bias, act = 'none' } = o;
  const values = new Float64Array(m * n);
  const bound = new Float64Array(m * n);
  const row = new Float64Array(n);
  const mag = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    mag.fill(0);
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      const bo = p * n;
      for (let j = 0; j < n; j++) {
        const t = a * B[bo + j];
        row[j] += t;
        mag[j] += Math.abs(t);
      }
    }
    for (let j = 0; j < n; j++) {
      let v = alpha * row[j];
      let g = Math.abs(alpha) * mag[j];
      if (beta !== 0 && c0) {
        v += beta * c0[i * n + j];
        g += Math.abs(beta * c0[i * n + j]);
      }
      if (bias) {
        v += bias[j];
        g += Math.abs(bias[j]);
      }
      values[i * n + j] = ACT[act](v);
      bound[i * n + j] = g;
    }
  }
  return { values, bound };
}

function expectRef(got: ArrayLike<number>, ref: Ref, dtype: DType, what: string): void {
  expect(got.length, what).toBe(ref.values.length);
  const rt = dtype === 'float32' ? 2e-5 : 1e-13;
  const at = dtype === 'float32' ? 2e-6 : 1e-13;
  for (let i = 0; i < got.length; i++) {
    const e = ref.values[i];
    // activations are at most 1.13-Lipschitz; gelu/sigmoid/tanh add their own few-ulp error
    if (!(Math.abs(got[i] - e) <= 1.13 * rt * ref.bound[i] + at * (1 + Math.abs(e)))) {
      expect.fail(`${what}: element ${i} is ${got[i]}, expected ${e}`);
    }
  }
}

/** B [k, n] laid out as asked; 'rowstride' is a column slice of a wider matrix (rows contiguous, row stride n + 3). */
function matB(v: Float64Array, k: number, n: number, dtype: DType, layout: Layout | 'rowstride'): Tensor {
  if (layout !== 'rowstride') return makeTensor(v, [k, n], dtype, layout);
  const w = n + 3;
  const big = new Float64Array(k * w).fill(NaN); // the extra columns must never be read
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) big[p * w + j] = v[p * n + j];
  const base = tf.tensor(big, { shape: [k, w], dtype });
  const view = base.slice(1, 0, n);
  base.dispose();
  return view;
}

// [K, N] pairs that send M = 5 .. 65 down the few-rows path (N >= 2M, N·K >= 65536),
// with N odd (a short last panel) and K past one or several K blocks.
const KN: [number, number][] = [[255, 257], [1023, 131], [300, 1023], [17, 4097], [7, 9999]];
const MS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 63, 64, 65];

afterAll(() => {
  tf.setPortableKernels(false);
  tf.setNumThreads(tf.backendInfo().hardwareThreads);
});

for (const portable of [false, true]) {
  const kernels = portable ? 'portable' : 'default (AVX2 where available)';
  describe(`GEMM few-rows paths, ${kernels} kernels`, () => {
    it('M = 1..17, 63, 64, 65 over odd N and K, B row-major, row-strided, transposed or strided; A transposed or sliced; 1 and 2 threads', () => {
      tf.setPortableKernels(portable);
      const r = rng(portable ? 301 : 302);
      const layoutsB: (Layout | 'rowstride')[] = ['contiguous', 'rowstride', 'transposed', 'sliced'];
      const layoutsA: Layout[] = ['contiguous', 'transposed', 'sliced'];
      let c = 0;
      for (const dtype of ['float32', 'float64'] as DType[]) {
        for (const m of MS) {
          if (dtype === 'float64' && m % 4 !== 1) continue;
          const [k, n] = KN[c % KN.length];
          const lb = layoutsB[c % layoutsB.length];
          const la = layoutsA[Math.floor(c / 2) % layoutsA.length];
          c++;
          const Av = randomValues(m * k, dtype, r);
          const Bv = randomValues(k * n, dtype, r);
          const ref = reference(Av, Bv, m, k, n);
          for (const threads of [1, 2]) {
            tf.setNumThreads(threads);
            tf.tidy(() => {
              const out = tf.matmul(makeTensor(Av, [m, k], dtype, la), matB(Bv, k, n, dtype, lb));
              expect(out.shape).toEqual([m, n]);
              expectRef(out.dataSync(), ref, dtype, `${dtype} [${m}, ${k}] ${la} · [${k}, ${n}] ${lb}, ${threads} threads`);
            });
          }
        }
      }
    });

    it('GEMV (M = 1) with small N on 2 threads splits K: odd K and N, alpha, beta over NaN and beta != 0, epilogue', () => {
      tf.setPortableKernels(portable);
      const r = rng(portable ? 303 : 304);
      for (const [k, n] of [[1023, 255], [2000, 100], [129, 1023], [4097, 65], [300, 2047]]) {
        const Av = randomValues(k, 'float32', r);
        const Bv = randomValues(k * n, 'float32', r);
        const bias = randomValues(n, 'float32', r);
        for (const threads of [2, 1]) {
          tf.setNumThreads(threads);
          tf.tidy(() => {
            const a = tf.tensor(Av, { shape: [1, k], dtype: 'float32' });
            const b = matB(Bv, k, n, 'float32', k % 2 ? 'contiguous' : 'rowstride');
            const what = `[1, ${k}]·[${k}, ${n}] on ${threads} threads`;
            expectRef(tf.matmul(a, b).dataSync(), reference(Av, Bv, 1, k, n), 'float32', `matmul ${what}`);
            const y = tf.addmm(tf.tensor(bias, { shape: [n], dtype: 'float32' }), a, b, { alpha: 0.25, beta: 2, activation: 'tanh' });
            expectRef(y.dataSync(), reference(Av, Bv, 1, k, n, { alpha: 0.25, bias: bias.map((v) => 2 * v), act: 'tanh' }), 'float32', `addmm tanh ${what}`);
            // the native entry: C = -1.5 A·B + beta C, over C full of NaN (beta 0) then over itself
            const meta = new Float64Array([0, 1, n, k, k, 1, n, 1, n, 1]);
            const C = tf.full([1, n], NaN, { dtype: 'float32' });
            const base = tf.tensor(Bv, { shape: [k, n], dtype: 'float32' });
            native.gemm(0, a.handle('t'), 0, base.handle('t'), 0, C.handle('t'), 0, meta, -1.5, 0);
            const first = reference(Av, Bv, 1, k, n, { alpha: -1.5 });
            expectRef(C.dataSync(), first, 'float32', `beta 0 over NaN, ${what}`);
            const prev = Float64Array.from(C.dataSync());
            native.gemm(0, a.handle('t'), 0, base.handle('t'), 0, C.handle('t'), 0, meta, 1, 0.5);
            expectRef(C.dataSync(), reference(Av, Bv, 1, k, n, { beta: 0.5, c0: prev }), 'float32', `beta 0.5, ${what}`);
          });
        }
      }
    });

    it('few rows with beta = 0 over NaN, beta != 0, bias + each activation (addmm and linear), on 1 and 2 threads', () => {
      tf.setPortableKernels(portable);
      const r = rng(portable ? 305 : 306);
      const acts: Activation[] = ['none', 'relu', 'gelu', 'sigmoid', 'tanh'];
      let c = 0;
      for (const [m, k, n] of [[5, 255, 257], [16, 1023, 131], [64, 300, 1023], [13, 17, 4097], [9, 513, 200]]) {
        const Av = randomValues(m * k, 'float32', r);
        const Bv = randomValues(k * n, 'float32', r);
        const bias = randomValues(n, 'float32', r);
        const c0 = randomValues(m * n, 'float32', r);
        for (const threads of [1, 2]) {
          tf.setNumThreads(threads);
          const act = acts[c++ % acts.length];
          tf.tidy(() => {
            const a = tf.tensor(Av, { shape: [m, k], dtype: 'float32' });
            const b = tf.tensor(Bv, { shape: [k, n], dtype: 'float32' });
            const what = `[${m}, ${k}]·[${k}, ${n}] ${act}, ${threads} threads`;
            // addmm: the input [n] enters as the epilogue's bias, scaled by beta
            const y = tf.addmm(tf.tensor(bias, { shape: [n], dtype: 'float32' }), a, b, { alpha: 0.5, beta: -1, activation: act });
            expectRef(y.dataSync(), reference(Av, Bv, m, k, n, { alpha: 0.5, bias: bias.map((v) => -v), act }), 'float32', `addmm ${what}`);
            // linear with a weight whose transpose is row-major B (a [n, k] view of B)
            const w = b.t();
            const z = tf.linear(a, w, tf.tensor(bias, { shape: [n], dtype: 'float32' }), { activation: act });
            expectRef(z.dataSync(), reference(Av, Bv, m, k, n, { bias, act }), 'float32', `linear ${what}`);
            // the native entry: beta = 0 over NaN, then beta != 0 with C holding c0
            const meta = new Float64Array([0, m, n, k, k, 1, n, 1, n, 1]);
            const C = tf.full([m, n], NaN, { dtype: 'float32' });
            native.gemm(0, a.handle('t'), 0, b.handle('t'), 0, C.handle('t'), 0, meta, 1, 0);
            expectRef(C.dataSync(), reference(Av, Bv, m, k, n), 'float32', `beta 0 over NaN, ${what}`);
            const C2 = tf.tensor(c0, { shape: [m, n], dtype: 'float32' });
            native.gemm(0, a.handle('t'), 0, b.handle('t'), 0, C2.handle('t'), 0, meta, 2, -0.75);
            expectRef(C2.dataSync(), reference(Av, Bv, m, k, n, { alpha: 2, beta: -0.75, c0 }), 'float32', `beta -0.75, ${what}`);
          });
        }
      }
    });

    it('batched few-row products: B per entry, A broadcast over B, B broadcast over A; prepacked weights', () => {
      tf.setPortableKernels(portable);
      const r = rng(portable ? 307 : 308);
      const cases: [number[], number[]][] = [
        [[3, 16, 255], [3, 255, 300]], // B per entry: few rows per product
        [[1, 7, 129], [4, 129, 513]], // A broadcast over the batch
        [[3, 12, 300], [300, 255]], // B shared (broadcast)
      ];
      for (const threads of [2, 1]) {
        tf.setNumThreads(threads);
        for (const [sa, sb] of cases) {
          const Av = randomValues(sa.reduce((x, y) => x * y, 1), 'float32', r);
          const Bv = randomValues(sb.reduce((x, y) => x * y, 1), 'float32', r);
          const [m, k] = sa.slice(-2);
          const n = sb[sb.length - 1];
          const batch = Math.max(sa.length === 3 ? sa[0] : 1, sb.length === 3 ? sb[0] : 1);
          tf.tidy(() => {
            const out = tf.matmul(tf.tensor(Av, { shape: sa, dtype: 'float32' }), tf.tensor(Bv, { shape: sb, dtype: 'float32' }));
            expect(out.shape).toEqual([batch, m, n]);
            const got = out.dataSync();
            for (let t = 0; t < batch; t++) {
              const aOff = sa.length === 3 && sa[0] > 1 ? t * m * k : 0;
              const bOff = sb.length === 3 && sb[0] > 1 ? t * k * n : 0;
              const ref = reference(Av.subarray(aOff, aOff + m * k), Bv.subarray(bOff, bOff + k * n), m, k, n);
              expectRef(got.subarray(t * m * n, (t + 1) * m * n), ref, 'float32', `entry ${t} of [${sa}]·[${sb}], ${threads} threads`);
            }
          });
        }
        // a prepacked [n, k] weight with few rows of input
        for (const [m, k, n] of [[1, 300, 257], [5, 255, 130], [16, 1023, 64]]) {
          const Xv = randomValues(m * k, 'float32', r);
          const Bv = randomValues(k * n, 'float32', r);
          const bias = randomValues(n, 'float32', r);
          tf.tidy(() => {
            const W = tf.tensor(Bv, { shape: [k, n], dtype: 'float32' }).t().contiguous();
            const packed = tf.prepackLinear(W);
            const y = tf.linear(tf.tensor(Xv, { shape: [m, k], dtype: 'float32' }), packed, tf.tensor(bias, { shape: [n], dtype: 'float32' }), { activation: 'relu' });
            expectRef(y.dataSync(), reference(Xv, Bv, m, k, n, { bias, act: 'relu' }), 'float32', `prepacked [${m}, ${k}]·[${k}, ${n}], ${threads} threads`);
            packed.dispose();
          });
        }
      }
    });
  });
}
