/**
 * compile / fit / evaluate / predict / trainOnBatch: behaviour, History contents, the
 * weighting of epoch means by batch size, modes, output format, memory stability, and
 * the error paths.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { expectClose, rng } from '../helpers';

const vals = (t: Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

function blobs(n: number, seed: number): { x: Tensor; y: Tensor } {
  const r = rng(seed);
  const xs: number[][] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    xs.push([c * 2 - 2 + 0.3 * (r() - 0.5), (c === 1 ? 1 : -1) + 0.3 * (r() - 0.5)]);
    ys.push(c);
  }
  return { x: tf.tensor(xs), y: tf.tensor(ys, { dtype: 'int32' }) };
}

function mlp(seed = 0): tf.nn.Sequential {
  tf.manualSeed(seed);
  return new tf.nn.Sequential(new tf.nn.Linear(2, 8), new tf.nn.Tanh(), new tf.nn.Linear(8, 3));
}

/** A stream that records what fit writes. */
function sink(isTTY: boolean): { write(s: string): boolean; isTTY: boolean; columns: number; text: () => string } {
  const parts: string[] = [];
  return { write: (s: string) => (parts.push(s), true), isTTY, columns: 120, text: () => parts.join('') };
}

describe('compile', () => {
  it('accepts optimizer names and instances, loss names, functions and modules, metric names and functions', () => {
    const m = mlp();
    expect(m.compile({ optimizer: 'adam', loss: 'crossEntropy' })).toBe(m);
    m.compile({ optimizer: 'sgd', loss: new tf.nn.CrossEntropyLoss(), metrics: ['acc', 'topKAccuracy'] });
    m.compile({ optimizer: new tf.optim.SGD(m.parameters(), { lr: 0.1 }), loss: (p: Tensor, t: Tensor) => tf.F.crossEntropy(p, t), metrics: [function myMetric() { return 1; }] });
    const { x, y } = blobs(12, 1);
    expect(Object.keys(m.evaluate(x, y))).toEqual(['loss', 'myMetric']);
    m.compile({ optimizer: 'adam', loss: 'crossEntropy', metrics: ['acc', 'topKAccuracy'] });
    expect(Object.keys(m.evaluate(x, y))).toEqual(['loss', 'accuracy', 'topKAccuracy']);
  });

  it('rejects unknown names and bad values with the op and the known names', () => {
    const m = mlp();
    expect(() => m.compile({ optimizer: 'adamm' as 'adam', loss: 'mse' })).toThrow(/compile.*unknown optimizer 'adamm'.*adam, adamw/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'msee' })).toThrow(/unknown loss 'msee'.*mse/);
    expect(() => m.compile({ optimizer: 'adam', loss: 3 as unknown as string })).toThrow(tf.ArgumentError);
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['accuracyy'] })).toThrow(/unknown metric 'accuracyy'/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mse', 'meanSquaredError', 'mse'] })).toThrow(/two metrics are named 'mse'/);
    expect(() => m.compile({ optimizer: 42 as unknown as 'adam', loss: 'mse' })).toThrow(/optimizer must be/);
    expect(() => new tf.nn.ReLU().compile({ optimizer: 'adam', loss: 'mse' })).toThrow(/ReLU has no parameters/);
  });

  it('fit, evaluate and trainOnBatch need compile first', () => {
    const m = mlp();
    const { x, y } = blobs(6, 2);
    expect(() => m.fit(x, y, { verbose: 0 })).toThrow(/Sequential is not compiled: call model.compile/);
    expect(() => m.evaluate(x, y)).toThrow(/not compiled/);
    expect(() => m.trainOnBatch(x, y)).toThrow(/not compiled/);
    expect(m.predict(x).shape).toEqual([6, 3]); // predict does not need it
  });
});

