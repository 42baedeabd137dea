/**
 * GEMM paths chosen by shape, against a float64 reference: the few-rows path (M up to
 * the MC block, B packed a few panels at a time right before use), K blocks of equal
 * depth (K just past a multiple of the block), small single-block products run in one
 * dispatch, and transposed B panels (the [N, K] weight of linear). Each with edges,
 * beta and the fused bias + activation, on 1 and 2 threads, both kernel sets.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { gemmRef, makeTensor, randomValues, rng, type Layout } from '../helpers';

/** relu(alpha * A·B + beta * C0 + bias) in float64, with the sum of |terms| for the tolerance. */
function reference(A: Float64Array, B: Float64Array, m: number, k: number, n: number, opts: { alpha?: number; beta?: number; c0?: Float64Array; bias?: Float64Array; relu?: boolean }) {
  const { values, bound } = gemmRef(A, B, m, k, n, { ...opts, act: opts.relu ? (v) => Math.max(v, 0) : undefined });
  return { out: values, mag: bound };
}

function expectMatches(got: Tensor, ref: { out: Float64Array; mag: Float64Array }, dtype: DType, what: string): void {
  const g = got.dataSync();
  expect(g.length, what).toBe(ref.out.length);
  const rt = dtype === 'float32' ? 2e-5 : 1e-13;
  for (let i = 0; i < g.length; i++) {
    if (!(Math.abs(g[i] - ref.out[i]) <= rt * ref.mag[i] + (dtype === 'float32' ? 1e-6 : 0))) {
      expect.fail(`${what}: element ${i} is ${g[i]}, expected ${ref.out[i]}`);
    }
  }
}

afterAll(() => {
  tf.setPortableKernels(false);
  tf.setNumThreads(2);
});

// [m, k, n]: few rows with N >> M (one and several K blocks, edges in M and N), K just
// past a block multiple, small single-block products, and a mid-size square.
const SHAPES: [number, number, number][] = [
  [20, 600, 200], [64, 520, 150], [90, 513, 190], [7, 300, 1000], [17, 257, 129],
  [128, 200, 64], [100, 100, 100], [33, 64, 200], [204, 260, 60],
];

for (const portable of [false, true]) {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    describe(`GEMM blocking paths, ${dtype}, ${portable ? 'portable' : 'default'} kernels`, () => {
      it('matmul, addmm (beta) and linear (bias + relu) over shapes that pick each path, 1 and 2 threads', () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 71 : 72);
        for (const threads of [2, 1]) {
          tf.setNumThreads(threads);
          for (const [m, k, n] of SHAPES) {
            const Av = randomValues(m * k, dtype, r);
            const Bv = randomValues(k * n, dtype, r);
            const layoutA: Layout = m % 2 ? 'transposed' : 'contiguous';
            const layoutB: Layout = n % 3 === 0 ? 'sliced' : 'contiguous';
            const what = `[${m}, ${k}]·[${k}, ${n}] ${layoutA}/${layoutB} on ${threads} threads`;
            tf.tidy(() => {
              const A = makeTensor(Av, [m, k], dtype, layoutA);
              const B = makeTensor(Bv, [k, n], dtype, layoutB);
              expectMatches(tf.matmul(A, B), reference(Av, Bv, m, k, n, {}), dtype, `matmul ${what}`);
              // beta != 0 with a NaN-free C0, alpha != 1
              const c0 = randomValues(m * n, dtype, r);
              const C0 = tf.tensor(c0, { shape: [m, n], dtype });
              expectMatches(tf.addmm(C0, A, B, { alpha: 0.5, beta: -1.5 }), reference(Av, Bv, m, k, n, { alpha: 0.5, beta: -1.5, c0 }), dtype, `addmm ${what}`);
              // linear reads the weight [n, k] transposed (B's columns contiguous)
              const Wt = tf.tensor(Bv, { shape: [k, n], dtype }).t().contiguous();
              const bias = randomValues(n, dtype, r);
              const y = tf.linear(A, Wt, tf.tensor(bias, { dtype }), { activation: 'relu' });
              expectMatches(y, reference(Av, Bv, m, k, n, { bias, relu: true }), dtype, `linear relu ${what}`);
            });
          }
          // batched products with distinct B per entry (the few-rows path packs each)
          tf.tidy(() => {
            const [bt, m, k, n] = [3, 12, 300, 500];
            const Av = randomValues(bt * m * k, dtype, r);
            const Bv = randomValues(bt * k * n, dtype, r);
            const out = tf.bmm(tf.tensor(Av, { shape: [bt, m, k], dtype }), tf.tensor(Bv, { shape: [bt, k, n], dtype }));
            for (let b = 0; b < bt; b++) {
              const ref = reference(Av.subarray(b * m * k, (b + 1) * m * k), Bv.subarray(b * k * n, (b + 1) * k * n), m, k, n, {});
              expectMatches(out.select(0, b), ref, dtype, `bmm entry ${b} on ${threads} threads`);
            }
          });
        }
        tf.setNumThreads(2);
        tf.setPortableKernels(false);
      });
    });
  }
}
