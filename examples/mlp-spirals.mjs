// Trains a small MLP on the two-spiral set with the Keras-style API: compile, fit with a
// validation split, early stopping and a learning-rate schedule, then evaluate and predict.
//
//   npm run build:ts && npm run example:train
//
// On a terminal fit() draws a progress bar per epoch; piped into a file it prints one
// line per epoch.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tf = require('..');

tf.manualSeed(0);

// Two interleaved spirals, 300 points each, with a little noise.
function spirals(n, noise = 0.02) {
  const jitter = tf.rand([2 * n, 2]).sub(0.5).mul(noise).dataSync();
  let j = 0;
  const xs = [];
  const ys = [];
  for (let i = 0; i < n; i++) {
    const t = (i / n) * 3 * Math.PI + 0.3;
    const r = t / (3 * Math.PI);
    for (const [sign, label] of [[1, 0], [-1, 1]]) {
      xs.push([sign * r * Math.cos(t) + jitter[j++], sign * r * Math.sin(t) + jitter[j++]]);
      ys.push(label);
    }
  }
  // Shuffle once so that validationSplit (the last samples) sees both spirals everywhere.
  const order = tf.randperm(xs.length).dataSync();
  return { x: tf.tensor(Array.from(order, (i) => xs[i])), y: tf.tensor(Array.from(order, (i) => ys[i]), { dtype: 'int32' }) };
}

const { x, y } = spirals(300);
const model = new tf.nn.Sequential(
  new tf.nn.Linear(2, 64), new tf.nn.Tanh(),
  new tf.nn.Linear(64, 64), new tf.nn.Tanh(),
  new tf.nn.Linear(64, 2),
);
console.log(model.summary([1, 2]));

const optimizer = new tf.optim.Adam(model.parameters(), { lr: 0.01 });
model.compile({ optimizer, loss: 'crossEntropy', metrics: ['accuracy'] });

const history = model.fit(x, y, {
  epochs: 200,
  batchSize: 32,
  validationSplit: 0.2,
  seed: 0,
  callbacks: [
    new tf.callbacks.EarlyStopping({ monitor: 'val_accuracy', patience: 40, restoreBestWeights: true }),
    new tf.callbacks.LearningRateScheduler(new tf.optim.lrScheduler.StepLR(optimizer, { stepSize: 80, gamma: 0.5 })),
  ],
});

const { loss, accuracy } = model.evaluate(x, y);
console.log(`\ntrained ${history.epoch.length} epochs; on all ${x.shape[0]} points: loss ${loss.toFixed(4)}, accuracy ${(100 * accuracy).toFixed(1)}%`);

// predict() runs in eval mode without gradients, in batches.
const probe = [[0, 0.5], [0.5, 0], [-0.3, -0.3]];
const probs = model.predict(tf.tensor(probe)).softmax(-1).toArray();
probe.forEach((p, i) => console.log(`P(spiral 1 | x = ${JSON.stringify(p)}) = ${probs[i][1].toFixed(3)}`));
