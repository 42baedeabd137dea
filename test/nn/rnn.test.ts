/**
 * The fused recurrent layers against a reference written with tensor ops (rnn_reference.ts):
 * outputs and the gradients of input, initial states and every weight, for every
 * configuration (cell, layers, directions, batchFirst, lengths, initial states, projSize,
 * bias), in float64 and float32; gradcheck on small float64 sizes; dropout; the cells;
 * parameter names and getConfig; bad input errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { expectClose, makeTensor, numel, rng } from '../helpers';
import { refRnn, type Mode } from './rnn_reference';
import { rnnFused } from '../../lib/nn/rnn_fused';

const { nn } = tf;

interface Config {
  mode: Mode;
  numLayers?: number;
  bidirectional?: boolean;
  batchFirst?: boolean;
  lengths?: number[];
  states?: boolean;
  projSize?: number;
  bias?: boolean;
  T?: number;
  B?: number;
  I?: number;
  H?: number;
}

function makeLayer(c: Config, dtype: tf.DType): tf.nn.RNNBase {
  const o = { numLayers: c.numLayers ?? 1, bidirectional: c.bidirectional ?? false, batchFirst: c.batchFirst ?? false, bias: c.bias ?? true, dtype };
  if (c.mode === 'lstm') return new nn.LSTM(c.I ?? 4, c.H ?? 6, { ...o, projSize: c.projSize ?? 0 });
  if (c.mode === 'gru') return new nn.GRU(c.I ?? 4, c.H ?? 6, o);
  return new nn.RNN(c.I ?? 4, c.H ?? 6, { ...o, nonlinearity: c.mode === 'rnn_relu' ? 'relu' : 'tanh' });
}

function rand(shape: number[], dtype: tf.DType, r: () => number, scale = 1): Tensor {
  const v = new Float64Array(numel(shape));
  for (let i = 0; i < v.length; i++) v[i] = (r() * 2 - 1) * scale;
  return makeTensor(v, shape, dtype);
}

function callLayer(layer: tf.nn.RNNBase, x: Tensor, h0: Tensor | null, c0: Tensor | null, lengths?: number[]): [Tensor, Tensor, Tensor | null] {
  const opts = { lengths };
  if (layer instanceof nn.LSTM) {
    const [o, [h, c]] = layer.forward(x, h0 ? [h0, c0!] : null, opts);
    return [o, h, c];
  }
  const [o, h] = (layer as tf.nn.GRU).forward(x, h0, opts);
  return [o, h, null];
}

/** Runs fused and reference on the same values; compares outputs and all gradients. */
function compare(c: Config, dtype: tf.DType, tol: { rtol: number; atol: number }, seed = 1): void {
  tf.manualSeed(seed);
  const r = rng(seed);
  const T = c.T ?? 5, B = c.B ?? 3, I = c.I ?? 4, H = c.H ?? 6;
  const D = c.bidirectional ? 2 : 1, L = c.numLayers ?? 1, P = c.projSize || H;
  const layer = makeLayer(c, dtype);
  const xTm = rand([T, B, I], dtype, r);
  const x = (c.batchFirst ? tf.contiguous(tf.transpose(xTm, 0, 1)) : xTm.clone()).requiresGrad_();
  const xRef = xTm.clone().requiresGrad_();
  const h0 = c.states ? rand([L * D, B, P], dtype, r).requiresGrad_() : null;
  const c0 = c.states && c.mode === 'lstm' ? rand([L * D, B, H], dtype, r).requiresGrad_() : null;
  const [out, hN, cN] = callLayer(layer, x, h0, c0, c.lengths);
  const outTm = c.batchFirst ? tf.transpose(out, 0, 1) : out;
  const ref = refRnn({ mode: c.mode, numLayers: L, bidirectional: D === 2, hiddenSize: H, projSize: c.projSize ?? 0 }, xRef, h0, c0, layer.flatWeights(), c.lengths ?? null);
  expectClose(outTm.dataSync(), ref.output.dataSync(), { ...tol, what: 'output' });
  // Without autograd the forward keeps one step of state instead of all: same results.
  const [outNg, hNg, cNg] = tf.noGrad(() => callLayer(layer, x, h0, c0, c.lengths));
  expectClose(outNg.dataSync(), out.dataSync(), { rtol: 0, atol: 0, what: 'output without autograd' });
  expectClose(hNg.dataSync(), hN.dataSync(), { rtol: 0, atol: 0, what: 'hN without autograd' });
  if (cN) expectClose(cNg!.dataSync(), cN.dataSync(), { rtol: 0, atol: 0, what: 'cN without autograd' });
  expectClose(hN.dataSync(), ref.hN.dataSync(), { ...tol, what: 'hN' });
  if (cN) expectClose(cN.dataSync(), ref.cN!.dataSync(), { ...tol, what: 'cN' });
  // A loss that weighs every output element differently.
  const wo = rand(outTm.shape.slice(), dtype, r), wh = rand(hN.shape.slice(), dtype, r), wc = cN ? rand(cN.shape.slice(), dtype, r) : null;
  const loss = (o: Tensor, h: Tensor, cc: Tensor | null) => {
    let s = tf.add(tf.sum(tf.mul(o, wo)), tf.sum(tf.mul(h, wh)));
    if (cc && wc) s = tf.add(s, tf.sum(tf.mul(cc, wc)));
    return s;
  };
  const params = layer.parameters();
  const gFused = tf.autograd.grad(loss(outTm, hN, cN), [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...params]);
  const gRef = tf.autograd.grad(loss(ref.output, ref.hN, ref.cN), [xRef, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...params]);
  const names = ['input', ...(h0 ? ['h0'] : []), ...(c0 ? ['c0'] : []), ...layer.namedParameters().map(([n]) => n)];
  gFused.forEach((g, i) => {
    const gg = i === 0 && c.batchFirst ? tf.transpose(g!, 0, 1) : g!;
    expectClose(gg.dataSync(), gRef[i]!.dataSync(), { ...tol, what: `grad ${names[i]}` });
  });
}

