/**
 * Resume equals uninterrupted, with real training steps (zeroGrad, forward, mseLoss,
 * backward, opt.step, scheduler.step): 6 epochs straight must equal 3 epochs, a
 * checkpoint, a fresh process state (new model, optimizer, scheduler, RNG moved on), a
 * loadCheckpoint, and 3 more epochs. Needs the autograd engine (loss.backward()); until it
 * lands on this branch the test is skipped with the reason printed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { tempDir } from './util';

/* eslint-disable @typescript-eslint/no-explicit-any */
const { nn, optim } = tf;
const hasAutograd = typeof (tf.tensor([1]) as any).backward === 'function'; // eslint-disable-line @typescript-eslint/no-explicit-any
if (!hasAutograd) console.log('test/io/resume.test.ts: skipped, Tensor.backward() does not exist yet (the autograd engine is on another branch)');

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function setup(seed: number) {
  tf.manualSeed(seed);
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(8, 1));
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 });
  return { model, opt, sched };
}

function data(): { x: Tensor; y: Tensor; loader: tf.data.DataLoader<any, any> } {
  const x = tf.linspace(-1, 1, 64).reshape([16, 4]);
  const y = x.sum(1, { keepdim: true }).mul(0.5);
  const loader = new tf.data.DataLoader(new tf.data.TensorDataset(x, y), { batchSize: 4, shuffle: true, seed: 3 });
  return { x, y, loader };
}

function epoch(r: ReturnType<typeof setup>, loader: tf.data.DataLoader<any, any>): void {
  r.model.train();
  for (const [xb, yb] of loader as Iterable<[Tensor, Tensor]>) {
    tf.tidy(() => {
      r.opt.zeroGrad();
      const loss = tf.F.mseLoss(r.model.forward(xb), yb) as Tensor & { backward(): void };
      loss.backward();
      r.opt.step();
    });
  }
  r.sched.step();
}

function weights(m: tf.nn.Module): number[][] {
  return [...m.stateDict().values()].map((t) => Array.from(t.dataSync()));
}

describe('resume from a checkpoint', () => {
  it.skipIf(!hasAutograd)('gives exactly the uninterrupted training run', () => {
    const { loader: l1 } = data();
    const a = setup(0);
    for (let e = 0; e < 6; e++) epoch(a, l1);
    const straight = weights(a.model);

    const { loader: l2 } = data();
    const b = setup(0);
    for (let e = 0; e < 3; e++) epoch(b, l2);
    const file = tf.saveCheckpoint(path.join(dir, 'ckpt'), { model: b.model, optimizer: b.opt, scheduler: b.sched, dataLoader: l2, epoch: 3 });

    const { loader: l3 } = data();
    const c = setup(123);
    tf.rand([10]); // the generator moves on in the new process
    const { epoch: done } = tf.loadCheckpoint(file, { model: c.model, optimizer: c.opt, scheduler: c.sched, dataLoader: l3 });
    for (let e = done!; e < 6; e++) epoch(c, l3);
    expect(weights(c.model)).toEqual(straight);
  });
});
