/**
 * The fused cross entropy (native/kernels/cpu/loss) and the native relu backward, against
 * plain float64 references written here (loss and gradient in closed form), against the
 * composed path they replace, and through a recorded backward (createGraph).
 */
import { describe, expect, test, afterAll } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { checkClassInput, composedCrossEntropy } from '../../lib/nn/losses';
import { expectClose, randomValues, rng } from '../helpers';

const { F } = tf;
type Red = 'mean' | 'sum' | 'none';
const vals = (t: Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

/**
 * Loss and d loss / d x of logits x [N, C] (row-major), from the definitions: p = softmax,
 * loss_i = (1 - s) w_t (-log p_it) + s / C sum_c w_c (-log p_ic), reduced; the gradient
 * of the reduced loss (times the upstream gradient gout, per row for 'none').
 */
function reference(x: number[], N: number, C: number, t: number[], w: number[] | null, ignore: number, s: number, red: Red, gout: number[]) {
  const wc = (c: number) => (w ? w[c] : 1);
  const losses: number[] = [];
  const wts: number[] = [];
  const probs: number[][] = [];
  for (let i = 0; i < N; i++) {
    const row = x.slice(i * C, i * C + C);
    const m = Math.max(...row);
    const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
    const logp = row.map((v) => v - m - Math.log(z));
    probs.push(logp.map(Math.exp));
    if (t[i] === ignore) {
      losses.push(0);
      wts.push(0);
      continue;
    }
    let smooth = 0;
    for (let c = 0; c < C; c++) smooth -= wc(c) * logp[c];
    losses.push((1 - s) * wc(t[i]) * -logp[t[i]] + (s / C) * smooth);
    wts.push(wc(t[i]));
  }
  const total = wts.reduce((a, b) => a + b, 0);
  const sum = losses.reduce((a, b) => a + b, 0);
  const loss = red === 'none' ? losses : red === 'sum' ? [sum] : [sum / total];
  const W = w ? w.reduce((a, b) => a + b, 0) : C;
  const grad: number[] = [];
  for (let i = 0; i < N; i++) {
    const coef = red === 'none' ? gout[i] : red === 'sum' ? gout[0] : gout[0] / total;
    for (let c = 0; c < C; c++) {
      if (t[i] === ignore) {
        grad.push(0);
        continue;
      }
      const p = probs[i][c];
      const hard = (1 - s) * wc(t[i]) * (p - (c === t[i] ? 1 : 0));
      grad.push(coef * (hard + (s / C) * (W * p - wc(c))));
    }
  }
  return { loss, grad };
}

const tolFor = (dt: DType) => (dt === 'float32' ? { rtol: 2e-5, atol: 2e-6 } : { rtol: 1e-11, atol: 1e-12 });

afterAll(() => tf.setPortableKernels(false));

describe('fused crossEntropy', () => {
  const r = rng(91);
  for (const dtype of ['float32', 'float64'] as DType[]) {
    test(`${dtype}: loss and gradient match the float64 reference (shapes, weights, ignoreIndex, smoothing, reductions, layouts)`, () => {
      for (const [N, C] of [[1, 1], [1, 10], [3, 2], [7, 5], [64, 10], [130, 37]]) {
        for (const transposed of [false, true]) {
          for (const weighted of [false, true]) {
            for (const s of [0, 0.3]) {
              for (const red of ['mean', 'sum', 'none'] as Red[]) {
                const xv = Array.from(randomValues(N * C, dtype, r, -8, 8));
                const t = Array.from({ length: N }, (_, i) => (N > 1 && i % 5 === 2 ? -7 : Math.floor(r() * C)));
                const w = weighted ? Array.from(randomValues(C, dtype, r, 0.1, 2)) : null;
                const gout = red === 'none' ? Array.from(randomValues(N, dtype, r, -2, 2)) : [red === 'sum' ? 1.5 : 0.75];
                const ref = reference(xv, N, C, t, w, -7, s, red, gout);
                tf.tidy(() => {
                  // the transposed layout stores x as [C, N] and reads it back through .t()
                  const base = transposed
                    ? tf.tensor(xv, { shape: [N, C], dtype }).t().contiguous().requiresGrad_()
                    : tf.tensor(xv, { shape: [N, C], dtype }).requiresGrad_();
                  const x = transposed ? base.t() : base;
                  const what = `${dtype} [${N}, ${C}]${transposed ? ' transposed' : ''} w ${weighted} s ${s} ${red}`;
                  const loss = F.crossEntropy(x, tf.tensor(t, { dtype: 'int32' }), { weight: w && tf.tensor(w, { dtype }), ignoreIndex: -7, labelSmoothing: s, reduction: red });
                  expect(loss.gradFn?.name, what).toBe('crossEntropy');
                  expectClose(vals(loss), ref.loss, { ...tolFor(dtype), what: `${what}: loss` });
                  loss.backward(tf.tensor(gout, { shape: loss.shape, dtype }));
                  const g = transposed ? vals(base.grad!.t().contiguous()) : vals(base.grad!);
                  expectClose(g, ref.grad, { ...tolFor(dtype), what: `${what}: gradient` });
                });
              }
            }
          }
        }
      }
    });
  }

  test('1-d logits [C] with a 0-d target, and agreement with the composed ops', () => {
    tf.tidy(() => {
      const x = tf.randn([6], { dtype: 'float64' }).requiresGrad_();
      const t = tf.tensor(4, { dtype: 'int32' });
      const loss = F.crossEntropy(x, t, { labelSmoothing: 0.1 });
      const ref = reference(vals(x), 1, 6, [4], null, -100, 0.1, 'mean', [1]);
      expectClose(vals(loss), ref.loss, { rtol: 1e-12 });
      loss.backward();
      expectClose(vals(x.grad!), ref.grad, { rtol: 1e-12, atol: 1e-14 });
      const c = checkClassInput('crossEntropy', x, t, null, true);
      expectClose(vals(composedCrossEntropy('crossEntropy', c, -100, 0.1, 'mean')), vals(loss), { rtol: 1e-12 });
    });
  });

  test('second-order gradients through the fused op (createGraph) equal those of the composed ops', () => {
    tf.tidy(() => {
      const xv = tf.randn([4, 5], { dtype: 'float64' });
      const t = tf.tensor([1, -100, 4, 0], { dtype: 'int32' });
      const w = tf.tensor([1, 2, 0.5, 1, 3], { dtype: 'float64' });
      const second = (fused: boolean) => {
        const x = xv.clone().requiresGrad_();
        const loss = fused
          ? F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.2 })
          : composedCrossEntropy('crossEntropy', checkClassInput('crossEntropy', x, t, w, true), -100, 0.2, 'mean');
        const [g] = tf.autograd.grad(loss, [x], undefined, { createGraph: true });
        const [h] = tf.autograd.grad(g!.square().sum(), [x]);
        return [vals(g!), vals(h!)];
      };
      const [g1, h1] = second(true);
      const [g2, h2] = second(false);
      expectClose(g1, g2, { rtol: 1e-10, atol: 1e-14 });
      expectClose(h1, h2, { rtol: 1e-9, atol: 1e-13 });
    });
  });

  test('a weight that requires grad takes the composed path and still gets its gradient', () => {
    tf.tidy(() => {
      const x = tf.randn([3, 4], { dtype: 'float64' }).requiresGrad_();
      const w = tf.tensor([1, 2, 3, 4], { dtype: 'float64' }).requiresGrad_();
      const loss = F.crossEntropy(x, tf.tensor([0, 3, 1], { dtype: 'int32' }), { weight: w });
      expect(loss.gradFn?.name).not.toBe('crossEntropy');
      loss.backward();
      expect(w.grad).not.toBeNull();
    });
  });

  test('a target out of range is an IndexError naming the value and its position; nothing is recorded', () => {
    const x = tf.zeros([3, 4]).requiresGrad_();
    expect(() => F.crossEntropy(x, tf.tensor([0, 4, 1], { dtype: 'int32' }))).toThrow(/crossEntropy: target 4 is out of range \[0, 4\) \(at flat position 1/);
    expect(() => F.crossEntropy(x, tf.tensor([0, 1, -3], { dtype: 'int32' }), { ignoreIndex: -1 })).toThrow(tf.IndexError);
    x.dispose();
  });

  test('extreme logits: finite loss, gradient rows sum to 0', () => {
    tf.tidy(() => {
      const x = tf.tensor([[1e30, -1e30, 0], [-1e38, 1e38, 1e38], [88, -88, 0]]).requiresGrad_();
      const loss = F.crossEntropy(x, tf.tensor([0, 0, 1], { dtype: 'int32' }), { reduction: 'sum' });
      expectClose(vals(loss), [2e38 + 176], { rtol: 1e-6 });
      loss.backward();
      const g = vals(x.grad!);
      for (let i = 0; i < 3; i++) expect(Math.abs(g[3 * i] + g[3 * i + 1] + g[3 * i + 2])).toBeLessThan(1e-6);
      expectClose(g.slice(0, 3), [0, 0, 0], { atol: 1e-7 });
      expectClose(g.slice(3, 6), [-1, 0.5, 0.5], { atol: 1e-7 });
    });
  });
});

