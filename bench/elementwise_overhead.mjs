// Per-op overhead of small elementwise ops (the number users of small models feel), and
// throughput on a large tensor. Run after `npm run build:ts`:
//   node bench/elementwise_overhead.mjs
// Each figure is a tight loop of 200k calls, reported as ns per call; the minimum and
// median over 10 repetitions are shown because other processes disturb single runs.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const tf = require('../dist/index.js');

function bench(name, fn, iters = 200_000, reps = 10) {
  for (let i = 0; i < 50_000; i++) fn();
  const t = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) fn();
    t.push(Number(process.hrtime.bigint() - t0) / iters);
  }
  t.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} min ${t[0].toFixed(0).padStart(6)} ns   median ${t[reps >> 1].toFixed(0).padStart(6)} ns`);
}

const a = tf.rand([16]);
const b = tf.rand([16]);
console.log(`tensorforge elementwise overhead, ${tf.backendInfo().simd}, node ${process.version}`);
bench('tf.add(a, b) [16] float32, result kept (GC)', () => { tf.add(a, b); });
bench('tf.add(a, b) [16] float32, result disposed', () => { tf.add(a, b).dispose(); });
bench('a.mul(2) [16], disposed', () => { a.mul(2).dispose(); });
bench('a.relu() [16], disposed', () => { a.relu().dispose(); });
bench('a.gt(b) [16], disposed', () => { a.gt(b).dispose(); });
bench('a.add_(1e-9) [16] in place', () => { a.add_(1e-9); });
const x = tf.rand([1 << 20]);
const y = tf.rand([1 << 20]);
bench('tf.add(x, y) [1M] float32, disposed', () => { tf.add(x, y).dispose(); }, 200, 5);
bench('tf.gelu(x) [1M] float32, disposed', () => { tf.gelu(x).dispose(); }, 50, 5);
