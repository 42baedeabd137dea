// Side-by-side GEMM timing on a noisy machine: one long-lived tensorforge process per
// variant and a fresh numpy process per round take turns on short runs (the order flips
// every round), and the figure is the median over rounds of each round's ratio to the
// first entry, with its range. A host that slows down for seconds at a time then slows
// both sides of most pairs alike, which a best-of-N over long runs does not undo.
//
//   node bench/pairs.mjs --shape 1024,1024,1024 --threads 2 --rounds 41 --calls 5 \
//     --variants numpy,default,TF_GEMM_KC=512
//
// A variant is `numpy`, `default` (this build) or ENV=VALUE[+ENV=VALUE...] (this build with
// those environment variables, e.g. the tuning variables of docs/TUNING.md);
// TENSORFORGE_NATIVE=/path/to/tensorforge.node in a variant compares another build.
// The numpy process is started fresh each round so that OpenBLAS's spinning threads do
// not take a core from the run after it.
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    shape: { type: 'string', default: '1024,1024,1024' }, // M,K,N
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '21' },
    calls: { type: 'string', default: '5' }, // timed calls per turn (median taken)
    variants: { type: 'string', default: 'numpy,default' },
    worker: { type: 'boolean', default: false },
  },
});

if (opts.worker) {
  // Worker: reads "m k n threads calls" lines, answers the median µs of `calls` products.
  const tf = await import('../dist/index.js');
  const inputs = new Map();
  for await (const line of createInterface({ input: process.stdin })) {
    const [m, k, n, threads, calls] = line.trim().split(/\s+/).map(Number);
    tf.setNumThreads(threads);
    const key = `${m},${k},${n}`;
    if (!inputs.has(key)) inputs.set(key, [tf.randn([m, k]), tf.randn([k, n])]);
    const [a, b] = inputs.get(key);
    tf.matmul(a, b).dispose();
    const times = [];
    for (let i = 0; i < calls; i++) {
      const t0 = process.hrtime.bigint();
      tf.matmul(a, b).dispose();
      times.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    times.sort((x, y) => x - y);
    process.stdout.write(`${times[times.length >> 1]}\n`);
  }
  process.exit(0);
}

const shape = opts.shape.split(',').map(Number);
if (shape.length !== 3 || shape.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`--shape wants M,K,N, got ${opts.shape}`);
const threads = Number(opts.threads), rounds = Number(opts.rounds), calls = Number(opts.calls);
const NUMPY = `
import sys, time, numpy as np
m, k, n, calls = map(int, sys.argv[1:5])
a = np.random.randn(m, k).astype(np.float32); b = np.random.randn(k, n).astype(np.float32)
for _ in range(3): a @ b
t = []
for _ in range(calls):
    t0 = time.perf_counter(); a @ b; t.append((time.perf_counter() - t0) * 1e6)
t.sort(); print(t[len(t) // 2])
`;

function variant(name) {
  if (name === 'numpy') {
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
    return { name, ask: async () => Number(execFileSync('python3', ['-c', NUMPY, ...shape.map(String), String(calls)], { env }).toString()), stop() {} };
  }
  const extra = name === 'default' ? {} : Object.fromEntries(name.split('+').map((kv) => kv.split('=')));
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--worker'], { env: { ...process.env, ...extra }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    name,
    ask: async () => {
      child.stdin.write(`${shape.join(' ')} ${threads} ${calls}\n`);
      const { value, done } = await lines.next();
      if (done) throw new Error(`variant ${name}: the worker exited`);
      return Number(value);
    },
    stop: () => child.stdin.end(),
  };
}

const vs = opts.variants.split(',').map(variant);
for (const v of vs) await v.ask(); // warm-up turn
const times = vs.map(() => []);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [...vs.keys()].reverse() : [...vs.keys()];
  for (const i of order) times[i].push(await vs[i].ask());
}
for (const v of vs) v.stop();

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const [m, k, n] = shape;
console.log(`[${m}, ${k}]·[${k}, ${n}] float32, ${threads} thread(s), ${rounds} rounds of ${calls} calls; ratio = ${vs[0].name} time / variant time (> 1: variant faster)`);
console.log('| variant | median µs | GFLOP/s | ratio (median of rounds) | range |');
console.log('| --- | --: | --: | --: | --- |');
vs.forEach((v, i) => {
  const ratios = times[i].map((t, r) => times[0][r] / t);
  const us = median(times[i]);
  console.log(`| ${v.name} | ${us.toFixed(1)} | ${((2 * m * n * k) / us / 1e3).toFixed(1)} | ${median(ratios).toFixed(3)} | ${Math.min(...ratios).toFixed(2)} to ${Math.max(...ratios).toFixed(2)} |`);
});