describe('relu backward (native reluBackward)', () => {
  for (const portable of [false, true]) {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      test(`${dtype}, ${portable ? 'portable' : 'default'} kernels: g where y > 0, 0 elsewhere (NaN and 0 included), any layout`, () => {
        tf.setPortableKernels(portable);
        const r = rng(portable ? 5 : 6);
        for (const n of [1, 7, 8, 15, 16, 17, 1000]) {
          tf.tidy(() => {
            const xv = Array.from(randomValues(n, dtype, r));
            xv[0] = 0;
            if (n > 3) xv[3] = NaN;
            const gv = Array.from(randomValues(n, dtype, r));
            const x = tf.tensor(xv, { dtype }).requiresGrad_();
            tf.relu(x).backward(tf.tensor(gv, { dtype }));
            expect(vals(x.grad!), `n ${n}`).toEqual(gv.map((g, i) => (xv[i] > 0 ? g : 0)));
          });
        }
        tf.tidy(() => {
          // a transposed input and a broadcast (expanded) upstream gradient
          const x = tf.randn([5, 3], { dtype }).requiresGrad_();
          const g = tf.tensor([[1], [-2], [3]], { dtype }).expand([3, 5]);
          tf.relu(x.t()).backward(g);
          const xs = vals(x);
          expect(vals(x.grad!)).toEqual(xs.map((v, k) => (v > 0 ? [1, -2, 3][k % 3] : 0)));
        });
        tf.setPortableKernels(false);
      });
    }
  }
});
