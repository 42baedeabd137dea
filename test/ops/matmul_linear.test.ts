/**
 * The GEMM's fused epilogues and the paths added for speed, against a float64 reference
 * written as plain loops: linear (x·Wᵀ + b with an activation), prepacked weights,
 * addmm with an activation and a broadcast input, the unpacked few-row paths (GEMV for
 * M = 1, register tiles for M <= 16, dot products for a transposed B), sizes up to 1023,
 * both the AVX2 and the portable kernels, and every error path.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Activation, DType, Tensor } from '../../lib/index';
import { native } from '../../lib/native';
import { erfcTail, erfRef as erf, makeTensor, numel, randomValues, rng, type Layout } from '../helpers';

const ACT: Record<Activation, (v: number) => number> = {
  none: (v) => v,
  relu: (v) => (v > 0 ? v : 0),
  gelu: (v) => (v < -1.5 * Math.SQRT2 ? 0.5 * v * erfcTail(-v / Math.SQRT2) : 0.5 * v * (1 + erf(v / Math.SQRT2))),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: (v) => Math.tanh(v),
};
const ACTS = Object.keys(ACT) as Activation[];

interface Ref { shape: number[]; values: Float64Array; bound: Float64Array }

/** y[r, j] = act(sum_p x[r, p] w[j, p] + b[j]); bound = sum of |terms| (+|b|). */
function refLinear(x: Float64Array, rows: number, k: number, w: Float64Array, n: number, b: Float64Array | null, act: Activation, shape: number[]): Ref {
  const values = new Float64Array(rows * n);
  const bound = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let s = b ? b[j] : 0;
      let a = b ? Math.abs(b[j]) : 0;
      for (let p = 0; p < k; p++) {
        const t = x[r * k + p] * w[j * k + p];
        s += t;
        a += Math.abs(t);
      }
      values[r * n + j] = ACT[act](s);
      bound[r * n + j] = a;
    }
  }
  return { shape, values, bound };
}

/** Summation error (scaled by |terms|, activations are at most 1.13-Lipschitz) plus the activation's own error. */
function expectRef(out: Tensor, ref: Ref, dtype: DType, what: string): void {
  expect(out.shape, what).toEqual(ref.shape);
  expect(out.dtype, what).toBe(dtype);
  const got = out.dataSync();
  const rt = dtype === 'float32' ? 2e-5 : 1e-13;
  const at = dtype === 'float32' ? 2e-6 : 1e-13;
  for (let i = 0; i < got.length; i++) {
    const e = ref.values[i];
    if (!(Math.abs(got[i] - e) <= 1.13 * rt * ref.bound[i] + at * (1 + Math.abs(e)))) {
      expect.fail(`${what}: element ${i} is ${got[i]}, expected ${e} (|terms| ${ref.bound[i]})`);
    }
  }
}

function operand(r: () => number, shape: number[], dtype: DType, layout: Layout): { v: Float64Array; t: Tensor } {
  const v = randomValues(numel(shape), dtype, r);
  return { v, t: makeTensor(v, shape, dtype, layout) };
}

const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];
// [M, K, N]: GEMV (M = 1), few rows (unpacked paths), packed, and sizes up to 1023.
const LINEAR_SHAPES: [number, number, number][] = [
  [1, 7, 17], [1, 255, 33], [4, 17, 255], [7, 33, 7], [16, 64, 40], [17, 255, 17], [64, 17, 100], [3, 1023, 19], [5, 1023, 1023],
];

afterAll(() => {
  tf.setPortableKernels(false);
  tf.setNumThreads(tf.backendInfo().hardwareThreads);
});

