/**
 * Callbacks: hook order and logs, stopTraining, EarlyStopping (stop epoch, restored
 * weights, baseline, modes), LearningRateScheduler (function and lr schedulers),
 * ModelCheckpoint (templated paths, saveBestOnly, files that load back), formatPath;
 * and tf.metrics against plain-JS references.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { rng } from '../helpers';

const vals = (t: Tensor) => Array.from(t.dataSync() as ArrayLike<number>);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-train-cb-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function data(n = 24, seed = 1): { x: Tensor; y: Tensor } {
  const r = rng(seed);
  const xs = Array.from({ length: n }, () => [r() * 2 - 1, r() * 2 - 1]);
  return { x: tf.tensor(xs), y: tf.tensor(xs.map(([a, b]) => (a + b > 0 ? 1 : 0)), { dtype: 'int32' }) };
}

function model(seed = 0): tf.nn.Sequential {
  tf.manualSeed(seed);
  const m = new tf.nn.Sequential(new tf.nn.Linear(2, 4), new tf.nn.Tanh(), new tf.nn.Linear(4, 2));
  m.compile({ optimizer: new tf.optim.SGD(m.parameters(), { lr: 0.1 }), loss: 'crossEntropy', metrics: ['accuracy'] });
  return m;
}

/** A callback whose monitored value is scripted: logs.score = script[epoch]. */
const scripted = (script: number[]) => ({ onEpochEnd: (e: number, logs: tf.callbacks.Logs) => { logs.score = script[e]; } });

describe('user callbacks', () => {
  it('hooks run in order with epoch/batch numbers and logs; Callback instances get model, optimizer and params', () => {
    const m = model();
    const { x, y } = data(10);
    const calls: string[] = [];
    const rec = {
      onTrainBegin: () => calls.push('trainBegin'),
      onEpochBegin: (e: number) => calls.push(`epochBegin ${e}`),
      onBatchBegin: (b: number, l: tf.callbacks.Logs) => calls.push(`batchBegin ${b} size=${l.size}`),
      onBatchEnd: (b: number, l: tf.callbacks.Logs) => calls.push(`batchEnd ${b} ${Object.keys(l).join(',')}`),
      onEpochEnd: (e: number, l: tf.callbacks.Logs) => calls.push(`epochEnd ${e} ${Object.keys(l).join(',')}`),
      onTrainEnd: () => calls.push('trainEnd'),
    };
    class Sub extends tf.callbacks.Callback {
      seen: unknown[] = [];
      override onTrainBegin() { this.seen.push(this.model, this.optimizer, this.params); }
    }
    const sub = new Sub();
    m.fit(x, y, { epochs: 2, batchSize: 6, validationData: [x, y], verbose: 0, callbacks: [rec, sub] });
    expect(calls).toEqual([
      'trainBegin',
      'epochBegin 0', 'batchBegin 0 size=6', 'batchEnd 0 batch,size,loss,accuracy', 'batchBegin 1 size=4', 'batchEnd 1 batch,size,loss,accuracy',
      'epochEnd 0 loss,accuracy,val_loss,val_accuracy',
      'epochBegin 1', 'batchBegin 0 size=6', 'batchEnd 0 batch,size,loss,accuracy', 'batchBegin 1 size=4', 'batchEnd 1 batch,size,loss,accuracy',
      'epochEnd 1 loss,accuracy,val_loss,val_accuracy',
      'trainEnd',
    ]);
    expect(sub.seen[0]).toBe(m);
    expect(sub.seen[1]).toBeInstanceOf(tf.optim.SGD);
    expect(sub.seen[2]).toEqual({ epochs: 2, steps: 2, verbose: 0 });
  });

  it('model.stopTraining ends fit after the current batch; a value added to the logs lands in History', () => {
    const m = model();
    const { x, y } = data(12);
    let batches = 0;
    const h = m.fit(x, y, {
      epochs: 5, batchSize: 4, verbose: 0,
      callbacks: [{ onBatchEnd: (b) => { batches++; if (b === 1) m.stopTraining = true; } }, scripted([7, 8, 9])],
    });
    expect(batches).toBe(2);
    expect(h.epoch).toEqual([0]);
    expect(h.history.score).toEqual([7]);
    expect(m.stopTraining).toBe(true);
    expect(m.fit(x, y, { epochs: 2, verbose: 0 }).epoch).toEqual([0, 1]); // reset by the next fit
  });
});

