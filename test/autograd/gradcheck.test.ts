/**
 * gradcheck for every differentiable op, as one table: each row is an op (a function of
 * float64 tensors), the input shapes to try (broadcasting, 0-d, odd sizes) and the
 * domain its inputs are drawn from. Each shape runs with contiguous, transposed and
 * sliced inputs. Modules and losses add rows to OPS as they arrive.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { makeTensor, numel, rng, type Layout } from '../helpers';
import { layerCases, lossCases, type NNGradCase } from '../nn/cases';

/** How an input's values are drawn: a range, or a generator. */
type Domain = 'any' | 'positive' | 'away' | 'unit' | ((n: number, r: () => number) => Float64Array);

interface Row {
  name: string;
  fn: (...xs: Tensor[]) => Tensor | Tensor[];
  /** Input shape lists to try, e.g. [[[2, 3], [3]], [[], [4]]]. */
  shapes: number[][][];
  /** Domain of each input (one for all, or one per input); default 'any'. */
  domain?: Domain | Domain[];
  /** Inputs (by position) that are constants, not checked. */
  constant?: number[];
  /** Layouts to try (default all three). */
  layouts?: Layout[];
  opts?: tf.GradcheckOptions;
  /** false for an op whose backward is not differentiable (createGraph); the gradgradcheck below skips it. */
  gradgrad?: false;
}

function draw(domain: Domain, n: number, r: () => number): Float64Array {
  if (typeof domain === 'function') return domain(n, r);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (domain === 'any') out[i] = -2 + 4 * u;
    else if (domain === 'positive') out[i] = 0.5 + 1.5 * u;
    else if (domain === 'unit') out[i] = -0.9 + 1.8 * u;
    else out[i] = (r() < 0.5 ? -1 : 1) * (0.3 + 1.7 * u);
  }
  return out;
}

/** Values with zeros at the given positions (prod, cumprod). */
const withZeros = (...at: number[]) => (n: number, r: () => number): Float64Array => {
  const v = draw('positive', n, r);
  for (const i of at) if (i < n) v[i] = 0;
  return v;
};

const int = (data: number[], shape?: number[]) => tf.tensor(Int32Array.from(data), { shape: shape ?? [data.length], dtype: 'int32' });
const mask23 = tf.tensor([[true, false, true], [false, false, true]]);
const mask3 = tf.tensor([true, false, true]);
const idx3 = int([2, 0, 2, 1]);
const gatherIdx = int([0, 2, 1, 1, 0, 0], [2, 3]);
const scatterIdx = int([1, 0, 2, 2, 1, 0], [2, 3]); // a permutation per row: unique targets
const lo = () => tf.tensor([-0.5, 0, -1], { dtype: 'float64' });
const hi = () => tf.tensor([0.5, 1.5, 0], { dtype: 'float64' });

const unaryShapes = [[[]], [[7]], [[2, 3]], [[3, 1, 4]]];
const binShapes = [[[2, 3], [2, 3]], [[2, 3], [3]], [[4, 1], [1, 5]], [[], [2, 3]], [[3], []], [[1], [7]]];
const redShapes = [[[]], [[5]], [[2, 3]], [[3, 4, 2]]];

