/**
 * Each optimizer's first three steps against the hand-derived float64 formulas of
 * test/optim/reference.ts, for every option, float32 and float64, AVX2 and portable
 * kernels; then groups, skipped params, state dicts, tidy-safety and errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { expectClose, rng, toTyped } from '../helpers';
import { adagradRef, adamRef, rmspropRef, sgdRef, type RefState, type RefStep } from './reference';

afterAll(() => tf.setPortableKernels(false));

// Fixed numbers: 11 elements (one 8-lane AVX2 block and a 3-element tail). The second
// gradient is much smaller than the first, so AMSGrad's running max matters.
const P0 = [0.5, -1.25, 2.0, 0.75, -0.3, 1.5, -2.2, 0.1, 0.9, -0.6, 1.1];
const G1 = [0.3, -0.7, 1.2, 0.05, -0.4, 0.9, -1.5, 0.2, 0.6, -0.1, 0.8];
const GRADS = [G1, G1.map((v, i) => v * 0.01 * (i % 2 ? -1 : 1)), G1.map((v) => -0.02 * v + 0.001)];

type Make = (params: Tensor[] | { params: Tensor[]; [k: string]: unknown }[]) => tf.optim.Optimizer;
interface Case { name: string; make: Make; ref: () => RefStep }

const CASES: Case[] = [
  { name: 'SGD plain', make: (p) => new tf.optim.SGD(p, { lr: 0.1 }), ref: () => sgdRef({ lr: 0.1 }) },
  { name: 'SGD momentum', make: (p) => new tf.optim.SGD(p, { lr: 0.1, momentum: 0.9 }), ref: () => sgdRef({ lr: 0.1, momentum: 0.9 }) },
  { name: 'SGD dampening', make: (p) => new tf.optim.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.5 }), ref: () => sgdRef({ lr: 0.1, momentum: 0.9, dampening: 0.5 }) },
  { name: 'SGD nesterov', make: (p) => new tf.optim.SGD(p, { lr: 0.1, momentum: 0.8, nesterov: true }), ref: () => sgdRef({ lr: 0.1, momentum: 0.8, nesterov: true }) },
  { name: 'SGD weightDecay', make: (p) => new tf.optim.SGD(p, { lr: 0.1, momentum: 0.5, weightDecay: 0.1 }), ref: () => sgdRef({ lr: 0.1, momentum: 0.5, weightDecay: 0.1 }) },
  { name: 'SGD maximize', make: (p) => new tf.optim.SGD(p, { lr: 0.05, momentum: 0.9, maximize: true, weightDecay: 0.2 }), ref: () => sgdRef({ lr: 0.05, momentum: 0.9, maximize: true, weightDecay: 0.2 }) },
  { name: 'Adam', make: (p) => new tf.optim.Adam(p, { lr: 0.1 }), ref: () => adamRef({ lr: 0.1 }) },
  { name: 'Adam betas/eps', make: (p) => new tf.optim.Adam(p, { lr: 0.05, betas: [0.8, 0.95], eps: 1e-3 }), ref: () => adamRef({ lr: 0.05, betas: [0.8, 0.95], eps: 1e-3 }) },
  { name: 'Adam weightDecay', make: (p) => new tf.optim.Adam(p, { lr: 0.1, weightDecay: 0.1 }), ref: () => adamRef({ lr: 0.1, weightDecay: 0.1 }) },
  { name: 'Adam amsgrad', make: (p) => new tf.optim.Adam(p, { lr: 0.1, betas: [0.9, 0.9], amsgrad: true }), ref: () => adamRef({ lr: 0.1, betas: [0.9, 0.9], amsgrad: true }) },
  { name: 'Adam maximize', make: (p) => new tf.optim.Adam(p, { lr: 0.1, maximize: true }), ref: () => adamRef({ lr: 0.1, maximize: true }) },
  { name: 'Adam beta1 > 0.5 lerp', make: (p) => new tf.optim.Adam(p, { lr: 0.1, betas: [0.3, 0.999] }), ref: () => adamRef({ lr: 0.1, betas: [0.3, 0.999] }) },
  { name: 'AdamW', make: (p) => new tf.optim.AdamW(p, { lr: 0.1 }), ref: () => adamRef({ lr: 0.1, weightDecay: 0.01, decoupled: true }) },
  { name: 'AdamW decay amsgrad', make: (p) => new tf.optim.AdamW(p, { lr: 0.1, weightDecay: 0.5, betas: [0.9, 0.9], amsgrad: true }), ref: () => adamRef({ lr: 0.1, weightDecay: 0.5, betas: [0.9, 0.9], amsgrad: true, decoupled: true }) },
  { name: 'RMSprop', make: (p) => new tf.optim.RMSprop(p, { lr: 0.01 }), ref: () => rmspropRef({ lr: 0.01 }) },
  { name: 'RMSprop centered', make: (p) => new tf.optim.RMSprop(p, { lr: 0.01, centered: true }), ref: () => rmspropRef({ lr: 0.01, centered: true }) },
  { name: 'RMSprop momentum', make: (p) => new tf.optim.RMSprop(p, { lr: 0.01, momentum: 0.9 }), ref: () => rmspropRef({ lr: 0.01, momentum: 0.9 }) },
  { name: 'RMSprop all', make: (p) => new tf.optim.RMSprop(p, { lr: 0.01, alpha: 0.9, eps: 1e-4, centered: true, momentum: 0.5, weightDecay: 0.1, maximize: true }), ref: () => rmspropRef({ lr: 0.01, alpha: 0.9, eps: 1e-4, centered: true, momentum: 0.5, weightDecay: 0.1, maximize: true }) },
  { name: 'Adagrad', make: (p) => new tf.optim.Adagrad(p, { lr: 0.1 }), ref: () => adagradRef({ lr: 0.1 }) },
  { name: 'Adagrad lrDecay', make: (p) => new tf.optim.Adagrad(p, { lr: 0.1, lrDecay: 0.5 }), ref: () => adagradRef({ lr: 0.1, lrDecay: 0.5 }) },
  { name: 'Adagrad accumulator/decay', make: (p) => new tf.optim.Adagrad(p, { lr: 0.1, initialAccumulatorValue: 0.3, weightDecay: 0.1, eps: 1e-3, maximize: true }), ref: () => adagradRef({ lr: 0.1, initialAccumulatorValue: 0.3, weightDecay: 0.1, eps: 1e-3, maximize: true }) },
];

const round = (xs: number[], dtype: DType): Float64Array => Float64Array.from(toTyped(xs, dtype));
const tol = (dtype: DType) => (dtype === 'float64' ? { rtol: 1e-12, atol: 1e-14 } : { rtol: 2e-6, atol: 2e-6 });

function param(values: ArrayLike<number>, dtype: DType): Tensor {
  const p = tf.tensor(toTyped(values, dtype), { dtype });
  p.requiresGrad = true;
  return p;
}

function setGrad(p: Tensor, g: ArrayLike<number>): void {
  p.grad?.dispose();
  p.grad = tf.tensor(toTyped(g, p.dtype), { dtype: p.dtype });
}

/** Runs three steps of the optimizer and of its reference; compares after each step. */
function checkThreeSteps(c: Case, dtype: DType, p0: ArrayLike<number>, grads: ArrayLike<number>[]): void {
  const p = param(p0, dtype);
  const opt = c.make([p]);
  const ref = c.ref();
  const expected = round(Array.from(p0), dtype);
  const s: RefState = { t: 0 };
  for (let t = 0; t < 3; t++) {
    setGrad(p, grads[t]);
    const g = round(Array.from(grads[t]), dtype);
    const before = p.storage.version;
    opt.step();
    expect(p.storage.version).toBeGreaterThan(before);
    ref(expected, g, s);
    expectClose(p.dataSync(), expected, { ...tol(dtype), what: `${c.name} ${dtype} step ${t + 1}` });
  }
  opt.dispose();
  p.grad?.dispose();
  p.dispose();
}

