/**
 * Layers against float64 plain-JS references on random inputs, nn.init statistics
 * against their formulas, and Dropout statistics.
 */
import { describe, expect, test } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { expectClose, makeTensor, numel, randomValues, rng, tolFor, type Layout } from '../helpers';

const { nn, F } = tf;
const FLOATS: DType[] = ['float32', 'float64'];
const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];

function vals(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

function refLinear(x: number[], rows: number, w: number[], out: number, inF: number, b: number[] | null): number[] {
  const y: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
      y.push(s);
    }
  }
  return y;
}

describe('Linear', () => {
  const r = rng(11);
  test.each(FLOATS)('forward vs reference (%s), shapes and layouts', (dtype) => {
    for (const [lead, inF, outF] of [[[7], 5, 3], [[2, 3], 17, 1], [[1], 1, 33], [[], 4, 2], [[0], 3, 2], [[4, 1, 2], 6, 7]] as [number[], number, number][]) {
      for (const layout of LAYOUTS) {
        for (const bias of [true, false]) {
          const fc = new nn.Linear(inF, outF, { bias, dtype });
          const xs = [...lead, inF];
          const xv = randomValues(numel(xs), dtype, r);
          tf.tidy(() => {
            const x = makeTensor(xv, xs, dtype, layout);
            const y = fc.forward(x);
            expect(y.shape).toEqual([...lead, outF]);
            const rows = numel(lead);
            expectClose(vals(y), refLinear(Array.from(xv), rows, vals(fc.weight), outF, inF, bias ? vals(fc.bias!) : null), { ...tolFor(dtype), atol: 1e-5, what: `${xs} ${layout}` });
          });
          fc.dispose();
        }
      }
    }
  });

  test('default init bounds: weight and bias in ±1/√in', () => {
    tf.manualSeed(3);
    const fc = new nn.Linear(50, 400);
    const bound = 1 / Math.sqrt(50);
    const w = vals(fc.weight);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.98 * bound);
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std).toBeCloseTo(bound / Math.sqrt(3), 3);
    expect(Math.max(...vals(fc.bias!).map(Math.abs))).toBeLessThanOrEqual(bound);
    fc.dispose();
  });

  test('errors', () => {
    const fc = new nn.Linear(4, 3);
    expect(() => fc.forward(tf.zeros([2, 5]))).toThrow(/input of shape \[2, 5\] does not end with in_features 4/);
    expect(() => fc.forward(tf.zeros([2, 4], { dtype: 'float64' }))).toThrow(tf.DTypeError);
    expect(() => fc.forward(tf.zeros([2, 4], { dtype: 'int32' }))).toThrow(tf.DTypeError);
    expect(() => F.linear(tf.zeros([2, 4]), tf.zeros([4]))).toThrow(tf.ShapeError);
    expect(() => F.linear(tf.zeros([2, 4]), tf.zeros([3, 4]), tf.zeros([2]))).toThrow(tf.ShapeError);
    expect(() => new nn.Linear(-1, 2)).toThrow(tf.ArgumentError);
    fc.dispose();
  });
});