const modes: Mode[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];
const configs: Omit<Config, 'mode'>[] = [
  {},
  { numLayers: 2 },
  { bidirectional: true },
  { numLayers: 2, bidirectional: true, batchFirst: true, states: true },
  { lengths: [5, 2, 4], states: true },
  { lengths: [3, 5, 0], bidirectional: true, numLayers: 2 },
  { bias: false, states: true, H: 11, I: 9 },
  { B: 1, T: 1 },
  { T: 7, B: 4, H: 17, I: 3, bidirectional: true },
];

describe('fused recurrent layers match the tensor-op reference', () => {
  for (const mode of modes) {
    for (const c of configs) {
      const cfg = { mode, ...c };
      it(`${mode} ${JSON.stringify(c)} float64`, () => compare(cfg, 'float64', { rtol: 1e-9, atol: 1e-10 }));
      it(`${mode} ${JSON.stringify(c)} float32`, () => compare(cfg, 'float32', { rtol: 1e-5, atol: 1e-5 }));
    }
  }
  const projCfgs: Omit<Config, 'mode'>[] = [
    { projSize: 3 },
    { projSize: 4, numLayers: 2, bidirectional: true, states: true, lengths: [4, 5, 1] },
    { projSize: 5, H: 9, batchFirst: true, states: true },
  ];
  for (const c of projCfgs) {
    it(`lstm projSize ${JSON.stringify(c)} float64`, () => compare({ mode: 'lstm', ...c }, 'float64', { rtol: 1e-9, atol: 1e-10 }));
    it(`lstm projSize ${JSON.stringify(c)} float32`, () => compare({ mode: 'lstm', ...c }, 'float32', { rtol: 1e-5, atol: 1e-5 }));
  }
  it('the portable kernels give the same results (float32)', () => {
    tf.setPortableKernels(true);
    try {
      for (const mode of modes) compare({ mode, bidirectional: true, numLayers: 2, H: 11, lengths: [5, 3, 1] }, 'float32', { rtol: 1e-5, atol: 1e-5 });
    } finally {
      tf.setPortableKernels(false);
    }
  });
  it('many rows with lengths (the rows of a step split over the threads), every cell, float64', () => {
    const lengths = [9, 0, 3, 9, 1, 7, 7, 2, 9, 5, 4, 8, 6, 9, 1, 3, 2, 9, 5, 6];
    expect(tf.getNumThreads()).toBeGreaterThanOrEqual(1);
    for (const mode of modes) compare({ mode, T: 9, B: 20, I: 5, H: 7, lengths, bidirectional: true, numLayers: 2, states: true }, 'float64', { rtol: 1e-9, atol: 1e-10 });
    compare({ mode: 'lstm', T: 9, B: 20, I: 5, H: 7, projSize: 3, lengths, bidirectional: true, states: true }, 'float64', { rtol: 1e-9, atol: 1e-10 });
    // Sorted longest first, as pack_padded_sequence gives them: finished rows are skipped.
    const sorted = lengths.slice().sort((a, b) => b - a);
    compare({ mode: 'gru', T: 9, B: 20, I: 5, H: 7, lengths: sorted, states: true }, 'float64', { rtol: 1e-9, atol: 1e-10 });
  });
  it('a larger float32 case (T 20, B 16, H 40) stays within 1e-5', () => {
    for (const mode of ['lstm', 'gru'] as Mode[]) compare({ mode, T: 20, B: 16, I: 24, H: 40, numLayers: 2, bidirectional: true, states: true }, 'float32', { rtol: 1e-5, atol: 1e-5 });
  });
});

