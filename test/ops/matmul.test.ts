/**
 * matmul, mm, bmm, dot, mv, addmm against a float64 reference written as plain loops:
 * odd sizes around the kernel's tile and block sizes, transposed / sliced / broadcast
 * operands, batch broadcasting, 1-d operands, empty dims, both the AVX2 and the portable
 * kernels, and every error path.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { native } from '../../lib/native';
import { makeTensor, numel, randomValues, rng, type Layout } from '../helpers';

interface Arr { shape: number[]; values: Float64Array }

/**
 * torch.matmul's semantics with float64 sums. Returns each element's sum of |a·b| terms
 * too, which bounds the rounding error of any summation order.
 */
function refMatmul(a: Arr, b: Arr): { shape: number[]; values: Float64Array; absSum: Float64Array } {
  const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const M = as[as.length - 2];
  const K = as[as.length - 1];
  const N = bs[bs.length - 1];
  if (bs[bs.length - 2] !== K) throw new Error('reference: inner dims differ');
  const ab = as.slice(0, -2);
  const bb = bs.slice(0, -2);
  const nb = Math.max(ab.length, bb.length);
  const pa = [...new Array(nb - ab.length).fill(1), ...ab];
  const pb = [...new Array(nb - bb.length).fill(1), ...bb];
  const batch = pa.map((d, i) => (d === 1 ? pb[i] : d));
  const nbatch = numel(batch);
  const values = new Float64Array(nbatch * M * N);
  const absSum = new Float64Array(nbatch * M * N);
  for (let t = 0; t < nbatch; t++) {
    // batch index -> flat matrix index in a and b (size-1 dims broadcast)
    let rem = t;
    let ia = 0;
    let ib = 0;
    let mulA = 1;
    let mulB = 1;
    for (let d = nb - 1; d >= 0; d--) {
      const idx = rem % batch[d];
      rem = Math.floor(rem / batch[d]);
      ia += (pa[d] === 1 ? 0 : idx) * mulA;
      ib += (pb[d] === 1 ? 0 : idx) * mulB;
      mulA *= pa[d];
      mulB *= pb[d];
    }
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        let s1 = 0;
        for (let k = 0; k < K; k++) {
          const p = a.values[ia * M * K + i * K + k] * b.values[ib * K * N + k * N + j];
          s += p;
          s1 += Math.abs(p);
        }
        values[t * M * N + i * N + j] = s;
        absSum[t * M * N + i * N + j] = s1;
      }
    }
  }
  const shape = [...batch];
  if (a.shape.length > 1) shape.push(M);
  if (b.shape.length > 1) shape.push(N);
  return { shape, values, absSum };
}

/** Relative error bound per element, scaled by the sum of |terms| (any summation order). */
function relTol(dtype: DType): number {
  return dtype === 'float32' ? 2e-5 : dtype === 'float64' ? 1e-13 : 0;
}

function expectProduct(out: Tensor, ref: { shape: number[]; values: Float64Array; absSum: Float64Array }, dtype: DType, what: string): void {
  expect(out.shape, what).toEqual(ref.shape);
  expect(out.dtype, what).toBe(dtype);
  const got = out.dataSync();
  expect(got.length, what).toBe(ref.values.length);
  const rt = relTol(dtype);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - ref.values[i]);
    if (!(err <= rt * ref.absSum[i] + (dtype === 'float32' ? 1e-6 : 0))) {
      expect.fail(`${what}: element ${i} is ${got[i]}, expected ${ref.values[i]} (|terms| ${ref.absSum[i]})`);
    }
  }
}

const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];
const SIZES = [1, 7, 17, 64, 255];

function operand(r: () => number, shape: number[], dtype: DType, layout: Layout): { arr: Arr; t: Tensor } {
  const values = randomValues(numel(shape), dtype, r);
  return { arr: { shape, values }, t: makeTensor(values, shape, dtype, layout) };
}

afterAll(() => tf.setPortableKernels(false));

