// Timings of the reduce family: a full float32 sum of 4M elements, softmax and
// logSoftmax over [256, 1024], a column sum; 1 and 2 threads, AVX2 and portable kernels.
// Run: npm run build:ts && node bench/reduce.mjs
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const tf = require('../dist/index.js');

// "median (min)" in ms: the machine may be shared, so both are shown.
function median(fn, reps) {
  for (let i = 0; i < 5; i++) fn();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return `${times[Math.floor(reps / 2)].toFixed(3)} (${times[0].toFixed(3)})`;
}

const big = tf.rand([4 * 1024 * 1024]);
const logits = tf.randn([256, 1024]);
const mat = tf.rand([2048, 2048]);
const rows = [];
for (const portable of [false, true]) {
  tf.setPortableKernels(portable);
  for (const threads of [1, 2]) {
    tf.setNumThreads(threads);
    const kernels = tf.backendInfo().simd;
    rows.push({
      kernels, threads,
      'sum 4M f32': median(() => big.sum().dispose(), 50),
      'softmax [256,1024]': median(() => logits.softmax(-1).dispose(), 50),
      'logSoftmax [256,1024]': median(() => logits.logSoftmax(-1).dispose(), 50),
      'amax 4M': median(() => big.amax().dispose(), 50),
      'sum dim0 [2048,2048]': median(() => mat.sum(0).dispose(), 20),
      'sum dim1 [2048,2048]': median(() => mat.sum(1).dispose(), 20),
    });
  }
}
console.table(rows);
