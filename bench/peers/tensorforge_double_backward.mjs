// tensorforge side of bench/double_backward.mjs: the workloads of
// bench/peers/torch_double_backward.py (see there), float32, random data. --lib DIR runs
// another checkout (to compare the first-order step before and after a change).
// Prints one JSON line of median milliseconds per step.
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '15' },
    lib: { type: 'string', default: '../..' },
    only: { type: 'string', default: '' },
  },
});
const require = createRequire(import.meta.url);
const tf = require(path.resolve(path.dirname(new URL(import.meta.url).pathname), o.lib));
const { nn } = tf;
const F = tf.nn.functional;
tf.setNumThreads(Number(o.threads));
tf.manualSeed(0);
const B = 32;

const critic = new nn.Sequential(
  new nn.Conv2d(3, 32, 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(0.2),
  new nn.Conv2d(32, 64, 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(0.2),
  new nn.Conv2d(64, 128, 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(0.2),
  new nn.Flatten(), new nn.Linear(128 * 4 * 4, 1),
);
const opt = new tf.optim.Adam(critic.parameters(), { lr: 1e-4, betas: [0.5, 0.9] });
const real = tf.keep(tf.rand([B, 3, 32, 32]).mul(2).sub(1));
const fake = tf.keep(tf.rand([B, 3, 32, 32]).mul(2).sub(1));
const alpha = tf.keep(tf.rand([B, 1, 1, 1]));

const wganStep = (penalty) => tf.tidy(() => {
  opt.zeroGrad();
  let loss = critic.forward(fake).mean().sub(critic.forward(real).mean());
  if (penalty) {
    const xi = alpha.mul(real).add(alpha.neg().add(1).mul(fake)).requiresGrad_();
    const [g] = tf.autograd.grad(critic.forward(xi).sum(), [xi], undefined, { createGraph: true });
    const gp = g.flatten(1).pow(2).sum(1).sqrt().sub(1).pow(2).mean();
    loss = loss.add(gp.mul(10));
  }
  loss.backward();
  opt.step();
});

const net = new nn.Sequential(
  new nn.Conv2d(3, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.Tanh(), new nn.MaxPool2d(2),
  new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.Tanh(), new nn.AvgPool2d(2),
  new nn.Flatten(), new nn.Linear(32 * 8 * 8, 10),
);
const params = net.parameters();
const vs = params.map((q) => tf.keep(tf.randn(q.shape)));
const hx = tf.keep(tf.rand([B, 3, 32, 32]));
const hy = tf.keep(tf.randint(0, 10, [B]));
const hvpStep = () => tf.tidy(() => {
  const loss = F.crossEntropy(net.forward(hx), hy);
  const gs = tf.autograd.grad(loss, params, undefined, { createGraph: true });
  const dot = gs.map((g, i) => g.mul(vs[i]).sum()).reduce((a, b) => a.add(b));
  return tf.autograd.grad(dot, params).map((t) => t.dataSync()[0]);
});

function medianMs(f) {
  for (let i = 0; i < 3; i++) f();
  const times = [];
  for (let i = 0; i < Number(o.steps); i++) {
    const t0 = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}

const res = { threads: Number(o.threads) };
if (o.only !== 'first') {
  res.wgan_gp = medianMs(() => wganStep(true));
  res.hvp = medianMs(hvpStep);
}
res.first = medianMs(() => wganStep(false));
console.log(JSON.stringify(res));
