/**
 * Convergence (must-show), each with the PyTorch-style loop and with fit():
 * linear regression recovers the least-squares solution of the normal equations
 * (float64, solved in JS); logistic regression separates a separable set; an MLP learns
 * XOR; an MLP learns the two-spiral set to >= 99% accuracy.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { rng } from '../helpers';

const vals = (t: Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

/** Solves A x = b (A n×n) by Gaussian elimination with partial pivoting, in float64. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}

/** Trains with the PyTorch loop: zeroGrad, forward, loss, backward, step (each step in tidy). */
function loop(model: tf.nn.Module, opt: tf.optim.Optimizer, lossFn: (p: Tensor, t: Tensor) => Tensor, x: Tensor, y: Tensor, steps: number): void {
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      opt.zeroGrad();
      const loss = lossFn(model.call(x), y);
      loss.backward();
      opt.step();
    });
  }
}

const STYLES = ['loop', 'fit'] as const;

describe('linear regression recovers the normal-equations solution', () => {
  const r = rng(11);
  const n = 200;
  const X = Array.from({ length: n }, () => [r() * 2 - 1, r() * 2 - 1, r() * 2 - 1]);
  const Y = X.map(([a, b, c]) => 1.5 * a - 2 * b + 0.5 * c + 0.7 + 0.1 * (r() - 0.5));
  // Normal equations with a bias column: (AᵀA) w = Aᵀy.
  const A = X.map((row) => [...row, 1]);
  const AtA = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => A.reduce((s, row) => s + row[i] * row[j], 0)));
  const Aty = [0, 1, 2, 3].map((i) => A.reduce((s, row, k) => s + row[i] * Y[k], 0));
  const wStar = solve(AtA, Aty);

  for (const style of STYLES) {
    it(`with SGD, ${style}`, () => {
      tf.manualSeed(1);
      const model = new tf.nn.Linear(3, 1, { dtype: 'float64' });
      const x = tf.tensor(X, { dtype: 'float64' });
      const y = tf.tensor(Y, { dtype: 'float64' }).reshape([n, 1]);
      const opt = new tf.optim.SGD(model.parameters(), { lr: 0.4 });
      if (style === 'loop') loop(model, opt, (p, t) => tf.F.mseLoss(p, t), x, y, 200);
      else {
        model.compile({ optimizer: opt, loss: 'mse' });
        model.fit(x, y, { epochs: 200, batchSize: n, verbose: 0 });
      }
      const got = [...vals(model.weight), ...vals(model.bias as Tensor)];
      got.forEach((v, i) => expect(Math.abs(v - wStar[i])).toBeLessThan(1e-10));
    });
  }
});

describe('logistic regression separates a linearly separable set', () => {
  const r = rng(12);
  const X: number[][] = [];
  const Y: number[] = [];
  while (X.length < 120) {
    const p = [r() * 4 - 2, r() * 4 - 2];
    const s = 2 * p[0] - p[1] + 0.3;
    if (Math.abs(s) < 0.15) continue; // a margin
    X.push(p);
    Y.push(s > 0 ? 1 : 0);
  }
  for (const style of STYLES) {
    it(`100% training accuracy, ${style}`, () => {
      tf.manualSeed(2);
      // Logits and the stable loss (binaryCrossEntropy on a saturated sigmoid has a NaN
      // gradient at p == 1 exactly: see the report), accuracy thresholded at logit 0.
      const model = new tf.nn.Sequential(new tf.nn.Linear(2, 1));
      const logitAccuracy = (p: Tensor, t: Tensor) => tf.metrics.binaryAccuracy(p, t, 0);
      const x = tf.tensor(X);
      const y = tf.tensor(Y).reshape([X.length, 1]);
      const opt = new tf.optim.Adam(model.parameters(), { lr: 0.1 });
      if (style === 'loop') loop(model, opt, (p, t) => tf.F.binaryCrossEntropyWithLogits(p, t), x, y, 400);
      else {
        model.compile({ optimizer: opt, loss: 'binaryCrossEntropyWithLogits', metrics: [logitAccuracy] });
        const h = model.fit(x, y, { epochs: 100, batchSize: 30, verbose: 0, seed: 0 });
        expect(h.history.logitAccuracy.at(-1)).toBe(1);
      }
      expect(logitAccuracy(model.predict(x), y)).toBe(1);
      expect(tf.metrics.binaryAccuracy(model.predict(x).sigmoid(), y)).toBe(1);
    });
  }
});

describe('an MLP learns XOR', () => {
  for (const style of STYLES) {
    it(style, () => {
      tf.manualSeed(3);
      const model = new tf.nn.Sequential(new tf.nn.Linear(2, 8), new tf.nn.Tanh(), new tf.nn.Linear(8, 2));
      const x = tf.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
      const y = tf.tensor([0, 1, 1, 0], { dtype: 'int32' });
      const opt = new tf.optim.Adam(model.parameters(), { lr: 0.05 });
      if (style === 'loop') loop(model, opt, (p, t) => tf.F.crossEntropy(p, t), x, y, 300);
      else {
        model.compile({ optimizer: opt, loss: 'crossEntropy', metrics: ['accuracy'] });
        model.fit(x, y, { epochs: 300, batchSize: 4, verbose: 0 });
      }
      expect(vals(model.predict(x).argmax(1))).toEqual([0, 1, 1, 0]);
      expect(tf.F.crossEntropy(model.predict(x), y).item()).toBeLessThan(0.05);
    });
  }
});

describe('an MLP learns the two-spiral set to >= 99% accuracy', () => {
  const n = 100; // points per spiral
  const X: number[][] = [];
  const Y: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = (i / n) * 3 * Math.PI + 0.3;
    const rad = t / (3 * Math.PI);
    X.push([rad * Math.cos(t), rad * Math.sin(t)]);
    Y.push(0);
    X.push([-rad * Math.cos(t), -rad * Math.sin(t)]);
    Y.push(1);
  }
  const build = () => new tf.nn.Sequential(new tf.nn.Linear(2, 64), new tf.nn.Tanh(), new tf.nn.Linear(64, 64), new tf.nn.Tanh(), new tf.nn.Linear(64, 2));
  for (const style of STYLES) {
    it(style, () => {
      tf.manualSeed(4);
      const model = build();
      const x = tf.tensor(X);
      const y = tf.tensor(Y, { dtype: 'int32' });
      const opt = new tf.optim.Adam(model.parameters(), { lr: 0.01 });
      if (style === 'loop') loop(model, opt, (p, t) => tf.F.crossEntropy(p, t), x, y, 600);
      else {
        model.compile({ optimizer: opt, loss: 'crossEntropy', metrics: ['accuracy'] });
        model.fit(x, y, { epochs: 150, batchSize: 50, verbose: 0, seed: 0 });
      }
      const acc = tf.metrics.accuracy(model.predict(x), y);
      expect(acc).toBeGreaterThanOrEqual(0.99);
    });
  }
});
