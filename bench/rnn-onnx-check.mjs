// Checks the bench's ONNX recurrent models: an LSTM and a GRU of tensorforge, written to
// ONNX by peers/onnx-rnn.mjs, give the same output in onnxruntime (so the rnn suite times
// the same computation in both).   node bench/rnn-onnx-check.mjs
import { createRequire } from 'node:module';
import { onnxRnnModel } from './peers/onnx-rnn.mjs';

const require = createRequire(import.meta.url);
const tf = require('..');
const ort = require('onnxruntime-node');

let worst = 0;
for (const cell of ['lstm', 'gru']) {
  const w = { cell, T: 6, B: 3, I: 5, H: 7 };
  tf.manualSeed(1);
  const layer = cell === 'lstm' ? new tf.nn.LSTM(w.I, w.H) : new tf.nn.GRU(w.I, w.H);
  const get = (n) => Float32Array.from(layer[n].dataSync());
  const model = onnxRnnModel(w, { w_ih: get('weight_ih_l0'), w_hh: get('weight_hh_l0'), b_ih: get('bias_ih_l0'), b_hh: get('bias_hh_l0') });
  const x = tf.randn([w.T, w.B, w.I]);
  const want = tf.noGrad(() => layer.forward(x)[0]).dataSync();
  const session = await ort.InferenceSession.create(model);
  const { y } = await session.run({ x0: new ort.Tensor('float32', Float32Array.from(x.dataSync()), [w.T, w.B, w.I]) });
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(y.data[i] - want[i]));
  console.log(`${cell}: onnxruntime output [${y.dims}] vs tensorforge: max |difference| ${d.toExponential(2)}`);
  worst = Math.max(worst, d);
  await session.release();
}
if (!(worst < 1e-5)) {
  console.error('the ONNX models do not compute what tensorforge computes');
  process.exit(1);
}