for (const portable of [false, true]) {
  const kernels = portable ? 'portable' : 'default (AVX2 where available)';
  for (const dtype of ['float32', 'float64'] as DType[]) {
    describe(`matmul ${dtype}, ${kernels} kernels`, () => {
      it('2-d products over sizes 1, 7, 17, 64, 255 with random layouts', () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 1 : 2);
        for (const m of SIZES) {
          for (const k of SIZES) {
            for (const n of SIZES) {
              if (m * k * n > 255 * 64 * 64) continue; // the biggest few are covered below
              const a = operand(r, [m, k], dtype, LAYOUTS[Math.floor(r() * 3)]);
              const b = operand(r, [k, n], dtype, LAYOUTS[Math.floor(r() * 3)]);
              const out = tf.matmul(a.t, b.t);
              expectProduct(out, refMatmul(a.arr, b.arr), dtype, `[${m}, ${k}]·[${k}, ${n}]`);
              [a.t, b.t, out].forEach((t) => t.dispose());
            }
          }
        }
      });

      it('sizes past the cache blocks (K > 256, M > MC, N > NC) and the threaded splits', () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 3 : 4);
        const cases: [number, number, number][] = [[255, 255, 64], [150, 300, 40], [2, 300, 600], [13, 5, 4100], [300, 513, 3], [97, 255, 255]];
        for (const threads of [2, 1]) {
          tf.setNumThreads(threads);
          for (const [m, k, n] of cases) {
            const a = operand(r, [m, k], dtype, LAYOUTS[Math.floor(r() * 3)]);
            const b = operand(r, [k, n], dtype, LAYOUTS[Math.floor(r() * 3)]);
            const out = a.t.mm(b.t);
            expectProduct(out, refMatmul(a.arr, b.arr), dtype, `[${m}, ${k}]·[${k}, ${n}] on ${threads} threads`);
            [a.t, b.t, out].forEach((t) => t.dispose());
          }
        }
        tf.setNumThreads(2);
      });

      it('transposed (.T) and broadcast (stride 0) operands are read in place', () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 5 : 6);
        for (const [m, k, n] of [[7, 17, 9], [64, 33, 17], [1, 255, 7]]) {
          // a = A^T where A is stored contiguous as [k, m]
          const at = operand(r, [k, m], dtype, 'contiguous');
          const aT: Arr = { shape: [m, k], values: new Float64Array(m * k) };
          for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) aT.values[i * k + p] = at.arr.values[p * m + i];
          const bt = operand(r, [n, k], dtype, 'sliced');
          const bT: Arr = { shape: [k, n], values: new Float64Array(k * n) };
          for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bT.values[p * n + j] = bt.arr.values[j * k + p];
          const out = tf.matmul(at.t.T, bt.t.T);
          expectProduct(out, refMatmul(aT, bT), dtype, `A^T·B^T ${m}x${k}x${n}`);
          // a row expanded to m rows (stride 0), b a column expanded to n columns
          const row = operand(r, [1, k], dtype, 'contiguous');
          const col = operand(r, [k, 1], dtype, 'contiguous');
          const aE: Arr = { shape: [m, k], values: new Float64Array(m * k).map((_, i) => row.arr.values[i % k]) };
          const bE: Arr = { shape: [k, n], values: new Float64Array(k * n).map((_, i) => col.arr.values[Math.floor(i / n)]) };
          const outE = tf.matmul(row.t.expand(m, k), col.t.expand(k, n));
          expectProduct(outE, refMatmul(aE, bE), dtype, `expanded ${m}x${k}x${n}`);
          [at.t, bt.t, out, row.t, col.t, outE].forEach((t) => t.dispose());
        }
      });

      it('batched with broadcast batch dims, and 1-d operands', () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 7 : 8);
        const pairs: [number[], number[]][] = [
          [[2, 1, 3, 4], [5, 4, 6]], [[3, 5, 7], [7, 2]], [[7], [2, 7, 3]], [[2, 3, 7], [7]], [[1, 4, 5], [3, 5, 2]],
          [[4, 1, 5, 6], [1, 3, 6, 2]], [[6, 17, 9], [6, 9, 33]], [[17], [17]], [[1], [1]], [[17], [17, 5]], [[5, 17], [17]],
          [[255], [255, 64]], [[64, 255], [255]], [[3, 1, 17, 20], [2, 20, 7]], [[8, 70, 70], [8, 70, 70]],
        ];
        for (const [sa, sb] of pairs) {
          for (const la of LAYOUTS) {
            const a = operand(r, sa, dtype, la);
            const b = operand(r, sb, dtype, LAYOUTS[Math.floor(r() * 3)]);
            const out = a.t.matmul(b.t);
            expectProduct(out, refMatmul(a.arr, b.arr), dtype, `[${sa}]·[${sb}] (${la})`);
            [a.t, b.t, out].forEach((t) => t.dispose());
          }
        }
      });

      it('empty dims: k = 0 gives zeros even over NaN-filled memory; m, n or batch = 0 gives empty', () => {
        tf.setPortableKernels(portable);
        const pairs: [number[], number[]][] = [
          [[0, 3], [3, 4]], [[3, 0], [0, 4]], [[2, 0, 3], [3, 5]], [[0], [0]], [[5, 0], [0]], [[0, 2, 3], [1, 3, 4]], [[4, 0], [0, 300]], [[2, 7, 0], [0, 9]],
        ];
        for (const [sa, sb] of pairs) {
          const ref = refMatmul({ shape: sa, values: new Float64Array(numel(sa)) }, { shape: sb, values: new Float64Array(numel(sb)) });
          // leave NaN in freed blocks of the sizes the result will take
          tf.full([Math.max(1, numel(ref.shape))], NaN, { dtype }).dispose();
          const out = tf.matmul(tf.zeros(sa, { dtype }), tf.ones(sb, { dtype }));
          expect(out.shape).toEqual(ref.shape);
          expect(Array.from(out.dataSync())).toEqual(Array.from(ref.values));
          out.dispose();
        }
      });

      it('addmm: beta = 0 ignores NaN in input; other alpha, beta scale and broadcast', () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 9 : 10);
        for (const [m, k, n] of [[7, 17, 9], [64, 300, 33], [5, 0, 3], [1, 1, 1]]) {
          const a = operand(r, [m, k], dtype, 'contiguous');
          const b = operand(r, [k, n], dtype, 'transposed');
          const ref = refMatmul(a.arr, b.arr);
          const nan = tf.full([m, n], NaN, { dtype });
          const out = tf.addmm(nan, a.t, b.t, { beta: 0 });
          expectProduct(out, ref, dtype, `addmm beta 0 ${m}x${k}x${n}`);
          const alpha = 2;
          const beta = 0.5;
          const inp = operand(r, [n], dtype, 'contiguous');
          const out2 = inp.t.addmm(a.t, b.t, { alpha, beta });
          const expected = {
            shape: [m, n],
            values: ref.values.map((v, i) => alpha * v + beta * inp.arr.values[i % n]),
            absSum: ref.absSum.map((v, i) => alpha * v + Math.abs(beta * inp.arr.values[i % n])),
          };
          expectProduct(out2, expected, dtype, `addmm alpha 2 beta 0.5 ${m}x${k}x${n}`);
          [a.t, b.t, nan, out, inp.t, out2].forEach((t) => t.dispose());
        }
      });
    });
  }
}

