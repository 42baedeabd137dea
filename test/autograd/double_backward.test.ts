/**
 * Higher-order gradients (createGraph) through convolution, pooling and batch norm:
 * second derivatives checked by finite differences of the first derivative (gradgradcheck,
 * float64), third derivatives through conv, a WGAN-GP gradient penalty on a small conv net,
 * and the fused RNN's typed refusal.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { expectClose, numel, rng } from '../helpers';

const F = tf.nn.functional;

let seed = 1;
/** A float64 tensor of values in [lo, hi) from a seeded JS generator; requiresGrad unless told. */
function rand(shape: number[], { grad = true, lo = -1, hi = 1 } = {}): Tensor {
  const r = rng(seed++);
  const v = new Float64Array(numel(shape));
  for (let i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * r();
  const t = tf.tensor(v, { shape, dtype: 'float64' });
  return grad ? t.requiresGrad_() : t;
}

describe('gradgradcheck through convolution', () => {
  it('conv2d: stride 2, padding, dilation, groups 2, bias, odd sizes', () => {
    const x = rand([2, 4, 7, 6]);
    const w = rand([4, 2, 3, 2]);
    const b = rand([4]);
    const opts = { stride: 2, padding: [1, 1], dilation: [1, 2], groups: 2 };
    expect(tf.gradgradcheck((x, w, b) => tf.conv2d(x, w, b, opts), [x, w, b])).toBe(true);
    expect(tf.gradgradcheck((x, w, b) => tf.conv2d(x, w, b, opts).tanh(), [x, w, b])).toBe(true);
  });

  it('conv2d: unbatched input, padding same with an even kernel, batch 1', () => {
    expect(tf.gradgradcheck((x, w) => tf.conv2d(x, w, null, { padding: 'same' }).sin(), [rand([2, 5, 4]), rand([3, 2, 2, 3])])).toBe(true);
    expect(tf.gradgradcheck((x, w) => tf.conv2d(x, w, null, { stride: [2, 1] }).pow(2), [rand([1, 1, 5, 5]), rand([2, 1, 3, 3])])).toBe(true);
  });

  it('conv2d: only the weight requires grad, or only the input', () => {
    const x = rand([2, 2, 5, 5], { grad: false });
    expect(tf.gradgradcheck((x, w) => tf.conv2d(x, w, null, { padding: 1 }).tanh(), [x, rand([3, 2, 3, 3])])).toBe(true);
    const w = rand([3, 2, 3, 3], { grad: false });
    expect(tf.gradgradcheck((x, w) => tf.conv2d(x, w, null, { stride: 2 }).tanh(), [rand([2, 2, 6, 5]), w])).toBe(true);
  });

  it('conv1d: stride 2, padding, dilation 2, groups 2, bias; unbatched with padding same', () => {
    const opts = { stride: 2, padding: 2, dilation: 2, groups: 2 };
    expect(tf.gradgradcheck((x, w, b) => tf.conv1d(x, w, b, opts).tanh(), [rand([2, 4, 9]), rand([6, 2, 3]), rand([6])])).toBe(true);
    expect(tf.gradgradcheck((x, w) => tf.conv1d(x, w, null, { padding: 'same' }).pow(2), [rand([3, 8]), rand([2, 3, 4])])).toBe(true);
  });

  it('convTranspose2d: stride 2, padding, outputPadding, groups 2, dilation, bias', () => {
    const opts = { stride: 2, padding: 1, outputPadding: 1, groups: 2 };
    expect(tf.gradgradcheck((x, w, b) => tf.convTranspose2d(x, w, b, opts).tanh(), [rand([2, 4, 3, 4]), rand([4, 3, 3, 3]), rand([6])])).toBe(true);
    const o2 = { stride: [1, 2], dilation: [2, 1], padding: [1, 0] };
    expect(tf.gradgradcheck((x, w) => tf.convTranspose2d(x, w, null, o2).pow(2), [rand([3, 3, 3]), rand([3, 2, 2, 3])])).toBe(true);
  });

  it('third derivatives: the gradient ops are themselves differentiable (conv2d and convTranspose2d)', () => {
    // gradgradcheck of the map (x, w) -> d/dx sum(conv(x, w)^3): a gradient of gradients.
    const d1 = (conv: (x: Tensor, w: Tensor) => Tensor) => (x: Tensor, w: Tensor): Tensor => {
      const xi = x.requiresGrad ? x : x.detach().requiresGrad_();
      const [gx] = tf.autograd.grad(conv(xi, w).pow(3).sum(), [xi], undefined, { createGraph: true });
      return gx as Tensor;
    };
    const c2 = (x: Tensor, w: Tensor) => tf.conv2d(x, w, null, { stride: 2, padding: 1, groups: 2 });
    expect(tf.gradgradcheck(d1(c2), [rand([1, 2, 5, 4]), rand([2, 1, 3, 3])])).toBe(true);
    const ct = (x: Tensor, w: Tensor) => tf.convTranspose2d(x, w, null, { stride: 2, padding: 1 });
    expect(tf.gradgradcheck(d1(ct), [rand([1, 2, 3, 3]), rand([2, 1, 3, 3])])).toBe(true);
  });

  it('a second derivative through conv is not silently first-order: closed form of d/dw ||d/dx sum(conv(x, w)^2)||^2', () => {
    // y = sum(conv(x, w)^2) with a 1x1 kernel per channel is sum_c w_c^2 ||x_c||^2, so
    // gx_c = 2 w_c^2 x_c and d/dw_c ||gx||^2 = 16 w_c^3 ||x_c||^2.
    const x = rand([2, 3, 4, 5]);
    const w = rand([3, 1, 1, 1]);
    const y = tf.conv2d(x, w, null, { groups: 3 }).pow(2).sum();
    const [gx] = tf.autograd.grad(y, [x], undefined, { createGraph: true });
    expect(gx!.requiresGrad).toBe(true);
    const [gw] = tf.autograd.grad(gx!.pow(2).sum(), [w]);
    const xv = x.dataSync();
    const wv = w.dataSync();
    const expected = [0, 1, 2].map((c) => {
      let ss = 0;
      for (let n = 0; n < 2; n++) for (let i = 0; i < 20; i++) ss += xv[(n * 3 + c) * 20 + i] ** 2;
      return 16 * wv[c] ** 3 * ss;
    });
    expectClose(gw!.dataSync(), expected, { rtol: 1e-12, atol: 1e-12, what: 'd/dw ||gx||^2' });
  });
});

describe('gradgradcheck through pooling', () => {
  it('maxPool2d: kernel 3, stride 2, padding 1, odd sizes; dilation and ceilMode', () => {
    expect(tf.gradgradcheck((x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }).pow(2), [rand([2, 3, 7, 6])])).toBe(true);
    expect(tf.gradgradcheck((x) => F.maxPool2d(x, [2, 3], { stride: [2, 1], dilation: [2, 1], ceilMode: true }).pow(3), [rand([1, 2, 7, 5])])).toBe(true);
  });

  it('maxPool1d, unbatched', () => {
    expect(tf.gradgradcheck((x) => F.maxPool1d(x, 3, { stride: 2, padding: 1 }).pow(2), [rand([3, 9])])).toBe(true);
  });

  it('avgPool2d: padding, ceilMode, countIncludePad false, divisorOverride; avgPool1d', () => {
    expect(tf.gradgradcheck((x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }).pow(2), [rand([2, 2, 7, 6])])).toBe(true);
    expect(tf.gradgradcheck((x) => F.avgPool2d(x, [2, 3], { divisorOverride: 4 }).tanh(), [rand([3, 5, 7])])).toBe(true);
    expect(tf.gradgradcheck((x) => F.avgPool1d(x, 3, { stride: 2, padding: 1 }).pow(2), [rand([2, 3, 8])])).toBe(true);
  });

  it('adaptiveAvgPool2d (overlapping windows) and adaptiveAvgPool1d', () => {
    expect(tf.gradgradcheck((x) => F.adaptiveAvgPool2d(x, [3, 2]).pow(2), [rand([2, 3, 7, 5])])).toBe(true);
    expect(tf.gradgradcheck((x) => F.adaptiveAvgPool2d(x, 1).tanh(), [rand([2, 4, 3, 3])])).toBe(true);
    expect(tf.gradgradcheck((x) => F.adaptiveAvgPool1d(x, 4).pow(2), [rand([2, 2, 7])])).toBe(true);
  });

  it('nearest interpolation', () => {
    expect(tf.gradgradcheck((x) => F.interpolate(x, { size: [5, 3] }).pow(2), [rand([1, 2, 3, 4])])).toBe(true);
  });
});

