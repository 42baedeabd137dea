/**
 * Pooling, nearest interpolation, Dropout2d and BatchNorm2d against float64 reference
 * loops written here (window by window, obviously right), on random configurations:
 * odd sizes, strides, paddings, dilations, ceilMode (windows that leave the input), 1x1
 * outputs, batch 1, unbatched inputs, non-contiguous inputs; plus the errors, the
 * modules' configs (saveModel / loadModel) and BatchNorm2d's running statistics.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { expectClose, rng } from '../helpers';

const { nn, F } = tf;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-pool-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const TOL: Record<string, { rtol: number; atol: number }> = { float64: { rtol: 1e-12, atol: 1e-12 }, float32: { rtol: 1e-5, atol: 1e-5 } };

function randArray(n: number, r: () => number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = -3 + 6 * r();
  return a;
}

/**
 * Output length by enumerating windows in padded coordinates. Without ceilMode a window
 * must fit in the padded input; with it, window o is taken while window o - 1 has not
 * reached the padded input's end and window o starts inside the input or left padding.
 */
function refOutLen(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = d * (k - 1) + 1;
  const padded = n + 2 * p;
  let count = 0;
  for (let o = 0; ; o++) {
    if (ceil) {
      if ((o - 1) * s + span >= padded) break;
      if (o > 0 && o * s - p >= n) break;
    } else if (o * s + span > padded) break;
    count++;
  }
  return count;
}

interface Win { k: [number, number]; s: [number, number]; p: [number, number]; d: [number, number]; ceil: boolean }

function refMaxPool(x: Float64Array, shape: number[], w: Win): { y: Float64Array; idx: Int32Array; oh: number; ow: number } {
  const [H, W] = shape.slice(-2);
  const planes = x.length / (H * W);
  const oh = refOutLen(H, w.k[0], w.s[0], w.p[0], w.d[0], w.ceil);
  const ow = refOutLen(W, w.k[1], w.s[1], w.p[1], w.d[1], w.ceil);
  const y = new Float64Array(planes * oh * ow);
  const idx = new Int32Array(planes * oh * ow);
  for (let c = 0; c < planes; c++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        let at = -1;
        for (let a = 0; a < w.k[0]; a++)
          for (let b = 0; b < w.k[1]; b++) {
            const h = i * w.s[0] - w.p[0] + a * w.d[0];
            const ww = j * w.s[1] - w.p[1] + b * w.d[1];
            if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
            const v = x[c * H * W + h * W + ww];
            if (v > best) { best = v; at = h * W + ww; }
          }
        y[(c * oh + i) * ow + j] = best;
        idx[(c * oh + i) * ow + j] = at;
      }
  return { y, idx, oh, ow };
}

function refAvgPool(x: Float64Array, shape: number[], w: Win, countIncludePad: boolean, divisor: number | null): { y: Float64Array; oh: number; ow: number } {
  const [H, W] = shape.slice(-2);
  const planes = x.length / (H * W);
  const oh = refOutLen(H, w.k[0], w.s[0], w.p[0], 1, w.ceil);
  const ow = refOutLen(W, w.k[1], w.s[1], w.p[1], 1, w.ceil);
  const y = new Float64Array(planes * oh * ow);
  for (let c = 0; c < planes; c++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let sum = 0;
        let inside = 0;
        let padded = 0;
        for (let a = 0; a < w.k[0]; a++)
          for (let b = 0; b < w.k[1]; b++) {
            const h = i * w.s[0] - w.p[0] + a;
            const ww = j * w.s[1] - w.p[1] + b;
            if (h >= -w.p[0] && h < H + w.p[0] && ww >= -w.p[1] && ww < W + w.p[1]) padded++;
            if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
            sum += x[c * H * W + h * W + ww];
            inside++;
          }
        const div = divisor ?? (countIncludePad ? padded : inside);
        y[(c * oh + i) * ow + j] = inside === 0 ? 0 : sum / div;
      }
  return { y, oh, ow };
}