for (const portable of [false, true]) {
  describe(`optimizers, ${portable ? 'portable' : 'AVX2'} kernels`, () => {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      for (const c of CASES) {
        it(`${c.name} ${dtype}: three steps equal the formulas`, () => {
          tf.setPortableKernels(portable);
          checkThreeSteps(c, dtype, P0, GRADS);
        });
      }
      it(`${dtype}: a large parameter (parallel path, AVX2 body) equals the formulas`, () => {
        tf.setPortableKernels(portable);
        const r = rng(7);
        const n = 70001;
        const p0 = Array.from({ length: n }, () => r() * 4 - 2);
        const grads = [0, 1, 2].map((k) => Array.from({ length: n }, () => (r() * 2 - 1) * 10 ** -k));
        for (const c of CASES.filter((x) => ['SGD nesterov', 'Adam amsgrad', 'AdamW', 'RMSprop all', 'Adagrad lrDecay'].includes(x.name))) {
          checkThreeSteps(c, dtype, p0, grads);
        }
      });
    }
  });
}

describe('optimizer behaviour', () => {
  it('the fixed numbers make every option matter (no vacuous case)', () => {
    const run = (ref: RefStep) => {
      const p = Float64Array.from(P0);
      const s: RefState = { t: 0 };
      for (const g of GRADS) ref(p, Float64Array.from(g), s);
      return Array.from(p);
    };
    expect(run(adamRef({ lr: 0.1, betas: [0.9, 0.9], amsgrad: true }))).not.toEqual(run(adamRef({ lr: 0.1, betas: [0.9, 0.9] })));
    expect(run(sgdRef({ lr: 0.1, momentum: 0.8, nesterov: true }))).not.toEqual(run(sgdRef({ lr: 0.1, momentum: 0.8 })));
    expect(run(rmspropRef({ lr: 0.01, centered: true }))).not.toEqual(run(rmspropRef({ lr: 0.01 })));
    expect(run(adamRef({ lr: 0.1, weightDecay: 0.1, decoupled: true }))).not.toEqual(run(adamRef({ lr: 0.1, weightDecay: 0.1 })));
  });

  it('param groups use their own options; defaults fill the rest; null grads are skipped', () => {
    const a = param(P0, 'float64');
    const b = param(P0, 'float64');
    const c = param([1, 2, 3], 'float64');
    const opt = new tf.optim.SGD([{ params: [a], lr: 0.1 }, { params: [b, c], lr: 0.01, momentum: 0.9 }], { lr: 0.5 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.01]);
    expect(opt.paramGroups[0].momentum).toBe(0);
    const ea = Float64Array.from(P0);
    const eb = Float64Array.from(P0);
    const ra = sgdRef({ lr: 0.1 });
    const rb = sgdRef({ lr: 0.01, momentum: 0.9 });
    const sa: RefState = { t: 0 };
    const sb: RefState = { t: 0 };
    for (const g of GRADS) {
      setGrad(a, g);
      setGrad(b, g);
      opt.step();
      ra(ea, Float64Array.from(g), sa);
      rb(eb, Float64Array.from(g), sb);
    }
    expectClose(a.dataSync(), ea, tol('float64'));
    expectClose(b.dataSync(), eb, tol('float64'));
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
    expect(opt.state.get(c)).toBeUndefined();
    expect(Object.keys(opt.stateDict().state)).toEqual(['1']);
    // addParamGroup later
    const d = param([4, 5], 'float64');
    opt.addParamGroup({ params: [d], lr: 1 });
    setGrad(d, [1, -1]);
    a.grad = null;
    b.grad = null;
    opt.step();
    expect(Array.from(d.dataSync())).toEqual([3, 6]);
    opt.dispose();
  });

  it('zeroGrad sets grads to null (disposing them) or fills them with zeros', () => {
    const p = param([1, 2], 'float32');
    const opt = new tf.optim.Adam([p]);
    setGrad(p, [3, 4]);
    const g = p.grad!;
    opt.zeroGrad();
    expect(p.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
    setGrad(p, [3, 4]);
    const g2 = p.grad!;
    opt.zeroGrad({ setToNone: false });
    expect(p.grad).toBe(g2);
    expect(Array.from(g2.dataSync())).toEqual([0, 0]);
    // a non-contiguous grad is zeroed in place too
    const base = tf.tensor([[1, 2], [3, 4]]);
    const q = tf.zeros([2, 2]);
    q.requiresGrad = true;
    const opt2 = new tf.optim.SGD([q]);
    q.grad = base.t();
    opt2.zeroGrad({ setToNone: false });
    expect(Array.from(base.dataSync())).toEqual([0, 0, 0, 0]);
    opt.dispose();
    opt2.dispose();
  });

  for (const [name, make] of [
    ['SGD', (p: Tensor[]) => new tf.optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
    ['Adam', (p: Tensor[]) => new tf.optim.Adam(p, { lr: 0.1, amsgrad: true })],
    ['AdamW', (p: Tensor[]) => new tf.optim.AdamW(p, { lr: 0.1 })],
    ['RMSprop', (p: Tensor[]) => new tf.optim.RMSprop(p, { lr: 0.01, centered: true, momentum: 0.9 })],
    ['Adagrad', (p: Tensor[]) => new tf.optim.Adagrad(p, { lr: 0.1, lrDecay: 0.1 })],
  ] as [string, (p: Tensor[]) => tf.optim.Optimizer][]) {
    it(`${name}: stateDict round trip gives bit-identical next steps`, () => {
      const a = param(P0, 'float32');
      const skipped = param([1], 'float32');
      const optA = make([skipped, a]);
      for (const g of GRADS.slice(0, 2)) {
        setGrad(a, g);
        optA.step();
      }
      const sd = optA.stateDict();
      expect(Object.keys(sd.state)).toEqual(['1']);
      expect(sd.param_groups[0].params).toEqual([0, 1]);
      expect('lr' in sd.param_groups[0]).toBe(true);
      const b = param(a.dataSync(), 'float32');
      const skippedB = param([1], 'float32');
      const optB = make([skippedB, b]);
      optB.loadStateDict(sd);
      // B's state is a copy: stepping A does not move it
      expect(optB.state.get(b)).not.toBe(optA.state.get(a));
      setGrad(a, GRADS[2]);
      setGrad(b, GRADS[2]);
      optA.step();
      optB.step();
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      const sa = optA.state.get(a)!;
      const sb = optB.state.get(b)!;
      for (const k of Object.keys(sa)) {
        const va = sa[k];
        const vb = sb[k];
        if (typeof va === 'number') expect(vb).toBe(va);
        else expect(Array.from((vb as Tensor).dataSync())).toEqual(Array.from(va.dataSync()));
      }
      optA.dispose();
      optB.dispose();
    });
  }

  it('stateDict uses PyTorch key names and loadStateDict restores group options', () => {
    const p = param([1, 2], 'float64');
    const opt = new tf.optim.Adam([p], { lr: 0.1, weightDecay: 0.1 });
    setGrad(p, [1, 1]);
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state[0]).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'step']);
    expect(sd.state[0].step).toBe(1);
    expect(sd.param_groups[0]).toMatchObject({ lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1, amsgrad: false, maximize: false, params: [0] });
    const opt2 = new tf.optim.Adam([param([1, 2], 'float64')], { lr: 0.5 });
    opt2.loadStateDict(sd);
    expect(opt2.paramGroups[0].lr).toBe(0.1);
    expect(opt2.paramGroups[0].weightDecay).toBe(0.1);
    // state saved as float64 loads into a float32 optimizer converted
    const p32 = param([1, 2], 'float32');
    const opt3 = new tf.optim.Adam([p32]);
    opt3.loadStateDict(sd);
    expect((opt3.state.get(p32)!.exp_avg as Tensor).dtype).toBe('float32');
    for (const o of [opt, opt2, opt3]) o.dispose();
  });

  it('state created inside tidy() survives it and is freed by dispose()', () => {
    const p = param(P0, 'float32');
    const opt = new tf.optim.Adam([p], { lr: 0.1, amsgrad: true });
    const ref = adamRef({ lr: 0.1, amsgrad: true });
    const expected = round(P0, 'float32');
    const s: RefState = { t: 0 };
    for (const g of GRADS) {
      tf.tidy(() => {
        setGrad(p, g);
        tf.keep(p.grad!);
        opt.step();
      });
      ref(expected, round(g, 'float32'), s);
    }
    expectClose(p.dataSync(), expected, tol('float32'));
    const state = opt.state.get(p)!;
    const tensors = Object.values(state).filter((v): v is Tensor => typeof v !== 'number');
    expect(tensors.length).toBe(3);
    for (const t of tensors) expect(t.isDisposed).toBe(false);
    expect(p.isDisposed).toBe(false);
    opt.dispose();
    for (const t of tensors) expect(t.isDisposed).toBe(true);
    expect(() => opt.step()).toThrow(/Adam\.step: the optimizer was disposed/);
  });

  it('a non-contiguous grad is read correctly', () => {
    const p = tf.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    p.requiresGrad = true;
    const opt = new tf.optim.SGD([p], { lr: 0.5 });
    const gT = tf.tensor([[1, 4], [2, 5], [3, 6]], { dtype: 'float64' });
    p.grad = gT.t();
    opt.step();
    expect(p.toArray()).toEqual([[0.5, 1, 1.5], [2, 2.5, 3]]);
    opt.dispose();
  });

  it('an empty parameter is fine', () => {
    const p = param([], 'float32');
    const opt = new tf.optim.Adam([p]);
    setGrad(p, []);
    opt.step();
    expect(p.size).toBe(0);
    opt.dispose();
  });

  it('step(closure) returns the closure result', () => {
    const p = param([1], 'float64');
    const opt = new tf.optim.SGD([p], { lr: 1 });
    expect(opt.step(() => { setGrad(p, [0.25]); return 42; })).toBe(42);
    expect(p.item()).toBe(0.75);
    opt.dispose();
  });
});

