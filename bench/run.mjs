// Runs tensorforge and every installed peer on the same workloads, one process per peer
// and thread count, and prints times with ratios. Ratios measured side by side in one
// run are what count: these machines are shared and noisy.
//
//   npm run bench:setup                      # installs the JS peers into bench/node_modules
//   npm run bench -- --suite ops --threads 1,2 [--write]
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: {
    suite: { type: 'string', default: 'ops' },
    threads: { type: 'string', default: '1,2' },
    peers: { type: 'string', default: 'torch,numpy,ort,tfjs-wasm,tfjs-cpu' },
    write: { type: 'boolean', default: false },
    // Runs tensorforge and each peer this many times, interleaved, and keeps each one's best
    // time per workload: on a shared, busy machine that is the fairest side-by-side figure.
    rounds: { type: 'string', default: '1' },
    // --clock cpu: process CPU time (user + system) instead of wall time, for machines shared
    // with other jobs (on more than 1 thread it sums the threads' time). See timing.mjs.
    clock: { type: 'string', default: 'wall' },
    // Measured FP32 FMA peak in GFLOP/s on 1 and 2 cores of this machine kind
    // (../shared/ANCHORS.md); --peak 97,173 overrides.
    peak: { type: 'string', default: '97,173' },
    // --only TEXT: run only the workloads whose name contains TEXT (e.g. --only LeNet).
    only: { type: 'string', default: '' },
  },
});
if (opts.only) process.env.TF_BENCH_ONLY = opts.only;
const { suites } = await import('./workloads.mjs');  // after TF_BENCH_ONLY is set
const peaks = opts.peak.split(',').map(Number);
const peakFor = (t) => peaks[Math.min(t, peaks.length) - 1] ?? peaks[peaks.length - 1] * (t / peaks.length);
const suite = suites[opts.suite];
if (!suite) throw new Error(`unknown suite ${opts.suite}; known: ${Object.keys(suites).join(', ')}`);
const threadCounts = opts.threads.split(',').map(Number);
const wanted = new Set(opts.peers.split(','));
if (opts.clock !== 'wall' && opts.clock !== 'cpu') throw new Error(`--clock must be wall or cpu, got ${opts.clock}`);
if (opts.clock === 'cpu') process.env.TF_BENCH_CLOCK = 'cpu';

function runJson(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: here, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ');
    return { error: `${cmd} exited ${r.status}: ${why}` };
  }
  if (r.stderr.trim()) process.stderr.write(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function pythonWith(mod) {
  const r = spawnSync('/usr/bin/python3', ['-c', `import ${mod}`]);
  return r.status === 0;
}
const hasTfjs = existsSync(path.join(here, 'node_modules/@tensorflow/tfjs'));
const peers = [
  { name: 'PyTorch', id: 'torch', ok: pythonWith('torch'), why: 'python3 has no torch (apt-get install python3-torch)',
    run: (t) => runJson('/usr/bin/python3', ['peers/torch_ops.py', '--lib', 'torch', '--threads', String(t), '--suite-json', JSON.stringify(suite)], { OMP_NUM_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t) }) },
  { name: 'numpy', id: 'numpy', ok: pythonWith('numpy'), why: 'python3 has no numpy',
    // OPENBLAS_CORETYPE/L2_SIZE are set on some machines for old OpenBLAS builds and slow a current one.
    run: (t) => runJson('/usr/bin/python3', ['peers/torch_ops.py', '--lib', 'numpy', '--threads', String(t), '--suite-json', JSON.stringify(suite)], { OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t), OPENBLAS_CORETYPE: '', OPENBLAS_L2_SIZE: '' }) },
  { name: 'onnxruntime', id: 'ort', ok: existsSync(path.join(here, 'node_modules/onnxruntime-node')), why: 'run npm run bench:setup',
    run: (t) => runJson(process.execPath, ['peers/onnxruntime.mjs', '--suite', opts.suite, '--threads', String(t)]) },
  { name: 'tfjs-wasm', id: 'tfjs-wasm', ok: hasTfjs, why: 'run npm run bench:setup', single: true,
    run: () => runJson(process.execPath, ['peers/tfjs.mjs', '--suite', opts.suite, '--backend', 'wasm']) },
  { name: 'tfjs-cpu', id: 'tfjs-cpu', ok: hasTfjs, why: 'run npm run bench:setup', single: true,
    run: () => runJson(process.execPath, ['peers/tfjs.mjs', '--suite', opts.suite, '--backend', 'cpu']) },
].filter((p) => wanted.has(p.id));

for (const p of peers) if (!p.ok) console.log(`peer ${p.name} skipped: ${p.why}`);
const active = peers.filter((p) => p.ok);

