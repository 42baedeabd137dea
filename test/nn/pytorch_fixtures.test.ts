/**
 * Forward values against PyTorch 1.13 (float64), from test/fixtures/nn_fixtures.json,
 * which test/fixtures/make_nn_fixtures.py writes: inputs and outputs both come from the
 * JSON. Each case runs in float64 (tight tolerance) and float32.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { expectClose } from '../helpers';

const { nn, F } = tf;

interface Enc { shape: number[]; values: number[]; dtype: 'float64' | 'int32' }
interface Case { name: string; fn: string; inputs: (Enc | null)[]; opts: Record<string, unknown>; out: Enc; [k: string]: unknown }

const fixtures = JSON.parse(readFileSync(join(__dirname, '../fixtures/nn_fixtures.json'), 'utf8')) as { torch: string; cases: Case[] };

function dec(e: Enc | null, dtype: DType): Tensor | null {
  if (e === null) return null;
  return tf.tensor(e.values, { shape: e.shape, dtype: e.dtype === 'int32' ? 'int32' : dtype });
}

type Runner = (ins: (Tensor | null)[], o: Record<string, unknown>) => Tensor;
const R: Record<string, Runner> = {
  mseLoss: ([x, y], o) => F.mseLoss(x!, y!, o),
  l1Loss: ([x, y], o) => F.l1Loss(x!, y!, o),
  smoothL1Loss: ([x, y], o) => F.smoothL1Loss(x!, y!, o),
  huberLoss: ([x, y], o) => F.huberLoss(x!, y!, o),
  crossEntropy: ([x, t, w], o) => F.crossEntropy(x!, t!, { ...o, weight: w }),
  nllLoss: ([x, t, w], o) => F.nllLoss(x!, t!, { ...o, weight: w }),
  binaryCrossEntropy: ([x, y, w], o) => F.binaryCrossEntropy(x!, y!, { ...o, weight: w }),
  binaryCrossEntropyWithLogits: ([x, y, w, pw], o) => F.binaryCrossEntropyWithLogits(x!, y!, { ...o, weight: w, posWeight: pw }),
  klDiv: ([x, y], o) => F.klDiv(x!, y!, o),
  cosineEmbeddingLoss: ([a, b, y], o) => F.cosineEmbeddingLoss(a!, b!, y!, o),
  cosineSimilarity: ([a, b], o) => F.cosineSimilarity(a!, b!, o.dim as number),
  pairwiseDistance: ([a, b], o) => F.pairwiseDistance(a!, b!, o),
  normalize: ([a], o) => F.normalize(a!, o.p as number, o.dim as number),
  linear: ([x, w, b]) => F.linear(x!, w!, b),
  layerNorm: ([x, w, b], o) => F.layerNorm(x!, o.normalizedShape as number[], { weight: w, bias: b, eps: o.eps as number | undefined }),
  gelu: ([x], o) => F.gelu(x!, o),
  leakyRelu: ([x], o) => F.leakyRelu(x!, o.negativeSlope as number),
  silu: ([x]) => F.silu(x!),
};

const TOL: Record<string, { rtol: number; atol: number }> = {
  float64: { rtol: 1e-9, atol: 1e-11 },
  float32: { rtol: 1e-4, atol: 2e-5 },
};

describe.each(['float64', 'float32'] as DType[])('PyTorch %s', (dtype) => {
  const plain = fixtures.cases.filter((c) => c.fn in R);
  test('fixtures cover every function', () => {
    expect(new Set(plain.map((c) => c.fn)).size).toBe(Object.keys(R).length);
    expect(fixtures.cases.length).toBeGreaterThan(250);
  });
  test.each(plain.map((c) => [c.name, c] as const))('%s', (_, c) => {
    tf.tidy(() => {
      const out = R[c.fn](c.inputs.map((e) => dec(e, dtype)), c.opts);
      expect(out.shape).toEqual(c.out.shape);
      expect(out.dtype).toBe(dtype);
      expectClose(out.dataSync(), c.out.values, { ...TOL[dtype], what: c.name });
    });
  });

  const bns = fixtures.cases.filter((c) => c.fn === 'BatchNorm1d');
  test.each(bns.map((c) => [c.name, c] as const))('%s: training steps, running stats, eval', (_, c) => {
    const C = (c.weight as Enc).shape[0];
    const bn = new nn.BatchNorm1d(C, { momentum: c.momentum as number | null, dtype });
    tf.tidy(() => {
      tf.noGrad(() => {
        bn.weight!.copy_(dec(c.weight as Enc, dtype)!);
        bn.bias!.copy_(dec(c.bias as Enc, dtype)!);
      });
      const steps = c.steps as Array<{ x: Enc; y: Enc; running_mean: Enc; running_var: Enc }>;
      steps.forEach((s, i) => {
        const y = bn.forward(dec(s.x, dtype)!);
        expectClose(y.dataSync(), s.y.values, { ...TOL[dtype], what: `step ${i} output` });
        expectClose(bn.running_mean!.dataSync(), s.running_mean.values, { ...TOL[dtype], what: `step ${i} running_mean` });
        expectClose(bn.running_var!.dataSync(), s.running_var.values, { ...TOL[dtype], what: `step ${i} running_var` });
      });
      expect(bn.num_batches_tracked!.item()).toBe(steps.length);
      bn.eval();
      const ye = bn.forward(dec(c.evalX as Enc, dtype)!);
      expectClose(ye.dataSync(), (c.evalY as Enc).values, { ...TOL[dtype], what: 'eval output' });
    });
    bn.dispose();
  });
});
