// A runnable walk through tensorforge's tensor core: npm run example:tour
// Fits a line by least squares with plain tensor ops, then shows views, dtypes, memory
// scopes and threads.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tf = require('..');

console.log('backend:', tf.backendInfo());

// Data: y = 3x - 2 + noise
tf.manualSeed(0);
const n = 1000;
const x = tf.linspace(-1, 1, n).unsqueeze(1);                 // [n, 1]
const noise = tf.randn([n, 1]).mul(0.1);
const y = x.mul(3).sub(2).add(noise);                          // [n, 1]

// Least squares through the normal equations: solve [[Σx², Σx], [Σx, n]] θ = [Σxy, Σy]
const fit = tf.tidy(() => {
  const X = tf.cat([x, tf.onesLike(x)], 1);                    // [n, 2]
  const XtX = X.T.matmul(X);                                   // [2, 2]
  const Xty = X.T.matmul(y);                                   // [2, 1]
  const [[a, b], [c, d]] = XtX.toArray();
  const det = a * d - b * c;
  const inv = tf.tensor([[d, -b], [-c, a]]).div(det);
  return inv.matmul(Xty).squeeze();                            // the only tensor kept
});
const [slope, intercept] = fit.toArray();
console.log(`fit: y = ${slope.toFixed(3)} x ${intercept < 0 ? '-' : '+'} ${Math.abs(intercept).toFixed(3)}  (true: 3x - 2)`);
const residual = tf.tidy(() => x.mul(slope).add(intercept).sub(y).pow(2).mean().sqrt());
console.log('rms residual:', residual.item().toFixed(4), '(noise std 0.1)');

// Views share memory; reductions take dims and keepdim (tidy frees what the prints made)
const m = tf.arange(12).reshape(3, 4);
tf.tidy(() => {
console.log('m =', m.toString());
console.log('m.T =', m.T.toString());
console.log('m[:, 1::2] =', m.slice(1, 1, null, 2).toString());
console.log('row sums', m.sum(1).toString(), 'col max', m.max(0).values.toString());
console.log('softmax rows', m.float().softmax(-1).toString());

// dtypes and promotion
console.log('int32 + 0.5 ->', tf.add(m, 0.5).dtype, '; m > 5 ->', m.gt(5).toString());
});

// Memory: tidy frees temporaries; memory() reports what is alive
const before = tf.memory();
let total = 0;
for (let i = 0; i < 1000; i++) {
  const s = tf.tidy(() => tf.randn([256, 256]).exp().sum()); // the temporaries are freed here
  total += s.item();
  s.dispose(); // and the result here
}
const after = tf.memory();
console.log(`mean of sum(exp(randn)) over 1000 steps: ${(total / 1000).toFixed(0)} (expected 256*256*e^0.5 = ${(65536 * Math.exp(0.5)).toFixed(0)})`);
console.log(`live tensors before and after the 1000 steps: ${before.numTensors} and ${after.numTensors}`);