const fmt = (us) => (us == null ? '—' : us < 10 ? us.toFixed(2) : us < 1000 ? us.toFixed(1) : us.toFixed(0));
const tables = [];
const singleCache = new Map();
for (const t of threadCounts) {
  console.log(`\n== suite ${opts.suite}, ${t} thread(s): microseconds per call (lower is better)`);
  const rounds = Math.max(1, Number(opts.rounds));
  const best = (a, b) => {
    if (a.error || b.error) return a.error ? b : a;
    for (const k of Object.keys(b)) if (b[k] != null && (a[k] == null || b[k] < a[k])) a[k] = b[k];
    return a;
  };
  if (rounds > 1) console.log(`(best of ${rounds} interleaved rounds)`);
  // Each round runs tensorforge, then every peer; everyone gets the same number of runs.
  const runOurs = () => runJson(process.execPath, ['peers/tensorforge.mjs', '--suite', opts.suite, '--threads', String(t)]);
  let ours = runOurs();
  if (ours.error) throw new Error(ours.error);
  const theirs = {};
  for (let r = 0; r < rounds; r++) {
    if (r > 0) ours = best(ours, runOurs());
    for (const p of active) {
      if (p.single && singleCache.has(p.id)) {
        theirs[p.name] = singleCache.get(p.id);
        continue;
      }
      theirs[p.name] = r === 0 ? p.run(t) : best(theirs[p.name], p.run(t));
      if (p.single && r === rounds - 1) singleCache.set(p.id, theirs[p.name]);
    }
  }
  for (const p of active) if (theirs[p.name].error) console.log(`peer ${p.name} failed: ${theirs[p.name].error}`);
  const withFlops = suite.some((w) => w.flops);
  const peerCols = active.map((p) => p.name + (p.single ? ' (1 thr)' : ''));
  const header = withFlops
    ? ['workload', 'tensorforge µs', 'GFLOP/s', `% of peak (${peakFor(t)})`, ...peerCols.map((c) => `${c} µs (GFLOP/s)`), ...active.map((p) => `vs ${p.name}`), 'best peer', 'speedup vs best']
    : ['workload', 'tensorforge', ...peerCols, 'best peer', 'speedup vs best'];
  const gf = (w, us) => (us == null || !w.flops ? null : w.flops / us / 1e3);
  const rows = [];
  for (const w of suite) {
    const mine = ours[w.name];
    const peerTimes = active.map((p) => theirs[p.name]?.[w.name] ?? null);
    if (withFlops) {
      let best = null;
      let bestName = '';
      active.forEach((p, i) => {
        const v = peerTimes[i];
        if (v != null && (best == null || v < best)) {
          best = v;
          bestName = p.name;
        }
      });
      const g = gf(w, mine);
      rows.push([
        w.name,
        fmt(mine),
        g == null ? '—' : g.toFixed(1),
        g == null ? '—' : `${((100 * g) / peakFor(t)).toFixed(0)}%`,
        ...peerTimes.map((v) => (v == null ? '—' : `${fmt(v)} (${gf(w, v).toFixed(1)})`)),
        ...peerTimes.map((v) => (v == null || mine == null ? '—' : `${(v / mine).toFixed(2)}x`)),
        bestName || '—',
        mine != null && best != null ? `${(best / mine).toFixed(2)}x` : '—',
      ]);
      continue;
    }
    let best = null;
    let bestName = '';
    active.forEach((p, i) => {
      const v = peerTimes[i];
      if (v != null && (best == null || v < best)) {
        best = v;
        bestName = p.name;
      }
    });
    const speedup = mine != null && best != null ? `${(best / mine).toFixed(2)}x` : '—';
    rows.push([w.name, fmt(mine), ...peerTimes.map(fmt), bestName || '—', speedup]);
  }
  const md = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  console.log(md);
  tables.push({ threads: t, md });
}

if (opts.write) {
  const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [])[1] ?? os.cpus()[0]?.model;
  const torchVersion = pythonWith('torch') ? execFileSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)']).toString().trim() : 'not installed';
  const section = [
    `## Suite \`${opts.suite}\` — ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Machine: ${cpu}, ${os.availableParallelism?.() ?? os.cpus().length} cores available, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; PyTorch ${torchVersion}.`,
    `Times in microseconds per call (${opts.clock === 'cpu' ? 'process CPU time, ' : ''}median of 7 repeats${Number(opts.rounds) > 1 ? `; best of ${opts.rounds} interleaved runs of each` : ''}), results freed each call. ` +
      '"speedup vs best" = best peer time / tensorforge time (> 1: tensorforge is faster); "vs X" = X time / tensorforge time. tfjs peers run single-threaded and are measured once.',
    ...(suite.some((w) => w.flops) ? [`GFLOP/s = flops / time; percent of the measured FP32 peak (${peaks.join(', ')} GFLOP/s on ${peaks.map((_, i) => i + 1).join(', ')} thread(s)).`] : []),
    '',
    ...tables.flatMap((t) => [`### ${t.threads} thread(s)`, '', t.md, '']),
  ].join('\n');
  const file = path.join(here, 'RESULTS.md');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n\nWritten by `npm run bench -- --write`. Each suite section is replaced when it is re-run.\n';
  const re = new RegExp(`## Suite \`${opts.suite}\`[\\s\\S]*?(?=\\n## Suite |$)`);
  text = re.test(text) ? text.replace(re, section.trimEnd() + '\n') : `${text.trimEnd()}\n\n${section}`;
  writeFileSync(file, text.trimEnd() + '\n');
  console.log(`\nwrote ${file}`);
}
