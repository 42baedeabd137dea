/**
 * Pooling, nearest interpolation and BatchNorm2d against PyTorch 1.13 (float64 fixtures
 * from test/fixtures/make_vision_fixtures.py): forward values and the input gradient for
 * a fixed upstream gradient; BatchNorm2d over several training steps (outputs, running
 * statistics, gradients of input, weight and bias), then eval.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { expectClose } from '../helpers';

const { nn, F } = tf;

interface Enc { shape: number[]; values: number[] }
interface Case { name: string; fn: string; x: Enc; opts: Record<string, any>; y: Enc; gy: Enc; gx: Enc }
interface BnStep { x: Enc; y: Enc; gy: Enc; gx: Enc; gw: Enc; gb: Enc; running_mean: Enc; running_var: Enc }
interface BnCase { name: string; momentum: number | null; weight: Enc; bias: Enc; steps: BnStep[]; evalX: Enc; evalY: Enc; evalGy: Enc; evalGx: Enc }

const fixtures = JSON.parse(readFileSync(join(__dirname, '../fixtures/vision_fixtures.json'), 'utf8')) as { torch: string; cases: Case[]; batchNorm2d: BnCase[] };
const dec = (e: Enc, dtype: DType): Tensor => tf.tensor(e.values, { shape: e.shape, dtype });

const R: Record<string, (x: Tensor, o: Record<string, any>) => Tensor> = {
  maxPool2d: (x, o) => F.maxPool2d(x, o.kernelSize, { stride: o.stride, padding: o.padding, dilation: o.dilation, ceilMode: o.ceilMode }),
  maxPool1d: (x, o) => F.maxPool1d(x, o.kernelSize, { stride: o.stride, padding: o.padding, dilation: o.dilation, ceilMode: o.ceilMode }),
  avgPool2d: (x, o) => F.avgPool2d(x, o.kernelSize, { stride: o.stride, padding: o.padding, ceilMode: o.ceilMode, countIncludePad: o.countIncludePad, divisorOverride: o.divisorOverride }),
  adaptiveAvgPool2d: (x, o) => F.adaptiveAvgPool2d(x, o.outputSize),
  adaptiveAvgPool1d: (x, o) => F.adaptiveAvgPool1d(x, o.outputSize),
  interpolate: (x, o) => F.interpolate(x, { size: o.size, scaleFactor: o.scaleFactor }),
};

const TOL: Record<string, { rtol: number; atol: number }> = {
  float64: { rtol: 1e-10, atol: 1e-12 },
  float32: { rtol: 1e-4, atol: 1e-5 },
};

describe.each(['float64', 'float32'] as DType[])('PyTorch %s', (dtype) => {
  test('fixtures cover every function', () => {
    expect(new Set(fixtures.cases.map((c) => c.fn))).toEqual(new Set(Object.keys(R)));
  });

  test.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    tf.tidy(() => {
      const x = dec(c.x, dtype).requiresGrad_(true);
      const y = R[c.fn](x, c.opts);
      expect(y.shape).toEqual(c.y.shape);
      expect(y.dtype).toBe(dtype);
      expectClose(y.dataSync(), c.y.values, { ...TOL[dtype], what: `${c.name} forward` });
      y.backward(dec(c.gy, dtype));
      expectClose(x.grad!.dataSync(), c.gx.values, { ...TOL[dtype], what: `${c.name} input gradient` });
    });
  });

  test.each(fixtures.batchNorm2d.map((c) => [c.name, c] as const))('%s: training steps, running stats, gradients, eval', (_, c) => {
    const C = c.weight.shape[0];
    const bn = new nn.BatchNorm2d(C, { momentum: c.momentum, dtype });
    const tol = dtype === 'float64' ? { rtol: 1e-9, atol: 1e-10 } : { rtol: 2e-4, atol: 5e-5 };
    tf.tidy(() => {
      tf.noGrad(() => {
        bn.weight!.copy_(dec(c.weight, dtype));
        bn.bias!.copy_(dec(c.bias, dtype));
      });
      c.steps.forEach((s, i) => {
        bn.zeroGrad();
        const x = dec(s.x, dtype).requiresGrad_(true);
        const y = bn.forward(x);
        expectClose(y.dataSync(), s.y.values, { ...tol, what: `step ${i} output` });
        expectClose(bn.running_mean!.dataSync(), s.running_mean.values, { ...tol, what: `step ${i} running_mean` });
        expectClose(bn.running_var!.dataSync(), s.running_var.values, { ...tol, what: `step ${i} running_var` });
        y.backward(dec(s.gy, dtype));
        expectClose(x.grad!.dataSync(), s.gx.values, { ...tol, what: `step ${i} input gradient` });
        expectClose(bn.weight!.grad!.dataSync(), s.gw.values, { ...tol, what: `step ${i} weight gradient` });
        expectClose(bn.bias!.grad!.dataSync(), s.gb.values, { ...tol, what: `step ${i} bias gradient` });
      });
      expect(bn.num_batches_tracked!.item()).toBe(c.steps.length);
      bn.eval();
      const xe = dec(c.evalX, dtype).requiresGrad_(true);
      const ye = bn.forward(xe);
      expectClose(ye.dataSync(), c.evalY.values, { ...tol, what: 'eval output' });
      ye.backward(dec(c.evalGy, dtype));
      expectClose(xe.grad!.dataSync(), c.evalGx.values, { ...tol, what: 'eval input gradient' });
    });
    bn.dispose();
  });
});
