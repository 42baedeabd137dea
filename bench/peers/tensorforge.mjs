// tensorforge's side of the bench: node peers/tensorforge.mjs --suite ops --threads 2
// prints {"workload name": microseconds per call, ...}. Results are disposed each call,
// as a program using tidy() or dispose() would.
import { createRequire } from 'node:module';
import { suites } from '../workloads.mjs';
import { parseArgs, timeIt } from '../timing.mjs';

const require = createRequire(import.meta.url);
const tf = require('../..');
const args = parseArgs(process.argv.slice(2));
tf.setNumThreads(Number(args.threads ?? 1));

const ops = {
  add: (a, b) => tf.add(a, b),
  mul: (a, b) => tf.mul(a, b),
  exp: (a) => tf.exp(a),
  tanh: (a) => tf.tanh(a),
  sigmoid: (a) => tf.sigmoid(a),
  relu: (a) => tf.relu(a),
  gelu: (a) => tf.gelu(a),
  sum: (a) => tf.sum(a),
  sumRows: (a) => tf.sum(a, 1),
  softmax: (a) => tf.softmax(a, -1),
  transposeCopy: (a) => a.t().contiguous(),
  matmul: (a, b) => tf.matmul(a, b),
};

function mlp(layers) {
  const mods = [];
  for (let i = 0; i + 1 < layers.length; i++) {
    if (i > 0) mods.push(new tf.nn.ReLU());
    mods.push(new tf.nn.Linear(layers[i], layers[i + 1]));
  }
  return new tf.nn.Sequential(...mods);
}

// Model workloads: build once, return the function timed per call.
const models = {
  mlpTrainStep: (w) => {
    const model = mlp(w.layers);
    const opt = new tf.optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = tf.randn([w.batch, w.layers[0]]);
    const y = tf.randint(0, w.layers[w.layers.length - 1], [w.batch]);
    return () => tf.tidy(() => {
      opt.zeroGrad();
      const loss = tf.F.crossEntropy(model.call(x), y);
      loss.backward();
      opt.step();
    });
  },
  rnnForward: (w) => {
    const C = w.cell === 'lstm' ? tf.nn.LSTM : tf.nn.GRU;
    const layer = new C(w.I, w.H).eval();
    const x = tf.randn([w.T, w.B, w.I]);
    return () => tf.noGrad(() => tf.dispose(layer.forward(x)));
  },
  rnnTrain: (w) => {
    const C = w.cell === 'lstm' ? tf.nn.LSTM : tf.nn.GRU;
    const layer = new C(w.I, w.H);
    const x = tf.randn([w.T, w.B, w.I]).requiresGrad_();
    return () => tf.tidy(() => {
      layer.zeroGrad();
      x.grad = null;
      const [out] = layer.forward(x);
      tf.sum(out).backward();
    });
  },
  // Convolutions (suite conv): a layer's forward, or forward and all three gradients.
  conv2d: (w) => {
    const { n, c, h, w: wd, k, ks, pad, groups, stride } = w.conv;
    const x = tf.randn([n, c, h, wd]);
    const weight = tf.randn([k, c / groups, ks, ks]);
    const bias = tf.randn([k]);
    return () => tf.conv2d(x, weight, bias, { padding: pad, groups, stride }).dispose();
  },
  conv2dTrain: (w) => {
    const { n, c, h, w: wd, k, ks, pad, groups, stride, oh, ow } = w.conv;
    const x = tf.randn([n, c, h, wd]).requiresGrad_();
    const weight = tf.randn([k, c / groups, ks, ks]).requiresGrad_();
    const bias = tf.randn([k]).requiresGrad_();
    const gy = tf.randn([n, k, oh, ow]);
    return () => tf.tidy(() => {
      for (const t of [x, weight, bias]) { t.grad?.dispose(); t.grad = null; }
      tf.conv2d(x, weight, bias, { padding: pad, groups, stride }).backward(gy);
    });
  },
  mlpInfer: (w) => {
    const model = mlp(w.layers).eval();
    const x = tf.randn([w.batch, w.layers[0]]);
    return () => tf.noGrad(() => model.call(x).dispose());
  },
};

const results = {};
for (const w of suites[args.suite ?? 'ops']) {
  if (models[w.op]) {
    tf.manualSeed(0);
    try {
      results[w.name] = timeIt(models[w.op](w));
    } catch (e) {
      results[w.name] = null;
      console.error(`tensorforge: ${w.name}: ${e.message}`);
    }
    continue;
  }
  const fn = ops[w.op];
  if (!fn) continue;
  tf.manualSeed(0);
  const inputs = w.shapes.map((s) => tf.randn(s));
  try {
    results[w.name] = timeIt(() => fn(...inputs).dispose());
  } catch (e) {
    results[w.name] = null;
    console.error(`tensorforge: ${w.name}: ${e.message}`);
  }
  for (const t of inputs) t.dispose();
}
console.log(JSON.stringify(results));
