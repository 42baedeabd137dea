// GEMM throughput: node bench/matmul.mjs [size=1024] [threads=2] (after npm run build).
// Prints GFLOP/s (2·M·N·K flops per product) for float32 and float64, AVX2 and portable.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tf = require('../dist/index.js');
const n = Number(process.argv[2] ?? 1024);
const threads = Number(process.argv[3] ?? 2);
tf.setNumThreads(threads);
for (const portable of [false, true]) {
  tf.setPortableKernels(portable);
  for (const dtype of ['float32', 'float64']) {
    const a = tf.randn([n, n], { dtype });
    const b = tf.randn([n, n], { dtype });
    tf.matmul(a, b).dispose();
    const reps = Math.max(3, Math.round(2e10 / (2 * n * n * n)));
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const t0 = process.hrtime.bigint();
      tf.matmul(a, b).dispose();
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    const kernels = portable ? 'portable' : tf.backendInfo().simd;
    console.log(`${n}^3 ${dtype} ${kernels} ${threads} threads: ${((2 * n * n * n) / best / 1e9).toFixed(1)} GFLOP/s (best of ${reps})`);
    a.dispose();
    b.dispose();
  }
}
tf.setPortableKernels(false);