describe('optimizer errors', () => {
  const p = () => param([1, 2], 'float32');
  it('rejects bad options naming the optimizer and the option', () => {
    expect(() => new tf.optim.Adam([p()], { lr: -1 })).toThrow(tf.ArgumentError);
    expect(() => new tf.optim.Adam([p()], { lr: -1 })).toThrow(/Adam: invalid lr -1/);
    expect(() => new tf.optim.Adam([p()], { betas: [1, 0.9] })).toThrow(/Adam: invalid betas\[0\] 1/);
    expect(() => new tf.optim.Adam([p()], { betas: [0.9] as never })).toThrow(/Adam: betas must be an array of two numbers/);
    expect(() => new tf.optim.AdamW([p()], { eps: -1 })).toThrow(/AdamW: invalid eps/);
    expect(() => new tf.optim.SGD([p()], { momentum: -0.1 })).toThrow(/SGD: invalid momentum/);
    expect(() => new tf.optim.SGD([p()], { nesterov: true })).toThrow(/SGD: nesterov momentum needs momentum > 0 and dampening = 0/);
    expect(() => new tf.optim.SGD([p()], { lr: Number.NaN })).toThrow(/SGD: lr must be a number/);
    expect(() => new tf.optim.RMSprop([p()], { alpha: -1 })).toThrow(/RMSprop: invalid alpha/);
    expect(() => new tf.optim.RMSprop([p()], { centered: 1 as never })).toThrow(/RMSprop: centered must be a boolean/);
    expect(() => new tf.optim.Adagrad([p()], { lrDecay: -1 })).toThrow(/Adagrad: invalid lrDecay/);
    expect(() => new tf.optim.Adagrad([p()], { initialAccumulatorValue: -1 })).toThrow(/Adagrad: invalid initialAccumulatorValue/);
  });

  it('rejects bad parameters', () => {
    expect(() => new tf.optim.SGD([], {})).toThrow(/SGD: got an empty parameter list/);
    expect(() => new tf.optim.SGD(p() as never)).toThrow(/SGD: params must be an iterable of Tensors, got a single Tensor/);
    expect(() => new tf.optim.SGD([1] as never)).toThrow(/SGD: params\[0\] must be a Tensor or a parameter group \{ params, ...options \}, got number/);
    expect(() => new tf.optim.SGD([p(), 1] as never)).toThrow(/SGD: params\[1\] must be a Tensor, got number/);
    expect(() => new tf.optim.SGD([{ lr: 1 }] as never)).toThrow(/SGD: a parameter group must be an object with a params key/);
    expect(() => new tf.optim.SGD([tf.tensor([1, 2], { dtype: 'int32' })])).toThrow(tf.DTypeError);
    expect(() => new tf.optim.SGD([tf.tensor([1, 2], { dtype: 'int32' })])).toThrow(/SGD: params\[0\] \(shape \[2\]\) has dtype int32/);
    const q = p();
    expect(() => new tf.optim.SGD([q, q])).toThrow(/appears in more than one parameter group/);
    expect(() => new tf.optim.SGD([{ params: [q] }, { params: [q] }])).toThrow(/appears in more than one parameter group/);
    const d = p();
    d.dispose();
    expect(() => new tf.optim.SGD([d])).toThrow(tf.DisposedError);
  });

  it('rejects bad grads at step time', () => {
    const q = p();
    const opt = new tf.optim.Adam([q]);
    q.grad = tf.tensor([1, 2, 3]);
    expect(() => opt.step()).toThrow(tf.ShapeError);
    expect(() => opt.step()).toThrow(/Adam\.step: a parameter of shape \[2\] has a grad of shape \[3\]/);
    q.grad = tf.tensor([1, 2], { dtype: 'float64' });
    expect(() => opt.step()).toThrow(tf.DTypeError);
    expect(() => opt.step()).toThrow(/Adam\.step: a parameter of dtype float32 \(shape \[2\]\) has a grad of dtype float64/);
    q.grad = tf.tensor([1, 2]);
    q.grad.dispose();
    expect(() => opt.step()).toThrow(tf.DisposedError);
    const base = tf.tensor([[1, 2], [3, 4]]);
    const nc = base.t();
    nc.requiresGrad = true;
    const opt2 = new tf.optim.SGD([nc]);
    nc.grad = tf.zeros([2, 2]);
    expect(() => opt2.step()).toThrow(/SGD\.step: parameters must be contiguous/);
    expect(() => opt.step(5 as never)).toThrow(/Adam\.step: closure must be a function/);
  });

  it('loadStateDict rejects mismatched dicts without changing the state', () => {
    const q = p();
    const opt = new tf.optim.Adam([q]);
    setGrad(q, [1, 1]);
    opt.step();
    const sd = opt.stateDict();
    const other = new tf.optim.Adam([p(), p()]);
    expect(() => other.loadStateDict({ state: {}, param_groups: [] })).toThrow(/Adam\.loadStateDict: the state dict has 0 parameter groups, the optimizer has 1/);
    expect(() => other.loadStateDict(sd)).toThrow(/parameter group 0 of the state dict has 1 params, the optimizer's has 2/);
    const bad = { state: { 0: { exp_avg: tf.zeros([5]) } }, param_groups: sd.param_groups };
    expect(() => opt.loadStateDict(bad)).toThrow(tf.ShapeError);
    expect(() => opt.loadStateDict({ state: { 7: {} }, param_groups: sd.param_groups })).toThrow(tf.IndexError);
    expect(() => opt.loadStateDict(null as never)).toThrow(/expected \{ state, param_groups \}/);
    expect((opt.state.get(q)!.exp_avg as Tensor).isDisposed).toBe(false);
    opt.dispose();
    other.dispose();
  });
});
