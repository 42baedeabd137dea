/**
 * tf.saveModel / tf.loadModel: every layer type rebuilt from config.json with identical
 * outputs, nested containers, custom modules through the registry, strict and non-strict
 * loading, and the errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { tempDir } from './util';

const { nn } = tf;
const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function expectSameOutputs(a: tf.nn.Module, b: tf.nn.Module, inputs: Tensor[]): void {
  a.eval();
  b.eval();
  const ya = a.forward(...inputs) as Tensor;
  const yb = b.forward(...inputs) as Tensor;
  expect(yb.shape).toEqual(ya.shape);
  expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
}

function roundTrip(name: string, model: tf.nn.Module, opts: tf.io.SaveModelOptions = {}): tf.nn.Module {
  const d = path.join(dir, name);
  tf.saveModel(model, d, opts);
  const back = tf.loadModel(d);
  expect(back.constructor).toBe(model.constructor);
  expect(back.toString()).toBe(model.toString());
  expect([...back.stateDict().keys()]).toEqual([...model.stateDict().keys()]);
  for (const [k, t] of model.stateDict()) {
    const u = back.stateDict().get(k)!;
    expect(u.dtype, k).toBe(t.dtype);
    expect(Array.from(u.dataSync()), k).toEqual(Array.from(t.dataSync()));
  }
  return back;
}

describe('saveModel / loadModel', () => {
  it('an MLP with every activation, dropout, norms, flatten; outputs identical', () => {
    tf.manualSeed(1);
    const model = new nn.Sequential(
      new nn.Flatten(),
      new nn.Linear(12, 16),
      new nn.LayerNorm(16, { eps: 1e-3 }),
      new nn.ReLU(),
      new nn.Linear(16, 16, { bias: false }),
      new nn.BatchNorm1d(16, { momentum: null }),
      new nn.LeakyReLU(0.2),
      new nn.Dropout(0.3),
      new nn.Linear(16, 12),
      new nn.GELU({ approximate: 'tanh' }),
      new nn.Unflatten(1, [3, 4]),
      new nn.SiLU(),
      new nn.Sigmoid(),
      new nn.Tanh(),
      new nn.Identity(),
      new nn.Flatten(1, -1),
      new nn.LayerNorm([12], { elementwiseAffine: false }),
      new nn.Softmax(-1),
      new nn.Linear(12, 5),
      new nn.LogSoftmax(1),
    );
    // give the BatchNorm non-trivial running stats, and num_batches_tracked
    model.train();
    model.forward(tf.randn([8, 3, 4]));
    model.forward(tf.randn([8, 3, 4]));
    const back = roundTrip('mlp', model, { inputShape: [null, 3, 4] });
    expect(back.training).toBe(false);
    expectSameOutputs(model, back, [tf.randn([6, 3, 4])]);
    const cfg = tf.io.readModelConfig(path.join(dir, 'mlp'));
    expect(cfg.inputs).toEqual([{ shape: [null, 3, 4], dtype: 'float32' }]);
    expect(cfg.outputs).toEqual([{ shape: [null, 5], dtype: 'float32' }]);
    expect(cfg.model.children!.map(([, n]) => n.class)).toEqual(model.children().map((m) => m.constructor.name));
    expect(tf.io.readHeader(path.join(dir, 'mlp', 'model.safetensors')).metadata).toEqual({ format: 'pt' });
  });

  it('float64 layers, an Embedding with paddingIdx, BatchNorm without affine or running stats, LayerNorm without bias', () => {
    const model = new nn.Sequential(
      new nn.Embedding(10, 6, { paddingIdx: 0, dtype: 'float64' }),
      new nn.Flatten(),
      new nn.Linear(18, 8, { dtype: 'float64' }),
      new nn.BatchNorm1d(8, { affine: false, dtype: 'float64' }),
      new nn.BatchNorm1d(8, { trackRunningStats: false, eps: 1e-3, dtype: 'float64' }),
      new nn.LayerNorm(8, { bias: false, dtype: 'float64' }),
    );
    const back = roundTrip('embed', model, { inputShape: [null, 3], inputDtype: 'int32' });
    expectSameOutputs(model, back, [tf.tensor([[1, 2, 0], [9, 9, 3]], { dtype: 'int32' })]);
    expect(tf.io.readModelConfig(path.join(dir, 'embed')).inputs).toEqual([{ shape: [null, 3], dtype: 'int32' }]);
  });

  it('a model converted with to(float64) keeps its dtype', () => {
    const model = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2)).double();
    const back = roundTrip('double', model);
    expect((back as tf.nn.Sequential).at(0).stateDict().get('weight')!.dtype).toBe('float64');
    expectSameOutputs(model, back, [tf.randn([4, 3], { dtype: 'float64' })]);
  });

  it('nested containers: Sequential with names, ModuleList, ModuleDict', () => {
    const model = new nn.Sequential({
      enc: new nn.Sequential(new nn.Linear(4, 4), new nn.ReLU()),
      heads: new nn.ModuleDict({ a: new nn.Linear(4, 2), b: new nn.ModuleList([new nn.Linear(4, 1), new nn.Tanh()]) }),
    });
    const back = roundTrip('nested', model);
    const x = tf.randn([3, 4]);
    const h = (m: tf.nn.Module) => ((m as tf.nn.Sequential).at(1) as tf.nn.ModuleDict).get('a')!.forward((m as tf.nn.Sequential).at(0).forward(x)) as Tensor;
    expect(Array.from(h(back).dataSync())).toEqual(Array.from(h(model).dataSync()));
  });

  it('loss modules, with class weights from the state dict', () => {
    const losses = [
      new nn.MSELoss({ reduction: 'sum' }), new nn.L1Loss(), new nn.SmoothL1Loss({ beta: 0.5 }), new nn.HuberLoss({ delta: 2 }),
      new nn.CrossEntropyLoss({ weight: tf.tensor([1, 2, 3]), labelSmoothing: 0.1, ignoreIndex: 2 }),
      new nn.NLLLoss({ weight: tf.tensor([0.5, 1, 2]) }), new nn.BCELoss({ weight: tf.tensor([2]) }),
      new nn.BCEWithLogitsLoss({ posWeight: tf.tensor([3]) }), new nn.KLDivLoss({ reduction: 'batchmean', logTarget: true }),
      new nn.CosineEmbeddingLoss({ margin: 0.3 }),
    ];
    const model = new nn.ModuleList(losses);
    const back = roundTrip('losses', model) as tf.nn.ModuleList;
    const logits = tf.randn([4, 3]);
    const labels = tf.tensor([0, 1, 2, 1], { dtype: 'int32' });
    const p = tf.rand([4, 1]);
    const y = tf.tensor([[1], [0], [1], [0]]);
    const args: Tensor[][] = [[logits, tf.randn([4, 3])], [logits, tf.randn([4, 3])], [logits, tf.randn([4, 3])], [logits, tf.randn([4, 3])],
      [logits, labels], [tf.logSoftmax(logits, 1), labels], [p, y], [tf.randn([4, 1]), y], [tf.logSoftmax(logits, 1), tf.logSoftmax(tf.randn([4, 3]), 1)],
      [logits, tf.randn([4, 3]), tf.tensor([1, -1, 1, -1])]];
    args.forEach((a, i) => {
      const want = (model.at(i).forward as (...x: Tensor[]) => Tensor)(...a).item();
      const got = (back.at(i).forward as (...x: Tensor[]) => Tensor)(...a).item();
      expect(got, losses[i].constructor.name).toBe(want);
    });
  });

  it('custom modules load through the registry', () => {
    class Block extends nn.Module {
      readonly n: number;
      declare fc: tf.nn.Linear;
      constructor(n: number, { scale = 1 }: { scale?: number } = {}) {
        super();
        this.n = n;
        this.scale = scale;
        this.fc = new nn.Linear(n, n);
        this.registerBuffer('shift', tf.zeros([n]));
      }
      scale: number;
      override forward(x: Tensor): Tensor {
        return this.fc.forward(x).mul(this.scale).add((this as unknown as { shift: Tensor }).shift);
      }
      override getConfig(): unknown[] {
        return [this.n, { scale: this.scale }];
      }
    }
    const model = new nn.Sequential(new Block(3, { scale: 2 }), new nn.ReLU());
    ((model.at(0) as unknown as { shift: Tensor }).shift).add_(1.5);
    const d = path.join(dir, 'custom');
    expect(() => tf.saveModel(model, d)).toThrow(/module '0' \(Block\) is not registered: call tf.io.registerModule\('Block', Block\)/);
    tf.io.registerModule('Block', Block);
    const back = roundTrip('custom', model);
    expectSameOutputs(model, back, [tf.randn([2, 3])]);
    expect(() => tf.io.registerModule('Linear', Block)).toThrow(/built-in layer/);

    class Opaque extends nn.Module {
      override forward(x: Tensor): Tensor { return x; }
    }
    expect(() => tf.saveModel(new nn.Sequential(new Opaque()), d)).toThrow(/module '0' \(Opaque\) cannot describe its constructor arguments/);
  });

  it('strict loading rejects missing or unexpected keys; non-strict loads what matches', () => {
    const model = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    const d = path.join(dir, 'strict');
    tf.saveModel(model, d);
    const file = path.join(d, 'model.safetensors');
    const sd = tf.load(file);
    delete sd['1.running_var'];
    sd['extra.weight'] = tf.ones([1]);
    tf.save(sd, file);
    expect(() => tf.loadModel(d)).toThrow(/missing key\(s\): '1.running_var'; unexpected key\(s\): 'extra.weight'/);
    const back = tf.loadModel(d, { strict: false });
    expect(Array.from(back.stateDict().get('0.weight')!.dataSync())).toEqual(Array.from(model.stateDict().get('0.weight')!.dataSync()));
    expect(Array.from(back.stateDict().get('1.running_var')!.dataSync())).toEqual([1, 1]);
  });

  it('fails cleanly on broken model directories', () => {
    const d = path.join(dir, 'broken');
    tf.saveModel(new nn.Sequential(new nn.Linear(2, 2)), d);
    const cfgFile = path.join(d, 'config.json');
    const good = fs.readFileSync(cfgFile, 'utf8');
    const cases: Array<[string, string, RegExp]> = [
      ['bad json', '{', /config.json is not valid JSON/],
      ['wrong format', '{"format":"keras"}', /not a tensorforge model config/],
      ['future version', good.replace('"version": 1', '"version": 7'), /version 7/],
      ['unknown class', good.replace('"Linear"', '"Conv9d"'), /class 'Conv9d', which is not registered/],
      ['bad args', good.replace(/"args": \[\s*2,/, '"args": [-2,'), /cannot build '0' \(Linear\)/],
      ['shape mismatch', good.replace(/"args": \[\s*2,\s*2,/, '"args": [3, 2,'), /size mismatch for 0.weight/],
    ];
    for (const [what, text, re] of cases) {
      fs.writeFileSync(cfgFile, text);
      expect(() => tf.loadModel(d), what).toThrow(re);
    }
    expect(() => tf.loadModel(path.join(dir, 'nothing-here'))).toThrow(tf.ModelFormatError);
    expect(() => tf.saveModel({} as never, d)).toThrow(/expected an nn.Module/);
    expect(() => tf.saveModel(new nn.Linear(2, 2), d, { inputShape: [null, 5] })).toThrow(/does not run on inputs of shape \[null,5\]/);
  });
});

describe('every layer of tf.nn describes itself', () => {
  it('getConfig rebuilds each class (a new layer without getConfig fails here)', () => {
    const instances: tf.nn.Module[] = [
      new nn.Linear(3, 2, { bias: false }), new nn.Identity(), new nn.ReLU(), new nn.LeakyReLU(0.3), new nn.GELU(), new nn.SiLU(), new nn.Sigmoid(),
      new nn.Tanh(), new nn.Softmax(0), new nn.LogSoftmax(-1), new nn.Dropout(0.1), new nn.LayerNorm([2, 3]), new nn.BatchNorm1d(3, { eps: 0.01 }),
      new nn.Embedding(5, 2), new nn.Flatten(0, 1), new nn.Unflatten(-1, [2, -1]), new nn.MSELoss(), new nn.L1Loss(), new nn.SmoothL1Loss(),
      new nn.HuberLoss(), new nn.CrossEntropyLoss(), new nn.NLLLoss(), new nn.BCELoss(), new nn.BCEWithLogitsLoss(), new nn.KLDivLoss(),
      new nn.CosineEmbeddingLoss(), new nn.Sequential(new nn.ReLU()), new nn.ModuleList([new nn.Tanh()]), new nn.ModuleDict({ a: new nn.SiLU() }),
      new nn.RNN(3, 2, { nonlinearity: 'relu', numLayers: 2 }), new nn.LSTM(3, 4, { projSize: 2, batchFirst: true }), new nn.GRU(2, 3, { bidirectional: true, dropout: 0.1, numLayers: 2 }),
      new nn.RNNCell(2, 3), new nn.LSTMCell(2, 3, { bias: false }), new nn.GRUCell(2, 3),
      new nn.Conv1d(2, 3, 3, { padding: 'same' }), new nn.Conv2d(2, 4, [3, 2], { groups: 2, stride: 2 }), new nn.ConvTranspose2d(2, 2, 3, { stride: 2, outputPadding: 1 }),
      new nn.MaxPool1d(3, { stride: 2, padding: 1, ceilMode: true }), new nn.MaxPool2d([2, 3], { dilation: 2, returnIndices: true }),
      new nn.AvgPool1d(2), new nn.AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false, divisorOverride: 4 }),
      new nn.AdaptiveAvgPool1d(4), new nn.AdaptiveAvgPool2d([2, null]), new nn.Upsample({ size: [4, 6] }), new nn.Dropout2d(0.2),
      new nn.BatchNorm2d(4, { momentum: null, affine: false }),
    ];
    const all = Object.entries(nn).filter(([, C]) => typeof C === 'function' && C.prototype instanceof nn.Module).map(([n]) => n).sort();
    expect(instances.map((m) => m.constructor.name).sort()).toEqual(all);
    for (const m of instances) {
      const node = tf.io.describeModule(m);
      expect(JSON.parse(JSON.stringify(node)), m.constructor.name).toEqual(node);
      const again = tf.io.buildModule(node);
      expect(again.constructor).toBe(m.constructor);
      expect(again.toString()).toBe(m.toString());
      expect(tf.io.describeModule(again)).toEqual(node);
    }
  });
});
