/**
 * tf.saveCheckpoint / tf.loadCheckpoint: model, optimizer state, scheduler state, epoch,
 * step, extra, the global RNG and a DataLoader's generator all restored. Gradients are
 * supplied by hand (a deterministic function of the parameters plus RNG noise), so
 * "resume equals uninterrupted" is checked here without autograd; the version with
 * loss.backward() is test/io/resume.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import { tempDir } from './util';

const { nn, optim } = tf;
const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function build(seed: number) {
  tf.manualSeed(seed);
  const model = new nn.Sequential(new nn.Linear(5, 4), new nn.BatchNorm1d(4), new nn.Linear(4, 2));
  const opt = new optim.Adam(model.parameters(), { lr: 0.01, weightDecay: 0.01, amsgrad: true });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 });
  const data = new tf.data.TensorDataset(tf.arange(0, 10));
  const loader = new tf.data.DataLoader(data, { batchSize: 4, shuffle: true, seed: 7 });
  return { model, opt, sched, loader };
}

type Run = ReturnType<typeof build>;

/** One "training step": grads = 0.1 * p + noise from the global RNG; BatchNorm sees a random batch. */
function step(r: Run): void {
  r.model.train();
  tf.tidy(() => r.model.forward(tf.randn([6, 5])));
  for (const p of r.model.parameters()) {
    p.grad?.dispose();
    p.grad = tf.keep(p.mul(0.1).add(tf.randn(p.shape.slice())));
  }
  r.opt.step();
  r.sched.step();
  for (const b of r.loader) void b; // advances the loader's generator
}

function snapshot(r: Run): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of r.model.stateDict()) out[`model.${k}`] = Array.from(t.dataSync());
  const sd = r.opt.stateDict();
  for (const [i, s] of Object.entries(sd.state)) for (const [k, v] of Object.entries(s)) out[`opt.${i}.${k}`] = typeof v === 'number' ? [v] : Array.from(v.dataSync());
  out.lr = sd.param_groups.map((g) => g.lr as number);
  return out;
}