function refAdaptive(x: Float64Array, shape: number[], oh: number, ow: number): Float64Array {
  const [H, W] = shape.slice(-2);
  const planes = x.length / (H * W);
  const y = new Float64Array(planes * oh * ow);
  for (let c = 0; c < planes; c++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const h0 = Math.floor((i * H) / oh), h1 = Math.ceil(((i + 1) * H) / oh);
        const w0 = Math.floor((j * W) / ow), w1 = Math.ceil(((j + 1) * W) / ow);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let ww = w0; ww < w1; ww++) s += x[c * H * W + h * W + ww];
        y[(c * oh + i) * ow + j] = s / ((h1 - h0) * (w1 - w0));
      }
  return y;
}

function refNearest(x: Float64Array, shape: number[], oh: number, ow: number, sf: [number, number] | null): Float64Array {
  const [H, W] = shape.slice(-2);
  const planes = x.length / (H * W);
  // PyTorch computes the source index in float32, and takes o itself when the size is
  // unchanged and o / 2 when it doubles (whatever the scale factor).
  const src = (o: number, n: number, out: number, f: number | null) => {
    if (out === n) return o;
    if (out === 2 * n) return Math.floor(o / 2);
    const scale = Math.fround(f !== null ? 1 / f : n / out);
    return Math.min(Math.floor(Math.fround(o * scale)), n - 1);
  };
  const y = new Float64Array(planes * oh * ow);
  for (let c = 0; c < planes; c++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) y[(c * oh + i) * ow + j] = x[c * H * W + src(i, H, oh, sf && sf[0]) * W + src(j, W, ow, sf && sf[1])];
  return y;
}

/** A tensor of the values, contiguous or as a transposed (non-contiguous) view. */
function make(values: Float64Array, shape: number[], dtype: DType, strided: boolean): Tensor {
  if (!strided) return tf.tensor(dtype === 'float32' ? Float32Array.from(values) : values, { shape, dtype });
  // store with the last two dims swapped, then view them back
  const [H, W] = shape.slice(-2);
  const planes = values.length / (H * W);
  const st = new Float64Array(values.length);
  for (let c = 0; c < planes; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) st[c * H * W + w * H + h] = values[c * H * W + h * W + w];
  const t = tf.tensor(dtype === 'float32' ? Float32Array.from(st) : st, { shape: [...shape.slice(0, -2), W, H], dtype });
  return t.transpose(-1, -2);
}

function randomWindow(r: () => number, H: number, W: number, dilation: boolean): Win | null {
  const pick = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const k: [number, number] = [pick(1, Math.min(4, H)), pick(1, Math.min(4, W))];
  const s: [number, number] = [pick(1, 3), pick(1, 3)];
  const p: [number, number] = [pick(0, Math.floor(k[0] / 2)), pick(0, Math.floor(k[1] / 2))];
  const d: [number, number] = dilation ? [pick(1, 2), pick(1, 2)] : [1, 1];
  const w = { k, s, p, d, ceil: r() < 0.5 };
  const ok = [0, 1].every((i) => (i === 0 ? H : W) + 2 * p[i] >= d[i] * (k[i] - 1) + 1);
  return ok ? w : null;
}

