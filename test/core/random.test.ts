/**
 * Random draws: reproducibility under manualSeed, independence of the thread count,
 * distributions checked on large draws (moments with 6-sigma tolerances, chi-square
 * goodness of fit at p ~ 1e-6), float64 draws, and errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';

const N = 1 << 20;
const threads0 = tf.getNumThreads();
afterAll(() => tf.setNumThreads(threads0));

function take(t: Tensor): Float64Array {
  const v = Float64Array.from(t.dataSync());
  t.dispose();
  return v;
}

function moments(v: ArrayLike<number>): { mean: number; variance: number; skew: number; kurt: number } {
  const n = v.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i];
  const mean = s / n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = v[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n; m3 /= n; m4 /= n;
  return { mean, variance: m2, skew: m3 / m2 ** 1.5, kurt: m4 / (m2 * m2) };
}

/**
 * Pearson's chi-square statistic against expected probabilities, and the critical value
 * for p = 1e-6 from the Wilson-Hilferty approximation (z = 4.753).
 */
function chiSquare(counts: number[], probs: number[], n: number): { stat: number; critical: number } {
  let stat = 0;
  for (let i = 0; i < counts.length; i++) {
    const e = probs[i] * n;
    stat += (counts[i] - e) ** 2 / e;
  }
  const k = counts.length - 1;
  const z = 4.753;
  const critical = k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3;
  return { stat, critical };
}

