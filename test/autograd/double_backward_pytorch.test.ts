/**
 * Higher-order gradients against PyTorch 1.13 (float64), from test/fixtures/
 * double_backward_fixtures.json, which make_double_backward_fixtures.py writes (torch is
 * not needed here): a net of conv2d, batch norm (training and eval), max pool,
 * convTranspose2d, avg pool, dilated conv2d, adaptive avg pool and linear; its input
 * gradient taken with createGraph, a WGAN-GP penalty's gradients to the parameters and
 * the input, and a Hessian-vector product.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { expectClose } from '../helpers';

const F = tf.nn.functional;

interface Enc { shape: number[]; values: number[] }
interface Case {
  training: boolean;
  x: Enc; params: Record<string, Enc>; runningMean: Enc; runningVar: Enc; v: Record<string, Enc>;
  score: Enc; gx: Enc; penalty: number;
  penaltyGrads: Record<string, Enc>; penaltyGradX: Enc; hvp: Record<string, Enc>; hvpX: Enc;
}
const fixtures = JSON.parse(readFileSync(join(__dirname, '../fixtures/double_backward_fixtures.json'), 'utf8')) as { torch: string; cases: Case[] };
const dec = (e: Enc): Tensor => tf.tensor(Float64Array.from(e.values), { shape: e.shape, dtype: 'float64' });
const NAMES = ['c1.w', 'c1.b', 'bn.w', 'bn.b', 'ct.w', 'ct.b', 'c2.w', 'fc.w', 'fc.b'];

function net(x: Tensor, p: Record<string, Tensor>, training: boolean, rm: Tensor, rv: Tensor): Tensor {
  let h = tf.conv2d(x, p['c1.w'], p['c1.b'], { stride: 2, padding: 1 });
  h = F.batchNorm(h, training ? null : rm, training ? null : rv, { weight: p['bn.w'], bias: p['bn.b'], training, eps: 1e-5 });
  h = F.maxPool2d(h.tanh(), 2, { stride: 1 });
  h = tf.convTranspose2d(h, p['ct.w'], p['ct.b'], { stride: 2, padding: 1, groups: 2 }).tanh();
  h = F.avgPool2d(h, 3, { stride: 2, padding: 1, countIncludePad: false });
  h = tf.conv2d(h, p['c2.w'], null, { padding: 2, dilation: 2 });
  h = F.adaptiveAvgPool2d(h, 1).flatten(1);
  return F.linear(h, p['fc.w'], p['fc.b']);
}

const tol = { rtol: 1e-8, atol: 1e-11 };

describe(`double backward through a conv / pool / batch norm net matches PyTorch ${fixtures.torch}`, () => {
  it.each(fixtures.cases.map((c) => [c.training ? 'batch norm in training' : 'batch norm in eval', c] as const))('%s', (_name, c) => {
    const p = Object.fromEntries(NAMES.map((k) => [k, dec(c.params[k]).requiresGrad_()]));
    const plist = NAMES.map((k) => p[k]);
    const rm = dec(c.runningMean);
    const rv = dec(c.runningVar);
    const x = dec(c.x).requiresGrad_();
    const score = net(x, p, c.training, rm, rv);
    expectClose(score.dataSync(), c.score.values, { ...tol, what: 'score' });
    const [gx] = tf.autograd.grad(score.sum(), [x], undefined, { createGraph: true });
    expectClose(gx!.dataSync(), c.gx.values, { ...tol, what: 'd score / dx' });
    const penalty = gx!.flatten(1).pow(2).sum(1).sqrt().sub(1).pow(2).mean();
    expectClose(penalty.dataSync(), [c.penalty], { ...tol, what: 'penalty' });
    const pg = tf.autograd.grad(penalty, [...plist, x], undefined, { allowUnused: true });
    NAMES.forEach((k, i) => {
      const g = pg[i];
      // fc.b does not reach the penalty: PyTorch's None, stored as zeros.
      if (g === null) expect(c.penaltyGrads[k].values.every((v) => v === 0), `${k} unused`).toBe(true);
      else expectClose(g.dataSync(), c.penaltyGrads[k].values, { ...tol, what: `penalty gradient ${k}` });
    });
    expectClose(pg[NAMES.length]!.dataSync(), c.penaltyGradX.values, { ...tol, what: 'penalty gradient x' });
    // Hessian-vector product of sum(score^2) with respect to the parameters.
    const loss = net(x, p, c.training, rm, rv).pow(2).sum();
    const gs = tf.autograd.grad(loss, plist, undefined, { createGraph: true });
    const dot = gs.map((g, i) => g!.mul(dec(c.v[NAMES[i]])).sum()).reduce((a, b) => a.add(b));
    const hv = tf.autograd.grad(dot, [...plist, x], undefined, { allowUnused: true });
    NAMES.forEach((k, i) => {
      const g = hv[i];
      if (g === null) expect(c.hvp[k].values.every((v) => v === 0), `${k} unused`).toBe(true);
      else expectClose(g.dataSync(), c.hvp[k].values, { ...tol, what: `Hessian-vector product ${k}` });
    });
    expectClose(hv[NAMES.length]!.dataSync(), c.hvpX.values, { ...tol, what: 'Hessian-vector product x' });
  });
});