describe('the native GEMM contract (strided C, alpha, beta)', () => {
  // matmul always writes a fresh row-major result; this drives the kernel directly to
  // check a column-major C (csC != 1), beta = 0 over NaN, beta != 0, and alpha = 0.
  for (const portable of [false, true]) {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      it(`${dtype}, ${portable ? 'portable' : 'default'} kernels`, () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 51 : 52);
        for (const [m, k, n] of [[7, 17, 9], [64, 255, 33], [6, 16, 16], [1, 3, 1]]) {
          const a = operand(r, [m, k], dtype, 'contiguous');
          const b = operand(r, [k, n], dtype, 'contiguous');
          const ref = refMatmul(a.arr, b.arr);
          const code = dtype === 'float32' ? 0 : 1;
          const meta = (rsC: number, csC: number) => new Float64Array([0, m, n, k, k, 1, n, 1, rsC, csC]);
          const readColMajor = (c: Tensor) => {
            const cm = c.dataSync();
            return Float64Array.from({ length: m * n }, (_, i) => cm[(i % n) * m + Math.floor(i / n)]);
          };
          const check = (got: Float64Array, expected: Float64Array, absSum: Float64Array, what: string) => {
            const rt = relTol(dtype);
            for (let i = 0; i < got.length; i++) {
              if (!(Math.abs(got[i] - expected[i]) <= rt * absSum[i] + 1e-6)) expect.fail(`${what} ${m}x${k}x${n}: element ${i} is ${got[i]}, expected ${expected[i]}`);
            }
          };
          // C stored column-major [n, m], NaN inside: beta = 0 must not read it
          const c = tf.full([n, m], NaN, { dtype });
          native.gemm(code, a.t.handle('t'), 0, b.t.handle('t'), 0, c.handle('t'), 0, meta(1, m), 1, 0);
          check(readColMajor(c), ref.values, ref.absSum, 'beta 0, column-major C');
          // beta = 0.5, alpha = -2 on top of that result
          const prev = readColMajor(c);
          native.gemm(code, a.t.handle('t'), 0, b.t.handle('t'), 0, c.handle('t'), 0, meta(1, m), -2, 0.5);
          check(readColMajor(c), prev.map((v, i) => 0.5 * v - 2 * ref.values[i]), ref.absSum.map((v, i) => 2 * v + Math.abs(0.5 * prev[i])), 'alpha -2 beta 0.5, column-major C');
          // alpha = 0: C = beta * C whatever A holds
          const d = tf.full([m, n], 3, { dtype });
          const nanA = tf.full([m, k], NaN, { dtype });
          native.gemm(code, nanA.handle('t'), 0, b.t.handle('t'), 0, d.handle('t'), 0, meta(n, 1), 0, 2);
          expect(Array.from(d.dataSync()).every((v) => v === 6)).toBe(true);
          [a.t, b.t, c, d, nanA].forEach((t) => t.dispose());
        }
      });
    }
  }

  it('rejects metadata that would reach outside a storage', () => {
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([3, 4]);
    const c = tf.zeros([2, 4]);
    const bad = new Float64Array([0, 2, 4, 3, 3, 1, 4, 1, 5, 1]); // rsC 5 overruns c
    expect(() => native.gemm(0, a.handle('t'), 0, b.handle('t'), 0, c.handle('t'), 0, bad, 1, 0)).toThrow(/C reaches past the end of its storage/);
  });
});