describe('gradgradcheck through batch norm', () => {
  it('training mode with weight and bias, [N, C, H, W] and [N, C]', () => {
    const bn = (x: Tensor, w: Tensor, b: Tensor) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true, eps: 1e-3 }).pow(2);
    expect(tf.gradgradcheck(bn, [rand([3, 2, 3, 2]), rand([2], { lo: 0.5, hi: 1.5 }), rand([2])])).toBe(true);
    expect(tf.gradgradcheck(bn, [rand([5, 3]), rand([3], { lo: 0.5, hi: 1.5 }), rand([3])])).toBe(true);
  });

  it('training mode without affine parameters, [N, C, L]', () => {
    expect(tf.gradgradcheck((x) => F.batchNorm(x, null, null, { training: true }).tanh(), [rand([2, 3, 4])])).toBe(true);
  });

  it('training mode updating running statistics still differentiates the batch statistics', () => {
    const rm = tf.zeros([2], { dtype: 'float64' });
    const rv = tf.ones([2], { dtype: 'float64' });
    expect(tf.gradgradcheck((x, w) => F.batchNorm(x, rm, rv, { weight: w, training: true }).pow(3), [rand([4, 2, 3]), rand([2])])).toBe(true);
  });

  it('eval mode (running statistics): an affine map', () => {
    const rm = rand([3], { grad: false });
    const rv = rand([3], { grad: false, lo: 0.5, hi: 2 });
    const bn = (x: Tensor, w: Tensor, b: Tensor) => F.batchNorm(x, rm, rv, { weight: w, bias: b, training: false }).pow(2);
    expect(tf.gradgradcheck(bn, [rand([2, 3, 3, 2]), rand([3]), rand([3])])).toBe(true);
  });

  it('nn.BatchNorm2d module in train and eval mode', () => {
    const m = new tf.nn.BatchNorm2d(2, { dtype: 'float64' });
    const x = rand([3, 2, 2, 3]);
    expect(tf.gradgradcheck((x) => m.forward(x).pow(2), [x])).toBe(true);
    m.eval();
    expect(tf.gradgradcheck((x) => m.forward(x).pow(2), [x])).toBe(true);
  });
});