describe('fit', () => {
  it('returns a History with loss, metrics and val_* per epoch, and the loss goes down', () => {
    const m = mlp();
    const { x, y } = blobs(90, 3);
    m.compile({ optimizer: new tf.optim.Adam(m.parameters(), { lr: 0.05 }), loss: 'crossEntropy', metrics: ['accuracy'] });
    const h = m.fit(x, y, { epochs: 6, batchSize: 16, validationSplit: 0.2, verbose: 0, seed: 1 });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Object.keys(h.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    for (const k of Object.keys(h.history)) expect(h.history[k]).toHaveLength(6);
    expect(h.history.loss[5]).toBeLessThan(h.history.loss[0]);
    expect(h.params).toEqual({ epochs: 6, steps: Math.ceil(72 / 16), verbose: 0 });
    // The last epoch's val_ values are evaluate() on the held-out tail (the weights did not change since).
    const tail = m.evaluate(x.narrow(0, 72, 18), y.narrow(0, 72, 18), { batchSize: 5 });
    expectClose([tail.loss, tail.accuracy], [h.history.val_loss[5], h.history.val_accuracy[5]], { rtol: 1e-6 });
  });

  it('epoch values are sample-weighted means of the batch values (uneven last batch)', () => {
    const m = mlp();
    const { x, y } = blobs(10, 4);
    m.compile({ optimizer: new tf.optim.SGD(m.parameters(), { lr: 0 }), loss: 'crossEntropy', metrics: ['accuracy'] });
    const batches: Array<{ size: number }> = [];
    // lr 0: weights never change, so the epoch loss equals the full-data loss.
    const h = m.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0, callbacks: [{ onBatchEnd: (_b, logs) => batches.push({ size: logs.size }) }] });
    expect(batches.map((b) => b.size)).toEqual([4, 4, 2]);
    const full = m.evaluate(x, y, { batchSize: 10 });
    expectClose([h.history.loss[0], h.history.accuracy[0]], [full.loss, full.accuracy], { rtol: 1e-6 });
  });

  it('takes a Dataset, a DataLoader, an iterable of batches and validationData in each form', () => {
    const { x, y } = blobs(30, 5);
    const ds = new tf.data.TensorDataset(x, y);
    const loader = new tf.data.DataLoader(ds, { batchSize: 8, shuffle: true, seed: 3 });
    const batches = [[x.narrow(0, 0, 15), y.narrow(0, 0, 15)], [x.narrow(0, 15, 15), y.narrow(0, 15, 15)]] as [Tensor, Tensor][];
    for (const [data, val] of [[ds, [x, y]], [loader, ds], [batches, loader]] as const) {
      const m = mlp();
      m.compile({ optimizer: 'adam', loss: 'crossEntropy', metrics: ['accuracy'] });
      const h = m.fit(data as tf.FitData, { epochs: 2, verbose: 0, validationData: val as tf.FitData });
      expect(h.history.val_loss).toHaveLength(2);
    }
    expect(batches[0][0].isDisposed).toBe(false); // caller's batches are left alone
    const m = mlp();
    m.compile({ optimizer: 'adam', loss: 'crossEntropy' });
    expect(m.fit(ds, { epochs: 1, verbose: 0, validationSplit: 0.5 }).history.val_loss).toHaveLength(1);
    expect(() => m.fit(loader, { batchSize: 4, verbose: 0 })).toThrow(/set on the DataLoader itself/);
    expect(() => m.fit(loader, { validationSplit: 0.2, verbose: 0 })).toThrow(/validationSplit needs tensors or a Dataset/);
  });

  it('checks its arguments', () => {
    const m = mlp();
    m.compile({ optimizer: 'adam', loss: 'crossEntropy' });
    const { x, y } = blobs(10, 6);
    expect(() => m.fit(x, y.narrow(0, 0, 9), { verbose: 0 })).toThrow(/fit.*x \[10, 2\] and y \[9\] must have the same number of samples/);
    expect(() => m.fit(x, 3 as unknown as Tensor)).toThrow(/y must be a Tensor too/);
    expect(() => m.fit(x, y, { epochs: 0 })).toThrow(/epochs must be a positive integer, got 0/);
    expect(() => m.fit(x, y, { batchSize: 2.5 })).toThrow(/batchSize must be a positive integer/);
    expect(() => m.fit(x, y, { validationSplit: 1.5 })).toThrow(/validationSplit must be a number in \(0, 1\)/);
    expect(() => m.fit(x, y, { validationSplit: 0.95, verbose: 0 })).toThrow(/leaves 0 for training and 10 for validation/);
    expect(() => m.fit(x, y, { validationSplit: 0.2, validationData: [x, y] })).toThrow(/not both/);
    expect(() => m.fit(x, y, { verbose: 3 as 1 })).toThrow(/verbose must be 0, 1 or 2/);
    expect(() => m.fit(x, y, { epoch: 3 } as unknown as tf.FitOptions)).toThrow(/unknown option 'epoch'/);
    expect(() => m.fit(x, y, { verbose: 0, callbacks: [3 as unknown as object] })).toThrow(/callbacks\[0\] must be a Callback/);
    expect(() => m.fit(x, y, { verbose: 0, callbacks: [{ onEpochEnd: 1 } as unknown as object] })).toThrow(/callbacks\[0\]\.onEpochEnd must be a function/);
    expect(() => m.fit([[x, y, 1]] as unknown as tf.FitData, { verbose: 0 })).not.toThrow();
    expect(() => m.fit([[x]] as unknown as tf.FitData, { verbose: 0 })).toThrow(/each batch must be an array \[x, y\] of tensors/);
    m.compile({ optimizer: 'adam', loss: (p: Tensor, t: Tensor) => tf.F.crossEntropy(p, t, { reduction: 'none' }) });
    expect(() => m.fit(x, y, { verbose: 0 })).toThrow(/the loss must be a scalar, got shape \[\d+\] \(use reduction 'mean' or 'sum'\)/);
  });

  it('trains in train mode and restores the previous mode; validation runs in eval mode', () => {
    tf.manualSeed(0);
    const seen: Array<[string, boolean]> = [];
    class Probe extends tf.nn.Module {
      fc = new tf.nn.Linear(2, 3);
      override forward(x: Tensor): Tensor {
        seen.push([tf.isGradEnabled() ? 'grad' : 'nograd', this.training]);
        return this.fc.call(x);
      }
    }
    const m = new Probe();
    m.compile({ optimizer: 'adam', loss: 'crossEntropy' });
    const { x, y } = blobs(8, 7);
    m.eval();
    m.fit(x, y, { epochs: 1, batchSize: 4, validationData: [x, y], validationBatchSize: 8, verbose: 0 });
    expect(seen).toEqual([['grad', true], ['grad', true], ['nograd', false]]);
    expect(m.training).toBe(false);
    m.train();
    seen.length = 0;
    m.predict(x, { batchSize: 3 });
    expect(seen).toEqual([['nograd', false], ['nograd', false], ['nograd', false]]);
    expect(m.training).toBe(true);
  });

  it('trainOnBatch equals one step of the PyTorch loop', () => {
    const { x, y } = blobs(16, 8);
    const a = mlp(5);
    const b = mlp(5);
    a.compile({ optimizer: new tf.optim.Adam(a.parameters(), { lr: 0.01 }), loss: 'crossEntropy', metrics: ['accuracy'] });
    const optB = new tf.optim.Adam(b.parameters(), { lr: 0.01 });
    const logs = a.trainOnBatch(x, y);
    optB.zeroGrad();
    const out = b.call(x);
    const loss = tf.F.crossEntropy(out, y);
    loss.backward();
    optB.step();
    expect(logs.loss).toBe(loss.item());
    expect(logs.accuracy).toBe(tf.metrics.accuracy(out, y));
    a.parameters().forEach((p, i) => expect(vals(p)).toEqual(vals(b.parameters()[i])));
  });
});