describe.each(['float64', 'float32'] as DType[])('reference loops (%s)', (dtype) => {
  const f = (v: Float64Array) => (dtype === 'float32' ? Float64Array.from(v, Math.fround) : v);

  test('maxPool2d on 60 random configurations (values and indices)', () => {
    const r = rng(11);
    let done = 0;
    while (done < 60) {
      const N = 1 + Math.floor(r() * 3);
      const C = 1 + Math.floor(r() * 3);
      const H = 1 + Math.floor(r() * 9);
      const W = 1 + Math.floor(r() * 9);
      const w = randomWindow(r, H, W, true);
      if (w === null) continue;
      const shape = r() < 0.2 ? [C, H, W] : [N, C, H, W];
      const xs = f(randArray(shape.reduce((a, b) => a * b, 1), r));
      const ref = refMaxPool(xs, shape, w);
      tf.tidy(() => {
        const x = make(xs, shape, dtype, done % 3 === 0);
        const [y, idx] = F.maxPool2d(x, w.k, { stride: w.s, padding: w.p, dilation: w.d, ceilMode: w.ceil, returnIndices: true });
        const what = `maxPool2d ${JSON.stringify({ shape, ...w })}`;
        expect(y.shape, what).toEqual([...shape.slice(0, -2), ref.oh, ref.ow]);
        expect(idx.dtype).toBe('int32');
        expectClose(y.dataSync(), ref.y, { ...TOL[dtype], what });
        expect(Array.from(idx.dataSync()), what).toEqual(Array.from(ref.idx));
      });
      done++;
    }
  });

  test('avgPool2d on 60 random configurations (countIncludePad, divisorOverride)', () => {
    const r = rng(12);
    let done = 0;
    while (done < 60) {
      const N = 1 + Math.floor(r() * 3);
      const C = 1 + Math.floor(r() * 3);
      const H = 1 + Math.floor(r() * 9);
      const W = 1 + Math.floor(r() * 9);
      const w = randomWindow(r, H, W, false);
      if (w === null) continue;
      const cip = r() < 0.5;
      const div = r() < 0.2 ? 1 + Math.floor(r() * 7) : null;
      const shape = r() < 0.2 ? [C, H, W] : [N, C, H, W];
      const xs = f(randArray(shape.reduce((a, b) => a * b, 1), r));
      const ref = refAvgPool(xs, shape, w, cip, div);
      tf.tidy(() => {
        const x = make(xs, shape, dtype, done % 3 === 1);
        const y = F.avgPool2d(x, w.k, { stride: w.s, padding: w.p, ceilMode: w.ceil, countIncludePad: cip, divisorOverride: div });
        const what = `avgPool2d ${JSON.stringify({ shape, ...w, cip, div })}`;
        expect(y.shape, what).toEqual([...shape.slice(0, -2), ref.oh, ref.ow]);
        expectClose(y.dataSync(), ref.y, { ...TOL[dtype], what });
      });
      done++;
    }
  });

  test('maxPool1d / avgPool1d / adaptiveAvgPool1d match the 2-d references with height 1', () => {
    const r = rng(13);
    for (let t = 0; t < 20; t++) {
      const L = 1 + Math.floor(r() * 12);
      const w = randomWindow(r, 1, L, true);
      if (w === null) continue;
      const shape = [2, 3, L];
      const xs = f(randArray(6 * L, r));
      const w1 = { ...w, k: [1, w.k[1]] as [number, number], s: [1, w.s[1]] as [number, number], p: [0, w.p[1]] as [number, number], d: [1, w.d[1]] as [number, number] };
      tf.tidy(() => {
        const x = tf.tensor(xs, { shape, dtype });
        const m = refMaxPool(xs, [2, 3, 1, L], w1);
        const [y, idx] = F.maxPool1d(x, w.k[1], { stride: w.s[1], padding: w.p[1], dilation: w.d[1], ceilMode: w.ceil, returnIndices: true });
        expect(y.shape).toEqual([2, 3, m.ow]);
        expectClose(y.dataSync(), m.y, TOL[dtype]);
        expect(Array.from(idx.dataSync())).toEqual(Array.from(m.idx));
        const w1a = { ...w1, d: [1, 1] as [number, number] };
        const a = refAvgPool(xs, [2, 3, 1, L], w1a, false, null);
        const ya = F.avgPool1d(x, w.k[1], { stride: w.s[1], padding: w.p[1], ceilMode: w.ceil, countIncludePad: false });
        expect(ya.shape).toEqual([2, 3, a.ow]);
        expectClose(ya.dataSync(), a.y, TOL[dtype]);
        const o = 1 + Math.floor(r() * (L + 2));
        expectClose(F.adaptiveAvgPool1d(x, o).dataSync(), refAdaptive(xs, [2, 3, 1, L], 1, o), TOL[dtype]);
      });
    }
  });

  test('adaptiveAvgPool2d on random sizes (outputs larger and smaller than the input, 1x1, null)', () => {
    const r = rng(14);
    for (let t = 0; t < 30; t++) {
      const H = 1 + Math.floor(r() * 10);
      const W = 1 + Math.floor(r() * 10);
      const oh = t % 5 === 0 ? 1 : 1 + Math.floor(r() * 12);
      const ow = t % 5 === 0 ? 1 : 1 + Math.floor(r() * 12);
      const shape = [1 + (t % 3), 2, H, W];
      const xs = f(randArray(shape.reduce((a, b) => a * b, 1), r));
      tf.tidy(() => {
        const x = make(xs, shape, dtype, t % 2 === 0);
        const y = t % 7 === 3 ? F.adaptiveAvgPool2d(x, [null, ow]) : F.adaptiveAvgPool2d(x, [oh, ow]);
        const eh = t % 7 === 3 ? H : oh;
        expect(y.shape).toEqual([shape[0], 2, eh, ow]);
        expectClose(y.dataSync(), refAdaptive(xs, shape, eh, ow), TOL[dtype]);
      });
    }
  });

  test('interpolate nearest: sizes and scale factors (up, down, non-integer)', () => {
    const r = rng(15);
    for (let t = 0; t < 30; t++) {
      const H = 1 + Math.floor(r() * 8);
      const W = 1 + Math.floor(r() * 8);
      const shape = [1 + (t % 2), 2, H, W];
      const xs = f(randArray(shape.reduce((a, b) => a * b, 1), r));
      const bySize = t % 2 === 0;
      const sf: [number, number] = [0.5 + Math.round(r() * 30) / 10, 0.5 + Math.round(r() * 30) / 10];
      const oh = bySize ? 1 + Math.floor(r() * 14) : Math.floor(H * sf[0]);
      const ow = bySize ? 1 + Math.floor(r() * 14) : Math.floor(W * sf[1]);
      if (oh < 1 || ow < 1) continue;
      tf.tidy(() => {
        const x = make(xs, shape, dtype, t % 3 === 0);
        const y = bySize ? F.interpolate(x, { size: [oh, ow] }) : F.interpolate(x, { scaleFactor: sf });
        expect(y.shape).toEqual([shape[0], 2, oh, ow]);
        expectClose(y.dataSync(), refNearest(xs, shape, oh, ow, bySize ? null : sf), { rtol: 0, atol: 0, what: `interpolate ${JSON.stringify({ shape, oh, ow, sf, bySize })}` });
      });
    }
  });
});

