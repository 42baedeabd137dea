/**
 * Losses against float64 plain-JS references on random inputs (odd sizes, reductions,
 * weights, ignoreIndex, label smoothing, extreme logits), the loss modules, and every
 * error path.
 */
import { describe, expect, test } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { expectClose, numel, randomValues, rng } from '../helpers';

const { nn, F } = tf;
const FLOATS: DType[] = ['float32', 'float64'];
const REDS = ['none', 'mean', 'sum'] as const;

function vals(t: Tensor): number[] {
  return Array.from(t.dataSync());
}
function reduceRef(v: number[], r: string): number[] {
  if (r === 'none') return v;
  const s = v.reduce((a, x) => a + x, 0);
  return [r === 'sum' ? s : s / v.length];
}
const tol = (d: DType) => (d === 'float64' ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 1e-4, atol: 1e-5 });

describe('elementwise losses', () => {
  const r = rng(21);
  const refs: Record<string, (d: number, o: Record<string, number>) => number> = {
    mseLoss: (d) => d * d,
    l1Loss: (d) => Math.abs(d),
    smoothL1Loss: (d, o) => (o.beta === 0 ? Math.abs(d) : Math.abs(d) < o.beta ? (0.5 * d * d) / o.beta : Math.abs(d) - 0.5 * o.beta),
    huberLoss: (d, o) => (Math.abs(d) < o.delta ? 0.5 * d * d : o.delta * (Math.abs(d) - 0.5 * o.delta)),
  };
  const opts: Record<string, Record<string, number>[]> = {
    mseLoss: [{}], l1Loss: [{}], smoothL1Loss: [{ beta: 1 }, { beta: 0.3 }, { beta: 0 }], huberLoss: [{ delta: 1 }, { delta: 0.4 }],
  };
  test.each(FLOATS)('%s: mse, l1, smoothL1, huber over shapes and reductions', (dtype) => {
    for (const shape of [[], [1], [7], [3, 17], [2, 3, 5]]) {
      const a = Array.from(randomValues(numel(shape), dtype, r));
      const b = Array.from(randomValues(numel(shape), dtype, r));
      for (const [name, ref] of Object.entries(refs)) {
        for (const o of opts[name]) {
          for (const red of REDS) {
            tf.tidy(() => {
              const fn = (F as unknown as Record<string, (x: Tensor, y: Tensor, o: object) => Tensor>)[name];
              const out = fn(tf.tensor(a, { shape, dtype }), tf.tensor(b, { shape, dtype }), { ...o, reduction: red });
              expect(out.shape).toEqual(red === 'none' ? shape : []);
              expectClose(vals(out), reduceRef(a.map((v, i) => ref(v - b[i], o)), red), { ...tol(dtype), what: `${name} ${JSON.stringify(o)} ${shape} ${red}` });
            });
          }
        }
      }
    }
  });
});

function refCrossEntropy(x: number[], N: number, C: number, D: number, t: number[], w: number[] | null, ignore: number, ls: number, red: string): number[] {
  // x laid out [N, C, D]; t [N, D]
  const loss: number[] = [];
  const smooth: number[] = [];
  const wts: number[] = [];
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < D; d++) {
      const row = Array.from({ length: C }, (_, c) => x[(n * C + c) * D + d]);
      const mx = Math.max(...row);
      const lse = mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
      const logp = row.map((v) => v - lse);
      const tt = t[n * D + d];
      if (tt === ignore) {
        loss.push(0);
        smooth.push(0);
        wts.push(0);
        continue;
      }
      const wt = w ? w[tt] : 1;
      loss.push(-wt * logp[tt]);
      smooth.push(-logp.reduce((a, v, c) => a + v * (w ? w[c] : 1), 0));
      wts.push(wt);
    }
  }
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  if (red === 'none') return loss.map((l, i) => (1 - ls) * l + (ls / C) * smooth[i]);
  if (red === 'sum') return [(1 - ls) * sum(loss) + (ls / C) * sum(smooth)];
  return [((1 - ls) * sum(loss) + (ls / C) * sum(smooth)) / sum(wts)];
}