for (const portable of [false, true]) {
  const kernels = portable ? 'portable' : 'default (AVX2 where available)';
  for (const dtype of ['float32', 'float64'] as DType[]) {
    describe(`linear and fused epilogues, ${dtype}, ${kernels} kernels`, () => {
      it('linear matches x·Wᵀ + b then the activation, with and without a prepacked weight', () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 11 : 12);
        LINEAR_SHAPES.forEach(([m, k, n], s) => {
          for (let v = 0; v < 2; v++) {
            const act = ACTS[(s * 2 + v) % ACTS.length];
            const x = operand(r, [m, k], dtype, LAYOUTS[(s + v) % 3]);
            const w = operand(r, [n, k], dtype, LAYOUTS[(s + 2 * v + 1) % 3]);
            const b = v === 0 ? operand(r, [n], dtype, 'contiguous') : null;
            const ref = refLinear(x.v, m, k, w.v, n, b ? b.v : null, act, [m, n]);
            const what = `linear [${m}, ${k}]·[${n}, ${k}]ᵀ ${b ? '+ b ' : ''}${act}`;
            const y = tf.linear(x.t, w.t, b?.t, { activation: act });
            expectRef(y, ref, dtype, what);
            const packed = tf.prepackLinear(w.t);
            const yp = tf.linear(x.t, packed, b?.t, { activation: act });
            expectRef(yp, ref, dtype, `${what} (prepacked)`);
            const ym = x.t.linear(packed, b?.t ?? null, { activation: act });
            expectRef(ym, ref, dtype, `${what} (method)`);
            packed.dispose();
            [x.t, w.t, y, yp, ym].forEach((t) => t.dispose());
            b?.t.dispose();
          }
        });
      });

      it('activations on exact inputs over [-12, 12], NaN and infinities (K = 1, weight 1)', () => {
        tf.setPortableKernels(portable);
        const xs = Array.from({ length: 961 }, (_, i) => -12 + i * 0.025);
        xs.push(NaN, Infinity, -Infinity);
        const x = tf.tensor(xs, { shape: [xs.length, 1], dtype });
        for (const n of [1, 37]) {
          const w = tf.ones([n, 1], { dtype });
          for (const act of ACTS) {
            for (const packedW of [false, true]) {
              const pw = packedW ? tf.prepackLinear(w) : null;
              const y = tf.linear(x, pw ?? w, null, { activation: act });
              const got = y.dataSync();
              for (let i = 0; i < xs.length; i++) {
                const v = dtype === 'float32' ? Math.fround(xs[i]) : xs[i];
                const e = ACT[act](v);
                for (let j = 0; j < n; j++) {
                  const g = got[i * n + j];
                  const what = `${act}(${v}) ${packedW ? 'prepacked ' : ''}N ${n}, column ${j}: got ${g}, expected ${e}`;
                  if (Number.isNaN(v)) expect(Number.isNaN(g), what).toBe(true);
                  else if (!Number.isFinite(v)) {
                    if (act !== 'gelu') expect(g, what).toBe(e);
                  } else if (!(Math.abs(g - e) <= (dtype === 'float32' ? 1e-6 + 2e-6 * Math.abs(e) : 1e-14 * (1 + Math.abs(e))))) {
                    expect.fail(what);
                  }
                }
              }
              y.dispose();
              pw?.dispose();
            }
          }
          w.dispose();
        }
        x.dispose();
      });

      it('linear over leading batch dims (folded into M or kept as batch) and 1-d input', () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 13 : 14);
        const k = 19;
        const n = 23;
        const w = operand(r, [n, k], dtype, 'contiguous');
        const b = operand(r, [n], dtype, 'contiguous');
        const packed = tf.prepackLinear(w.t);
        for (const lead of [[2, 3], [4, 1, 5], [], [3]]) {
          const x = operand(r, [...lead, k], dtype, 'contiguous');
          const rows = numel(lead);
          const ref = refLinear(x.v, rows, k, w.v, n, b.v, 'tanh', [...lead, n]);
          for (const wt of [w.t, packed]) {
            const y = tf.linear(x.t, wt, b.t, { activation: 'tanh' });
            expectRef(y, ref, dtype, `linear [${lead}, ${k}]`);
            y.dispose();
          }
          x.t.dispose();
        }
        // [3, 2, k] stored as [2, 3, k] and transposed: the leading dims cannot fold.
        const base = operand(r, [2, 3, k], dtype, 'contiguous');
        const xt = base.t.transpose(0, 1);
        const xv = new Float64Array(6 * k);
        for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) for (let p = 0; p < k; p++) xv[(i * 2 + j) * k + p] = base.v[(j * 3 + i) * k + p];
        const ref = refLinear(xv, 6, k, w.v, n, b.v, 'relu', [3, 2, n]);
        for (const wt of [w.t, packed]) {
          const y = tf.linear(xt, wt, b.t, { activation: 'relu' });
          expectRef(y, ref, dtype, 'linear of a transposed 3-d input');
          y.dispose();
        }
        [w.t, b.t, base.t].forEach((t) => t.dispose());
        packed.dispose();
      });

      it('addmm with an activation and inputs broadcast from [N], [M, 1], [1, 1] and [M, N]; beta = 0 ignores NaN', () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 15 : 16);
        for (const [m, k, n] of [[7, 17, 9], [1, 300, 40], [16, 33, 64], [70, 20, 33]]) {
          const a = operand(r, [m, k], dtype, 'contiguous');
          const bm = operand(r, [k, n], dtype, LAYOUTS[m % 3]);
          // reference weight layout [n, k] for refLinear
          const wv = new Float64Array(n * k);
          for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) wv[j * k + p] = bm.v[p * n + j];
          for (const [ishape, act] of [[[n], 'gelu'], [[m, 1], 'sigmoid'], [[1, 1], 'relu'], [[m, n], 'tanh']] as [number[], Activation][]) {
            const inp = operand(r, ishape, dtype, ishape.length === 2 && ishape[1] > 1 ? 'transposed' : 'contiguous');
            const alpha = 1.5;
            const beta = -0.5;
            const ref = refLinear(a.v, m, k, wv, n, null, 'none', [m, n]);
            const iv = (i: number, j: number) => inp.v[ishape.length === 1 ? j : (ishape[0] === 1 ? 0 : i) * ishape[1] + (ishape[1] === 1 ? 0 : j)];
            const exp: Ref = {
              shape: [m, n],
              values: ref.values.map((s, idx) => ACT[act](alpha * s + beta * iv(Math.floor(idx / n), idx % n))),
              bound: ref.bound.map((s, idx) => alpha * s + Math.abs(beta * iv(Math.floor(idx / n), idx % n))),
            };
            const out = tf.addmm(inp.t, a.t, bm.t, { alpha, beta, activation: act });
            expectRef(out, exp, dtype, `addmm ${m}x${k}x${n} input [${ishape}] ${act}`);
            [inp.t, out].forEach((t) => t.dispose());
          }
          const nan = tf.full([m, n], NaN, { dtype });
          const out0 = tf.addmm(nan, a.t, bm.t, { beta: 0, activation: 'relu' });
          expectRef(out0, refLinear(a.v, m, k, wv, n, null, 'relu', [m, n]), dtype, `addmm beta 0 over NaN ${m}x${k}x${n}`);
          [a.t, bm.t, nan, out0].forEach((t) => t.dispose());
        }
      });

      it('few-row products (GEMV, register tiles, transposed B), batched and broadcast, up to 1023', () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 17 : 18);
        const cases: [number, number, number][] = [[1, 1023, 1023], [2, 1023, 37], [4, 64, 1023], [5, 255, 7], [16, 300, 100], [13, 9, 25], [1, 1, 1], [1023, 64, 17]];
        for (const [m, k, n] of cases) {
          for (const lb of ['contiguous', 'transposed'] as Layout[]) {
            const a = operand(r, [m, k], dtype, m === 1023 ? 'transposed' : 'contiguous');
            const b = operand(r, [k, n], dtype, lb);
            const wv = new Float64Array(n * k);
            for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) wv[j * k + p] = b.v[p * n + j];
            const out = tf.matmul(a.t, b.t);
            expectRef(out, refLinear(a.v, m, k, wv, n, null, 'none', [m, n]), dtype, `[${m}, ${k}]·[${k}, ${n}] (B ${lb})`);
            [a.t, b.t, out].forEach((t) => t.dispose());
          }
        }
        // batched few-row products, B broadcast over the batch and per batch entry
        for (const [sa, sb] of [[[5, 4, 33], [33, 70]], [[3, 1, 40], [3, 40, 9]], [[2, 16, 30], [2, 30, 50]]] as [number[], number[]][]) {
          const a = operand(r, sa, dtype, 'contiguous');
          const b = operand(r, sb, dtype, 'contiguous');
          const [bs, m, k] = sa;
          const n = sb[sb.length - 1];
          const out = tf.matmul(a.t, b.t);
          expect(out.shape).toEqual([bs, m, n]);
          const got = out.dataSync();
          for (let t = 0; t < bs; t++) {
            const bOff = sb.length === 3 ? t * k * n : 0;
            const wv = new Float64Array(n * k);
            for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) wv[j * k + p] = b.v[bOff + p * n + j];
            const ref = refLinear(a.v.subarray(t * m * k), m, k, wv, n, null, 'none', [m, n]);
            const slice = tf.tensor(Array.from(got.subarray(t * m * n, (t + 1) * m * n)), { shape: [m, n], dtype });
            expectRef(slice, ref, dtype, `batch ${t} of [${sa}]·[${sb}]`);
            slice.dispose();
          }
          [a.t, b.t, out].forEach((t) => t.dispose());
        }
      });

      it('the native GEMM with few rows: beta = 0 over NaN, beta != 0, bias scaled by 0 ignores NaN', () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 19 : 20);
        const code = dtype === 'float32' ? 0 : 1;
        for (const [m, k, n] of [[1, 70, 50], [4, 33, 30], [16, 20, 75], [9, 1023, 24]]) {
          const a = operand(r, [m, k], dtype, 'contiguous');
          const b = operand(r, [k, n], dtype, 'contiguous');
          const wv = new Float64Array(n * k);
          for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) wv[j * k + p] = b.v[p * n + j];
          const ref = refLinear(a.v, m, k, wv, n, null, 'none', [m, n]);
          const meta = new Float64Array([0, m, n, k, k, 1, n, 1, n, 1]);
          const c = tf.full([m, n], NaN, { dtype });
          const nanBias = tf.full([n], NaN, { dtype });
          native.gemm(code, a.t.handle('t'), 0, b.t.handle('t'), 0, c.handle('t'), 0, meta, 1, 0, nanBias.handle('t'), 0, 0, 1, 0, 0, null);
          expectRef(c, ref, dtype, `beta 0 over NaN, ${m}x${k}x${n}`);
          const prev = c.dataSync();
          native.gemm(code, a.t.handle('t'), 0, b.t.handle('t'), 0, c.handle('t'), 0, meta, -2, 0.5);
          const exp: Ref = { shape: [m, n], values: ref.values.map((v, i) => 0.5 * prev[i] - 2 * v), bound: ref.bound.map((v, i) => 2 * v + Math.abs(prev[i])) };
          expectRef(c, exp, dtype, `alpha -2 beta 0.5, ${m}x${k}x${n}`);
          [a.t, b.t, c, nanBias].forEach((t) => t.dispose());
        }
      });
    });
  }
}