export const OPS: Row[] = [
  // views and copies
  { name: 'reshape', fn: (x) => x.reshape(-1, 2), shapes: [[[2, 3]], [[4, 3, 1]]] },
  { name: 'view', fn: (x) => x.contiguous().view(3, 2), shapes: [[[2, 3]]] },
  { name: 'flatten', fn: (x) => x.flatten(1), shapes: [[[2, 3, 2]], [[3, 1, 4]]] },
  { name: 'squeeze', fn: (x) => x.squeeze(), shapes: [[[3, 1, 4]], [[1, 1]]] },
  { name: 'unsqueeze', fn: (x) => x.unsqueeze(-1), shapes: [[[2, 3]], [[]]] },
  { name: 'permute', fn: (x) => x.permute(2, 0, 1), shapes: [[[2, 3, 4]]] },
  { name: 'transpose', fn: (x) => x.transpose(0, -1), shapes: [[[2, 3, 4]], [[]]] },
  { name: 't', fn: (x) => x.t(), shapes: [[[2, 3]], [[4]]] },
  { name: 'T', fn: (x) => x.T, shapes: [[[3, 2]]] },
  { name: 'expand', fn: (x) => x.expand(2, 3, 4), shapes: [[[3, 1]], [[1, 4]], [[]]] },
  { name: 'broadcastTo', fn: (x) => x.broadcastTo([2, 3, 4]), shapes: [[[4]]] },
  { name: 'expandAs', fn: (x, y) => x.expandAs(y).mul(y), shapes: [[[3, 1], [3, 4]]] },
  { name: 'narrow', fn: (x) => x.narrow(1, 1, 2), shapes: [[[3, 4]]] },
  { name: 'slice dim step', fn: (x) => x.slice(1, 1, null, 2), shapes: [[[3, 6]], [[2, 7]]] },
  { name: 'slice specs', fn: (x) => x.slice([[0, 2], [null, null, 3]]), shapes: [[[3, 7]]] },
  { name: 'select', fn: (x) => x.select(-1, 1), shapes: [[[3, 4]], [[2]]] },
  { name: 'contiguous', fn: (x) => x.contiguous(), shapes: [[[3, 4]]] },
  { name: 'clone', fn: (x) => x.clone(), shapes: [[[3, 4]], [[]]] },
  { name: 'to float32 and back', fn: (x) => x.to('float32').to('float64'), shapes: [[[5]]], opts: { eps: 1e-3, atol: 1e-3 } },
  // elementwise binary
  { name: 'add', fn: (a, b) => a.add(b), shapes: binShapes },
  { name: 'add scalar', fn: (a) => a.add(2.5), shapes: unaryShapes },
  { name: 'add alpha', fn: (a, b) => tf.add(a, b, { alpha: -1.5 }), shapes: binShapes },
  { name: 'sub', fn: (a, b) => a.sub(b), shapes: binShapes },
  { name: 'sub alpha', fn: (a, b) => tf.sub(a, b, { alpha: 2 }), shapes: binShapes },
  { name: 'sub scalar first', fn: (a) => tf.sub(2, a), shapes: unaryShapes },
  { name: 'mul', fn: (a, b) => a.mul(b), shapes: binShapes },
  { name: 'mul self', fn: (a) => a.mul(a), shapes: unaryShapes },
  { name: 'div', fn: (a, b) => a.div(b), shapes: binShapes, domain: ['any', 'away'] },
  { name: 'div scalar first', fn: (a) => tf.div(3, a), shapes: unaryShapes, domain: 'away' },
  { name: 'div rounding (zero gradient)', fn: (a, b) => tf.div(a, b, { roundingMode: 'floor' }), shapes: [[[2, 3], [3]]], domain: ['any', 'away'] },
  { name: 'pow tensor', fn: (a, b) => a.pow(b), shapes: binShapes, domain: ['positive', 'any'] },
  { name: 'pow scalar exponent', fn: (a) => a.pow(3), shapes: unaryShapes },
  { name: 'pow fractional exponent', fn: (a) => a.pow(-1.5), shapes: unaryShapes, domain: 'positive' },
  { name: 'pow scalar base', fn: (a) => tf.pow(1.7, a), shapes: unaryShapes },
  { name: 'maximum', fn: (a, b) => a.maximum(b), shapes: binShapes },
  { name: 'minimum', fn: (a, b) => a.minimum(b), shapes: binShapes },
  { name: 'maximum scalar', fn: (a) => a.maximum(0.1), shapes: unaryShapes },
  { name: 'remainder', fn: (a, b) => a.remainder(b), shapes: binShapes, domain: ['any', 'away'] },
  { name: 'fmod', fn: (a, b) => a.fmod(b), shapes: binShapes, domain: ['any', 'away'] },
  // elementwise unary
  { name: 'neg', fn: (x) => x.neg(), shapes: unaryShapes },
  { name: 'abs', fn: (x) => x.abs(), shapes: unaryShapes, domain: 'away' },
  { name: 'exp', fn: (x) => x.exp(), shapes: unaryShapes },
  { name: 'expm1', fn: (x) => x.expm1(), shapes: unaryShapes },
  { name: 'log', fn: (x) => x.log(), shapes: unaryShapes, domain: 'positive' },
  { name: 'log1p', fn: (x) => x.log1p(), shapes: unaryShapes, domain: 'positive' },
  { name: 'sqrt', fn: (x) => x.sqrt(), shapes: unaryShapes, domain: 'positive' },
  { name: 'rsqrt', fn: (x) => x.rsqrt(), shapes: unaryShapes, domain: 'positive' },
  { name: 'sin', fn: (x) => x.sin(), shapes: unaryShapes },
  { name: 'cos', fn: (x) => x.cos(), shapes: unaryShapes },
  { name: 'tanh', fn: (x) => x.tanh(), shapes: unaryShapes },
  { name: 'sigmoid', fn: (x) => x.sigmoid(), shapes: unaryShapes },
  { name: 'relu', fn: (x) => x.relu(), shapes: unaryShapes, domain: 'away' },
  { name: 'gelu', fn: (x) => x.gelu(), shapes: unaryShapes },
  { name: 'gelu tanh', fn: (x) => x.gelu({ approximate: 'tanh' }), shapes: unaryShapes },
  { name: 'silu', fn: (x) => x.silu(), shapes: unaryShapes },
  { name: 'leakyRelu', fn: (x) => x.leakyRelu(0.2), shapes: unaryShapes, domain: 'away' },
  { name: 'elu', fn: (x) => x.elu(1.3), shapes: unaryShapes, domain: 'away' },
  { name: 'softplus', fn: (x) => x.softplus(2, 1), shapes: unaryShapes, domain: 'away' },
  { name: 'clamp', fn: (x) => x.clamp(-0.5, 0.7), shapes: unaryShapes },
  { name: 'clamp min only', fn: (x) => x.clamp(0.2), shapes: unaryShapes },
  { name: 'clamp tensor bounds', fn: (x) => x.clamp(lo(), hi()), shapes: [[[3]], [[2, 3]]] },
  { name: 'square', fn: (x) => x.square(), shapes: unaryShapes },
  { name: 'reciprocal', fn: (x) => x.reciprocal(), shapes: unaryShapes, domain: 'away' },
  { name: 'floor ceil round sign (zero gradients)', fn: (x) => [x.floor(), x.ceil(), x.round(), x.sign()], shapes: [[[2, 3]]], domain: 'away' },
  { name: 'where', fn: (a, b) => tf.where(mask23, a, b), shapes: [[[2, 3], [2, 3]], [[3], [2, 1]], [[], [2, 3]]] },
  { name: 'where scalar', fn: (a) => tf.where(mask3, a, 0.5), shapes: [[[3]], [[2, 3]]] },
  { name: 'maskedFill', fn: (x) => x.maskedFill(mask3, -1), shapes: [[[3]], [[2, 3]]] },
  // reductions
  { name: 'sum all', fn: (x) => x.sum(), shapes: redShapes },
  { name: 'sum dim', fn: (x) => x.sum(-1), shapes: [[[5]], [[2, 3]], [[3, 4, 2]]] },
  { name: 'sum dims keepdim', fn: (x) => x.sum([0, 2], true), shapes: [[[3, 4, 2]]] },
  { name: 'mean all', fn: (x) => x.mean(), shapes: redShapes },
  { name: 'mean dim', fn: (x) => x.mean(1, true), shapes: [[[2, 3]], [[3, 4, 2]]] },
  { name: 'prod all', fn: (x) => x.prod(), shapes: redShapes },
  { name: 'prod dim', fn: (x) => x.prod(1), shapes: [[[2, 3]], [[3, 4, 2]]] },
  { name: 'prod one zero', fn: (x) => x.prod(), shapes: [[[2, 3]]], domain: withZeros(4) },
  { name: 'prod two zeros', fn: (x) => x.prod(-1, true), shapes: [[[2, 3]], [[6]]], domain: withZeros(1, 2) },
  { name: 'amax', fn: (x) => x.amax(), shapes: redShapes },
  { name: 'amin dims', fn: (x) => x.amin([0, 2]), shapes: [[[3, 4, 2]]] },
  { name: 'max all', fn: (x) => x.max(), shapes: redShapes },
  { name: 'min all', fn: (x) => x.min(), shapes: redShapes },
  { name: 'max dim', fn: (x) => x.max(1).values, shapes: [[[2, 3]], [[3, 4, 2]]] },
  { name: 'min dim keepdim', fn: (x) => x.min(0, true).values, shapes: [[[2, 3]], [[5]], [[]]] },
  { name: 'var', fn: (x) => x.var(), shapes: [[[5]], [[2, 3]]] },
  { name: 'var dim correction 0', fn: (x) => x.var(1, { correction: 0, keepdim: true }), shapes: [[[2, 3]], [[3, 4, 2]]] },
  { name: 'std', fn: (x) => x.std(0), shapes: [[[3, 2]], [[4]]] },
  { name: 'logsumexp', fn: (x) => x.logsumexp(-1), shapes: [[[5]], [[2, 3]], [[3, 4, 2]]] },
  { name: 'norm 2', fn: (x) => x.norm(), shapes: redShapes },
  { name: 'norm 2 dim', fn: (x) => x.norm(2, 1), shapes: [[[2, 3]]] },
  { name: 'norm 1', fn: (x) => x.norm(1, -1), shapes: [[[2, 3]]], domain: 'away' },
  { name: 'norm inf', fn: (x) => x.norm(Infinity), shapes: [[[2, 3]], [[5]]] },
  { name: 'norm -inf', fn: (x) => x.norm(-Infinity, 0), shapes: [[[2, 3]]] },
  { name: 'norm p 3', fn: (x) => x.norm(3, 1), shapes: [[[2, 3]]] },
  { name: 'norm p 1.5', fn: (x) => x.norm(1.5), shapes: [[[2, 3]]], domain: 'away' },
  { name: 'norm p 0 (zero gradient)', fn: (x) => x.norm(0), shapes: [[[4]]], domain: 'away' },
  { name: 'softmax', fn: (x) => x.softmax(-1), shapes: [[[5]], [[2, 3]], [[3, 4, 2]]] },
  { name: 'softmax dim 0', fn: (x) => x.softmax(0), shapes: [[[3, 4]], [[]]] },
  { name: 'logSoftmax', fn: (x) => x.logSoftmax(1), shapes: [[[2, 3]], [[3, 4, 2]]] },
  { name: 'cumsum', fn: (x) => x.cumsum(-1), shapes: [[[5]], [[2, 3]], [[]]] },
  { name: 'cumsum dim 0', fn: (x) => x.cumsum(0), shapes: [[[3, 4]]] },
  { name: 'cumprod', fn: (x) => x.cumprod(1), shapes: [[[2, 4]], [[3, 3, 2]]] },
  { name: 'cumprod with zeros', fn: (x) => x.cumprod(-1), shapes: [[[6]], [[2, 4]]], domain: withZeros(1, 5) },
  // join and index
  { name: 'cat', fn: (a, b) => tf.cat([a, b], 1), shapes: [[[2, 3], [2, 1]], [[3, 2], [3, 4]]] },
  { name: 'cat dim 0 with empty', fn: (a, b) => tf.cat([a, tf.zeros([0], { dtype: 'float64' }), b]), shapes: [[[2], [3]], [[2, 3], [1, 3]]] },
  { name: 'stack', fn: (a, b) => tf.stack([a, b], -1), shapes: [[[2, 3], [2, 3]], [[], []]] },
  { name: 'split', fn: (x) => x.split(2, 1), shapes: [[[3, 5]]] },
  { name: 'split one piece used', fn: (x) => x.split([1, 3], 0)[1].mul(2), shapes: [[[4, 2]]] },
  { name: 'chunk', fn: (x) => x.chunk(3, 0), shapes: [[[7]], [[5, 2]]] },
  { name: 'unbind', fn: (x) => x.unbind(1), shapes: [[[2, 3]]] },
  { name: 'indexSelect', fn: (x) => x.indexSelect(0, idx3), shapes: [[[3, 2]], [[3]]] },
  { name: 'indexSelect array', fn: (x) => x.indexSelect(1, [1, 1, 0]), shapes: [[[2, 3]]] },
  { name: 'gather', fn: (x) => x.gather(1, gatherIdx), shapes: [[[2, 3]], [[3, 4]]] },
  { name: 'scatter', fn: (x, s) => x.scatter(1, scatterIdx, s), shapes: [[[2, 3], [2, 3]], [[2, 4], [3, 5]]] },
  { name: 'scatter value', fn: (x) => x.scatter(1, scatterIdx.narrow(1, 0, 1), 2), shapes: [[[2, 3]]] },
  { name: 'scatterAdd', fn: (x, s) => x.scatterAdd(1, gatherIdx, s), shapes: [[[2, 3], [2, 3]], [[2, 4], [3, 3]]] },
  { name: 'indexAdd', fn: (x, s) => x.indexAdd(0, idx3, s, { alpha: 1.5 }), shapes: [[[3, 2], [4, 2]], [[3], [4]]] },
  // matrix products
  { name: 'matmul 2d', fn: (a, b) => a.matmul(b), shapes: [[[2, 3], [3, 4]], [[1, 5], [5, 1]]] },
  { name: 'matmul 1d', fn: (a, b) => a.matmul(b), shapes: [[[3], [3]], [[3], [3, 4]], [[2, 3], [3]], [[3], [2, 3, 4]], [[2, 2, 3], [3]]] },
  { name: 'matmul batch broadcast', fn: (a, b) => a.matmul(b), shapes: [[[2, 1, 3, 4], [5, 4, 2]], [[3, 2], [2, 2, 3]]] },
  { name: 'mm', fn: (a, b) => tf.mm(a, b), shapes: [[[2, 3], [3, 4]]] },
  { name: 'bmm', fn: (a, b) => tf.bmm(a, b), shapes: [[[2, 3, 4], [2, 4, 1]]] },
  { name: 'dot', fn: (a, b) => tf.dot(a, b), shapes: [[[5], [5]]] },
  { name: 'mv', fn: (a, v) => tf.mv(a, v), shapes: [[[2, 3], [3]]] },
  { name: 'addmm', fn: (c, a, b) => tf.addmm(c, a, b, { alpha: 0.5, beta: 2 }), shapes: [[[4], [2, 3], [3, 4]], [[2, 4], [2, 3], [3, 4]], [[], [2, 3], [3, 4]]] },
  { name: 'matmul with a constant', fn: (a, b) => a.matmul(b), shapes: [[[2, 3], [3, 4]]], constant: [1] },
  // compositions: several uses of one input, views feeding ops
  { name: 'composite', fn: (x, y) => x.mul(y).add(x.square()).div(y.abs().add(1)).sum(1).softmax(0), shapes: [[[3, 2], [2]]], domain: ['any', 'away'] },
];

