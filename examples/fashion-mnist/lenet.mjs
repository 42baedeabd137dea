// LeNet-5 on Fashion-MNIST: the model, the data, a PyTorch-style training loop, a fit()
// run, evaluation and the command line. train.mjs calls main() with the built package;
// the test calls it with the TypeScript sources.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const SUBSET_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'data');
export const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};

/**
 * LeNet-5 as in the classic layout, for 28x28 inputs: conv 1->6 5x5 (padding 2), pool,
 * conv 6->16 5x5, pool, then 400 -> 120 -> 84 -> 10.
 */
export function leNet5(tf, { activation = 'relu' } = {}) {
  const { nn } = tf;
  const act = () => (activation === 'tanh' ? new nn.Tanh() : new nn.ReLU());
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), act(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), act(), new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120), act(),
    new nn.Linear(120, 84), act(),
    new nn.Linear(84, 10),
  );
}

/** Images as float32 [N, 1, 28, 28] in [0, 1] and int32 labels [N], from IDX files (gzip). */
export function loadFashionMnist(tf, dir) {
  const file = (name) => {
    const gz = join(dir, name);
    if (existsSync(gz)) return gz;
    const plain = gz.replace(/\.gz$/, '');
    if (existsSync(plain)) return plain;
    throw new Error(`fashion-mnist: ${gz} not found (expected the four IDX files of Fashion-MNIST in ${dir})`);
  };
  const images = (name) => {
    const t = tf.data.readIdx(file(name), { dtype: 'float32', scale: 1 / 255 });
    return t.reshape([t.shape[0], 1, t.shape[1], t.shape[2]]);
  };
  return {
    trainX: images(FILES.trainImages),
    trainY: tf.data.readIdx(file(FILES.trainLabels)),
    testX: images(FILES.testImages),
    testY: tf.data.readIdx(file(FILES.testLabels)),
  };
}

/** Test accuracy in eval mode without gradients, in batches. */
export function accuracy(tf, model, x, y, batchSize = 1000) {
  model.eval();
  let correct = 0;
  const n = x.shape[0];
  tf.noGrad(() => {
    for (let i = 0; i < n; i += batchSize) {
      tf.tidy(() => {
        const m = Math.min(batchSize, n - i);
        const pred = model.forward(x.narrow(0, i, m)).argmax(1);
        correct += pred.eq(y.narrow(0, i, m)).sum().item();
      });
    }
  });
  model.train();
  return correct / n;
}

function progressLine(out, label, step, total, loss, t0) {
  const secs = (performance.now() - t0) / 1000;
  out(`${label} ${String(step).padStart(String(total).length)}/${total}  loss ${loss.toFixed(4)}  ${secs.toFixed(1)} s`);
}

/**
 * The PyTorch-style loop: shuffled batches, zeroGrad, forward, crossEntropy, backward,
 * step. Stops after maxSteps batches when given. Returns the number of steps run.
 */
export function trainLoop(tf, model, data, { epochs, batchSize, lr, seed, maxSteps = Infinity, log, logEvery }) {
  const optimizer = new tf.optim.Adam(model.parameters(), { lr });
  const loader = new tf.data.DataLoader(new tf.data.TensorDataset(data.trainX, data.trainY), { batchSize, shuffle: true, seed });
  const total = Math.min(epochs * loader.length, maxSteps);
  const t0 = performance.now();
  let step = 0;
  let running = 0;
  let seen = 0;
  model.train();
  outer: for (let epoch = 0; epoch < epochs; epoch++) {
    for (const [xb, yb] of loader) {
      const loss = tf.tidy(() => {
        optimizer.zeroGrad();
        const l = tf.F.crossEntropy(model.forward(xb), yb);
        l.backward();
        optimizer.step();
        return l.item();
      });
      xb.dispose();
      yb.dispose();
      step++;
      running += loss;
      seen++;
      if (step % logEvery === 0 || step === total) {
        progressLine(log, `loop epoch ${epoch + 1}/${epochs} step`, step, total, running / seen, t0);
        running = 0;
        seen = 0;
      }
      if (step >= maxSteps) break outer;
    }
  }
  return step;
}

/** The same training with compile() + fit(). */
export function trainFit(tf, model, data, { epochs, batchSize, lr, seed, verbose, stream }) {
  const optimizer = new tf.optim.Adam(model.parameters(), { lr });
  model.compile({ optimizer, loss: 'crossEntropy', metrics: ['accuracy'] });
  return model.fit(data.trainX, data.trainY, { epochs, batchSize, seed, verbose, stream });
}

