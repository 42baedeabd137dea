// TensorFlow.js side: node peers/tfjs.mjs --suite ops --backend cpu|wasm
// (@tensorflow/tfjs-node cannot be installed here: its install downloads libtensorflow.)
import { createRequire } from 'node:module';
import { suites } from '../workloads.mjs';
import { parseArgs, timeIt } from '../timing.mjs';

const require = createRequire(import.meta.url);
const args = parseArgs(process.argv.slice(2));
const tf = require('@tensorflow/tfjs');
if (args.backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(args.backend ?? 'cpu');
await tf.ready();

const gelu = (x) => tf.tidy(() => x.mul(0.5).mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)));
const ops = {
  add: (a, b) => tf.add(a, b),
  mul: (a, b) => tf.mul(a, b),
  exp: (a) => tf.exp(a),
  tanh: (a) => tf.tanh(a),
  sigmoid: (a) => tf.sigmoid(a),
  relu: (a) => tf.relu(a),
  gelu,
  sum: (a) => tf.sum(a),
  sumRows: (a) => tf.sum(a, 1),
  softmax: (a) => tf.softmax(a, -1),
  transposeCopy: (a) => tf.transpose(a),
  matmul: (a, b) => tf.matMul(a, b),
};

const results = {};
for (const w of suites[args.suite ?? 'ops']) {
  const fn = ops[w.op];
  if (!fn) continue;
  // tfjs runs one thread in JS or wasm: products past ~40 MFLOP take seconds per call.
  if (w.flops > 4e7) continue;
  const inputs = w.shapes.map((s) => tf.randomNormal(s));
  // dataSync on a 16-element add would dominate; tfjs cpu/wasm run synchronously, so
  // disposing the result is enough to time the op itself.
  try {
    const slow = w.shapes[0].reduce((a, b) => a * b, 1) >= 1 << 20 && args.backend === 'cpu';
    results[w.name] = timeIt(() => tf.dispose(fn(...inputs)), slow ? { minMs: 200, repeats: 3 } : {});
  } catch (e) {
    results[w.name] = null;
    console.error(`tfjs-${args.backend}: ${w.name}: ${e.message}`);
  }
  tf.dispose(inputs);
}
console.log(JSON.stringify(results));