describe('normalisation', () => {
  const r = rng(5);
  function refNorm(x: number[], groups: number, size: number, eps: number, w?: number[], b?: number[]): number[] {
    const y = new Array<number>(x.length);
    for (let g = 0; g < groups; g++) {
      let m = 0;
      for (let i = 0; i < size; i++) m += x[g * size + i];
      m /= size;
      let v = 0;
      for (let i = 0; i < size; i++) v += (x[g * size + i] - m) ** 2;
      v /= size;
      for (let i = 0; i < size; i++) y[g * size + i] = ((x[g * size + i] - m) / Math.sqrt(v + eps)) * (w ? w[i] : 1) + (b ? b[i] : 0);
    }
    return y;
  }

  test.each(FLOATS)('LayerNorm (%s)', (dtype) => {
    for (const [shape, k] of [[[3, 7], 1], [[2, 3, 5], 2], [[1, 33], 1], [[4, 2, 3], 1]] as [number[], number][]) {
      const ns = shape.slice(shape.length - k);
      const ln = new nn.LayerNorm(ns, { dtype });
      nn.init.normal_(ln.weight!);
      nn.init.normal_(ln.bias!);
      const xv = randomValues(numel(shape), dtype, r);
      tf.tidy(() => {
        const y = ln.forward(makeTensor(xv, shape, dtype, 'transposed'));
        const size = numel(ns);
        expectClose(vals(y), refNorm(Array.from(xv), numel(shape) / size, size, 1e-5, vals(ln.weight!), vals(ln.bias!)), { rtol: 1e-4, atol: 1e-5 });
      });
      ln.dispose();
    }
    const plain = new nn.LayerNorm(4, { elementwiseAffine: false });
    expect(plain.parameters()).toEqual([]);
    expect(() => plain.forward(tf.zeros([2, 5]))).toThrow(/does not end with normalizedShape \[4\]/);
  });

  function refBatchStats(x: number[], shape: number[]): { mean: number[]; varB: number[] } {
    const [N, C] = shape;
    const L = shape.length === 3 ? shape[2] : 1;
    const mean: number[] = [];
    const varB: number[] = [];
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) s += x[(n * C + c) * L + l];
      const m = s / (N * L);
      let v = 0;
      for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) v += (x[(n * C + c) * L + l] - m) ** 2;
      mean.push(m);
      varB.push(v / (N * L));
    }
    return { mean, varB };
  }

  test.each(FLOATS)('BatchNorm1d training, running stats (momentum and cumulative), eval (%s)', (dtype) => {
    for (const shape of [[6, 3], [5, 4, 7], [2, 1, 3]]) {
      for (const momentum of [0.1, null, 0.5]) {
        const C = shape[1];
        const L = shape.length === 3 ? shape[2] : 1;
        const cnt = shape[0] * L;
        const bn = new nn.BatchNorm1d(C, { momentum, dtype });
        nn.init.uniform_(bn.weight!, 0.5, 1.5);
        nn.init.normal_(bn.bias!);
        const rm = new Array(C).fill(0);
        const rv = new Array(C).fill(1);
        for (let step = 1; step <= 3; step++) {
          const xv = Array.from(randomValues(numel(shape), dtype, r));
          const { mean, varB } = refBatchStats(xv, shape);
          const f = momentum ?? 1 / step;
          for (let c = 0; c < C; c++) {
            rm[c] = (1 - f) * rm[c] + f * mean[c];
            rv[c] = (1 - f) * rv[c] + f * varB[c] * cnt / (cnt - 1);
          }
          tf.tidy(() => {
            const y = vals(bn.forward(tf.tensor(xv, { shape, dtype })));
            const w = vals(bn.weight!);
            const b = vals(bn.bias!);
            const exp = xv.map((v, i) => {
              const c = Math.floor(i / L) % C;
              return ((v - mean[c]) / Math.sqrt(varB[c] + 1e-5)) * w[c] + b[c];
            });
            expectClose(y, exp, { rtol: 1e-4, atol: 1e-5, what: `y step ${step}` });
          });
          expectClose(vals(bn.running_mean!), rm, { rtol: 1e-5, atol: 1e-6, what: 'running_mean' });
          expectClose(vals(bn.running_var!), rv, { rtol: 1e-5, atol: 1e-6, what: 'running_var' });
        }
        bn.eval();
        const xv = Array.from(randomValues(numel(shape), dtype, r));
        tf.tidy(() => {
          const y = vals(bn.forward(tf.tensor(xv, { shape, dtype })));
          const w = vals(bn.weight!);
          const b = vals(bn.bias!);
          expectClose(y, xv.map((v, i) => {
            const c = Math.floor(i / L) % C;
            return ((v - rm[c]) / Math.sqrt(rv[c] + 1e-5)) * w[c] + b[c];
          }), { rtol: 1e-4, atol: 1e-5, what: 'eval' });
        });
        expect(bn.num_batches_tracked!.item()).toBe(3);
        bn.dispose();
      }
    }
  });

  test('BatchNorm1d without running stats uses batch stats in eval; errors', () => {
    const bn = new nn.BatchNorm1d(3, { trackRunningStats: false, affine: false });
    expect([...bn.stateDict().keys()]).toEqual([]);
    bn.eval();
    tf.tidy(() => {
      const y = vals(bn.forward(tf.tensor([[1, 2, 3], [3, 6, 9]])));
      expectClose(y, [-1, -1, -1, 1, 1, 1].map((v, i) => v / Math.sqrt(1 + 1e-5 / [1, 4, 9][i % 3])), { rtol: 1e-6 });
    });
    const t = new nn.BatchNorm1d(3);
    expect(() => t.forward(tf.zeros([1, 3]))).toThrow(/more than 1 value per channel/);
    expect(() => t.forward(tf.zeros([4, 2]))).toThrow(/has 2 channels, expected 3/);
    expect(() => t.forward(tf.zeros([4, 3, 2, 2]))).toThrow(tf.ShapeError);
    t.eval();
    expect(t.forward(tf.zeros([1, 3])).shape).toEqual([1, 3]); // eval accepts a single sample
    t.resetRunningStats();
    expect(vals(t.running_var!)).toEqual([1, 1, 1]);
    expect(() => new nn.BatchNorm1d(3, { momentum: 2 })).toThrow(tf.ArgumentError);
  });
});