/** Standard normal CDF: erfc by the continued-fraction-free Numerical Recipes erfcc (|err| < 1.2e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

function histogram(v: ArrayLike<number>, edges: number[]): number[] {
  const counts = new Array(edges.length + 1).fill(0);
  for (let i = 0; i < v.length; i++) {
    let lo = 0, hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v[i] < edges[mid]) hi = mid; else lo = mid + 1;
    }
    counts[lo]++;
  }
  return counts;
}

function expectErr(fn: () => unknown, cls: new (...a: never[]) => Error, ...parts: (string | RegExp)[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(cls);
  for (const p of parts) expect((err as Error).message).toMatch(p);
}

describe('seeding', () => {
  it('manualSeed replays the same sequence of draws of every kind', () => {
    const run = () => [
      take(tf.rand([1000])), take(tf.randn([7, 33])), take(tf.randint(-5, 5, [257])),
      take(tf.uniform([17], -2, 3)), take(tf.normal([5], 10, 2, { dtype: 'float64' })), take(tf.bernoulli([100], 0.3)),
      take(tf.rand([3], { dtype: 'float64' })),
    ];
    tf.manualSeed(1234);
    const a = run();
    tf.manualSeed(1234);
    const b = run();
    expect(b).toEqual(a);
    expect(tf.initialSeed()).toBe(1234);
    tf.manualSeed(1235);
    const c = run();
    expect(c[0]).not.toEqual(a[0]);
    expect(c[1]).not.toEqual(a[1]);
  });

  it('moves on between draws: two draws after one seed differ, and a split draw equals one big draw', () => {
    tf.manualSeed(7);
    const x = take(tf.rand([1000]));
    const y = take(tf.rand([1000]));
    expect(x).not.toEqual(y);
    let same = 0;
    for (let i = 0; i < 1000; i++) if (x[i] === y[i]) same++;
    expect(same).toBeLessThan(5);
    // The generator is counter-based: 4 float32 values per counter, so draws of
    // multiples of 4 concatenate exactly.
    tf.manualSeed(7);
    const whole = take(tf.rand([2000]));
    expect(Array.from(whole.subarray(0, 1000))).toEqual(Array.from(x));
    expect(Array.from(whole.subarray(1000))).toEqual(Array.from(y));
  });

  it('accepts seeds up to 2^53 - 1 and rejects others', () => {
    tf.manualSeed(Number.MAX_SAFE_INTEGER);
    const a = take(tf.rand([8]));
    tf.manualSeed(0);
    const b = take(tf.rand([8]));
    expect(a).not.toEqual(b);
    expectErr(() => tf.manualSeed(-1), tf.ArgumentError, /^manualSeed: /, '-1');
    expectErr(() => tf.manualSeed(1.5), tf.ArgumentError, '1.5');
    expectErr(() => tf.manualSeed(2 ** 53), tf.ArgumentError, 'safe integer');
    expectErr(() => tf.manualSeed('3' as never), tf.ArgumentError, 'seed');
  });
});

describe('thread count', () => {
  it('gives identical draws with 1, 2 and 3 threads', () => {
    const draw = (): Float64Array[] => {
      tf.manualSeed(99);
      // Large enough that the native pool splits them (4096 counters per task at least).
      return [take(tf.rand([300_001])), take(tf.randn([200_003], { dtype: 'float64' })), take(tf.randint(0, 1000, [150_000])),
        take(tf.bernoulli([100_000], 0.25)), take(tf.normal([77_777], -1, 3))];
    };
    tf.setNumThreads(1);
    expect(tf.getNumThreads()).toBe(1);
    const one = draw();
    tf.setNumThreads(2);
    const two = draw();
    tf.setNumThreads(3);
    const three = draw();
    for (let i = 0; i < one.length; i++) {
      expect(two[i].length).toBe(one[i].length);
      expect(Buffer.from(two[i].buffer).equals(Buffer.from(one[i].buffer)), `draw ${i} (2 threads)`).toBe(true);
      expect(Buffer.from(three[i].buffer).equals(Buffer.from(one[i].buffer)), `draw ${i} (3 threads)`).toBe(true);
    }
    tf.setNumThreads(threads0);
  });

  it('rejects bad thread counts', () => {
    expectErr(() => tf.setNumThreads(0), tf.ArgumentError, /^setNumThreads: /, 'got 0');
    expectErr(() => tf.setNumThreads(2.5), tf.ArgumentError, '2.5');
  });
});

describe('distributions', () => {
  it('rand: float32 in [0, 1), uniform moments and histogram', () => {
    tf.manualSeed(11);
    const t = tf.rand([1024, 1024]);
    expect(t.shape).toEqual([1024, 1024]);
    expect(t.dtype).toBe('float32');
    const v = take(t);
    let lo = Infinity, hi = -Infinity;
    for (const x of v) { if (x < lo) lo = x; if (x > hi) hi = x; }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(lo).toBeLessThan(1e-4);
    expect(hi).toBeGreaterThan(1 - 1e-4);
    const m = moments(v);
    // sd of the mean: sqrt(1/12/N) = 2.8e-4; of the variance: sqrt((1/80 - 1/144)/N) = 7.3e-5
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(6 * Math.sqrt((1 / 80 - 1 / 144) / N));
    const edges = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
    const { stat, critical } = chiSquare(histogram(v, edges), new Array(100).fill(0.01), N);
    expect(stat).toBeLessThan(critical);
  });

  it('uniform(low, high) spans [low, high)', () => {
    tf.manualSeed(12);
    const v = take(tf.uniform([N], -3, 5));
    const m = moments(v);
    expect(Math.min(...v.subarray(0, 100000))).toBeGreaterThanOrEqual(-3);
    for (const x of v) if (!(x >= -3 && x < 5)) expect.fail(`uniform value ${x} out of [-3, 5)`);
    const sd = 8 / Math.sqrt(12);
    expect(Math.abs(m.mean - 1)).toBeLessThan(6 * sd / Math.sqrt(N));
    expect(Math.abs(m.variance - sd * sd)).toBeLessThan(6 * 64 * Math.sqrt((1 / 80 - 1 / 144) / N));
    // A degenerate range gives the bound itself.
    expect(Array.from(take(tf.uniform([3], 2, 2)))).toEqual([2, 2, 2]);
    // Defaults are [0, 1).
    expect(tf.uniform([5]).dtype).toBe('float32');
  });

  it('randn: standard normal moments and a chi-square fit to the normal CDF', () => {
    tf.manualSeed(13);
    const v = take(tf.randn([N]));
    const m = moments(v);
    expect(Math.abs(m.mean)).toBeLessThan(6 / Math.sqrt(N));
    expect(Math.abs(m.variance - 1)).toBeLessThan(6 * Math.sqrt(2 / N));
    expect(Math.abs(m.skew)).toBeLessThan(6 * Math.sqrt(6 / N));
    expect(Math.abs(m.kurt - 3)).toBeLessThan(6 * Math.sqrt(24 / N));
    const edges = Array.from({ length: 59 }, (_, i) => -3 + (i + 1) * 0.1);
    const cdf = [0, ...edges.map(normalCdf), 1];
    const probs = cdf.slice(1).map((c, i) => c - cdf[i]);
    const { stat, critical } = chiSquare(histogram(v, edges), probs, N);
    expect(stat).toBeLessThan(critical);
    for (const x of v) if (!Number.isFinite(x)) expect.fail(`randn gave ${x}`);
  });

  it('normal(mean, std) shifts and scales', () => {
    tf.manualSeed(14);
    const v = take(tf.normal([N], 5, 0.5));
    const m = moments(v);
    expect(Math.abs(m.mean - 5)).toBeLessThan(6 * 0.5 / Math.sqrt(N));
    expect(Math.abs(m.variance - 0.25)).toBeLessThan(6 * 0.25 * Math.sqrt(2 / N));
    expect(Array.from(take(tf.normal([4], 3, 0)))).toEqual([3, 3, 3, 3]);
  });

  it('randint: every integer of [low, high) equally often, int32 by default', () => {
    tf.manualSeed(15);
    const t = tf.randint(-7, 10, [N]);
    expect(t.dtype).toBe('int32');
    const v = take(t);
    const counts = new Array(17).fill(0);
    for (const x of v) {
      if (!Number.isInteger(x) || x < -7 || x >= 10) expect.fail(`randint value ${x} out of [-7, 10)`);
      counts[x + 7]++;
    }
    const { stat, critical } = chiSquare(counts, new Array(17).fill(1 / 17), N);
    expect(stat).toBeLessThan(critical);
    // randint(high, shape)
    const w = take(tf.randint(3, [10000]));
    expect(new Set(w)).toEqual(new Set([0, 1, 2]));
    // A wide range: the mean stays unbiased (sd of the mean (2^31)/sqrt(12 N)).
    const big = take(tf.randint(-(2 ** 30), 2 ** 30, [N]));
    expect(Math.abs(moments(big).mean)).toBeLessThan(6 * 2 ** 31 / Math.sqrt(12 * N));
    const f = tf.randint(0, 4, [1000], { dtype: 'float64' });
    expect(f.dtype).toBe('float64');
    expect(take(f).every((x) => Number.isInteger(x) && x >= 0 && x < 4)).toBe(true);
  });

  it('bernoulli(p): 0/1 with mean p, exact at p = 0 and 1', () => {
    tf.manualSeed(16);
    for (const p of [0.5, 0.1, 0.97]) {
      const v = take(tf.bernoulli([N], p));
      let ones = 0;
      for (const x of v) {
        if (x !== 0 && x !== 1) expect.fail(`bernoulli value ${x}`);
        ones += x;
      }
      expect(Math.abs(ones / N - p)).toBeLessThan(6 * Math.sqrt(p * (1 - p) / N));
    }
    expect(take(tf.bernoulli([1000], 0)).every((x) => x === 0)).toBe(true);
    expect(take(tf.bernoulli([1000], 1)).every((x) => x === 1)).toBe(true);
    const b = tf.bernoulli([10], 0.5, { dtype: 'bool' });
    expect(b.dtype).toBe('bool');
    b.dispose();
  });

  it('float64 draws carry more than float32 precision', () => {
    tf.manualSeed(17);
    for (const [name, t] of [['rand', tf.rand([4096], { dtype: 'float64' })], ['randn', tf.randn([4096], { dtype: 'float64' })],
      ['uniform', tf.uniform([4096], -1, 1, { dtype: 'float64' })], ['normal', tf.normal([4096], 0, 2, { dtype: 'float64' })]] as const) {
      expect(t.dtype).toBe('float64');
      const v = take(t);
      let wide = 0;
      for (const x of v) if (Math.fround(x) !== x) wide++;
      expect(wide, name).toBeGreaterThan(4000);
    }
    const v = take(tf.rand([N], { dtype: 'float64' }));
    const m = moments(v);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / N));
    for (const x of v) if (!(x >= 0 && x < 1)) expect.fail(`rand float64 ${x}`);
  });

  it('draws of every shape: 0-d, empty, odd sizes', () => {
    for (const shape of [[], [0], [3, 0], [1], [7], [17, 33]]) {
      const t = tf.randn(shape);
      expect(t.shape).toEqual(shape);
      expect(t.dataSync().length).toBe(shape.reduce((a, b) => a * b, 1));
      t.dispose();
    }
  });
});

describe('errors', () => {
  it('names the op and what was wrong', () => {
    for (const dt of ['int32', 'bool'] as DType[]) {
      expectErr(() => tf.rand([2], { dtype: dt }), tf.DTypeError, /^rand: /, dt, 'floating');
      expectErr(() => tf.randn([2], { dtype: dt }), tf.DTypeError, /^randn: /, dt);
      expectErr(() => tf.uniform([2], 0, 1, { dtype: dt }), tf.DTypeError, /^uniform: /);
      expectErr(() => tf.normal([2], 0, 1, { dtype: dt }), tf.DTypeError, /^normal: /);
    }
    expectErr(() => tf.uniform([2], 3, 1), tf.ArgumentError, /^uniform: /, 'low <= high', '3 and 1');
    expectErr(() => tf.uniform([2], 0, NaN), tf.ArgumentError, 'NaN');
    expectErr(() => tf.normal([2], 0, -1), tf.ArgumentError, /^normal: /, 'std must be >= 0', '-1');
    expectErr(() => tf.randint(5, 5, [2]), tf.ArgumentError, /^randint: /, 'low < high', '5 and 5');
    expectErr(() => tf.randint(0, 2.5, [2]), tf.ArgumentError, '2.5');
    expectErr(() => tf.randint(0, 5, 3 as never), tf.ArgumentError, 'shape array');
    expectErr(() => tf.randint(0, 5, [2], { dtype: 'bool' }), tf.DTypeError, /^randint: /, 'bool');
    expectErr(() => tf.bernoulli([2], 1.5), tf.ArgumentError, /^bernoulli: /, 'p must be in [0, 1]', '1.5');
    expectErr(() => tf.bernoulli([2], NaN), tf.ArgumentError, 'NaN');
    expectErr(() => tf.rand([2, -1]), tf.ShapeError, /^rand: /, '-1');
    expectErr(() => tf.randn([1.5]), tf.ShapeError, /^randn: /, '1.5');
    expectErr(() => tf.rand([2], { device: 'cuda' }), tf.DeviceError, /^rand: /);
  });
});