describe('crossEntropy and nllLoss', () => {
  const r = rng(33);
  test.each(FLOATS)('%s: class indices, weights, ignoreIndex, labelSmoothing, K-dim inputs', (dtype) => {
    for (const [N, C, D] of [[1, 1, 1], [7, 5, 1], [3, 17, 1], [2, 4, 6], [5, 3, 2]]) {
      const shape = D === 1 ? [N, C] : [N, C, D];
      const x = Array.from(randomValues(N * C * D, dtype, r, -6, 6));
      const t: number[] = Array.from({ length: N * D }, (_, i) => (i % 4 === 1 ? -100 : Math.floor(r() * C)));
      if (!t.some((v) => v !== -100)) t[0] = 0;
      const w = Array.from(randomValues(C, dtype, r, 0.1, 2));
      for (const weighted of [false, true]) {
        for (const ls of [0, 0.25]) {
          for (const red of REDS) {
            tf.tidy(() => {
              const target = tf.tensor(t, { shape: D === 1 ? [N] : [N, D], dtype: 'int32' });
              const xt = tf.tensor(x, { shape, dtype });
              const wt = weighted ? tf.tensor(w, { dtype }) : null;
              const out = F.crossEntropy(xt, target, { weight: wt, labelSmoothing: ls, reduction: red });
              const exp = refCrossEntropy(x, N, C, D, t, weighted ? w : null, -100, ls, red);
              expectClose(vals(out), exp, { ...tol(dtype), what: `CE ${shape} w ${weighted} ls ${ls} ${red}` });
              if (ls === 0) {
                const nll = F.nllLoss(xt.logSoftmax(1), target, { weight: wt, reduction: red });
                expectClose(vals(nll), exp, { ...tol(dtype), what: 'nll' });
              }
            });
          }
        }
      }
    }
  });

  test('extreme logits stay finite and exact', () => {
    tf.tidy(() => {
      const x = tf.tensor([[1e30, -1e30, 0], [-1e38, 1e38, 1e38], [88, -88, 0]]);
      const t = tf.tensor([0, 0, 1], { dtype: 'int32' });
      expectClose(vals(F.crossEntropy(x, t, { reduction: 'none' })), [0, 2e38, 176], { rtol: 1e-6 });
      const p = tf.tensor([[1, 0, 0], [0, 0.5, 0.5], [0, 1, 0]]);
      expectClose(vals(F.crossEntropy(tf.tensor([[1e30, -1e30, 0], [0, 40, 40], [88, -88, 0]]), p, { reduction: 'none' })), [0, Math.log(2), 176], { rtol: 1e-6 });
    });
  });

  test('probability targets equal the one-hot class-index loss', () => {
    tf.tidy(() => {
      const x = tf.randn([6, 4, 3], { dtype: 'float64' });
      const t = tf.randint(0, 4, [6, 3]);
      const onehot = tf.zeros([6, 4, 3], { dtype: 'float64' }).scatter(1, t.unsqueeze(1), 1);
      const w = tf.tensor([0.5, 1, 2, 3], { dtype: 'float64' });
      for (const red of REDS) {
        expectClose(vals(F.crossEntropy(x, onehot, { reduction: red })), vals(F.crossEntropy(x, t, { reduction: red })), { rtol: 1e-12, atol: 1e-12 });
      }
      // with weights, 'sum' agrees (PyTorch's 'mean' for probabilities divides by the count, not the weights)
      expectClose(vals(F.crossEntropy(x, onehot, { weight: w, reduction: 'sum' })), vals(F.crossEntropy(x, t, { weight: w, reduction: 'sum' })), { rtol: 1e-12 });
      expectClose(vals(F.crossEntropy(x, onehot, { weight: w })), [vals(F.crossEntropy(x, t, { weight: w, reduction: 'sum' }))[0] / 18], { rtol: 1e-12 });
    });
  });

  test('all targets ignored gives NaN for mean (as PyTorch), 0 for sum', () => {
    tf.tidy(() => {
      const x = tf.randn([2, 3]);
      const t = tf.tensor([-100, -100], { dtype: 'int32' });
      expect(Number.isNaN(F.crossEntropy(x, t).item())).toBe(true);
      expect(F.crossEntropy(x, t, { reduction: 'sum' }).item()).toBe(0);
    });
  });

  test('errors', () => {
    const x = tf.zeros([4, 5]);
    expect(() => F.crossEntropy(x, tf.zeros([3], { dtype: 'int32' }))).toThrow('crossEntropy: target of shape [3] does not match input [4, 5]');
    expect(() => F.crossEntropy(x, tf.tensor([0, 1, 5, 2], { dtype: 'int32' }))).toThrow(tf.IndexError);
    expect(() => F.crossEntropy(x, tf.tensor([0, 1, -1, 2], { dtype: 'int32' }))).toThrow(/target -1 is out of range \[0, 5\)/);
    expect(() => F.crossEntropy(x, tf.zeros([4], { dtype: 'bool' }))).toThrow(tf.DTypeError);
    expect(() => F.crossEntropy(x, tf.zeros([4, 5]), { ignoreIndex: 1 })).toThrow(/ignoreIndex applies to class-index targets/);
    expect(() => F.crossEntropy(x, tf.zeros([4, 5], { dtype: 'float64' }))).toThrow(tf.DTypeError);
    expect(() => F.crossEntropy(x, tf.zeros([4], { dtype: 'int32' }), { weight: tf.ones([4]) })).toThrow(/weight must have shape \[5\]/);
    expect(() => F.crossEntropy(x, tf.zeros([4], { dtype: 'int32' }), { reduction: 'avg' as never })).toThrow(tf.ArgumentError);
    expect(() => F.crossEntropy(x, tf.zeros([4], { dtype: 'int32' }), { labelSmoothing: 1.5 })).toThrow(tf.ArgumentError);
    expect(() => F.crossEntropy(tf.zeros([]), tf.zeros([], { dtype: 'int32' }))).toThrow(tf.ShapeError);
    expect(() => F.crossEntropy(tf.zeros([4, 5], { dtype: 'int32' }), tf.zeros([4], { dtype: 'int32' }))).toThrow(tf.DTypeError);
    expect(() => F.nllLoss(x, tf.zeros([4]))).toThrow(tf.DTypeError);
    expect(() => F.nllLoss(x, tf.tensor([0, 0, 0, 9], { dtype: 'int32' }), { ignoreIndex: 9 })).not.toThrow();
  });
});

