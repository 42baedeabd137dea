/**
 * The autograd engine: accumulation, retainGraph, grad mode, detach, requiresGrad_,
 * retainGrad, implicit gradients, deep graphs, in-place checks, memory scopes and the
 * engine's disposal of intermediate gradients, closed-form gradients, and gradcheck
 * catching a wrong gradient.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { expectClose } from '../helpers';

const f64 = (data: number[] | number[][], requiresGrad = true) => tf.tensor(data, { dtype: 'float64', requiresGrad });
const vals = (t: Tensor | null) => Array.from((t as Tensor).dataSync());

describe('closed-form gradients', () => {
  it('d/dx sum(x^2) = 2x, d/dx sum(x * y) = y, d/dy = x', () => {
    const x = f64([1, -2, 3.5]);
    x.square().sum().backward();
    expect(vals(x.grad)).toEqual([2, -4, 7]);
    const a = f64([[1, 2], [3, 4]]);
    const b = f64([[5, 6], [7, 8]]);
    a.mul(b).sum().backward();
    expect(vals(a.grad)).toEqual([5, 6, 7, 8]);
    expect(vals(b.grad)).toEqual([1, 2, 3, 4]);
  });

  it('mean, matmul and broadcasting: d/dW mean(x W + b) and d/db', () => {
    const x = f64([[1, 2], [3, 4], [5, 6]], false);
    const w = f64([[1, 0, -1], [2, 1, 0]]);
    const b = f64([0.5, -0.5, 1]);
    x.matmul(w).add(b).mean().backward();
    // d/dW[k][j] = sum_i x[i][k] / 9; d/db[j] = 3 / 9
    expectClose(vals(w.grad), [9 / 9, 9 / 9, 9 / 9, 12 / 9, 12 / 9, 12 / 9], { rtol: 1e-12 });
    expectClose(vals(b.grad), [1 / 3, 1 / 3, 1 / 3], { rtol: 1e-12 });
    expect(x.grad).toBeNull();
  });

  it('ties split the gradient evenly (maximum, amax, max()); max(dim) sends it to the index', () => {
    const a = f64([1, 2, 3]);
    const b = f64([1, 5, 0]);
    a.maximum(b).sum().backward();
    expect(vals(a.grad)).toEqual([0.5, 0, 1]);
    expect(vals(b.grad)).toEqual([0.5, 1, 0]);
    const x = f64([1, 3, 3, 2]);
    x.amax().backward();
    expect(vals(x.grad)).toEqual([0, 0.5, 0.5, 0]);
    const y = f64([[1, 4, 4], [7, 2, 7]]);
    y.max(1).values.sum().backward();
    expect(vals(y.grad)).toEqual([0, 1, 0, 1, 0, 0]); // first occurrence, like the indices
  });

  it('prod with zeros: the gradient at the zero is the product of the others', () => {
    const x = f64([2, 0, 3, 4]);
    x.prod().backward();
    expect(vals(x.grad)).toEqual([0, 24, 0, 0]);
    const y = f64([0, 5, 0]);
    y.prod().backward();
    expect(vals(y.grad)).toEqual([0, 0, 0]);
  });

  it('floor/ceil/round/sign have zero gradients; comparisons and argmax are not differentiable', () => {
    const x = f64([1.3, -2.7]);
    const y = x.floor().add(x.round()).add(x.sign()).add(x.ceil());
    expect(y.requiresGrad).toBe(true);
    y.sum().backward();
    expect(vals(x.grad)).toEqual([0, 0]);
    expect(x.gt(0).requiresGrad).toBe(false);
    expect(x.argmax().requiresGrad).toBe(false);
    expect(x.to('int32').requiresGrad).toBe(false);
  });

  it('gradients are cast back to each input dtype', () => {
    const x = tf.tensor([1, 2], { requiresGrad: true });
    const y = f64([3, 4]);
    const z = x.mul(y);
    expect(z.dtype).toBe('float64');
    z.sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(vals(x.grad)).toEqual([3, 4]);
  });
});

describe('engine behaviour', () => {
  it('accumulates over uses and across backward calls', () => {
    const x = f64([1, 2]);
    x.add(x).mul(x).sum().backward(); // 2x^2 -> 4x
    expect(vals(x.grad)).toEqual([4, 8]);
    const g = x.grad;
    x.mul(3).sum().backward();
    expect(vals(x.grad)).toEqual([7, 11]);
    expect(x.grad).toBe(g); // accumulated in place
  });

  it('retainGraph allows a second backward; without it the second one throws', () => {
    const x = f64([1, 2]);
    const y = x.exp().sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    expectClose(vals(x.grad), [2 * Math.E, 2 * Math.exp(2)], { rtol: 1e-12 });
    expect(() => y.backward()).toThrow(tf.AutogradError);
    expect(() => y.backward()).toThrow(/second time.*retainGraph/);
  });

  it('noGrad / enableGrad / isGradEnabled', () => {
    const x = f64([1, 2]);
    expect(tf.isGradEnabled()).toBe(true);
    const y = tf.noGrad(() => {
      expect(tf.isGradEnabled()).toBe(false);
      const inner = tf.enableGrad(() => x.mul(2));
      expect(inner.requiresGrad).toBe(true);
      return x.mul(2);
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() => tf.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(tf.isGradEnabled()).toBe(true);
    expect(() => tf.noGrad(42 as unknown as () => void)).toThrow(tf.ArgumentError);
  });

  it('detach shares memory and cuts the graph', () => {
    const x = f64([1, 2]);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    const y = x.mul(d).sum();
    y.backward();
    expect(vals(x.grad)).toEqual([2, 4]);
    const e = x.detach();
    tf.noGrad(() => e.add_(1));
    expect(vals(x)).toEqual([2, 3]);
  });

  it('requiresGrad_: float leaves only, and not on non-leaves', () => {
    const x = tf.zeros([2]);
    expect(x.requiresGrad_()).toBe(x);
    expect(x.requiresGrad).toBe(true);
    expect(x.isLeaf).toBe(true);
    x.requiresGrad_(false);
    expect(x.requiresGrad).toBe(false);
    expect(() => tf.zeros([2], { dtype: 'int32' }).requiresGrad_()).toThrow(tf.DTypeError);
    expect(() => tf.tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(tf.DTypeError);
    const y = f64([1]).mul(2);
    expect(y.isLeaf).toBe(false);
    expect(() => y.requiresGrad_(false)).toThrow(/leaf/);
    expect(y.requiresGrad_(true)).toBe(y);
  });

  it('retainGrad keeps the gradient of a non-leaf; others get none', () => {
    const x = f64([1, 2]);
    const h = x.mul(3);
    const k = h.square();
    h.retainGrad();
    expect(h.retainsGrad).toBe(true);
    k.sum().backward();
    expect(vals(h.grad)).toEqual([6, 12]);
    expect(k.grad).toBeNull();
    expect(vals(x.grad)).toEqual([18, 36]);
    const p = f64([1, 2, 3]);
    const parts = p.split(1);
    parts[1].retainGrad();
    parts[1].mul(5).sum().backward();
    expect(vals(parts[1].grad)).toEqual([5]);
    expect(vals(p.grad)).toEqual([0, 5, 0]);
  });

  it('a non-scalar output needs a gradient of its shape', () => {
    const x = f64([1, 2, 3]);
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/implicitly created only for outputs with one element.*\[3\]/);
    expect(() => y.backward(tf.ones([2], { dtype: 'float64' }))).toThrow(tf.ShapeError);
    const g = f64([1, 0, -1], false);
    y.backward(g);
    expect(vals(x.grad)).toEqual([2, 0, -2]);
    expect(g.isDisposed).toBe(false);
    const single = x.sum(0, true); // shape [1]: one element is enough
    single.backward();
    expect(vals(x.grad)).toEqual([3, 1, -1]);
    expect(() => tf.ones([2]).sum().backward()).toThrow(/does not require grad/);
  });

  it('backward through a deep graph of 10,000 ops (no recursion)', () => {
    const x = f64([1]);
    tf.tidy(() => {
      let y = x;
      for (let i = 0; i < 10_000; i++) y = y.mul(1.0001);
      y.sum().backward();
    });
    expectClose(vals(x.grad), [Math.pow(1.0001, 10_000)], { rtol: 1e-9 });
  });

  it('autograd.grad returns gradients without touching .grad, and second derivatives with createGraph', () => {
    const x = f64([1, 2, -1]);
    const y = x.pow(3).sum();
    const [dx] = tf.autograd.grad(y, [x], undefined, { createGraph: true });
    expect(x.grad).toBeNull();
    expect(vals(dx)).toEqual([3, 12, 3]);
    expect(dx!.requiresGrad).toBe(true);
    const [d2x] = tf.autograd.grad(dx!.sum(), [x]);
    expect(vals(d2x)).toEqual([6, 12, -6]);
    const h = x.mul(2);
    const [dh] = tf.autograd.grad(h.square().sum(), h);
    expect(vals(dh)).toEqual([4, 8, -4]);
    const unused = f64([1]);
    expect(() => tf.autograd.grad(x.sum(), [unused])).toThrow(/not used/);
    expect(tf.autograd.grad(x.sum(), [unused], null, { allowUnused: true })).toEqual([null]);
  });

  it('gradients computed without createGraph do not require grad', () => {
    const x = f64([1, 2]);
    x.mul(x).sum().backward();
    expect(x.grad!.requiresGrad).toBe(false);
    expect(x.grad!.gradFn).toBeNull();
  });
});

describe('in-place operations', () => {
  it('modifying a saved tensor makes backward throw, naming the op', () => {
    const x = f64([1, 2]);
    const y = x.sigmoid();
    y.mul_(2);
    expect(() => y.sum().backward()).toThrow(/modified by an inplace operation|modified by an in-place operation/);
    const a = x.mul(2);
    const b = a.sin();
    a.add_(1);
    expect(() => b.sum().backward()).toThrow(/saved by 'sin'.*version/);
  });

  it('in-place ops on a leaf that requires grad throw, and pass inside noGrad', () => {
    const w = f64([1, 2]);
    expect(() => w.add_(1)).toThrow(tf.AutogradError);
    expect(() => w.add_(1)).toThrow(/leaf/);
    expect(() => w.relu_()).toThrow(/leaf/);
    expect(() => w.copy_(f64([0, 0], false))).toThrow(/leaf/);
    const v = w.storage.version;
    tf.noGrad(() => w.sub_(f64([1, 1], false), { alpha: 0.5 }));
    expect(vals(w)).toEqual([0.5, 1.5]);
    expect(w.storage.version).toBe(v + 1);
  });

  it('in-place ops on non-leaves record their gradient (add_, sub_, mul_/div_ by a scalar, relu_, ...)', () => {
    const x = f64([-1, 2, 3]);
    const y = x.mul(2);
    y.add_(1).mul_(3).div_(2).sub_(f64([1, 1, 1], false), { alpha: 2 }).relu_();
    expect(y.gradFn!.name).toBe('relu_');
    y.sum().backward();
    expect(vals(x.grad)).toEqual([0, 3, 3]);
    const buf = tf.zeros([3], { dtype: 'float64' });
    const w = f64([1, 2, 3]);
    buf.add_(w, { alpha: 2 });
    expect(buf.requiresGrad).toBe(true);
    buf.sum().backward();
    expect(vals(w.grad)).toEqual([2, 2, 2]);
  });

  it('in-place ops autograd cannot follow throw clear errors', () => {
    const x = f64([1, 2]);
    expect(() => x.mul(2).log_()).toThrow(/not supported by autograd/);
    expect(() => x.mul(2).mul_(x)).toThrow(/not supported by autograd/);
    const y = x.mul(2);
    const v = y.view(-1);
    expect(() => v.add_(1)).toThrow(/shares its memory/);
  });
});

describe('memory scopes and autograd', () => {
  const params = () => ({ w: tf.randn([4, 3], { dtype: 'float64' }).requiresGrad_(), b: tf.zeros([3], { dtype: 'float64' }).requiresGrad_() });
  const x = tf.randn([5, 4], { dtype: 'float64' });
  const loss = (w: Tensor, b: Tensor) => x.matmul(w).add(b).tanh().square().mean().add(w.abs().sum().mul(0.01));

  it('a tidy training step frees its temporaries and the graph, never the parameters or their grads', () => {
    const { w, b } = params();
    const m0 = tf.memory();
    tf.tidy(() => loss(w, b).backward());
    const m1 = tf.memory();
    expect(m1.numTensors - m0.numTensors).toBe(2); // w.grad and b.grad
    expect(m1.numStorages - m0.numStorages).toBe(2);
    expect(w.isDisposed || b.isDisposed || w.grad!.isDisposed || b.grad!.isDisposed).toBe(false);
    const g1 = vals(w.grad);
    tf.tidy(() => loss(w, b).backward());
    expect(tf.memory().numTensors).toBe(m1.numTensors);
    expectClose(vals(w.grad), g1.map((v) => 2 * v), { rtol: 1e-12 });
    // nested tidy scopes do not free the grads either
    tf.tidy(() => tf.tidy(() => loss(w, b).backward()));
    expect(tf.memory().numTensors).toBe(m1.numTensors);
    expectClose(vals(w.grad), g1.map((v) => 3 * v), { rtol: 1e-12 });
    tf.dispose([w, b, w.grad, b.grad]);
  });

  it('a graph that is never backwarded is freed with its tensors', () => {
    const { w, b } = params();
    const m0 = tf.memory();
    tf.tidy(() => { loss(w, b); });
    const m1 = tf.memory();
    expect(m1.numTensors).toBe(m0.numTensors);
    expect(m1.numStorages).toBe(m0.numStorages);
    tf.dispose([w, b]);
  });

  it('without tidy, backward leaves only the leaf grads: intermediate gradients are disposed', () => {
    const { w, b } = params();
    const l = loss(w, b);
    const m0 = tf.memory();
    l.backward();
    const m1 = tf.memory();
    expect(m1.numTensors - m0.numTensors).toBe(2);
    expect(m1.numStorages - m0.numStorages).toBe(2);
    // a graph with views, broadcasting, splits and repeated uses
    const p = f64([[1, 2, 3], [4, 5, 6]]);
    const q = f64([0.5, -1, 2]);
    const parts = p.mul(q).t().split(1, 0);
    const out = parts[0].add(parts[2].exp()).sum().mul(p.sum());
    const m2 = tf.memory();
    out.backward();
    const m3 = tf.memory();
    expect(m3.numTensors - m2.numTensors).toBe(2);
    tf.dispose([w, b, w.grad, b.grad, l]);
  });

  it('a leaf grad replaced by accumulation with createGraph is disposed', () => {
    const x = f64([1, 2]);
    x.mul(x).sum().backward();
    const old = x.grad!;
    x.mul(x).sum().backward(null, { createGraph: true });
    expect(old.isDisposed).toBe(true);
    expect(x.grad!.requiresGrad).toBe(true);
    expect(vals(x.grad)).toEqual([4, 8]);
  });

  it('running backward after the tidy that built the graph throws a clear error', () => {
    const x = f64([1, 2]);
    const y = tf.tidy(() => x.exp().sin().sum());
    expect(() => y.backward()).toThrow(/disposed before backward/);
  });
});

describe('gradcheck', () => {
  it('catches a wrong gradient and names the input and the worst element', () => {
    const wrongDouble = (x: Tensor) => {
      const out = tf.noGrad(() => x.mul(2));
      return tf.autograd.record('wrongDouble', out, [x], (g) => [g.mul(tf.tensor([2, 2, 3], { dtype: 'float64' }))]);
    };
    const a = f64([0.1, 0.2, 0.3], false);
    const x = f64([1, 2, 3]);
    let err: unknown;
    try {
      tf.gradcheck((p, q) => wrongDouble(q).add(p), [a, x]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(tf.GradcheckError);
    expect(String(err)).toMatch(/input 1 \(shape \[3\]\).*input element 2 \(index \[2\]\).*numerical 2.*analytical 3/);
  });

  it('accepts a correct custom gradient and rejects float32 inputs', () => {
    const x = f64([1, 2, 3]);
    expect(tf.gradcheck((t) => t.mul(t).sum(), [x])).toBe(true);
    expect(() => tf.gradcheck((t) => t.sum(), [tf.ones([2], { requiresGrad: true })])).toThrow(/float64/);
    expect(() => tf.gradcheck((t) => t.sum(), [f64([1], false)])).toThrow(/no input requires grad/);
  });
});

describe('autograd.grad computes only what the requested inputs need', () => {
  /** a * b recorded as one node that logs which inputs its backward was asked for. */
  const probe = (log: boolean[][], name = 'probe') => (a: Tensor, b: Tensor): Tensor => {
    const y = tf.noGrad(() => a.mul(b));
    return tf.autograd.record(name, y, [a, b], (g, node) => {
      log.push([node.needs(0), node.needs(1)]);
      return [node.needs(0) ? g.mul(b) : null, node.needs(1) ? g.mul(a) : null];
    }, [a, b]);
  };

  it('skips input edges that lead to no requested tensor, and nodes that lead nowhere', () => {
    const a = f64([1, 2]);
    const b = f64([3, -1]);
    const c = f64([0.5, 4]);
    const log: boolean[][] = [];
    const logB: boolean[][] = [];
    // y = probe(a, probeB(b, c)): asking for a only, probeB (under b and c) must not run.
    const y = probe(log)(a, probe(logB, 'probeB')(b, c)).sum();
    const [ga] = tf.autograd.grad(y, [a], undefined, { retainGraph: true });
    expect(vals(ga)).toEqual([1.5, -4]);
    expect(log).toEqual([[true, false]]);
    expect(logB).toEqual([]);
    // Asking for c: the edge to a is skipped at the top, the one to b inside.
    const [gc] = tf.autograd.grad(y, [c], undefined, { retainGraph: true });
    expect(vals(gc)).toEqual([3, -2]);
    expect(log[1]).toEqual([false, true]);
    expect(logB).toEqual([[false, true]]);
    // backward() still computes every leaf's gradient.
    y.backward();
    expect(vals(a.grad)).toEqual([1.5, -4]);
    expect(vals(b.grad)).toEqual([0.5, 8]);
    expect(vals(c.grad)).toEqual([3, -2]);
    expect(log[2]).toEqual([true, true]);
  });

  it('an intermediate tensor asked for gets its gradient; nodes below it run only when they lead further', () => {
    const a = f64([1, 2]);
    const b = f64([3, -1]);
    const log: boolean[][] = [];
    const m = probe(log)(a, b);
    const y = m.mul(m).sum();
    const [gm] = tf.autograd.grad(y, [m], undefined, { retainGraph: true });
    expect(vals(gm)).toEqual([6, -4]);
    expect(log).toEqual([]);
    const [gm2, gb] = tf.autograd.grad(y, [m, b]);
    expect(vals(gm2)).toEqual([6, -4]);
    expect(vals(gb)).toEqual([6, -8]);
    expect(log).toEqual([[false, true]]);
  });

  it('with createGraph, the gradients of a conv net with respect to its input only are unchanged', () => {
    const x = tf.randn([2, 3, 6, 6], { dtype: 'float64' }).requiresGrad_();
    const w = tf.randn([4, 3, 3, 3], { dtype: 'float64' }).requiresGrad_();
    const y = tf.conv2d(x, w, null, { padding: 1 }).tanh().sum();
    const [gOnly] = tf.autograd.grad(y, [x], undefined, { createGraph: true });
    const [gBoth] = tf.autograd.grad(y, [x, w], undefined, { createGraph: true });
    expectClose(gOnly!.dataSync(), gBoth!.dataSync(), { rtol: 0, atol: 0, what: 'input gradient' });
    expect(gOnly!.requiresGrad).toBe(true);
  });
});