// The fused GEMM entry points: under autograd their bias and activation are recorded ops.
for (const activation of ['none', 'relu', 'gelu', 'sigmoid', 'tanh'] as const) {
  OPS.push({ name: `linear ${activation}`, fn: (x, w, b) => tf.linear(x, w, b, { activation }), shapes: [[[3, 4], [5, 4], [5]], [[2, 3, 4], [2, 4], [2]]], domain: activation === 'relu' ? 'away' : 'any' });
  if (activation !== 'none') OPS.push({ name: `addmm ${activation}`, fn: (c, a, b) => tf.addmm(c, a, b, { activation }), shapes: [[[4], [2, 3], [3, 4]]], domain: activation === 'relu' ? 'away' : 'any' });
}

// nn layers and losses (test/nn/cases.ts): inputs drawn from each case's range.
const rangeDomain = (lo: number, hi: number): Domain => (n, r) => Float64Array.from({ length: n }, () => lo + (hi - lo) * r());
function nnRow(c: NNGradCase): Row {
  const ranges = c.inputRange === undefined ? undefined : Array.isArray(c.inputRange[0]) ? (c.inputRange as [number, number][]) : c.inputShapes.map(() => c.inputRange as [number, number]);
  return { name: `nn: ${c.name}`, fn: c.fn, shapes: [c.inputShapes], domain: ranges ? ranges.map(([lo, hi]) => rangeDomain(lo, hi)) : 'any', layouts: ['contiguous', 'transposed'] };
}
// paddingIdx is left out: its forward reads the padding row while, by PyTorch's
// definition, no gradient reaches it, so finite differences disagree on purpose. The
// test below checks it directly.
for (const c of [...layerCases, ...lossCases]) if (!c.name.includes('paddingIdx')) OPS.push(nnRow(c));