describe('evaluate and predict', () => {
  it('predict in batches equals one forward; evaluate matches the losses and metrics computed directly', () => {
    const m = mlp(2);
    const { x, y } = blobs(23, 9);
    const whole = tf.noGrad(() => m.call(x));
    for (const bs of [1, 5, 23, 64]) expectClose(vals(m.predict(x, { batchSize: bs })), vals(whole), { rtol: 1e-6, atol: 1e-7 });
    m.compile({ optimizer: 'adam', loss: 'crossEntropy', metrics: ['accuracy', 'topKAccuracy'] });
    const r = m.evaluate(x, y, { batchSize: 4 });
    expectClose([r.loss], [tf.F.crossEntropy(whole, y).item() as number], { rtol: 1e-6 });
    expect(r.accuracy).toBeCloseTo(tf.metrics.accuracy(whole, y), 12);
    expect(r.topKAccuracy).toBe(1); // 3 classes, top 5
    const s = { write: (t: string) => (out.push(t), true) };
    const out: string[] = [];
    m.evaluate(x, y, { verbose: 1, stream: s });
    expect(out.join('')).toMatch(/^loss: \d\.\d{4} - accuracy: \d\.\d{4} - topKAccuracy: 1\.0000\n$/);
    expect(() => m.predict(tf.tensor(1))).toThrow(/predict.*batch dim/);
    expect(() => m.predict(x, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });
});

describe('output', () => {
  it('without a terminal, one plain line per epoch', () => {
    const m = mlp();
    m.compile({ optimizer: 'adam', loss: 'crossEntropy', metrics: ['accuracy'] });
    const { x, y } = blobs(20, 10);
    for (const verbose of [1, 2] as const) {
      const s = sink(false);
      m.fit(x, y, { epochs: 3, batchSize: 8, validationData: [x, y], verbose, stream: s });
      const lines = s.text().split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(3);
      lines.forEach((l, i) => expect(l).toMatch(new RegExp(`^Epoch ${i + 1}/3 - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4} - val_loss: \\d\\.\\d{4} - val_accuracy: \\d\\.\\d{4} - \\d+\\.\\ds$`)));
    }
    const quiet = sink(false);
    m.fit(x, y, { epochs: 2, verbose: 0, stream: quiet });
    expect(quiet.text()).toBe('');
  });

  it('on a terminal, a progress bar with loss, metrics, steps per second and ETA', () => {
    const m = mlp();
    m.compile({ optimizer: 'adam', loss: 'crossEntropy', metrics: ['accuracy'] });
    const { x, y } = blobs(40, 11);
    const s = sink(true);
    m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 1, stream: s });
    const text = s.text();
    expect(text).toMatch(/Epoch 1\/2 .* 5\/5 - loss: \d\.\d{4} - accuracy: \d\.\d{4} - [\d.]+ steps\/s - ETA \d+s/);
    expect(text).toMatch(/Epoch 2\/2 .* 5\/5/);
    // verbose 2 on a terminal: lines, no bar.
    const s2 = sink(true);
    m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 2, stream: s2 });
    expect(s2.text()).toMatch(/^Epoch 1\/1 - loss: \d\.\d{4} - accuracy: \d\.\d{4} - \d+\.\ds\n$/);
  });
});

describe('memory', () => {
  it('many steps leave tensor count and bytes at a fixed level', () => {
    const m = mlp();
    m.compile({ optimizer: 'adam', loss: 'crossEntropy', metrics: ['accuracy'] });
    const { x, y } = blobs(64, 12);
    m.fit(x, y, { epochs: 2, batchSize: 8, validationSplit: 0.25, verbose: 0 }); // optimizer state exists now
    const before = tf.memory();
    m.fit(x, y, { epochs: 10, batchSize: 8, validationSplit: 0.25, verbose: 0 });
    for (let i = 0; i < 50; i++) m.trainOnBatch(x, y);
    m.evaluate(x, y);
    m.predict(x).dispose();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });
});
