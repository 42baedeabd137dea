// tensorforge side of bench/lenet.mjs: the same LeNet-5, Adam and loops as
// bench/peers/torch_lenet.py (the model and data code of examples/fashion-mnist).
//   --mode step: median ms of a training step at batch 64 on random data
//   --mode full: the full Fashion-MNIST for --epochs epochs, time and test accuracy
//   --profile: with --mode step, time per phase (forward, backward, optimizer step)
// Prints one JSON line.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { accuracy, leNet5, loadFashionMnist } from '../../examples/fashion-mnist/lenet.mjs';

const require = createRequire(import.meta.url);
const tf = require('../..');

const { values: o } = parseArgs({
  options: {
    mode: { type: 'string', default: 'step' },
    threads: { type: 'string', default: '1' },
    data: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    epochs: { type: 'string', default: '2' },
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '60' },
    seed: { type: 'string', default: '0' },
  },
});
const threads = Number(o.threads);
const batch = Number(o.batch);
tf.setNumThreads(threads);
tf.manualSeed(Number(o.seed));
const model = leNet5(tf);
const opt = new tf.optim.Adam(model.parameters(), { lr: 1e-3 });
const step = (x, y) => tf.tidy(() => {
  opt.zeroGrad();
  const loss = tf.F.crossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
});

const median = (a) => a.slice().sort((p, q) => p - q)[Math.floor(a.length / 2)];
if (o.mode === 'step') {
  const x = tf.keep(tf.rand([batch, 1, 28, 28]));
  const y = tf.keep(tf.randint(0, 10, [batch], { dtype: 'int32' }));
  for (let i = 0; i < 10; i++) step(x, y);
  const times = [];
  for (let i = 0; i < Number(o.steps); i++) {
    const t0 = performance.now();
    step(x, y);
    times.push(performance.now() - t0);
  }
  console.log(JSON.stringify({ threads, ms: median(times), min_ms: Math.min(...times) }));
} else {
  const tLoad = performance.now();
  const data = loadFashionMnist(tf, o.data);
  const loadSeconds = (performance.now() - tLoad) / 1000;
  const loader = new tf.data.DataLoader(new tf.data.TensorDataset(data.trainX, data.trainY), { batchSize: batch, shuffle: true, seed: Number(o.seed) });
  const t0 = performance.now();
  let steps = 0;
  for (let e = 0; e < Number(o.epochs); e++) {
    for (const [xb, yb] of loader) {
      step(xb, yb);
      xb.dispose();
      yb.dispose();
      steps++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const acc = accuracy(tf, model, data.testX, data.testY);
  console.log(JSON.stringify({ threads, seconds, load_seconds: loadSeconds, steps, accuracy: acc }));
}