describe('gradcheck of the fused layers (float64)', () => {
  const cases: [string, Config][] = [
    ['rnn tanh 2 layers bidirectional, lengths', { mode: 'rnn_tanh', numLayers: 2, bidirectional: true, lengths: [3, 1] }],
    ['rnn relu', { mode: 'rnn_relu' }],
    ['lstm 2 layers bidirectional, lengths', { mode: 'lstm', numLayers: 2, bidirectional: true, lengths: [2, 3] }],
    ['lstm projSize', { mode: 'lstm', projSize: 2, numLayers: 2 }],
    ['gru 2 layers bidirectional, lengths', { mode: 'gru', numLayers: 2, bidirectional: true, lengths: [3, 2] }],
  ];
  for (const [name, c] of cases) {
    it(name, () => {
      tf.manualSeed(3);
      const r = rng(7);
      const T = 3, B = 2, I = 3, H = 3;
      const layer = makeLayer({ ...c, I, H }, 'float64');
      const D = c.bidirectional ? 2 : 1, L = c.numLayers ?? 1, P = c.projSize || H;
      const x = rand([T, B, I], 'float64', r).requiresGrad_();
      const h0 = rand([L * D, B, P], 'float64', r, 0.5).requiresGrad_();
      const c0 = c.mode === 'lstm' ? rand([L * D, B, H], 'float64', r, 0.5).requiresGrad_() : null;
      // The functional form, so gradcheck's perturbed copies of the weights are used.
      const flat = layer.flatWeights();
      const present = flat.filter((w): w is Tensor => w !== null);
      const inputs = [x, h0, ...(c0 ? [c0] : []), ...present];
      const spec = layer.spec(false);
      const fn = (...xs: Tensor[]) => {
        const ws = xs.slice(c0 ? 3 : 2);
        let k = 0;
        const wl = flat.map((w) => (w === null ? null : ws[k++]));
        const r = rnnFused(xs[0], xs[1], c0 ? xs[2] : null, wl, spec, c.lengths);
        return r.cN ? [r.output, r.hN, r.cN] : [r.output, r.hN];
      };
      expect(tf.gradcheck(fn, inputs, { atol: 1e-6, rtol: 1e-4 })).toBe(true);
    });
  }
  it('dropout between layers (the same seed before each call gives the same mask)', () => {
    const r = rng(9);
    const layer = new nn.LSTM(3, 3, { numLayers: 3, dropout: 0.4, dtype: 'float64', projSize: 2 });
    layer.train();
    const x = rand([3, 2, 3], 'float64', r).requiresGrad_();
    const spec = layer.spec(false);
    const fn = (xx: Tensor, ...ws: Tensor[]) => { tf.manualSeed(11); return rnnFused(xx, null, null, ws, spec).output; };
    expect(tf.gradcheck(fn, [x, ...layer.flatWeights().map((w) => w!)], { atol: 1e-6, rtol: 1e-4 })).toBe(true);
  });
});