describe('products on 1 and 2 threads give the same results', () => {
  it('float32 square, skinny and tall shapes', () => {
    const r = rng(21);
    for (const [m, k, n] of [[255, 255, 255], [1, 1023, 300], [16, 1023, 255], [64, 1023, 64]]) {
      const a = operand(r, [m, k], 'float32', 'contiguous');
      const b = operand(r, [k, n], 'float32', 'contiguous');
      tf.setNumThreads(1);
      const one = tf.matmul(a.t, b.t);
      tf.setNumThreads(2);
      const two = tf.matmul(a.t, b.t);
      // Each element's sum is computed in the same order whichever thread owns it.
      expect(Array.from(two.dataSync())).toEqual(Array.from(one.dataSync()));
      [a.t, b.t, one, two].forEach((t) => t.dispose());
    }
    tf.setNumThreads(tf.backendInfo().hardwareThreads);
  });
});

describe('PackedLinear memory and errors', () => {
  it('holds native memory until dispose(); a disposed one throws DisposedError', () => {
    const w = tf.randn([40, 30]);
    const before = tf.memory();
    const packed = tf.prepackLinear(w);
    expect(packed.shape).toEqual([40, 30]);
    expect(packed.dtype).toBe('float32');
    expect(tf.memory().numBytes).toBeGreaterThanOrEqual(before.numBytes + 40 * 30 * 4);
    expect(packed.isDisposed).toBe(false);
    packed.dispose();
    expect(packed.isDisposed).toBe(true);
    packed.dispose(); // twice is harmless
    expect(tf.memory().numBytes).toBe(before.numBytes);
    const x = tf.randn([2, 30]);
    expect(() => tf.linear(x, packed)).toThrow(tf.DisposedError);
    expect(() => tf.linear(x, packed)).toThrow(/linear.*packed weight of shape \[40, 30\].*disposed/);
    // packing copies: changing the weight later does not change the packed result
    const p2 = tf.prepackLinear(w);
    const y1 = tf.linear(x, p2);
    const zeros = tf.zeros([40, 30]);
    tf.copy_(w, zeros);
    zeros.dispose();
    const y2 = tf.linear(x, p2);
    expect(Array.from(y2.dataSync())).toEqual(Array.from(y1.dataSync()));
    [w, x, y1, y2].forEach((t) => t.dispose());
    p2.dispose();
    expect(() => tf.prepackLinear(w)).toThrow(tf.DisposedError);
  });

  it('linear, prepackLinear and addmm reject bad shapes, dtypes and activations with typed errors', () => {
    const x = tf.randn([4, 3]);
    const w = tf.randn([5, 3]);
    const b = tf.randn([5]);
    expect(() => tf.linear(x, tf.randn([5, 4]))).toThrow(tf.ShapeError);
    expect(() => tf.linear(x, tf.randn([5, 4]))).toThrow(/linear: input of shape \[4, 3\] and weight of shape \[5, 4\] cannot be multiplied \(3 != 4\)/);
    expect(() => tf.linear(x, tf.randn([3]))).toThrow(/linear: weight must be 2-d \[out, in\], got shape \[3\]/);
    expect(() => tf.linear(x, w, tf.randn([4]))).toThrow(/linear: bias must have shape \[5\].*got \[4\]/);
    expect(() => tf.linear(x, w, tf.randn([1, 5]))).toThrow(tf.ShapeError);
    expect(() => tf.linear(tf.tensor(1), w)).toThrow(/linear: input must have at least 1 dim, got shape \[\]/);
    expect(() => tf.linear(x, w.double())).toThrow(tf.DTypeError);
    expect(() => tf.linear(x, w.double())).toThrow(/linear: input, weight and bias must have the same dtype, got float32, float64/);
    expect(() => tf.linear(x, w, b.double())).toThrow(/same dtype, got float32, float32 and float64/);
    expect(() => tf.linear(x.int(), w.int())).toThrow(/linear: input must be float32 or float64, got int32/);
    expect(() => tf.linear(x, w, b, { activation: 'swish' as Activation })).toThrow(tf.ArgumentError);
    expect(() => tf.linear(x, w, b, { activation: 'swish' as Activation })).toThrow(/linear: activation must be one of 'none', 'relu', 'gelu', 'sigmoid', 'tanh', got 'swish'/);
    expect(() => tf.linear(x, {} as Tensor)).toThrow(/linear: weight must be a Tensor or a PackedLinear, got object/);
    expect(() => tf.linear(x, tf.prepackLinear(tf.randn([5, 4])))).toThrow(/cannot be multiplied \(3 != 4\)/);
    expect(() => tf.linear(x, tf.prepackLinear(w.double()))).toThrow(tf.DTypeError);
    expect(() => tf.prepackLinear(tf.randn([2, 3, 4]))).toThrow(/prepackLinear: weight must be 2-d \[out, in\], got shape \[2, 3, 4\]/);
    expect(() => tf.prepackLinear(w.int())).toThrow(/prepackLinear: weight must be float32 or float64, got int32/);
    expect(() => tf.addmm(tf.zeros([4, 5], { dtype: 'int32' }), x.int(), w.t().int(), { activation: 'relu' })).toThrow(/addmm: activation 'relu' needs a floating-point dtype, got int32/);
    expect(() => tf.addmm(b, x, w.t(), { activation: 'elu' as Activation })).toThrow(tf.ArgumentError);
  });

  it('int32 addmm adds its broadcast input exactly (no activation)', () => {
    const a = tf.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    const m2 = tf.tensor([[5, 6, 7], [8, 9, 10]], { dtype: 'int32' });
    const inp = tf.tensor([100, 200, 300], { dtype: 'int32' });
    const out = tf.addmm(inp, a, m2, { beta: 2, alpha: 3 });
    // [[21, 24, 27], [47, 54, 61]] * 3 + 2 * input
    expect(Array.from(out.dataSync())).toEqual([263, 472, 681, 341, 562, 783]);
  });
});
