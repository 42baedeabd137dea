// Higher-order gradients side by side with PyTorch (bench/peers/torch_double_backward.py
// and bench/peers/tensorforge_double_backward.mjs), each in its own process, interleaved
// and repeated (the machine is shared: the best of the repeats counts):
//   WGAN-GP critic step (penalty through three strided convs, createGraph), the same step
//   without the penalty, and a Hessian-vector product through conv / batch norm / pooling.
//
//   node bench/double_backward.mjs [--threads 1,2] [--repeats 3] [--before DIR]
//
// --before DIR also times the first-order step of another build of the package (a
// checkout of main with dist/ built) to show that the first-order path did not slow down.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: o } = parseArgs({
  options: {
    threads: { type: 'string', default: '1,2' },
    repeats: { type: 'string', default: '3' },
    steps: { type: 'string', default: '15' },
    before: { type: 'string', default: '' },
  },
});
const threads = o.threads.split(',').map(Number);

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: here, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}
const runners = {
  ours: (t) => run(process.execPath, ['peers/tensorforge_double_backward.mjs', '--threads', String(t), '--steps', o.steps]),
  torch: (t) => run('/usr/bin/python3', ['peers/torch_double_backward.py', '--threads', String(t), '--steps', o.steps], { OMP_NUM_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t) }),
};
if (o.before) runners.before = (t) => run(process.execPath, ['peers/tensorforge_double_backward.mjs', '--threads', String(t), '--steps', o.steps, '--lib', path.resolve(o.before), '--only', 'first']);

const keys = ['wgan_gp', 'first', 'hvp'];
const best = {};
for (let rep = 0; rep < Number(o.repeats); rep++) {
  for (const t of threads) {
    for (const [name, f] of Object.entries(runners)) {
      const r = f(t);
      const b = (best[name] ??= {});
      const cur = (b[t] ??= {});
      for (const k of keys) if (r[k] !== undefined && !(cur[k] <= r[k])) cur[k] = r[k];
    }
  }
}
const label = { wgan_gp: 'WGAN-GP critic step (batch 32, 3x32x32)', first: 'same step without the penalty', hvp: 'Hessian-vector product, conv+bn+pool net (batch 32)' };
console.log(`median ms per step, best of ${o.repeats} interleaved runs`);
console.log('| workload | threads | tensorforge ms | PyTorch ms | ours / PyTorch |');
console.log('| --- | --- | --- | --- | --- |');
for (const k of keys) {
  for (const t of threads) {
    const a = best.ours[t][k];
    const b = best.torch[t][k];
    console.log(`| ${label[k]} | ${t} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)} |`);
  }
}
for (const t of threads) {
  const ratio = (n) => (best[n][t].wgan_gp / best[n][t].first).toFixed(2);
  console.log(`cost of the penalty (step with / without), ${t} thread(s): tensorforge ${ratio('ours')}, PyTorch ${ratio('torch')}`);
}
if (best.before) {
  for (const t of threads) {
    console.log(`first-order step, ${t} thread(s): before ${best.before[t].first.toFixed(1)} ms, after ${best.ours[t].first.toFixed(1)} ms (after / before ${(best.ours[t].first / best.before[t].first).toFixed(2)})`);
  }
}
