/**
 * The test reference of the fused recurrent layers: the same recurrences written with
 * public tensor ops and a JavaScript loop over time steps (so autograd of the elementary
 * ops gives its gradients). Slow and obviously right; used only by the tests.
 */
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';

export type Mode = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

export interface RefSpec {
  mode: Mode;
  numLayers: number;
  bidirectional: boolean;
  hiddenSize: number;
  projSize: number;
}

const chunk = (x: Tensor, n: number, k: number, H: number) => tf.narrow(x, 1, k * H, H);

/**
 * @param x [T, B, I] time-major
 * @param weights five slots per layer and direction: w_ih, w_hh, b_ih, b_hh, w_hr
 * @param masks optional dropout masks [L-1] of [T, B, D*P] applied between layers
 */
export function refRnn(spec: RefSpec, x: Tensor, h0: Tensor | null, c0: Tensor | null, weights: (Tensor | null)[],
  lengths: number[] | null = null, masks: Tensor[] | null = null): { output: Tensor; hN: Tensor; cN: Tensor | null } {
  const [T, B] = x.shape;
  const H = spec.hiddenSize, P = spec.projSize || H, D = spec.bidirectional ? 2 : 1;
  const dt = x.dtype;
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  let layerIn = x;
  for (let l = 0; l < spec.numLayers; l++) {
    const dirOuts: Tensor[] = [];
    for (let d = 0; d < D; d++) {
      const ld = l * D + d;
      const [wih, whh, bih, bhh, whr] = weights.slice(5 * ld, 5 * ld + 5);
      let h = h0 ? tf.select(h0, 0, ld) : tf.zeros([B, P], { dtype: dt });
      let c = c0 ? tf.select(c0, 0, ld) : tf.zeros([B, H], { dtype: dt });
      const outs: Tensor[] = new Array(T);
      for (let s = 0; s < T; s++) {
        const t = d === 0 ? s : T - 1 - s;
        const xt = tf.select(layerIn, 0, t);
        let gi = tf.matmul(xt, tf.transpose(wih!, 0, 1));
        let gh = tf.matmul(h, tf.transpose(whh!, 0, 1));
        if (bih) gi = tf.add(gi, bih);
        if (bhh) gh = tf.add(gh, bhh!);
        let hNew: Tensor;
        let cNew = c;
        if (spec.mode === 'lstm') {
          const g = tf.add(gi, gh);
          const i = tf.sigmoid(chunk(g, 4, 0, H)), f = tf.sigmoid(chunk(g, 4, 1, H));
          const gg = tf.tanh(chunk(g, 4, 2, H)), o = tf.sigmoid(chunk(g, 4, 3, H));
          cNew = tf.add(tf.mul(f, c), tf.mul(i, gg));
          hNew = tf.mul(o, tf.tanh(cNew));
          if (whr) hNew = tf.matmul(hNew, tf.transpose(whr, 0, 1));
        } else if (spec.mode === 'gru') {
          const r = tf.sigmoid(tf.add(chunk(gi, 3, 0, H), chunk(gh, 3, 0, H)));
          const z = tf.sigmoid(tf.add(chunk(gi, 3, 1, H), chunk(gh, 3, 1, H)));
          const n = tf.tanh(tf.add(chunk(gi, 3, 2, H), tf.mul(r, chunk(gh, 3, 2, H))));
          hNew = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
        } else {
          const pre = tf.add(gi, gh);
          hNew = spec.mode === 'rnn_relu' ? tf.relu(pre) : tf.tanh(pre);
        }
        if (lengths) {
          const m = tf.tensor(lengths.map((len) => (t < len ? 1 : 0)), { dtype: dt, shape: [B, 1] });
          outs[t] = tf.mul(hNew, m);
          h = tf.add(tf.mul(hNew, m), tf.mul(h, tf.sub(1, m)));
          c = tf.add(tf.mul(cNew, m), tf.mul(c, tf.sub(1, m)));
        } else {
          outs[t] = hNew;
          h = hNew;
          c = cNew;
        }
      }
      dirOuts.push(tf.stack(outs, 0));
      hs.push(h);
      cs.push(c);
    }
    const out = D === 1 ? dirOuts[0] : tf.cat(dirOuts, 2);
    layerIn = masks && l < spec.numLayers - 1 ? tf.mul(out, masks[l]) : out;
  }
  return { output: layerIn, hN: tf.stack(hs, 0), cN: spec.mode === 'lstm' ? tf.stack(cs, 0) : null };
}