describe('matmul int32 and mixed dtypes', () => {
  it('int32 products are exact (portable kernel)', () => {
    const r = rng(31);
    for (const [sa, sb] of [[[7, 17], [17, 9]], [[3, 5, 64], [64, 7]], [[17], [17]], [[255, 3], [3, 255]]] as [number[], number[]][]) {
      const a = operand(r, sa, 'int32', 'transposed');
      const b = operand(r, sb, 'int32', 'contiguous');
      const out = tf.matmul(a.t, b.t);
      expectProduct(out, refMatmul(a.arr, b.arr), 'int32', `int32 [${sa}]·[${sb}]`);
    }
    const big = tf.tensor([[65536, 65536]], { dtype: 'int32' });
    // 2^32 + 2^32 wraps to 0 as in PyTorch's int32 arithmetic
    expect(tf.matmul(big, big.T).item()).toBe(0);
  });

  it('int32 tall products split K between 2 threads and still wrap like one product', () => {
    const r = rng(33);
    const threads = tf.getNumThreads();
    try {
      tf.setNumThreads(2);
      const a = operand(r, [40, 8200], 'int32', 'contiguous');
      const b = operand(r, [8200, 52], 'int32', 'contiguous');
      expectProduct(tf.matmul(a.t, b.t), refMatmul(a.arr, b.arr), 'int32', 'int32 [40, 8200]·[8200, 52] on 2 threads');
      // Each half of K sums to 4100 * 2^32, so each partial result wraps to 0, and so must their sum.
      const big = tf.full([40, 8200], 65536, { dtype: 'int32' });
      const out = tf.matmul(big, tf.full([8200, 52], 65536, { dtype: 'int32' }).add(tf.eye(8200, 52, { dtype: 'int32' })));
      // + the identity's column j adds 65536 * 1 for j < 52 (rows of big are all 65536)
      expect(Array.from(new Set(out.dataSync()))).toEqual([65536]);
    } finally {
      tf.setNumThreads(threads);
    }
  });

  it('mixed dtypes promote: float32·float64 → float64, int32·float32 → float32', () => {
    const r = rng(32);
    const a = operand(r, [7, 17], 'float32', 'contiguous');
    const b = operand(r, [17, 5], 'float64', 'sliced');
    const c = operand(r, [17, 5], 'int32', 'transposed');
    expectProduct(tf.matmul(a.t, b.t), refMatmul(a.arr, b.arr), 'float64', 'f32·f64');
    expectProduct(tf.matmul(a.t, c.t), refMatmul(a.arr, c.arr), 'float32', 'f32·i32');
    expectProduct(tf.matmul(c.t.T, b.t), refMatmul({ shape: [5, 17], values: transpose2(c.arr) }, b.arr), 'float64', 'i32·f64');
  });
});

function transpose2(a: Arr): Float64Array {
  const [r, c] = a.shape;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a.values[i * c + j];
  return out;
}

describe('mm, bmm, dot, mv', () => {
  it('match the reference', () => {
    const r = rng(41);
    const a = operand(r, [4, 7, 9], 'float64', 'transposed');
    const b = operand(r, [4, 9, 3], 'float64', 'sliced');
    expectProduct(tf.bmm(a.t, b.t), refMatmul(a.arr, b.arr), 'float64', 'bmm');
    expectProduct(a.t.bmm(b.t), refMatmul(a.arr, b.arr), 'float64', 'bmm method');
    const v = operand(r, [9], 'float64', 'sliced');
    const w = operand(r, [9], 'float64', 'contiguous');
    const m = operand(r, [5, 9], 'float64', 'transposed');
    expectProduct(tf.dot(v.t, w.t), refMatmul(v.arr, w.arr), 'float64', 'dot');
    expect(v.t.dot(w.t).shape).toEqual([]);
    expectProduct(tf.mv(m.t, v.t), refMatmul(m.arr, v.arr), 'float64', 'mv');
    expectProduct(m.t.mv(v.t), refMatmul(m.arr, v.arr), 'float64', 'mv method');
    const n = operand(r, [9, 2], 'float64', 'contiguous');
    expectProduct(m.t.mm(n.t), refMatmul(m.arr, n.arr), 'float64', 'mm');
  });
});

