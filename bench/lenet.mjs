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
    // A full run that takes longer than this (seconds) is stopped and reported as such: on a
    // busy 2-core machine PyTorch's 2-thread run can be 10x slower than its 1-thread run.
    'full-timeout': { type: 'string', default: '300' },
    // Extra seeds of the full run (weights and shuffling) at the last thread count, to show
    // how the test accuracy varies: --seeds 1,2,3
    seeds: { type: 'string', default: '' },
  },
});
const threads = o.threads.split(',').map(Number);

function run(cmd, args, env = {}, timeoutSec = 0) {
  const r = spawnSync(cmd, args, { cwd: here, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24, timeout: timeoutSec * 1000 });
  if (r.error && r.error.code === 'ETIMEDOUT') return { timedOut: true, seconds: Infinity, accuracy: NaN };
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}
const ours = (t, args, limit = 0) => run(process.execPath, ['peers/tensorforge_lenet.mjs', '--threads', String(t), ...args], {}, limit);
const torch = (t, args, limit = 0) => run('/usr/bin/python3', ['peers/torch_lenet.py', '--threads', String(t), ...args], { OMP_NUM_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t) }, limit);

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
  const limit = Number(o['full-timeout']);
  const full = { ours: {}, torch: {} };
  const show = (name, t, r) => console.log(`  ${name}, ${t} thread(s): ${r.timedOut ? `stopped after ${limit} s` : `${fmt(r.seconds, 1)} s, test accuracy ${fmt(100 * r.accuracy, 2)}% (data read in ${fmt(r.load_seconds, 2)} s)`}`);
  for (const t of threads) {
    full.ours[t] = bestOf(Number(o['full-repeats']), () => ours(t, ['--mode', 'full', '--data', o.data], limit), 'seconds');
    show('tensorforge', t, full.ours[t]);
    full.torch[t] = bestOf(Number(o['full-repeats']), () => torch(t, ['--mode', 'full', '--data', o.data], limit), 'seconds');
    show('PyTorch', t, full.torch[t]);
  }
  const torchBest = Math.min(...threads.map((t) => full.torch[t].seconds));
  const cell = (r) => (r.timedOut ? `> ${limit} (stopped)` : `${fmt(r.seconds, 1)} (${fmt(100 * r.accuracy, 2)}%)`);
  console.log('| threads | tensorforge s (test acc) | PyTorch s (test acc) | ours / PyTorch best |');
  console.log('| --- | --- | --- | --- |');
  for (const t of threads) {
    console.log(`| ${t} | ${cell(full.ours[t])} | ${cell(full.torch[t])} | ${fmt(full.ours[t].seconds / torchBest)} |`);
  }
  if (o.seeds) {
    const t = threads[threads.length - 1];
    console.log(`\nOther seeds, ${t} thread(s) for tensorforge, 1 thread for PyTorch:`);
    console.log('| seed | tensorforge s (test acc) | PyTorch s (test acc) |');
    console.log('| --- | --- | --- |');
    for (const seed of o.seeds.split(',')) {
      const a = ours(t, ['--mode', 'full', '--data', o.data, '--seed', seed], limit);
      const b = torch(1, ['--mode', 'full', '--data', o.data, '--seed', seed], limit);
      console.log(`| ${seed} | ${cell(a)} | ${cell(b)} |`);
    }
  }
}
