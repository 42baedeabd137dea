// bench/serve: HTTP load on loopback against `tensorforge serve` and against a minimal
// onnxruntime-node server of the same MLP (bench/serve/ort-server.mjs, session.run per
// request), both on fastify, each in its own process. autocannon sends TensorFlow
// Serving predict requests of one row for a fixed time at concurrency 1, 16 and 64 and
// reports throughput and latency p50/p99; ratios are tensorforge / onnxruntime. It also
// reports each server's CPU time per request (all its threads, from /proc on Linux):
// on a shared machine that figure moves much less than throughput does.
//
//   node bench/serve.mjs [--duration 5] [--models 784-256-10,784-1024-1024-10] [--conns 1,16,64] [--repeats 3]
import { createRequire } from 'node:module';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { cpuSecondsOf, saveMlp, startServer } from './serve/common.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    models: { type: 'string', default: '784-256-10,784-1024-1024-10' },
    conns: { type: 'string', default: '1,16,64' },
    'max-batch': { type: 'string', default: '64' },
    'batch-delay-ms': { type: 'string', default: '0' },
    'ort-threads': { type: 'string' },
    repeats: { type: 'string', default: '3' },
  },
});
const duration = Number(opts.duration);
const conns = opts.conns.split(',').map(Number);
const repeats = Math.max(1, Number(opts.repeats));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function load(url, body, connections) {
  return new Promise((resolve, reject) => {
    autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections, duration, pipelining: 1 }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

async function check(url, row, want) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [row] }) });
  const got = (await r.json()).predictions?.[0];
  const err = Math.max(...want.map((w, i) => Math.abs(w - got[i])));
  if (!(err < 1e-3)) throw new Error(`${url} answered ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

const rows = [];
for (const spec of opts.models.split(',')) {
  const widths = spec.split('-').map(Number);
  const m = saveMlp(widths);
  const body = JSON.stringify({ instances: [m.row] });
  const servers = [
    ['tensorforge', ['bin/tensorforge.js', 'serve', m.tfDir, '--port', '0', '--max-batch', opts['max-batch'], '--batch-delay-ms', opts['batch-delay-ms']]],
    ['onnxruntime', ['bench/serve/ort-server.mjs', m.onnx, m.name, ...(opts['ort-threads'] ? ['--threads', opts['ort-threads']] : [])]],
  ];
  // Both servers run at once (the idle one costs nothing) and take turns under load,
  // `repeats` times per cell; each figure is the median of its repeats.
  const started = [];
  for (const [label, args] of servers) {
    const s = await startServer(args, label);
    const url = `${s.url}/v1/models/${m.name}:predict`;
    await check(url, m.row, m.want);
    await load(url, body, 8).catch(() => null); // warm-up
    started.push({ label, s, url });
  }
  const res = { tensorforge: {}, onnxruntime: {} };
  for (const c of conns) {
    const runs = { tensorforge: [], onnxruntime: [] };
    for (let k = 0; k < repeats; k++) {
      for (const { label, s, url } of started) {
        const cpu0 = cpuSecondsOf(s.pid);
        const r = await load(url, body, c);
        const cpuUs = cpu0 === null ? null : (1e6 * (cpuSecondsOf(s.pid) - cpu0)) / Math.max(1, r.requests.total);
        runs[label].push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpuUs, errors: r.non2xx + r.errors + r.timeouts });
        process.stderr.write(`${spec} ${label} c=${c}: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, CPU ${cpuUs === null ? '—' : cpuUs.toFixed(0)} µs/req, errors ${runs[label].at(-1).errors}\n`);
      }
    }
    for (const label of Object.keys(runs)) {
      const rs = runs[label];
      res[label][c] = { rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), cpuUs: rs[0].cpuUs === null ? null : median(rs.map((r) => r.cpuUs)), errors: rs.reduce((a, r) => a + r.errors, 0) };
    }
  }
  for (const { s } of started) await s.stop();
  for (const c of conns) rows.push({ spec, c, tf: res.tensorforge[c], ort: res.onnxruntime[c] });
}

const cpu = os.cpus()[0]?.model ?? 'cpu';
console.log(`\nserve: ${os.availableParallelism()} cores (${cpu}), ${duration} s per run, median of ${repeats} alternating runs per cell, one-row TF Serving predict requests; ratio = tensorforge / onnxruntime-node\n`);
console.log('| model | conns | tensorforge req/s | p50 ms | p99 ms | CPU µs/req | onnxruntime req/s | p50 ms | p99 ms | CPU µs/req | throughput ratio | p99 ratio | CPU per request ratio |');
console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |');
const us = (x) => (x === null ? '—' : x.toFixed(0));
for (const r of rows) {
  const err = r.tf.errors + r.ort.errors ? ` (errors: tf ${r.tf.errors}, ort ${r.ort.errors})` : '';
  const cpuRatio = r.tf.cpuUs === null || r.ort.cpuUs === null ? '—' : `${(r.tf.cpuUs / r.ort.cpuUs).toFixed(2)}`;
  console.log(`| ${r.spec} | ${r.c} | ${r.tf.rps.toFixed(0)} | ${r.tf.p50} | ${r.tf.p99} | ${us(r.tf.cpuUs)} | ${r.ort.rps.toFixed(0)} | ${r.ort.p50} | ${r.ort.p99} | ${us(r.ort.cpuUs)} | ${(r.tf.rps / r.ort.rps).toFixed(2)}x | ${r.ort.p99 > 0 ? (r.tf.p99 / r.ort.p99).toFixed(2) : '—'} | ${cpuRatio}${err} |`);
}