describe('pooling edge cases', () => {
  test('output sizes follow PyTorch (ceilMode drops a last window that starts in the right padding)', () => {
    const cases: Array<[number, number, number, number, number, boolean, number]> = [
      // in, k, s, p, d, ceil, expected
      [5, 2, 2, 0, 1, false, 2],
      [5, 2, 2, 0, 1, true, 3],
      [6, 3, 2, 1, 1, true, 4],
      [5, 3, 2, 1, 1, true, 3],
      [4, 2, 3, 1, 1, true, 2],
      [7, 3, 3, 1, 2, true, 3],
      [1, 1, 1, 0, 1, false, 1],
      [3, 3, 1, 1, 1, false, 3],
      [2, 3, 2, 1, 1, true, 2],
      [5, 2, 2, 1, 1, true, 3],
    ];
    for (const [n, k, s, p, d, ceil, expected] of cases) {
      const y = F.maxPool2d(tf.zeros([1, 1, n, n]), k, { stride: s, padding: p, dilation: d, ceilMode: ceil });
      expect(y.shape, JSON.stringify({ n, k, s, p, d, ceil })).toEqual([1, 1, expected, expected]);
      expect(refOutLen(n, k, s, p, d, ceil)).toBe(expected);
    }
  });

  test('ceilMode windows that leave the input: max of the part inside, avg divides by the clipped window', () => {
    const x = tf.tensor([[[[1, 2, 3, 4, 5]]]], { dtype: 'float64' });
    expect(F.maxPool2d(x, [1, 2], { ceilMode: true }).dataSync()).toEqual(Float64Array.from([2, 4, 5]));
    expect(F.avgPool2d(x, [1, 2], { ceilMode: true }).dataSync()).toEqual(Float64Array.from([1.5, 3.5, 5]));
    // with padding 1: windows at -1, 1, 3; the one at 5 would start in the right padding, so it is dropped
    const y = F.avgPool2d(x, [1, 2], { padding: [0, 1], ceilMode: true });
    expect(Array.from(y.dataSync())).toEqual([0.5, 2.5, 4.5]);
    expect(Array.from(F.avgPool2d(x, [1, 2], { padding: [0, 1], ceilMode: true, countIncludePad: false }).dataSync())).toEqual([1, 2.5, 4.5]);
    // stride 3 with padding 1 over 6: windows at -1, 2, 5; the last one holds one input element
    const x6 = tf.tensor([[[[1, 2, 3, 4, 5, 6]]]], { dtype: 'float64' });
    expect(Array.from(F.avgPool2d(x6, [1, 2], { stride: [1, 3], padding: [0, 1], ceilMode: true }).dataSync())).toEqual([0.5, 3.5, 3]);
    expect(Array.from(F.avgPool2d(x6, [1, 2], { stride: [1, 3], padding: [0, 1], ceilMode: true, countIncludePad: false }).dataSync())).toEqual([1, 3.5, 6]);
    expect(Array.from(F.maxPool2d(x6, [1, 2], { stride: [1, 3], padding: [0, 1], ceilMode: true }).dataSync())).toEqual([1, 4, 6]);
  });

  test('NaN wins in maxPool (as PyTorch), -inf stays', () => {
    const x = tf.tensor([[[[1, NaN, 3, -Infinity, -Infinity, 2]]]]);
    const [y, idx] = F.maxPool2d(x, [1, 2], { returnIndices: true });
    expect(Array.from(y.dataSync())).toEqual([NaN, 3, 2]);
    expect(Array.from(idx.dataSync())).toEqual([1, 2, 5]);
    // 2x2 windows (their own fast path): the last NaN of a window wins, as in PyTorch
    const [y2, idx2] = F.maxPool2d(tf.tensor([[[[1, NaN, 5, 0], [3, NaN, -1, 7]]]]), 2, { returnIndices: true });
    expect(Array.from(y2.dataSync())).toEqual([NaN, 7]);
    expect(Array.from(idx2.dataSync())).toEqual([5, 7]);
  });

  test('the gradient of maxPool flows to each maximum (overlapping windows accumulate)', () => {
    const x = tf.tensor([[[[0, 5, 1, 0]]]], { dtype: 'float64' }).requiresGrad_();
    F.maxPool2d(x, [1, 2], { stride: 1 }).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 2, 1, 0]);
  });

  test('batch 1, 1x1 outputs, empty batch', () => {
    const x = tf.randn([1, 3, 5, 5]);
    expect(F.maxPool2d(x, 5).shape).toEqual([1, 3, 1, 1]);
    expectClose(F.avgPool2d(x, 5).dataSync(), x.mean([2, 3]).dataSync(), { rtol: 1e-5, atol: 1e-6 });
    expectClose(F.adaptiveAvgPool2d(x, 1).dataSync(), x.mean([2, 3]).dataSync(), { rtol: 1e-5, atol: 1e-6 });
    expect(F.maxPool2d(tf.zeros([0, 3, 4, 4]), 2).shape).toEqual([0, 3, 2, 2]);
  });

  test('typed errors name the op, shapes and dtypes', () => {
    expect(() => F.maxPool2d(tf.zeros([2, 3, 4]).to('int32'), 2)).toThrow(tf.DTypeError);
    expect(() => F.maxPool2d(tf.zeros([2, 3, 4]).to('int32'), 2)).toThrow(/maxPool2d.*int32/);
    expect(() => F.maxPool2d(tf.zeros([4, 4]), 2)).toThrow(tf.ShapeError);
    expect(() => F.maxPool2d(tf.zeros([1, 1, 4, 4]), 2, { padding: 2 })).toThrow(/at most half/);
    expect(() => F.maxPool2d(tf.zeros([1, 1, 2, 2]), 3)).toThrow(/output size is too small.*\[1, 1, 2, 2\]/);
    expect(() => F.maxPool2d(tf.zeros([1, 1, 4, 4]), 0)).toThrow(tf.ArgumentError);
    expect(() => F.avgPool2d(tf.zeros([1, 1, 4, 4]), 2, { divisorOverride: 0 })).toThrow(tf.ArgumentError);
    expect(() => F.maxPool1d(tf.zeros([1, 1, 2, 2]), 2)).toThrow(/maxPool1d.*\[1, 1, 2, 2\]/);
    expect(() => F.adaptiveAvgPool2d(tf.zeros([1, 1, 4, 4]), 0)).toThrow(tf.ArgumentError);
    expect(() => F.interpolate(tf.zeros([1, 1, 4, 4]), { size: 2, scaleFactor: 2 })).toThrow(/exactly one/);
    expect(() => F.interpolate(tf.zeros([1, 1, 4, 4]), { size: 2, mode: 'bilinear' as 'nearest' })).toThrow(/not implemented/);
    expect(() => F.interpolate(tf.zeros([4, 4]), { size: 2 })).toThrow(tf.ShapeError);
    expect(() => F.dropout2d(tf.zeros([4, 4]), 0.5)).toThrow(tf.ShapeError);
    expect(() => new nn.BatchNorm2d(3).forward(tf.zeros([2, 3, 4]))).toThrow(/BatchNorm2d.*4-d/);
    expect(() => new nn.BatchNorm2d(3).forward(tf.zeros([2, 4, 2, 2]))).toThrow(/4 channels, expected 3/);
    expect(() => new nn.BatchNorm2d(3).forward(tf.zeros([1, 3, 1, 1]))).toThrow(/more than 1 value per channel/);
  });
});

