// Per-op overhead of small elementwise ops (the number users of small models feel), and
// throughput on a large tensor. Run after `npm run build:ts`:
//   node bench/elementwise_overhead.mjs
// Each figure is a tight loop of 200k calls, reported as ns per call; the minimum and
// median over 10 repetitions are shown because other processes disturb single runs, and
// the process CPU time per call (user + system, which time spent descheduled does not
// inflate; the GC's helper threads count in it).
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const tf = require('../dist/index.js');

function bench(name, fn, iters = 200_000, reps = 10) {
  for (let i = 0; i < 50_000; i++) fn();
  const t = [];
  const c = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) fn();
    t.push(Number(process.hrtime.bigint() - t0) / iters);
    const cu = process.cpuUsage(c0);
    c.push(((cu.user + cu.system) * 1000) / iters);
  }
  t.sort((a, b) => a - b);
  c.sort((a, b) => a - b);
  const f = (v) => v.toFixed(0).padStart(7);
  console.log(`${name.padEnd(44)} wall min ${f(t[0])} ns  median ${f(t[reps >> 1])} ns   cpu median ${f(c[reps >> 1])} ns`);
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