describe('binary, KL and cosine losses', () => {
  const r = rng(44);
  const sp = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))); // log(1 + e^z)
  test.each(FLOATS)('%s: BCE, BCE with logits (weights, posWeight), klDiv, cosineEmbedding', (dtype) => {
    for (const shape of [[1], [9], [4, 7], [2, 3, 5]]) {
      const n = numel(shape);
      const C = shape[shape.length - 1];
      const p = Array.from(randomValues(n, dtype, r, 0.001, 0.999));
      const y = Array.from(randomValues(n, dtype, r, 0, 1));
      const z = Array.from(randomValues(n, dtype, r, -30, 30));
      const w = Array.from(randomValues(C, dtype, r, 0.1, 2));
      const pw = Array.from(randomValues(C, dtype, r, 0.5, 3));
      for (const red of REDS) {
        tf.tidy(() => {
          const T = (v: number[], s = shape) => tf.tensor(v, { shape: s, dtype });
          expectClose(vals(F.binaryCrossEntropy(T(p), T(y), { weight: T(w, [C]), reduction: red })),
            reduceRef(p.map((v, i) => -w[i % C] * (y[i] * Math.log(v) + (1 - y[i]) * Math.log(1 - v))), red), { ...tol(dtype), rtol: dtype === 'float32' ? 1e-4 : 1e-9 });
          expectClose(vals(F.binaryCrossEntropyWithLogits(T(z), T(y), { weight: T(w, [C]), posWeight: T(pw, [C]), reduction: red })),
            reduceRef(z.map((v, i) => w[i % C] * (pw[i % C] * y[i] * sp(-v) + (1 - y[i]) * sp(v))), red), { ...tol(dtype), rtol: dtype === 'float32' ? 1e-4 : 1e-9 });
          const lp = T(z).logSoftmax(-1);
          const tq = T(p).softmax(-1);
          const lpv = vals(lp);
          const tqv = vals(tq);
          const kl = tqv.map((q, i) => q * (Math.log(q) - lpv[i]));
          expectClose(vals(F.klDiv(lp, tq, { reduction: red })), reduceRef(kl, red), tol(dtype));
          expectClose(vals(F.klDiv(lp, tq.log(), { reduction: red, logTarget: true })), reduceRef(kl, red), { rtol: 1e-4, atol: 1e-6 });
        });
      }
      tf.tidy(() => {
        const lp = tf.tensor(z, { shape, dtype }).logSoftmax(-1);
        const tq = tf.tensor(p, { shape, dtype }).softmax(-1);
        expectClose(vals(F.klDiv(lp, tq, { reduction: 'batchmean' })), [vals(F.klDiv(lp, tq, { reduction: 'sum' }))[0] / shape[0]], tol(dtype));
      });
    }
    tf.tidy(() => {
      // saturated probabilities: logs clamped at -100
      expectClose(vals(F.binaryCrossEntropy(tf.tensor([0, 1, 0, 1], { dtype }), tf.tensor([1, 0, 0, 1], { dtype }), { reduction: 'none' })), [100, 100, 0, 0]);
      // extreme logits: no overflow
      expectClose(vals(F.binaryCrossEntropyWithLogits(tf.tensor([1000, -1000, 1000, -1000], { dtype }), tf.tensor([1, 0, 0, 1], { dtype }), { reduction: 'none' })), [0, 0, 1000, 1000]);
      // zero targets contribute 0 to klDiv, never NaN
      expect(vals(F.klDiv(tf.tensor([-Infinity, -1], { dtype }), tf.tensor([0, 1], { dtype }), { reduction: 'none' }))).toEqual([0, 1]);
    });
    for (const [N, D] of [[5, 3], [1, 17], [0, 4]]) {
      const a = Array.from(randomValues(N * D, dtype, r));
      const b = Array.from(randomValues(N * D, dtype, r));
      const yv = Array.from({ length: N }, (_, i) => (i % 2 ? -1 : 1));
      for (const margin of [0, 0.2]) {
        const ref = yv.map((yy, n) => {
          let s = 0, m1 = 1e-12, m2 = 1e-12;
          for (let d = 0; d < D; d++) {
            s += a[n * D + d] * b[n * D + d];
            m1 += a[n * D + d] ** 2;
            m2 += b[n * D + d] ** 2;
          }
          const cos = s / Math.sqrt(m1 * m2);
          return yy === 1 ? 1 - cos : Math.max(0, cos - margin);
        });
        for (const red of REDS) {
          tf.tidy(() => {
            const out = F.cosineEmbeddingLoss(tf.tensor(a, { shape: [N, D], dtype }), tf.tensor(b, { shape: [N, D], dtype }), tf.tensor(yv, { dtype: 'int32' }), { margin, reduction: red });
            if (N === 0 && red === 'mean') expect(Number.isNaN(out.item())).toBe(true);
            else expectClose(vals(out), reduceRef(ref, red), tol(dtype));
          });
        }
      }
    }
  });

  test('errors', () => {
    const x = tf.full([3], 0.5);
    expect(() => F.binaryCrossEntropy(tf.tensor([0.5, 1.5, 0.2]), x)).toThrow(/probabilities in \[0, 1\], got 1.5/);
    expect(() => F.binaryCrossEntropy(x, tf.zeros([4]))).toThrow('binaryCrossEntropy: target of shape [4] does not match input [3]');
    expect(() => F.binaryCrossEntropy(x, x, { weight: tf.ones([2]) })).toThrow(tf.ShapeError);
    expect(() => F.binaryCrossEntropyWithLogits(x, tf.zeros([3], { dtype: 'float64' }))).toThrow(tf.DTypeError);
    expect(() => F.binaryCrossEntropyWithLogits(x, x, { posWeight: tf.ones([5]) })).toThrow(/posWeight of shape \[5\] cannot be broadcast/);
    expect(() => F.mseLoss(x, tf.zeros([3, 1]))).toThrow(tf.ShapeError);
    expect(() => F.l1Loss(tf.zeros([3], { dtype: 'int32' }), tf.zeros([3], { dtype: 'int32' }))).toThrow(tf.DTypeError);
    expect(() => F.smoothL1Loss(x, x, { beta: -1 })).toThrow(tf.ArgumentError);
    expect(() => F.huberLoss(x, x, { delta: 0 })).toThrow(tf.ArgumentError);
    expect(() => F.klDiv(x, x, { reduction: 'batchsum' as never })).toThrow(tf.ArgumentError);
    expect(() => F.mseLoss(x, x, { reduction: 'batchmean' as never })).toThrow(tf.ArgumentError);
    expect(() => F.cosineEmbeddingLoss(tf.zeros([2, 3]), tf.zeros([2, 3]), tf.zeros([3]))).toThrow(/target of shape \[3\] does not match input \[2, 3\]/);
    expect(() => F.cosineEmbeddingLoss(tf.zeros([2, 3, 1]), tf.zeros([2, 3, 1]), tf.zeros([2]))).toThrow(tf.ShapeError);
    expect(() => F.mseLoss(null as never, x)).toThrow(tf.ArgumentError);
    const d = tf.zeros([2]);
    d.dispose();
    expect(() => F.mseLoss(d, d)).toThrow(tf.DisposedError);
  });
});