const HELP = `Trains LeNet-5 on Fashion-MNIST, once with a PyTorch-style loop and once with fit().

  node examples/fashion-mnist/train.mjs [options]

  --data DIR        the four IDX files (gzip or not), e.g. /usr/share/datasets/fashion-mnist
                    (default: the 2,000 / 500 image subset in examples/fashion-mnist/data)
  --epochs N        epochs (default 2)
  --batch-size N    batch size (default 64)
  --lr X            Adam learning rate (default 1e-3)
  --mode M          loop, fit or both (default both)
  --activation A    relu or tanh (default relu)
  --max-steps N     stop the loop after N batches (a quick check)
  --limit N         use only the first N training images
  --threads N       native threads (default: all cores)
  --seed N          seed of the weights and the shuffling (default 0)
  --out DIR         where saveModel writes the trained models (default: <tmpdir>/tensorforge-fashion-mnist)
  --quiet           only the results
  --help            this text
`;

/** Runs the example with the given tensorforge module and arguments; returns the results. */
export function main(tf, argv, { log = console.log } = {}) {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      epochs: { type: 'string', default: '2' },
      'batch-size': { type: 'string', default: '64' },
      lr: { type: 'string', default: '1e-3' },
      mode: { type: 'string', default: 'both' },
      activation: { type: 'string', default: 'relu' },
      'max-steps': { type: 'string' },
      limit: { type: 'string' },
      threads: { type: 'string' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    log(HELP);
    return null;
  }
  const int = (name, v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
    return n;
  };
  const epochs = int('epochs', values.epochs);
  const batchSize = int('batch-size', values['batch-size']);
  const lr = Number(values.lr);
  const seed = Number(values.seed);
  const maxSteps = values['max-steps'] === undefined ? Infinity : int('max-steps', values['max-steps']);
  if (!['loop', 'fit', 'both'].includes(values.mode)) throw new Error(`--mode must be loop, fit or both, got ${values.mode}`);
  if (!['relu', 'tanh'].includes(values.activation)) throw new Error(`--activation must be relu or tanh, got ${values.activation}`);
  if (values.threads !== undefined) tf.setNumThreads(int('threads', values.threads));
  const quiet = values.quiet;
  const say = quiet ? () => {} : log;

  const dir = values.data ?? SUBSET_DIR;
  const tLoad = performance.now();
  const data = loadFashionMnist(tf, dir);
  if (values.limit !== undefined) {
    const n = Math.min(int('limit', values.limit), data.trainX.shape[0]);
    data.trainX = data.trainX.narrow(0, 0, n);
    data.trainY = data.trainY.narrow(0, 0, n);
  }
  say(`data: ${dir}${values.data ? '' : ' (the committed subset; pass --data DIR for the full set)'}: ` +
    `${data.trainX.shape[0]} training and ${data.testX.shape[0]} test images, read in ${((performance.now() - tLoad) / 1000).toFixed(2)} s`);

  const results = {};
  const stepsPerEpoch = Math.ceil(data.trainX.shape[0] / batchSize);
  const logEvery = Math.max(1, Math.floor(Math.min(stepsPerEpoch * epochs, maxSteps) / 10));
  for (const mode of values.mode === 'both' ? ['loop', 'fit'] : [values.mode]) {
    tf.manualSeed(seed);
    const model = leNet5(tf, { activation: values.activation });
    if (mode === 'loop') say(model.summary([1, 1, 28, 28]));
    const t0 = performance.now();
    let steps;
    if (mode === 'loop') {
      steps = trainLoop(tf, model, data, { epochs, batchSize, lr, seed, maxSteps, log: say, logEvery });
    } else {
      // fit() has no step limit: a limited run takes whole epochs (or part of one epoch's
      // images) for about maxSteps batches.
      let sub = data;
      let fitEpochs = epochs;
      if (Number.isFinite(maxSteps)) {
        if (maxSteps < stepsPerEpoch) {
          const m = maxSteps * batchSize;
          sub = { trainX: data.trainX.narrow(0, 0, m), trainY: data.trainY.narrow(0, 0, m) };
          fitEpochs = 1;
        } else fitEpochs = Math.min(epochs, Math.round(maxSteps / stepsPerEpoch));
      }
      const n = sub.trainX.shape[0];
      const history = trainFit(tf, model, sub, { epochs: fitEpochs, batchSize, lr, seed, verbose: quiet ? 0 : 1 });
      steps = history.epoch.length * Math.ceil(n / batchSize);
    }
    const trainSecs = (performance.now() - t0) / 1000;
    const acc = accuracy(tf, model, data.testX, data.testY);
    log(`${mode === 'loop' ? 'PyTorch-style loop' : 'fit()'}: ${steps} steps in ${trainSecs.toFixed(2)} s ` +
      `(${((1000 * trainSecs) / steps).toFixed(2)} ms/step), test accuracy ${(100 * acc).toFixed(2)}%`);
    const where = join(values.out ?? join(tmpdir(), 'tensorforge-fashion-mnist'), `lenet5-${mode}`);
    tf.saveModel(model, where, { inputShape: [null, 1, 28, 28] });
    say(`saved the trained model to ${where} (tf.loadModel('${where}') rebuilds it)`);
    results[mode] = { steps, seconds: trainSecs, accuracy: acc };
    model.dispose();
  }
  return results;
}