describe('Embedding', () => {
  test.each(FLOATS)('lookup, padding row, init (%s)', (dtype) => {
    tf.manualSeed(9);
    const e = new nn.Embedding(7, 5, { paddingIdx: -2, dtype });
    expect(e.paddingIdx).toBe(5);
    const w = vals(e.weight);
    expect(w.slice(25, 30)).toEqual([0, 0, 0, 0, 0]);
    const idx = [[0, 5, 6], [3, 3, 1]];
    tf.tidy(() => {
      const y = e.forward(tf.tensor(idx, { dtype: 'int32' }));
      expect(y.shape).toEqual([2, 3, 5]);
      expect(vals(y)).toEqual(idx.flat().flatMap((i) => w.slice(i * 5, i * 5 + 5)));
      // a changed padding row is returned as is (its gradient, not its value, is masked)
      tf.noGrad(() => e.weight.select(0, 5).copy_(tf.ones([5], { dtype })));
      expect(vals(e.forward(tf.tensor([5], { dtype: 'int32' })))).toEqual([1, 1, 1, 1, 1]);
      expect(e.forward(tf.tensor(2, { dtype: 'int32' })).shape).toEqual([5]);
    });
    expect(() => e.forward(tf.tensor([7], { dtype: 'int32' }))).toThrow(tf.IndexError);
    expect(() => e.forward(tf.tensor([-1], { dtype: 'int32' }))).toThrow(/index -1 is out of range \[0, 7\)/);
    expect(() => e.forward(tf.tensor([1]))).toThrow(tf.DTypeError);
    expect(() => new nn.Embedding(3, 2, { paddingIdx: 3 })).toThrow(tf.ArgumentError);
    e.dispose();
    tf.manualSeed(1);
    const big = new nn.Embedding(200, 50);
    const v = vals(big.weight);
    const mean = v.reduce((a, x) => a + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
    big.dispose();
    const pre = nn.Embedding.fromPretrained(tf.tensor([[1, 2], [3, 4]]));
    expect(pre.weight.requiresGrad).toBe(false);
    expect(vals(pre.forward(tf.tensor([1, 0], { dtype: 'int32' })))).toEqual([3, 4, 1, 2]);
    pre.dispose();
  });
});

describe('shape layers and activations', () => {
  test('Flatten, Unflatten, Identity', () => {
    tf.tidy(() => {
      const x = tf.randn([2, 3, 4, 5]);
      expect(new nn.Flatten().forward(x).shape).toEqual([2, 60]);
      expect(new nn.Flatten(0, 1).forward(x).shape).toEqual([6, 4, 5]);
      expect(new nn.Flatten(2).forward(x).shape).toEqual([2, 3, 20]);
      const u = new nn.Unflatten(1, [3, -1]).forward(tf.zeros([2, 12]));
      expect(u.shape).toEqual([2, 3, 4]);
      expect(new nn.Unflatten(-1, [2, 2]).forward(tf.zeros([3, 4])).shape).toEqual([3, 2, 2]);
      expect(() => new nn.Unflatten(1, [5, 2]).forward(tf.zeros([2, 12]))).toThrow(tf.ShapeError);
      expect(() => new nn.Unflatten(1, [-1, -1])).toThrow(tf.ArgumentError);
      const id = new nn.Identity();
      expect(id.forward(x)).toBe(x);
      expect(vals(new nn.Flatten().forward(x))).toEqual(vals(x));
    });
  });

  test('activation modules equal their ops and closed forms', () => {
    const r = rng(2);
    const xv = Array.from(randomValues(40, 'float64', r, -4, 4));
    tf.tidy(() => {
      const x = tf.tensor(xv, { shape: [5, 8], dtype: 'float64' });
      const cases: [InstanceType<typeof nn.Module>, (v: number) => number][] = [
        [new nn.ReLU(), (v) => Math.max(v, 0)],
        [new nn.LeakyReLU(0.2), (v) => (v >= 0 ? v : 0.2 * v)],
        [new nn.Sigmoid(), (v) => 1 / (1 + Math.exp(-v))],
        [new nn.Tanh(), Math.tanh],
        [new nn.SiLU(), (v) => v / (1 + Math.exp(-v))],
        [new nn.GELU({ approximate: 'tanh' }), (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
      ];
      for (const [m, f] of cases) expectClose(vals(m.call(x)), xv.map(f), { rtol: 1e-12, atol: 1e-12, what: m.constructor.name });
      const sm = vals(new nn.Softmax(1).forward(x));
      const lsm = vals(new nn.LogSoftmax(-1).forward(x));
      for (let i = 0; i < 5; i++) {
        const row = xv.slice(i * 8, i * 8 + 8);
        const mx = Math.max(...row);
        const z = row.reduce((a, v) => a + Math.exp(v - mx), 0);
        expectClose(sm.slice(i * 8, i * 8 + 8), row.map((v) => Math.exp(v - mx) / z), { rtol: 1e-12 });
        expectClose(lsm.slice(i * 8, i * 8 + 8), row.map((v) => v - mx - Math.log(z)), { rtol: 1e-12 });
      }
      expect(() => new nn.Softmax(undefined as never)).toThrow(/implicit dim/);
      expect(() => new nn.GELU({ approximate: 'x' as never })).toThrow(tf.ArgumentError);
    });
  });
});

describe('Dropout', () => {
  test('statistics, inverted scaling, eval identity, seeding', () => {
    for (const p of [0.1, 0.5, 0.8]) {
      const d = new nn.Dropout(p);
      tf.tidy(() => {
        const x = tf.ones([20000]);
        tf.manualSeed(4);
        const y = vals(d.forward(x));
        const zeros = y.filter((v) => v === 0).length;
        const sigma = Math.sqrt(p * (1 - p) / 20000);
        expect(Math.abs(zeros / 20000 - p)).toBeLessThan(5 * sigma);
        const kept = y.filter((v) => v !== 0);
        expect(kept.every((v) => Math.abs(v - 1 / (1 - p)) < 1e-6)).toBe(true);
        tf.manualSeed(4);
        expect(vals(d.forward(x))).toEqual(y);
        d.eval();
        expect(d.forward(x)).toBe(x);
        d.train();
      });
    }
    tf.tidy(() => {
      const x = tf.randn([3, 4]);
      expect(F.dropout(x, 0)).toBe(x);
      expect(vals(F.dropout(x, 1)).every((v) => v === 0)).toBe(true);
      expect(F.dropout(x, 0.5, false)).toBe(x);
      const x64 = tf.randn([3, 4], { dtype: 'float64' });
      expect(F.dropout(x64, 0.3).dtype).toBe('float64');
    });
    expect(() => new nn.Dropout(1.5)).toThrow(tf.ArgumentError);
    expect(() => F.dropout(tf.zeros([2], { dtype: 'int32' }), 0.5)).toThrow(tf.DTypeError);
  });
});

describe('nn.init', () => {
  function stats(t: Tensor): { mean: number; std: number; maxAbs: number } {
    const v = vals(t);
    const mean = v.reduce((a, x) => a + x, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length);
    return { mean, std, maxAbs: Math.max(...v.map(Math.abs)) };
  }

  test('calculateGain and fans', () => {
    expect(nn.init.calculateGain('linear')).toBe(1);
    expect(nn.init.calculateGain('sigmoid')).toBe(1);
    expect(nn.init.calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(nn.init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 15);
    expect(nn.init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(nn.init.calculateGain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(nn.init.calculateGain('selu')).toBe(0.75);
    expect(() => nn.init.calculateGain('swish' as never)).toThrow(tf.ArgumentError);
    expect(nn.init.calculateFanInAndFanOut(tf.zeros([8, 3, 5, 5]))).toEqual({ fanIn: 75, fanOut: 200 });
    expect(() => nn.init.kaimingUniform_(tf.zeros([5]))).toThrow(/fewer than 2 dims/);
    expect(() => nn.init.normal_(tf.zeros([5], { dtype: 'int32' }))).toThrow(tf.DTypeError);
  });

  test.each(FLOATS)('distributions match their formulas (%s)', (dtype) => {
    tf.manualSeed(17);
    const t = tf.zeros([300, 200], { dtype });
    const sq3 = Math.sqrt(3);
    const check = (bound: number | null, std: number, what: string) => {
      const s = stats(t);
      expect(Math.abs(s.mean), what).toBeLessThan(4 * std / Math.sqrt(60000) + 1e-12);
      expect(Math.abs(s.std / std - 1), what).toBeLessThan(0.02);
      if (bound !== null) {
        expect(s.maxAbs, what).toBeLessThanOrEqual(bound * (1 + 1e-6));
        expect(s.maxAbs, what).toBeGreaterThan(0.99 * bound);
      }
    };
    let g = Math.sqrt(2 / (1 + 5));
    nn.init.kaimingUniform_(t, { a: Math.sqrt(5) });
    check(g * sq3 / Math.sqrt(200), g / Math.sqrt(200), 'kaimingUniform a=√5');
    nn.init.kaimingUniform_(t, { mode: 'fanOut', nonlinearity: 'relu' });
    check(Math.SQRT2 * sq3 / Math.sqrt(300), Math.SQRT2 / Math.sqrt(300), 'kaimingUniform fanOut relu');
    nn.init.kaimingNormal_(t, { nonlinearity: 'relu' });
    check(null, Math.SQRT2 / Math.sqrt(200), 'kaimingNormal');
    g = Math.sqrt(2 / (1 + 0.3 * 0.3));
    nn.init.kaimingNormal_(t, { a: 0.3, mode: 'fan_out' });
    check(null, g / Math.sqrt(300), 'kaimingNormal a fanOut');
    nn.init.xavierUniform_(t, 2);
    check(2 * Math.sqrt(6 / 500), 2 * Math.sqrt(6 / 500) / sq3, 'xavierUniform');
    nn.init.xavierNormal_(t);
    check(null, Math.sqrt(2 / 500), 'xavierNormal');
    nn.init.uniform_(t, -0.5, 0.5);
    check(0.5, 0.5 / sq3, 'uniform');
    nn.init.normal_(t, 0, 0.02);
    check(null, 0.02, 'normal');
    nn.init.normal_(t, 3, 0.5);
    expect(Math.abs(stats(t).mean - 3)).toBeLessThan(0.01);
    nn.init.constant_(t, 0.25);
    expect(new Set(vals(t))).toEqual(new Set([0.25]));
    nn.init.ones_(t);
    expect(new Set(vals(t))).toEqual(new Set([1]));
    nn.init.zeros_(t);
    expect(new Set(vals(t))).toEqual(new Set([0]));
    expect(() => nn.init.kaimingUniform_(t, { mode: 'fanMiddle' as never })).toThrow(tf.ArgumentError);
    t.dispose();
  });

  test('init bumps the version and is reproducible with manualSeed', () => {
    const t = tf.zeros([4, 6]);
    const v0 = t.storage.version;
    tf.manualSeed(5);
    nn.init.xavierUniform_(t);
    expect(t.storage.version).toBe(v0 + 1);
    const a = vals(t);
    tf.manualSeed(5);
    nn.init.xavierUniform_(t);
    expect(vals(t)).toEqual(a);
    tf.manualSeed(5);
    const m1 = new nn.Sequential(new nn.Linear(3, 4), new nn.Embedding(5, 2));
    tf.manualSeed(5);
    const m2 = new nn.Sequential(new nn.Linear(3, 4), new nn.Embedding(5, 2));
    for (const [k, v] of m1.stateDict()) expect(vals(m2.stateDict().get(k)!), k).toEqual(vals(v));
    m1.dispose();
    m2.dispose();
  });

  test.each([[[5, 5], 1], [[8, 3], 1], [[3, 8], 1.5], [[4, 2, 3], 2], [[1, 7], 1]] as [number[], number][])('orthogonal_ %j gain %d', (shape, gain) => {
    tf.manualSeed(8);
    const t = tf.zeros(shape, { dtype: 'float64' });
    nn.init.orthogonal_(t, gain);
    const rows = shape[0];
    const cols = numel(shape) / rows;
    const q = vals(t);
    // rows <= cols: Q Qᵀ = gain² I; else Qᵀ Q = gain² I
    const n = Math.min(rows, cols);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        if (rows <= cols) for (let k = 0; k < cols; k++) s += q[i * cols + k] * q[j * cols + k];
        else for (let k = 0; k < rows; k++) s += q[k * cols + i] * q[k * cols + j];
        expect(Math.abs(s - (i === j ? gain * gain : 0))).toBeLessThan(1e-12);
      }
    }
    tf.manualSeed(8);
    const u = tf.zeros(shape);
    nn.init.orthogonal_(u, gain);
    expectClose(vals(u), q, { rtol: 1e-6, atol: 1e-7 });
    expect(() => nn.init.orthogonal_(tf.zeros([3]))).toThrow(tf.ShapeError);
  });
});
