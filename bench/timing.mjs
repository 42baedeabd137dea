// Timing shared by the JS peers: calibrate the iteration count so one repeat takes at
// least `minMs`, then report the median time per call over several repeats.
// TF_BENCH_CLOCK=cpu (set by run.mjs --clock cpu) measures the process's CPU time
// (user + system) instead of wall time: on a machine shared with other jobs it counts
// what the library itself used; on 1 thread it equals wall time on an idle machine.
const cpuClock = process.env.TF_BENCH_CLOCK === 'cpu';
const nowUs = cpuClock
  ? () => { const u = process.cpuUsage(); return u.user + u.system; }
  : () => Number(process.hrtime.bigint()) / 1e3;

export function timeIt(fn, { minMs = 60, repeats = 7, maxIters = 1e7 } = {}) {
  for (let i = 0; i < 3; i++) fn(); // warm-up
  let iters = 1;
  for (;;) {
    const t0 = nowUs();
    for (let i = 0; i < iters; i++) fn();
    const ms = (nowUs() - t0) / 1e3;
    if (ms >= minMs / 4 || iters >= maxIters) {
      iters = Math.max(1, Math.ceil((iters * minMs) / Math.max(ms, 1e-3)));
      break;
    }
    iters *= 4;
  }
  const samples = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = nowUs();
    for (let i = 0; i < iters; i++) fn();
    samples.push((nowUs() - t0) / iters);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}