describe('EarlyStopping', () => {
  it('stops at best epoch + patience and restores the best weights', () => {
    const m = model();
    const { x, y } = data();
    const snaps: number[][] = [];
    const es = new tf.callbacks.EarlyStopping({ monitor: 'score', patience: 2, restoreBestWeights: true });
    // score improves until epoch 2, then not: stop at the end of epoch 4 with epoch 2's weights.
    const h = m.fit(x, y, {
      epochs: 20, batchSize: 8, verbose: 0,
      callbacks: [scripted([5, 4, 3, 3.5, 3.2, 1, 1]), { onEpochEnd: () => snaps.push(m.parameters().flatMap(vals)) }, es],
    });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(es.stoppedEpoch).toBe(4);
    expect(es.bestEpoch).toBe(2);
    expect(es.best).toBe(3);
    expect(m.parameters().flatMap(vals)).toEqual(snaps[2]);
    expect(snaps[4]).not.toEqual(snaps[2]);
  });

  it('minDelta, mode max and auto, patience 0, baseline; no restore by default', () => {
    const run = (script: number[], opts: tf.callbacks.EarlyStoppingOptions) => {
      const m = model();
      const { x, y } = data();
      return m.fit(x, y, { epochs: script.length, verbose: 0, callbacks: [scripted(script), new tf.callbacks.EarlyStopping({ monitor: 'score', ...opts })] }).epoch.length;
    };
    expect(run([5, 4.95, 4.9, 4.85, 1], { minDelta: 0.1, patience: 1 })).toBe(2); // steps of 0.05 do not count: best stays epoch 0
    expect(run([5, 4.95, 4.9, 4.85, 1], { patience: 1 })).toBe(5);
    expect(run([1, 2, 3, 2, 1, 0], { mode: 'max', patience: 1 })).toBe(4); // best epoch 2, stop at 3
    expect(run([1, 2, 3, 2, 1, 0], { patience: 0 })).toBe(2); // min: epoch 1 is worse
    expect(run([3, 2, 1, 1, 1, 1], { patience: 1, baseline: 0.5 })).toBe(4); // wait is never reset below the baseline: first flat epoch stops
    expect(run([3, 2, 1, 1, 1, 1], { patience: 2 })).toBe(5);
    const m = model();
    const { x, y } = data();
    const h = m.fit(x, y, { epochs: 6, verbose: 0, callbacks: [{ onEpochEnd: (e, l) => { l.val_accuracy = [0.5, 0.9, 0.8, 0.7, 0.6, 0.5][e]; } }, new tf.callbacks.EarlyStopping({ monitor: 'val_accuracy', patience: 1 })] });
    expect(h.epoch).toEqual([0, 1, 2]); // auto mode: max for accuracy (best epoch 1)
  });

  it('errors name the missing key and bad options', () => {
    const m = model();
    const { x, y } = data();
    expect(() => m.fit(x, y, { verbose: 0, callbacks: [new tf.callbacks.EarlyStopping()] })).toThrow(/EarlyStopping.*monitor 'val_loss' is not in the logs \(available: loss, accuracy\); pass validationData/);
    expect(() => new tf.callbacks.EarlyStopping({ patience: -1 })).toThrow(/patience must be a non-negative integer/);
    expect(() => new tf.callbacks.EarlyStopping({ mode: 'up' as 'min' })).toThrow(/mode must be 'auto', 'min' or 'max'/);
  });
});

