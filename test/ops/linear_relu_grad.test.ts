/**
 * linear with activation 'relu' under autograd keeps relu fused in the GEMM and records
 * one node; its gradients must equal those of the product followed by a separate relu.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import { expectClose } from '../helpers';

const vals = (t: tf.Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

describe('linear relu under autograd', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: one node, gradients equal linear then relu (zeros, 3-d input, no bias)`, () => {
      tf.tidy(() => {
        for (const [shape, withBias] of [[[5, 7], true], [[2, 3, 7], false]] as const) {
          const xv = tf.randn(shape.slice(), { dtype });
          const wv = tf.randn([6, 7], { dtype });
          const bv = tf.randn([6], { dtype });
          // g is drawn after the same manualSeed on both paths, so both get the same g
          const grads = (fused: boolean) => {
            const x = xv.clone().requiresGrad_();
            const w = wv.clone().requiresGrad_();
            const b = withBias ? bv.clone().requiresGrad_() : null;
            const y = fused ? tf.linear(x, w, b, { activation: 'relu' }) : tf.relu(tf.linear(x, w, b));
            if (fused) expect(y.gradFn?.name).toBe('linear');
            const g = tf.randn(y.shape, { dtype });
            y.backward(g);
            return { y: vals(y), gx: vals(x.grad!), gw: vals(w.grad!), gb: b ? vals(b.grad!) : [] };
          };
          tf.manualSeed(11);
          const a = grads(true);
          tf.manualSeed(11);
          const c = grads(false);
          const tol = dtype === 'float32' ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 1e-12, atol: 1e-13 };
          expectClose(a.y, c.y, tol);
          expectClose(a.gx, c.gx, tol);
          expectClose(a.gw, c.gw, tol);
          expectClose(a.gb, c.gb, tol);
          expect(a.y.some((v) => v === 0)).toBe(true);
        }
      });
    });
  }
});
