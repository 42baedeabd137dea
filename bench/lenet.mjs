// LeNet-5 side by side with PyTorch (bench/peers/torch_lenet.py and
// bench/peers/tensorforge_lenet.mjs), each in its own process, at 1 and 2 threads,
// interleaved and repeated (the machine is shared: the best of the repeats counts).
//
//   node bench/lenet.mjs                       # train step, batch 64, Adam
//   node bench/lenet.mjs --full [--data DIR]   # also 2 epochs of the full Fashion-MNIST
//
// Ratios are ours / PyTorch's better thread setting (lower is better for times).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: o } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    data: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    threads: { type: 'string', default: '1,2' },
    repeats: { type: 'string', default: '3' },
    'full-repeats': { type: 'string', default: '1' },
  },
});
const threads = o.threads.split(',').map(Number);

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: here, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}
const ours = (t, args) => run(process.execPath, ['peers/tensorforge_lenet.mjs', '--threads', String(t), ...args]);
const torch = (t, args) => run('/usr/bin/python3', ['peers/torch_lenet.py', '--threads', String(t), ...args], { OMP_NUM_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t) });

function bestOf(n, f, key) {
  let best = null;
  for (let i = 0; i < n; i++) {
    const r = f();
    if (best === null || r[key] < best[key]) best = r;
  }
  return best;
}

const fmt = (v, d = 2) => v.toFixed(d);
console.log(`LeNet-5 train step, batch 64, Adam (median ms over 60 steps, best of ${o.repeats} interleaved runs)`);
const step = { ours: {}, torch: {} };
for (let rep = 0; rep < Number(o.repeats); rep++) {
  for (const t of threads) {
    for (const [name, f] of [['ours', ours], ['torch', torch]]) {
      const r = f(t, ['--mode', 'step']);
      if (!step[name][t] || r.ms < step[name][t].ms) step[name][t] = r;
    }
  }
}
const torchBestStep = Math.min(...threads.map((t) => step.torch[t].ms));
console.log('| threads | tensorforge ms | PyTorch ms | ours / PyTorch (same threads) | ours / PyTorch best |');
console.log('| --- | --- | --- | --- | --- |');
for (const t of threads) {
  console.log(`| ${t} | ${fmt(step.ours[t].ms)} | ${fmt(step.torch[t].ms)} | ${fmt(step.ours[t].ms / step.torch[t].ms)} | ${fmt(step.ours[t].ms / torchBestStep)} |`);
}

if (o.full) {
  console.log(`\nLeNet-5 on Fashion-MNIST (${o.data}), 2 epochs, batch 64, Adam lr 1e-3, inputs in [0, 1]`);
  const full = { ours: {}, torch: {} };
  for (const t of threads) {
    full.ours[t] = bestOf(Number(o['full-repeats']), () => ours(t, ['--mode', 'full', '--data', o.data]), 'seconds');
    full.torch[t] = bestOf(Number(o['full-repeats']), () => torch(t, ['--mode', 'full', '--data', o.data]), 'seconds');
  }
  const torchBest = Math.min(...threads.map((t) => full.torch[t].seconds));
  console.log('| threads | tensorforge s (acc) | PyTorch s (acc) | ours / PyTorch best |');
  console.log('| --- | --- | --- | --- |');
  for (const t of threads) {
    const a = full.ours[t];
    const b = full.torch[t];
    console.log(`| ${t} | ${fmt(a.seconds, 1)} (${fmt(100 * a.accuracy, 1)}%) | ${fmt(b.seconds, 1)} (${fmt(100 * b.accuracy, 1)}%) | ${fmt(a.seconds / torchBest)} |`);
  }
}