describe('LearningRateScheduler', () => {
  it('a schedule function sets lr at each epoch start, and lr is logged', () => {
    const m = model();
    const { x, y } = data();
    const seen: number[] = [];
    const opt = new tf.optim.SGD(m.parameters(), { lr: 0.5 });
    m.compile({ optimizer: opt, loss: 'crossEntropy' });
    const h = m.fit(x, y, {
      epochs: 4, verbose: 0,
      callbacks: [new tf.callbacks.LearningRateScheduler((e, lr) => (e === 0 ? lr : lr / 2)), { onBatchBegin: () => seen.push(opt.paramGroups[0].lr) }],
    });
    expect(h.history.lr).toEqual([0.5, 0.25, 0.125, 0.0625]);
    expect(seen[0]).toBe(0.5);
    expect(seen[seen.length - 1]).toBe(0.0625);
  });

  it('steps an lr scheduler once per epoch (StepLR, ReduceLROnPlateau on a monitored key)', () => {
    const m = model();
    const { x, y } = data();
    const opt = new tf.optim.SGD(m.parameters(), { lr: 1 });
    m.compile({ optimizer: opt, loss: 'crossEntropy' });
    const sched = new tf.optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.1 });
    const h = m.fit(x, y, { epochs: 5, verbose: 0, callbacks: [new tf.callbacks.LearningRateScheduler(sched)] });
    expect(h.history.lr.map((v) => +v.toPrecision(12))).toEqual([1, 1, 0.1, 0.1, 0.01]);
    const opt2 = new tf.optim.SGD(m.parameters(), { lr: 1 });
    m.compile({ optimizer: opt2, loss: 'crossEntropy' });
    const plateau = new tf.optim.lrScheduler.ReduceLROnPlateau(opt2, { patience: 0, factor: 0.5 });
    m.fit(x, y, { epochs: 4, verbose: 0, callbacks: [scripted([3, 3, 3, 3]), new tf.callbacks.LearningRateScheduler(plateau, { monitor: 'score' })] });
    expect(opt2.paramGroups[0].lr).toBe(0.125);
    expect(() => new tf.callbacks.LearningRateScheduler(3 as unknown as () => number)).toThrow(/schedule must be a function/);
    expect(() => m.fit(x, y, { verbose: 0, callbacks: [new tf.callbacks.LearningRateScheduler(() => NaN)] })).toThrow(/the schedule returned NaN for epoch 0/);
  });
});

describe('ModelCheckpoint', () => {
  it('formatPath fills epoch (1-based), padding and decimals', () => {
    expect(tf.callbacks.formatPath('m-{epoch}-{epoch:03d}-{val_loss:.2f}.st', 4, { val_loss: 0.12345 })).toBe('m-5-005-0.12.st');
    expect(() => tf.callbacks.formatPath('{nope}', 0, { loss: 1 })).toThrow(/\{nope\}, which is not in the logs/);
  });

  it('writes one file per epoch (weights only) that loads back into a fresh model', () => {
    const m = model();
    const { x, y } = data();
    const snaps: number[][] = [];
    const ck = new tf.callbacks.ModelCheckpoint(path.join(tmp, 'w', 'epoch-{epoch:02d}.safetensors'), { saveWeightsOnly: true });
    m.fit(x, y, { epochs: 3, verbose: 0, callbacks: [ck, { onEpochEnd: () => snaps.push(m.parameters().flatMap(vals)) }] });
    expect(ck.saved.map((p) => path.basename(p))).toEqual(['epoch-01.safetensors', 'epoch-02.safetensors', 'epoch-03.safetensors']);
    const fresh = model(9);
    fresh.loadStateDict(tf.load(ck.saved[1]));
    expect(fresh.parameters().flatMap(vals)).toEqual(snaps[1]);
  });

  it('saveBestOnly writes only improving epochs; checkpoints hold the optimizer and the epoch', () => {
    const m = model();
    const { x, y } = data();
    const ck = new tf.callbacks.ModelCheckpoint(path.join(tmp, 'best-{epoch}'), { monitor: 'score', saveBestOnly: true });
    const snaps: number[][] = [];
    m.fit(x, y, { epochs: 5, verbose: 0, callbacks: [scripted([3, 2, 2.5, 1, 4]), ck, { onEpochEnd: () => snaps.push(m.parameters().flatMap(vals)) }] });
    expect(ck.saved.map((p) => path.basename(p))).toEqual(['best-1', 'best-2', 'best-4']);
    const fresh = model(9);
    const opt = new tf.optim.SGD(fresh.parameters(), { lr: 0.1 });
    const info = tf.loadCheckpoint(ck.saved[2], { model: fresh, optimizer: opt });
    expect(info.epoch).toBe(4);
    expect(fresh.parameters().flatMap(vals)).toEqual(snaps[3]);
  });
});