const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];

describe('gradcheck of every differentiable op', () => {
  it.each(OPS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const r = rng(row.name.length * 7919 + 17);
    const layouts = row.layouts ?? LAYOUTS;
    let checks = 0;
    for (const shapes of row.shapes) {
      for (const layout of layouts) {
        if (layout !== 'contiguous' && shapes.every((s) => s.length === 0)) continue;
        const inputs = shapes.map((shape, k) => {
          const dom = Array.isArray(row.domain) ? row.domain[k] : (row.domain ?? 'any');
          const t = makeTensor(draw(dom, numel(shape), r), shape, 'float64', layout);
          if (!row.constant?.includes(k)) t.requiresGrad_();
          return t;
        });
        try {
          expect(tf.gradcheck(row.fn, inputs, row.opts)).toBe(true);
        } catch (e) {
          throw new Error(`${row.name}, shapes ${JSON.stringify(shapes)}, ${layout}: ${(e as Error).message}`);
        } finally {
          tf.dispose(inputs);
        }
        checks++;
      }
    }
    expect(checks).toBeGreaterThan(0);
  });
});

// Second derivatives (createGraph) of every row: contiguous inputs, its first two shape lists.
describe('gradgradcheck of every differentiable op', () => {
  it.each(OPS.filter((r) => r.gradgrad !== false).map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const r = rng(row.name.length * 7919 + 17);
    for (const shapes of row.shapes.slice(0, 2)) {
      const inputs = shapes.map((shape, k) => {
        const dom = Array.isArray(row.domain) ? row.domain[k] : (row.domain ?? 'any');
        const t = makeTensor(draw(dom, numel(shape), r), shape, 'float64', 'contiguous');
        if (!row.constant?.includes(k)) t.requiresGrad_();
        return t;
      });
      try {
        expect(tf.gradgradcheck(row.fn, inputs, row.opts)).toBe(true);
      } catch (e) {
        throw new Error(`${row.name}, shapes ${JSON.stringify(shapes)}: ${(e as Error).message}`);
      } finally {
        tf.dispose(inputs);
      }
    }
  });
});

describe('embedding with paddingIdx', () => {
  it('sends no gradient to the padding row and the same gradient as without it elsewhere', () => {
    const ids = tf.tensor([[1, 0, 3, 1], [2, 1, 0, 0]], { dtype: 'int32' });
    const values = Float64Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
    const up = tf.tensor(Float64Array.from({ length: 24 }, (_, i) => Math.cos(i)), { shape: [2, 4, 3] });
    const grads = [undefined, 1].map((pad) => {
      const w = tf.tensor(values, { shape: [4, 3] }).requiresGrad_();
      tf.F.embedding(ids, w, pad).mul(up).sum().backward();
      return Array.from(w.grad!.dataSync());
    });
    for (let row = 0; row < 4; row++) {
      for (let j = 0; j < 3; j++) {
        const expected = row === 1 ? 0 : grads[0][row * 3 + j];
        expect(grads[1][row * 3 + j]).toBeCloseTo(expected, 12);
      }
    }
    expect(grads[0].slice(3, 6).some((v) => v !== 0)).toBe(true);
  });
});