describe('Dropout2d', () => {
  test('zeroes whole channels with probability p and scales the rest; identity in eval', () => {
    tf.manualSeed(3);
    const x = tf.ones([64, 32, 3, 3], { dtype: 'float64' });
    const drop = new nn.Dropout2d(0.25);
    const y = drop.forward(x).dataSync();
    let zeros = 0;
    for (let c = 0; c < 64 * 32; c++) {
      const v = y[c * 9];
      for (let i = 1; i < 9; i++) expect(y[c * 9 + i]).toBe(v); // one value per channel
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / 0.75, 12);
    }
    const frac = zeros / (64 * 32);
    expect(frac).toBeGreaterThan(0.2);
    expect(frac).toBeLessThan(0.3);
    drop.eval();
    expect(drop.forward(x)).toBe(x);
  });

  test('the gradient is the same channel mask', () => {
    tf.manualSeed(4);
    const x = tf.randn([4, 6, 2, 2], { dtype: 'float64' }).requiresGrad_();
    const y = F.dropout2d(x, 0.5);
    y.sum().backward();
    const yv = y.dataSync();
    const xv = x.dataSync();
    const g = x.grad!.dataSync();
    for (let i = 0; i < g.length; i++) expect(g[i]).toBeCloseTo(xv[i] === 0 ? 0 : yv[i] / xv[i], 10);
  });
});

