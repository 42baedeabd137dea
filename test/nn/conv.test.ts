/**
 * nn.Conv1d / nn.Conv2d / nn.ConvTranspose2d: PyTorch state dicts (test/fixtures/
 * conv_fixtures.json, written by make_conv_fixtures.py with torch 1.13) load unchanged and
 * give PyTorch's outputs, gradients and repr; default initialisation; saveModel/loadModel.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import { expectClose } from '../helpers';

const { nn } = tf;

interface Enc { shape: number[]; values: number[] }
interface Case {
  class: 'Conv1d' | 'Conv2d' | 'ConvTranspose2d';
  args: [number, number, number | number[]];
  opts: Record<string, unknown>;
  repr: string;
  state: Record<string, Enc>;
  input: Enc; output: Enc; r: Enc;
  grads: Record<string, Enc>;
}
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/conv_fixtures.json'), 'utf8')) as { torch: string; cases: Case[] };
const dec = (e: Enc) => tf.tensor(Float64Array.from(e.values), { shape: e.shape, dtype: 'float64' });

function build(c: Case, dtype: 'float32' | 'float64') {
  const C = nn[c.class] as unknown as new (...a: unknown[]) => tf.nn.Module;
  return new C(c.args[0], c.args[1], c.args[2], { ...c.opts, dtype });
}

describe('PyTorch state dicts load unchanged and give PyTorch results', () => {
  it.each(fixtures.cases.map((c) => [c.repr, c] as const))('%s', (_name, c) => {
    for (const dtype of ['float64', 'float32'] as const) {
      const m = build(c, dtype);
      expect(m.toString()).toBe(c.repr);
      const sd = new Map(Object.entries(c.state).map(([k, v]) => [k, dec(v).to(dtype)]));
      expect(m.loadStateDict(sd).missingKeys).toEqual([]);
      const x = dec(c.input).to(dtype).requiresGrad_();
      const y = m.forward(x);
      expect(y.shape).toEqual(c.output.shape);
      const tol = dtype === 'float64' ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 1e-4, atol: 1e-5 };
      expectClose(y.dataSync(), c.output.values, { ...tol, what: `${c.repr} ${dtype} output` });
      y.mul(dec(c.r).to(dtype)).sum().backward();
      expectClose(x.grad!.dataSync(), c.grads.input.values, { ...tol, what: `${c.repr} ${dtype} input gradient` });
      for (const [name, p] of m.namedParameters()) {
        expectClose(p.grad!.dataSync(), c.grads[name].values, { ...tol, atol: 1e-4, what: `${c.repr} ${dtype} ${name} gradient` });
      }
    }
  });
});

describe('Conv layers', () => {
  it('have PyTorch weight layouts, parameter names and default init bounds', () => {
    const conv = new nn.Conv2d(6, 16, 5);
    expect(conv.weight.shape).toEqual([16, 6, 5, 5]);
    expect(conv.namedParameters().map(([k]) => k)).toEqual(['weight', 'bias']);
    const bound = 1 / Math.sqrt(6 * 25);
    for (const t of [conv.weight, conv.bias!]) {
      const v = Array.from(t.dataSync());
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(bound * 0.8);
    }
    const grouped = new nn.Conv2d(4, 8, [3, 2], { groups: 2, bias: false });
    expect(grouped.weight.shape).toEqual([8, 2, 3, 2]);
    expect(grouped.bias).toBeNull();
    expect(new nn.ConvTranspose2d(4, 6, 3, { groups: 2 }).weight.shape).toEqual([4, 3, 3, 3]);
    expect(new nn.Conv1d(3, 5, 4).weight.shape).toEqual([5, 3, 4]);
  });

  it('take unbatched inputs and print a summary', () => {
    const conv = new nn.Conv2d(1, 6, 5, { padding: 2 });
    expect(conv.forward(tf.randn([1, 28, 28])).shape).toEqual([6, 28, 28]);
    expect(conv.forward(tf.randn([3, 1, 28, 28])).shape).toEqual([3, 6, 28, 28]);
    expect(new nn.Sequential(conv, new nn.ReLU()).summary([1, 1, 28, 28])).toMatch(/Conv2d/);
  });

  it('reject bad arguments with typed errors', () => {
    expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow(/Conv2d: inChannels 3 must be divisible by groups 2/);
    expect(() => new nn.Conv2d(3, 4, 0)).toThrow(tf.ArgumentError);
    expect(() => new nn.Conv2d(3, 4, 3, { padding: 'same', stride: 2 })).toThrow(/padding='same' needs stride 1/);
    expect(() => new nn.Conv2d(3, 4, 3, { paddingMode: 'reflect' as 'zeros' })).toThrow(/paddingMode "reflect" is not supported/);
    expect(() => new nn.ConvTranspose2d(3, 4, 3, { padding: 'same' as unknown as number })).toThrow(tf.ArgumentError);
    expect(() => new nn.Conv2d(3, 4, 3).forward(tf.randn([2, 4, 8, 8]))).toThrow(/conv2d: input of shape \[2, 4, 8, 8\] has 4 channels/);
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-conv-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  it('round-trip through saveModel / loadModel', () => {
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 5, { padding: 'same' }),
      new nn.Conv2d(4, 4, 3, { groups: 4, stride: 2, dilation: [1, 2], bias: false }),
      new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1, dtype: 'float32' }),
      new nn.Flatten(),
    );
    const conv1 = new nn.Sequential(new nn.Conv1d(2, 3, 3, { padding: 'valid', dtype: 'float64' }));
    for (const [name, m, shape] of [['c2', model, [2, 1, 9, 9]], ['c1', conv1, [2, 2, 7]]] as const) {
      tf.saveModel(m, path.join(dir, name));
      const back = tf.loadModel(path.join(dir, name));
      expect(back.toString()).toBe(m.toString());
      const x = tf.randn(shape as unknown as number[], { dtype: m.parameters()[0].dtype });
      expect(Array.from(back.forward(x).dataSync())).toEqual(Array.from(m.forward(x).dataSync()));
    }
  });
});