describe('matmul errors', () => {
  it('shape errors name the op, the shapes and the mismatch', () => {
    expect(() => tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5]))).toThrow(tf.ShapeError);
    expect(() => tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5]))).toThrow('matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)');
    expect(() => tf.matmul(tf.zeros([3]), tf.zeros([4]))).toThrow('matmul: shapes [3] and [4] cannot be multiplied (3 != 4)');
    expect(() => tf.matmul(tf.zeros([3]), tf.zeros([2, 4, 5]))).toThrow('matmul: shapes [3] and [2, 4, 5] cannot be multiplied (3 != 4)');
    expect(() => tf.matmul(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 5]))).toThrow(/matmul: the batch dims of shapes \[2, 3, 4\] and \[3, 4, 5\] cannot be broadcast \(\[2\] vs \[3\]\)/);
    expect(() => tf.matmul(tf.tensor(2), tf.zeros([2]))).toThrow(/matmul: both arguments need at least 1 dim, got shapes \[\] and \[2\]/);
    expect(() => tf.mm(tf.zeros([2, 3, 4]), tf.zeros([4, 5]))).toThrow(/mm: expects two 2-d tensors, got shapes \[2, 3, 4\] and \[4, 5\]/);
    expect(() => tf.mm(tf.zeros([2, 3]), tf.zeros([2, 3]))).toThrow('mm: shapes [2, 3] and [2, 3] cannot be multiplied (3 != 2)');
    expect(() => tf.bmm(tf.zeros([2, 3]), tf.zeros([3, 4]))).toThrow(/bmm: expects two 3-d tensors/);
    expect(() => tf.bmm(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 5]))).toThrow(/bmm: batch sizes differ: shapes \[2, 3, 4\] and \[3, 4, 5\] \(2 != 3\)/);
    expect(() => tf.dot(tf.zeros([2, 3]), tf.zeros([3]))).toThrow(/dot: expects two 1-d tensors/);
    expect(() => tf.dot(tf.zeros([2]), tf.zeros([3]))).toThrow(/dot: vectors of shapes \[2\] and \[3\] have different lengths \(2 != 3\)/);
    expect(() => tf.mv(tf.zeros([2, 3]), tf.zeros([2, 3]))).toThrow(/mv: expects a 2-d matrix and a 1-d vector/);
    expect(() => tf.mv(tf.zeros([2, 3]), tf.zeros([4]))).toThrow('mv: shapes [2, 3] and [4] cannot be multiplied (3 != 4)');
    expect(() => tf.addmm(tf.zeros([3, 2]), tf.zeros([2, 3]), tf.zeros([3, 4]))).toThrow(/addmm: input of shape \[3, 2\] cannot be broadcast to the product's shape \[2, 4\]/);
    expect(() => tf.addmm(tf.zeros([2, 4]), tf.zeros([2, 3]), tf.zeros([2, 4]))).toThrow('addmm: shapes [2, 3] and [2, 4] cannot be multiplied (3 != 2)');
  });

  it('dtype and argument errors', () => {
    const b = tf.zeros([2, 2], { dtype: 'bool' });
    expect(() => tf.matmul(b, b)).toThrow(tf.DTypeError);
    expect(() => tf.matmul(b, b)).toThrow(/matmul: bool tensors cannot be multiplied \(got bool and bool\)/);
    expect(() => tf.mm(tf.zeros([2, 2]), b)).not.toThrow(); // bool promotes with float32
    const i = tf.zeros([2, 2], { dtype: 'int32' });
    expect(() => tf.addmm(i, i, i, { alpha: 0.5 })).toThrow(tf.ArgumentError);
    expect(() => tf.matmul(tf.zeros([2, 2]), [[1, 2]] as never)).toThrow(/matmul: b must be a Tensor/);
    const gone = tf.zeros([2, 2]);
    gone.dispose();
    expect(() => tf.matmul(gone, tf.zeros([2, 2]))).toThrow(tf.DisposedError);
    expect(() => tf.zeros([2, 2]).matmul(gone)).toThrow(tf.DisposedError);
  });
});