describe('BatchNorm2d', () => {
  test.each(['float64', 'float32'] as DType[])('training uses batch stats and updates running stats as PyTorch; eval uses them (%s)', (dtype) => {
    const r = rng(21);
    const [N, C, H, W] = [3, 4, 5, 2];
    const S = N * H * W;
    for (const momentum of [0.1, null] as const) {
      const bn = new nn.BatchNorm2d(C, { momentum, dtype });
      const rm = new Float64Array(C);
      const rv = new Float64Array(C).fill(1);
      const wv = Float64Array.from({ length: C }, () => 0.5 + r());
      const bv = Float64Array.from({ length: C }, () => r() - 0.5);
      tf.noGrad(() => { bn.weight!.copy_(tf.tensor(wv, { dtype })); bn.bias!.copy_(tf.tensor(bv, { dtype })); });
      for (let step = 1; step <= 3; step++) {
        const xs = Float64Array.from({ length: N * C * H * W }, () => Math.fround(-1 + 4 * r()));
        const y = bn.forward(tf.tensor(xs, { shape: [N, C, H, W], dtype })).dataSync();
        const factor = momentum ?? 1 / step;
        for (let c = 0; c < C; c++) {
          const vals: number[] = [];
          for (let n = 0; n < N; n++) for (let k = 0; k < H * W; k++) vals.push(xs[(n * C + c) * H * W + k]);
          const mean = vals.reduce((a, b) => a + b, 0) / S;
          const ss = vals.reduce((a, b) => a + (b - mean) ** 2, 0);
          const inv = 1 / Math.sqrt(ss / S + 1e-5);
          for (let n = 0; n < N; n++) for (let k = 0; k < H * W; k++) {
            const i = (n * C + c) * H * W + k;
            expect(y[i]).toBeCloseTo((xs[i] - mean) * inv * wv[c] + bv[c], dtype === 'float64' ? 10 : 4);
          }
          rm[c] = (1 - factor) * rm[c] + factor * mean;
          rv[c] = (1 - factor) * rv[c] + factor * (ss / (S - 1));
        }
        expectClose(bn.running_mean!.dataSync(), rm, { rtol: 1e-5, atol: 1e-6 });
        expectClose(bn.running_var!.dataSync(), rv, { rtol: 1e-5, atol: 1e-6 });
      }
      bn.eval();
      const xs = Float64Array.from({ length: N * C * H * W }, () => r());
      const ye = bn.forward(tf.tensor(xs, { shape: [N, C, H, W], dtype })).dataSync();
      for (let i = 0; i < xs.length; i++) {
        const c = Math.floor(i / (H * W)) % C;
        expect(ye[i]).toBeCloseTo((xs[i] - rm[c]) / Math.sqrt(rv[c] + 1e-5) * wv[c] + bv[c], dtype === 'float64' ? 10 : 4);
      }
    }
  });

  test('without running stats eval uses the batch stats; without affine no parameters', () => {
    const bn = new nn.BatchNorm2d(2, { trackRunningStats: false, affine: false });
    expect([...bn.stateDict().keys()]).toEqual([]);
    bn.eval();
    const y = bn.forward(tf.randn([4, 2, 3, 3]));
    expectClose(y.mean([0, 2, 3]).dataSync(), [0, 0], { atol: 1e-5 });
  });
});