/** A small critic: conv, tanh, avg pool, conv (stride 2), max pool, linear; one score per sample. */
function critic(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, w3: Tensor, b3: Tensor): Tensor {
  let h = tf.conv2d(x, w1, b1, { padding: 1 }).tanh();
  h = F.avgPool2d(h, 2, { stride: 1 });
  h = tf.conv2d(h, w2, null, { stride: 2, padding: 1 }).tanh();
  h = F.maxPool2d(h, 2);
  return F.linear(h.reshape([x.shape[0], -1]), w3, b3);
}

/** WGAN-GP: mean over the batch of (||d critic / d x_i|| - 1)^2 at the given points. */
function gradientPenalty(x: Tensor, params: Tensor[]): Tensor {
  return tf.enableGrad(() => {
    const xi = x.detach().requiresGrad_();
    const score = critic(xi, ...(params as [Tensor, Tensor, Tensor, Tensor, Tensor]));
    const [gx] = tf.autograd.grad(score.sum(), [xi], undefined, { createGraph: true });
    const norms = gx!.pow(2).sum([1, 2, 3]).add(1e-12).sqrt();
    return norms.sub(1).pow(2).mean();
  });
}

describe('WGAN-GP gradient penalty on a small conv net', () => {
  it("the penalty's gradients to the critic's weights match finite differences", () => {
    const x = rand([2, 2, 8, 8], { grad: false });
    const params = [rand([3, 2, 3, 3], { lo: -0.6, hi: 0.6 }), rand([3]), rand([4, 3, 3, 3], { lo: -0.6, hi: 0.6 }), rand([1, 16], { lo: -0.6, hi: 0.6 }), rand([1])];
    expect(tf.gradcheck((...ps) => gradientPenalty(x, ps), params)).toBe(true);
  });

  it('backward() of the penalty accumulates the same gradients into .grad', () => {
    const x = rand([3, 2, 8, 8], { grad: false });
    const params = [rand([3, 2, 3, 3]), rand([3]), rand([4, 3, 3, 3]), rand([1, 16]), rand([1])];
    // The bias b3 only shifts the scores, so the penalty does not depend on it (no gradient, as in PyTorch).
    const weights = params.slice(0, 4);
    const expected = tf.autograd.grad(gradientPenalty(x, params), weights).map((g) => Array.from(g!.dataSync()));
    gradientPenalty(x, params).backward();
    weights.forEach((p, i) => {
      expect(p.grad).not.toBeNull();
      expectClose(p.grad!.dataSync(), expected[i], { rtol: 1e-12, atol: 1e-14, what: `param ${i}` });
    });
    expect(params[4].grad).toBeNull();
  });
});