describe('checkpoints', () => {
  it('restore everything: resuming gives exactly the uninterrupted run', () => {
    const a = build(1);
    for (let i = 0; i < 3; i++) step(a);
    const file = tf.saveCheckpoint(path.join(dir, 'run'), { model: a.model, optimizer: a.opt, scheduler: a.sched, dataLoader: a.loader, epoch: 3, step: 30, extra: { best: 0.25, tags: ['x'] } });
    expect(file).toBe(path.join(dir, 'run', 'checkpoint.safetensors'));
    const atSave = snapshot(a);
    const schedAtSave = a.sched.stateDict();
    const nextRand = Array.from(tf.rand([4]).dataSync());
    for (let i = 0; i < 3; i++) step(a);
    const uninterrupted = snapshot(a);

    const b = build(99); // different init, fresh optimizer state, scheduler at epoch 0
    for (const b0 of b.loader) void b0;
    const info = tf.loadCheckpoint(path.join(dir, 'run'), { model: b.model, optimizer: b.opt, scheduler: b.sched, dataLoader: b.loader });
    expect(info.epoch).toBe(3);
    expect(info.step).toBe(30);
    expect(info.extra).toEqual({ best: 0.25, tags: ['x'] });
    expect(snapshot(b)).toEqual(atSave);
    expect(b.sched.stateDict()).toEqual(schedAtSave);
    expect(Array.from(tf.rand([4]).dataSync())).toEqual(nextRand);
    for (let i = 0; i < 3; i++) step(b);
    expect(snapshot(b)).toEqual(uninterrupted);
  });

  it('stores the optimizer tensors under optimizer.state.<index>.<name> and the rest as JSON metadata', () => {
    const a = build(2);
    step(a);
    const file = tf.saveCheckpoint(path.join(dir, 'named.safetensors'), { model: a.model, optimizer: a.opt, epoch: 1 });
    expect(file).toBe(path.join(dir, 'named.safetensors'));
    const h = tf.io.readHeader(file);
    const names = h.tensors.map((t) => t.name);
    expect(names).toContain('model.0.weight');
    expect(names).toContain('model.1.num_batches_tracked');
    expect(names).toContain('optimizer.state.0.exp_avg');
    expect(names).toContain('optimizer.state.5.max_exp_avg_sq');
    const meta = JSON.parse(h.metadata!['tensorforge.checkpoint']);
    expect(meta.version).toBe(1);
    expect(meta.optimizer.class).toBe('Adam');
    expect(meta.optimizer.scalars['0'].step).toBe(1);
    expect(meta.scheduler).toBeNull();
    expect(meta.rng).toEqual(tf.getRngState());
  });

  it('keeps non-finite scheduler values (ReduceLROnPlateau.best = Infinity)', () => {
    const a = build(3);
    const plateau = new optim.lrScheduler.ReduceLROnPlateau(a.opt, { patience: 0 });
    const file = tf.saveCheckpoint(path.join(dir, 'plateau'), { scheduler: plateau });
    const b = build(3);
    const p2 = new optim.lrScheduler.ReduceLROnPlateau(b.opt, { patience: 0 });
    p2.step(0.5);
    expect(p2.best).toBe(0.5);
    tf.loadCheckpoint(file, { scheduler: p2 });
    expect(p2.best).toBe(Infinity);
    expect(p2.stateDict()).toEqual(plateau.stateDict());
  });

  it('getRngState / setRngState', () => {
    tf.manualSeed(5);
    tf.rand([3]);
    const s = tf.getRngState();
    expect(s.seed).toBe(5);
    expect(s.offset).toBeGreaterThan(0);
    const x = Array.from(tf.randn([7]).dataSync());
    tf.manualSeed(6);
    tf.setRngState(s);
    expect(Array.from(tf.randn([7]).dataSync())).toEqual(x);
    expect(() => tf.setRngState({ seed: -1, offset: 0 })).toThrow(/seed must be a non-negative safe integer/);
    expect(() => tf.setRngState({ seed: 1, offset: 0.5 })).toThrow(/offset must be/);
    expect(() => tf.setRngState(null as never)).toThrow(tf.ArgumentError);
  });

  it('errors: wrong optimizer class, missing parts, not a checkpoint', () => {
    const a = build(4);
    step(a);
    const file = tf.saveCheckpoint(path.join(dir, 'err'), { model: a.model, optimizer: a.opt, epoch: 1 });
    const sgd = new optim.SGD(a.model.parameters(), { lr: 0.1 });
    expect(() => tf.loadCheckpoint(file, { optimizer: sgd })).toThrow(/state of a Adam optimizer, not of a SGD/);
    expect(() => tf.loadCheckpoint(file, { scheduler: a.sched })).toThrow(/holds no scheduler state/);
    const other = new nn.Sequential(new nn.Linear(5, 3));
    expect(() => tf.loadCheckpoint(file, { model: other })).toThrow(/size mismatch for 0.weight/);
    const plain = path.join(dir, 'plain.safetensors');
    tf.save({ w: tf.ones([1]) }, plain);
    expect(() => tf.loadCheckpoint(plain, { model: a.model })).toThrow(/not a tensorforge checkpoint/);
    expect(() => tf.saveCheckpoint(path.join(dir, 'x'), { epoch: -1 })).toThrow(/epoch must be a non-negative integer/);
    expect(() => tf.saveCheckpoint(path.join(dir, 'x'), { model: {} as never })).toThrow(/model must be an nn.Module/);
    // restoreRng: false leaves the generator alone
    tf.manualSeed(11);
    const before = tf.getRngState();
    tf.loadCheckpoint(file, { model: a.model, restoreRng: false });
    expect(tf.getRngState()).toEqual(before);
  });
});