describe('saveModel / loadModel of the vision layers', () => {
  test('configs round-trip and outputs are identical', () => {
    tf.manualSeed(7);
    const model = new nn.Sequential(
      new nn.BatchNorm2d(3, { momentum: 0.2, eps: 1e-3 }),
      new nn.MaxPool2d([3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], ceilMode: true }),
      new nn.Dropout2d(0.3),
      new nn.AvgPool2d(2, { stride: 1, padding: 1, ceilMode: true, countIncludePad: false, divisorOverride: 3 }),
      new nn.Upsample({ scaleFactor: 1.5 }),
      new nn.AdaptiveAvgPool2d([3, null]),
      new nn.Flatten(1, 2),
      new nn.MaxPool1d(2, { stride: 1, padding: 1 }),
      new nn.AvgPool1d(2, { ceilMode: true }),
      new nn.AdaptiveAvgPool1d(3),
    );
    model.forward(tf.randn([4, 3, 9, 10]));
    const d = path.join(dir, 'vision');
    tf.saveModel(model, d);
    const back = tf.loadModel(d);
    expect(back.toString()).toBe(model.toString());
    model.eval();
    const x = tf.randn([2, 3, 9, 10]);
    expect(Array.from((back.forward(x) as Tensor).dataSync())).toEqual(Array.from((model.forward(x) as Tensor).dataSync()));
    expect(model.toString()).toContain('MaxPool2d(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), ceil_mode=True)');
    expect(model.toString()).toContain("Upsample(scale_factor=1.5, mode='nearest')");
  });

  test('MaxPool2d with returnIndices returns [output, indices]', () => {
    const [y, idx] = new nn.MaxPool2d(2, { returnIndices: true }).forward(tf.randn([1, 1, 4, 4])) as [Tensor, Tensor];
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(idx.dtype).toBe('int32');
  });
});