describe('loss modules', () => {
  test('forward equals the functional form; weights are buffers with PyTorch keys', () => {
    tf.tidy(() => {
      const x = tf.randn([6, 4]);
      const t = tf.randint(0, 4, [6]);
      const w = tf.tensor([1, 2, 3, 4]);
      const ce = new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1, reduction: 'sum' });
      expect([...ce.stateDict().keys()]).toEqual(['weight']);
      expect(ce.weight).not.toBe(w);
      expect(ce.call(x, t).item()).toBeCloseTo(F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.1, reduction: 'sum' }).item() as number, 6);
      const y = tf.rand([6, 4]);
      const bce = new nn.BCEWithLogitsLoss({ posWeight: tf.full([4], 2) });
      expect([...bce.stateDict().keys()]).toEqual(['pos_weight']);
      expect(bce.forward(x, y).item()).toBeCloseTo(F.binaryCrossEntropyWithLogits(x, y, { posWeight: tf.full([4], 2) }).item() as number, 6);
      const pairs: [InstanceType<typeof nn.Module>, Tensor][] = [
        [new nn.MSELoss(), F.mseLoss(x, y)],
        [new nn.L1Loss({ reduction: 'sum' }), F.l1Loss(x, y, { reduction: 'sum' })],
        [new nn.SmoothL1Loss({ beta: 0.5 }), F.smoothL1Loss(x, y, { beta: 0.5 })],
        [new nn.HuberLoss({ delta: 0.5 }), F.huberLoss(x, y, { delta: 0.5 })],
        [new nn.BCELoss(), F.binaryCrossEntropy(y, y)],
        [new nn.KLDivLoss({ reduction: 'batchmean' }), F.klDiv(x.logSoftmax(1), y.softmax(1), { reduction: 'batchmean' })],
        [new nn.NLLLoss(), F.nllLoss(x.logSoftmax(1), t)],
      ];
      const inputs = [[x, y], [x, y], [x, y], [x, y], [y, y], [x.logSoftmax(1), y.softmax(1)], [x.logSoftmax(1), t]];
      pairs.forEach(([m, exp], i) => expect((m.call as (...a: Tensor[]) => Tensor)(...inputs[i]).item(), m.constructor.name).toBeCloseTo(exp.item() as number, 6));
      const cel = new nn.CosineEmbeddingLoss({ margin: 0.1 });
      const yy = tf.tensor([1, -1, 1, -1, 1, 1]);
      expect(cel.forward(x, y, yy).item()).toBeCloseTo(F.cosineEmbeddingLoss(x, y, yy, { margin: 0.1 }).item() as number, 6);
      expect(new nn.MSELoss({ reduction: 'none' }).toString()).toBe('MSELoss()');
      expect(() => new nn.MSELoss({ reduction: 'avg' as never })).toThrow(tf.ArgumentError);
      ce.dispose();
      bce.dispose();
    });
  });
});

describe('binaryCrossEntropy gradient at saturated probabilities', () => {
  test('is finite and equals PyTorch formula (x - y) / max(x (1 - x), 1e-12) / N', () => {
    const xs = [0, 1, 0.5, 0.25, 1e-30];
    const ys = [0, 1, 1, 0, 1];
    const x = tf.tensor(xs, { dtype: 'float64' }).requiresGrad_();
    const y = tf.tensor(ys, { dtype: 'float64' });
    tf.F.binaryCrossEntropy(x, y).backward();
    const g = Array.from(x.grad!.dataSync());
    xs.forEach((xi, i) => {
      const expected = (xi - ys[i]) / Math.max(xi * (1 - xi), 1e-12) / xs.length;
      expect(Number.isFinite(g[i])).toBe(true);
      expect(g[i]).toBeCloseTo(expected, 6);
    });
  });
});
