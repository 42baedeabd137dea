/**
 * The recurrent layers against PyTorch 1.13: test/fixtures/rnn_fixtures.json, written by
 * test/fixtures/make_rnn_fixtures.py, holds state dicts, inputs, initial states, lengths
 * (packed sequences), outputs and gradients. A PyTorch state dict loads unchanged and
 * gives the same outputs and gradients, in float64 (tight) and float32 (1e-5).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { expectClose } from '../helpers';

const { nn } = tf;

interface Enc { shape: number[]; values: number[] }
interface Case {
  name: string; class: string; args: number[]; kwargs: Record<string, unknown>; lengths?: number[] | null; cell?: boolean;
  state: Record<string, Enc>; x: Enc; h0: Enc | null; c0: Enc | null;
  wo?: Enc; wh?: Enc; wc?: Enc | null; out?: Enc; hN?: Enc; cN?: Enc | null; ws?: Enc[]; outs?: Enc[];
  grad_x: Enc; grad_h0?: Enc | null; grad_c0?: Enc | null; grad_params: Record<string, Enc>;
}

const fixtures = JSON.parse(readFileSync(join(__dirname, '../fixtures/rnn_fixtures.json'), 'utf8')) as { torch: string; cases: Case[] };

const dec = (e: Enc, dtype: DType): Tensor => tf.tensor(e.values, { shape: e.shape, dtype });

/** PyTorch's snake_case keyword arguments in camelCase. */
function camel(kw: Record<string, unknown>): Record<string, unknown> {
  const map: Record<string, string> = { num_layers: 'numLayers', batch_first: 'batchFirst', proj_size: 'projSize' };
  return Object.fromEntries(Object.entries(kw).map(([k, v]) => [map[k] ?? k, v]));
}

function build(c: Case, dtype: DType): tf.nn.Module {
  const C = (nn as unknown as Record<string, new (...a: unknown[]) => tf.nn.Module>)[c.class];
  const m = new C(c.args[0], c.args[1], { ...camel(c.kwargs), dtype });
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.state)) sd[k] = dec(v, dtype);
  const res = m.loadStateDict(sd);
  expect(res.missingKeys ?? []).toEqual([]);
  expect(res.unexpectedKeys ?? []).toEqual([]);
  return m;
}

describe(`recurrent layers match PyTorch ${fixtures.torch}`, () => {
  for (const c of fixtures.cases) {
    for (const dtype of ['float64', 'float32'] as DType[]) {
      const tol = dtype === 'float64' ? { rtol: 1e-10, atol: 1e-11 } : { rtol: 1e-5, atol: 1e-5 };
      it(`${c.name} (${dtype})`, () => {
        const m = build(c, dtype);
        const x = dec(c.x, dtype).requiresGrad_();
        const h0 = c.h0 ? dec(c.h0, dtype).requiresGrad_() : null;
        const c0 = c.c0 ? dec(c.c0, dtype).requiresGrad_() : null;
        let outs: Tensor[];
        let weights: Tensor[];
        let wants: Enc[];
        if (c.cell) {
          const r = c.class === 'LSTMCell' ? (m as tf.nn.LSTMCell).forward(x, [h0!, c0!]) : [(m as tf.nn.GRUCell).forward(x, h0)];
          outs = r;
          weights = c.ws!.map((w) => dec(w, dtype));
          wants = c.outs!;
        } else {
          const opts = { lengths: c.lengths ?? undefined };
          if (c.class === 'LSTM') {
            const [o, [h, cc]] = (m as tf.nn.LSTM).forward(x, h0 ? [h0, c0!] : null, opts);
            outs = [o, h, cc];
          } else {
            const [o, h] = (m as tf.nn.GRU).forward(x, h0, opts);
            outs = [o, h];
          }
          weights = [c.wo!, c.wh!, ...(c.wc ? [c.wc] : [])].map((w) => dec(w, dtype));
          wants = [c.out!, c.hN!, ...(c.cN ? [c.cN] : [])];
        }
        outs.forEach((o, i) => {
          expect(o.shape).toEqual(wants[i].shape);
          expectClose(o.dataSync(), wants[i].values, { ...tol, what: `output ${i}` });
        });
        const loss = outs.reduce((s, o, i) => tf.add(s, tf.sum(tf.mul(o, weights[i]))), tf.zeros([], { dtype }));
        const named = m.namedParameters();
        const wrt = [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...named.map(([, p]) => p)];
        const grads = tf.autograd.grad(loss, wrt);
        const want = [c.grad_x, ...(h0 ? [c.grad_h0!] : []), ...(c0 ? [c.grad_c0!] : []), ...named.map(([n]) => c.grad_params[n])];
        const names = ['input', ...(h0 ? ['h0'] : []), ...(c0 ? ['c0'] : []), ...named.map(([n]) => n)];
        grads.forEach((g, i) => expectClose(g!.dataSync(), want[i].values, { ...tol, what: `grad ${names[i]}` }));
      });
    }
  }
});