describe('ops without higher-order gradients say so', () => {
  it('the fused RNN throws a typed error naming the op under createGraph, and stays right first-order', () => {
    const rnn = new tf.nn.LSTM(3, 4, { dtype: 'float64' });
    const x = rand([5, 2, 3]);
    const out = rnn.forward(x)[0].pow(2).sum();
    let err: unknown = null;
    try {
      tf.autograd.grad(out, [x], undefined, { createGraph: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(tf.AutogradError);
    expect(String(err)).toMatch(/LSTM|lstm|rnn/);
    expect(String(err)).toMatch(/createGraph/);
    const [g] = tf.autograd.grad(rnn.forward(x)[0].pow(2).sum(), [x]);
    expect(g!.shape).toEqual([5, 2, 3]);
    expect(tf.gradcheck((x) => rnn.forward(x)[0], [rand([3, 1, 3])])).toBe(true);
    // The cells run the same fused op.
    const cell = new tf.nn.GRUCell(3, 2, { dtype: 'float64' });
    const h = cell.forward(rand([2, 3]));
    expect(() => tf.autograd.grad(h.sum(), cell.parameters(), undefined, { createGraph: true })).toThrow(tf.AutogradError);
  });

  it('the fused linear (with relu / gelu in the epilogue) and fused cross entropy stay differentiable twice', () => {
    for (const activation of ['relu', 'gelu', 'tanh'] as const) {
      expect(tf.gradgradcheck((x, w, b) => tf.linear(x, w, b, { activation }).pow(2), [rand([3, 4]), rand([2, 4]), rand([2])])).toBe(true);
    }
    const target = tf.tensor(Int32Array.from([2, 0, 1]), { shape: [3], dtype: 'int32' });
    expect(tf.gradgradcheck((x) => F.crossEntropy(x, target, { labelSmoothing: 0.1 }), [rand([3, 4])])).toBe(true);
  });
});

describe('gradgradcheck itself', () => {
  it('catches a backward that is not recorded (first-order only) and a wrong second derivative', () => {
    // cube(x) = x^3 whose backward 3 x^2 g is computed outside the graph: right first
    // derivatives, missing second ones.
    const cube = (x: Tensor): Tensor => {
      const y = tf.noGrad(() => x.pow(3));
      return tf.autograd.record('cube', y, [x], (g) => [tf.noGrad(() => x.pow(2).mul(3).mul(g))], [x]);
    };
    const x = rand([4]);
    expect(tf.gradcheck(cube, [x])).toBe(true);
    expect(() => tf.gradgradcheck(cube, [x])).toThrow(tf.GradcheckError);
    // A recorded backward that treats 3 x^2 as a constant: differentiable in g only.
    const wrong = (x: Tensor): Tensor => {
      const y = tf.noGrad(() => x.pow(3));
      return tf.autograd.record('cube', y, [x], (g) => [x.pow(2).mul(3).detach().mul(g)], [x]);
    };
    expect(tf.gradcheck(wrong, [x])).toBe(true);
    expect(() => tf.gradgradcheck(wrong, [x])).toThrow(/Jacobian mismatch/);
    // The right one passes.
    const right = (x: Tensor): Tensor => {
      const y = tf.noGrad(() => x.pow(3));
      return tf.autograd.record('cube', y, [x], (g) => [x.pow(2).mul(3).mul(g)], [x]);
    };
    expect(tf.gradgradcheck(right, [x])).toBe(true);
  });
});