describe('tf.metrics', () => {
  it('match plain-JS references', () => {
    const r = rng(3);
    const n = 37;
    const c = 6;
    const logits = Array.from({ length: n }, () => Array.from({ length: c }, () => r() * 4 - 2));
    const labels = Array.from({ length: n }, () => Math.floor(r() * c));
    const p = tf.tensor(logits);
    const t = tf.tensor(labels, { dtype: 'int32' });
    const argmax = (row: number[]) => row.indexOf(Math.max(...row));
    expect(tf.metrics.accuracy(p, t)).toBe(logits.filter((row, i) => argmax(row) === labels[i]).length / n);
    const onehot = tf.tensor(labels.map((k) => Array.from({ length: c }, (_, j) => (j === k ? 1 : 0))));
    expect(tf.metrics.accuracy(p, onehot)).toBe(tf.metrics.accuracy(p, t));
    for (const k of [1, 2, 3, 6]) {
      const ref = logits.filter((row, i) => row.filter((v) => v > row[labels[i]]).length < k).length / n;
      expect(tf.metrics.topKAccuracy(k)(p, t)).toBe(ref);
    }
    expect(tf.metrics.topKAccuracy(1)(p, t)).toBe(tf.metrics.accuracy(p, t));
    const probs = Array.from({ length: n }, () => r());
    const bins = Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
    const ref = probs.filter((v, i) => (v > 0.5 ? 1 : 0) === bins[i]).length / n;
    expect(tf.metrics.binaryAccuracy(tf.tensor(probs).reshape([n, 1]), tf.tensor(bins))).toBe(ref);
    expect(tf.metrics.accuracy(tf.tensor(probs), tf.tensor(bins))).toBe(ref);
    expect(tf.metrics.binaryAccuracy(tf.tensor([-1, 1]), tf.tensor([0, 1]), 0)).toBe(1);
    const a = Array.from({ length: 20 }, () => r() * 10 - 5);
    const b = Array.from({ length: 20 }, () => r() * 10 - 5);
    const ta = tf.tensor(a, { dtype: 'float64' }).reshape([4, 5]);
    const tb = tf.tensor(b, { dtype: 'float64' }).reshape([4, 5]);
    expect(tf.metrics.mae(ta, tb)).toBeCloseTo(a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / 20, 12);
    expect(tf.metrics.mse(ta, tb)).toBeCloseTo(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / 20, 12);
  });

  it('errors', () => {
    expect(() => tf.metrics.accuracy(tf.zeros([3, 4]), tf.tensor([0, 1], { dtype: 'int32' }))).toThrow(/metrics.accuracy.*disagree on the batch size/);
    expect(() => tf.metrics.accuracy(tf.zeros([2, 4]), tf.tensor([0, 4], { dtype: 'int32' }))).toThrow(/class index 4 at position 1 is out of range for 4 classes/);
    expect(() => tf.metrics.mae(tf.zeros([3]), tf.zeros([4]))).toThrow(/metrics.mae.*same number of elements/);
    expect(() => tf.metrics.topKAccuracy(0)).toThrow(/k must be a positive integer/);
    expect(() => tf.metrics.accuracy(3 as unknown as Tensor, tf.zeros([1]))).toThrow(/yPred must be a Tensor/);
  });
});