describe('dropout, cells, modules', () => {
  afterEach(() => tf.setPortableKernels(false));
  it('dropout applies masks from the seeded generator between layers, only in training', () => {
    const layer = new nn.GRU(4, 5, { numLayers: 3, dropout: 0.5, dtype: 'float64' });
    const x = tf.randn([6, 2, 4], { dtype: 'float64' });
    tf.manualSeed(5);
    const a = layer.forward(x)[0].dataSync();
    tf.manualSeed(5);
    const b = layer.forward(x)[0].dataSync();
    tf.manualSeed(6);
    const c = layer.forward(x)[0].dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    // The reference with the masks the op draws: bernoulli([L-1, T, B, D*P], 1-p) / (1-p).
    tf.manualSeed(5);
    const m = tf.div(tf.bernoulli([2, 6, 2, 5], 0.5, { dtype: 'float64' }), 0.5);
    const ref = refRnn({ mode: 'gru', numLayers: 3, bidirectional: false, hiddenSize: 5, projSize: 0 }, x, null, null, layer.flatWeights(), null, [tf.select(m, 0, 0), tf.select(m, 0, 1)]);
    expectClose(a, ref.output.dataSync(), { rtol: 1e-9, atol: 1e-10, what: 'output with dropout' });
    layer.eval();
    const e = layer.forward(x)[0].dataSync();
    const refEval = refRnn({ mode: 'gru', numLayers: 3, bidirectional: false, hiddenSize: 5, projSize: 0 }, x, null, null, layer.flatWeights());
    expectClose(e, refEval.output.dataSync(), { rtol: 1e-9, atol: 1e-10, what: 'eval output' });
  });

  it('cells equal one step of the reference, batched and unbatched, with gradients', () => {
    const r = rng(4);
    for (const mode of modes) {
      const cell = mode === 'lstm' ? new nn.LSTMCell(5, 7, { dtype: 'float64' })
        : mode === 'gru' ? new nn.GRUCell(5, 7, { dtype: 'float64' })
          : new nn.RNNCell(5, 7, { dtype: 'float64', nonlinearity: mode === 'rnn_relu' ? 'relu' : 'tanh' });
      const x = rand([3, 5], 'float64', r).requiresGrad_();
      const h = rand([3, 7], 'float64', r).requiresGrad_();
      const c = rand([3, 7], 'float64', r).requiresGrad_();
      const w = [cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh, null];
      const ref = refRnn({ mode, numLayers: 1, bidirectional: false, hiddenSize: 7, projSize: 0 }, tf.unsqueeze(x, 0), tf.unsqueeze(h, 0), mode === 'lstm' ? tf.unsqueeze(c, 0) : null, w);
      const got = mode === 'lstm' ? (cell as tf.nn.LSTMCell).forward(x, [h, c]) : [(cell as tf.nn.GRUCell).forward(x, h)];
      expectClose(got[0].dataSync(), ref.hN.dataSync(), { rtol: 1e-9, atol: 1e-10, what: `${mode} cell h` });
      if (mode === 'lstm') expectClose(got[1].dataSync(), ref.cN!.dataSync(), { rtol: 1e-9, atol: 1e-10, what: 'lstm cell c' });
      const gfn = (xx: Tensor, hh: Tensor, cc: Tensor) => (mode === 'lstm' ? (cell as tf.nn.LSTMCell).forward(xx, [hh, cc]) : [(cell as tf.nn.GRUCell).forward(xx, hh)]);
      expect(tf.gradcheck(gfn, [x, h, c], { atol: 1e-6, rtol: 1e-4 })).toBe(true);
      // Weight gradients of the cell against the reference.
      const loss = (v: Tensor[]) => v.reduce((s, t, i) => tf.add(s, tf.sum(tf.mul(t, i + 1))), tf.zeros([], { dtype: 'float64' }));
      const params = cell.parameters();
      const gw = tf.autograd.grad(loss(got), params);
      const gr = tf.autograd.grad(loss(mode === 'lstm' ? [ref.hN, ref.cN!] : [ref.hN]), params);
      gw.forEach((g, i) => expectClose(g!.dataSync(), gr[i]!.dataSync(), { rtol: 1e-9, atol: 1e-10, what: `${mode} cell weight grad ${i}` }));
      // Unbatched: [I] -> [H].
      const one = mode === 'lstm' ? (cell as tf.nn.LSTMCell).forward(tf.select(x, 0, 1))[0] : (cell as tf.nn.GRUCell).forward(tf.select(x, 0, 1));
      expect(one.shape).toEqual([7]);
    }
  });

  it('unbatched 2-d input gives the batch-1 result without the batch dim', () => {
    const lstm = new nn.LSTM(3, 4, { bidirectional: true, numLayers: 2 });
    const x = tf.randn([5, 3]);
    const [o, [h, c]] = lstm.forward(x);
    expect(o.shape).toEqual([5, 8]);
    expect(h.shape).toEqual([4, 4]);
    expect(c.shape).toEqual([4, 4]);
    const [o3] = lstm.forward(tf.unsqueeze(x, 1));
    expectClose(o.dataSync(), o3.dataSync(), { rtol: 0, atol: 0 });
  });

  it('PyTorch parameter names, shapes, init bounds, getConfig round trip', () => {
    const lstm = new nn.LSTM(10, 20, { numLayers: 2, bidirectional: true, projSize: 5 });
    const shapes = Object.fromEntries(lstm.namedParameters().map(([n, p]) => [n, p.shape]));
    expect(shapes).toEqual({
      weight_ih_l0: [80, 10], weight_hh_l0: [80, 5], bias_ih_l0: [80], bias_hh_l0: [80], weight_hr_l0: [5, 20],
      weight_ih_l0_reverse: [80, 10], weight_hh_l0_reverse: [80, 5], bias_ih_l0_reverse: [80], bias_hh_l0_reverse: [80], weight_hr_l0_reverse: [5, 20],
      weight_ih_l1: [80, 10], weight_hh_l1: [80, 5], bias_ih_l1: [80], bias_hh_l1: [80], weight_hr_l1: [5, 20],
      weight_ih_l1_reverse: [80, 10], weight_hh_l1_reverse: [80, 5], bias_ih_l1_reverse: [80], bias_hh_l1_reverse: [80], weight_hr_l1_reverse: [5, 20],
    });
    const k = 1 / Math.sqrt(20);
    for (const p of lstm.parameters()) {
      const v = p.dataSync();
      expect(Math.max(...v)).toBeLessThanOrEqual(k);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(-k);
    }
    const gru = new nn.GRU(4, 6, { bias: false, batchFirst: true });
    expect(gru.namedParameters().map(([n]) => n)).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    for (const m of [lstm, gru, new nn.RNN(3, 2, { nonlinearity: 'relu', dropout: 0.2, numLayers: 2 }), new nn.GRUCell(3, 4), new nn.LSTMCell(2, 3, { bias: false })]) {
      const args = m.getConfig()!;
      const C = m.constructor as new (...a: unknown[]) => tf.nn.Module;
      const copy = new C(...args);
      expect(copy.getConfig()).toEqual(args);
      expect(copy.namedParameters().map(([n, p]) => [n, p.shape])).toEqual(m.namedParameters().map(([n, p]) => [n, p.shape]));
    }
    expect(String(lstm)).toContain('LSTM(10, 20, proj_size=5, num_layers=2, bidirectional=True)');
  });

  it('saveModel / loadModel rebuilds an LSTM that gives the same output', async () => {
    const os = await import('node:os');
    const path = await import('node:path');
    const fs = await import('node:fs');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-rnn-'));
    try {
      const model = new nn.Sequential(new nn.LSTM(3, 4, { batchFirst: true }));
      const x = tf.randn([2, 5, 3]);
      const lstm = model.at(0) as tf.nn.LSTM;
      const want = lstm.forward(x)[0].dataSync();
      await tf.saveModel(model, dir);
      const loaded = await tf.loadModel(dir);
      const got = ((loaded as tf.nn.Sequential).at(0) as tf.nn.LSTM).forward(x)[0].dataSync();
      expectClose(got, want, { rtol: 0, atol: 0 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad input gives typed errors naming the op and shapes', () => {
    const lstm = new nn.LSTM(4, 6);
    expect(() => lstm.forward(tf.randn([5, 3, 5]))).toThrow(tf.ShapeError);
    expect(() => lstm.forward(tf.randn([5, 3, 5]))).toThrow(/LSTM.*5 features, expected inputSize 4/);
    expect(() => lstm.forward(tf.randn([5, 3]))).toThrow(tf.ShapeError);
    expect(() => lstm.forward(tf.randn([2, 5, 3, 4]))).toThrow(tf.ShapeError);
    expect(() => lstm.forward(tf.randn([5, 3, 4]), [tf.randn([1, 2, 6]), tf.randn([1, 3, 6])])).toThrow(/h0 must have shape \[1, 3, 6\]/);
    expect(() => lstm.forward(tf.randn([5, 3, 4], { dtype: 'float64' }))).toThrow(tf.DTypeError);
    expect(() => lstm.forward(tf.randn([5, 3, 4]), null, { lengths: [5, 6, 1] })).toThrow(tf.ArgumentError);
    expect(() => lstm.forward(tf.randn([5, 3, 4]), null, { lengths: [5, 1] })).toThrow(tf.ShapeError);
    expect(() => lstm.forward(tf.ones([5, 3, 4], { dtype: 'int32' }))).toThrow(tf.DTypeError);
    expect(() => new nn.GRU(4, 6, { projSize: 2 } as never)).toThrow(tf.ArgumentError);
    expect(() => new nn.LSTM(4, 6, { projSize: 6 })).toThrow(/projSize/);
    expect(() => new nn.RNN(4, 6, { nonlinearity: 'gelu' as never })).toThrow(tf.ArgumentError);
    expect(() => new nn.LSTM(4, 6, { dropout: 1.5 })).toThrow(tf.ArgumentError);
    expect(() => new nn.GRUCell(4, 6).forward(tf.randn([2, 3, 4]))).toThrow(tf.ShapeError);
  });

  it('an empty sequence returns the initial states', () => {
    const gru = new nn.GRU(3, 4);
    const h0 = tf.randn([1, 2, 4]);
    const [o, h] = gru.forward(tf.zeros([0, 2, 3]), h0);
    expect(o.shape).toEqual([0, 2, 4]);
    expectClose(h.dataSync(), h0.dataSync(), { rtol: 0, atol: 0 });
  });
});
