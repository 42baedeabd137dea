// bench/serve: HTTP load on loopback against `tensorforge serve` and against a minimal
// onnxruntime-node server of the same MLP (bench/serve/ort-server.mjs, session.run per
// request), both on fastify, each in its own process. autocannon sends TensorFlow
// Serving predict requests of one row for a fixed time at concurrency 1, 16 and 64 and
// reports throughput and latency p50/p99; ratios are tensorforge / onnxruntime.
//
//   node bench/serve.mjs [--duration 5] [--models 784-256-10,784-1024-1024-10] [--conns 1,16,64]
import { createRequire } from 'node:module';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { saveMlp, startServer } from './serve/common.mjs';

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
  },
});
const duration = Number(opts.duration);
const conns = opts.conns.split(',').map(Number);

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
  const res = {};
  for (const [label, args] of servers) {
    const s = await startServer(args, label);
    const url = `${s.url}/v1/models/${m.name}:predict`;
    await check(url, m.row, m.want);
    await load(url, body, 8).catch(() => null); // warm-up
    res[label] = {};
    for (const c of conns) {
      const r = await load(url, body, c);
      res[label][c] = { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors + r.timeouts };
      process.stderr.write(`${spec} ${label} c=${c}: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, errors ${res[label][c].errors}\n`);
    }
    await s.stop();
  }
  for (const c of conns) rows.push({ spec, c, tf: res.tensorforge[c], ort: res.onnxruntime[c] });
}

const cpu = os.cpus()[0]?.model ?? 'cpu';
console.log(`\nserve: ${os.availableParallelism()} cores (${cpu}), ${duration} s per cell, one-row TF Serving predict requests; ratio = tensorforge / onnxruntime-node\n`);
console.log('| model | conns | tensorforge req/s | p50 ms | p99 ms | onnxruntime req/s | p50 ms | p99 ms | throughput ratio | p99 ratio |');
console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |');
for (const r of rows) {
  const err = r.tf.errors + r.ort.errors ? ` (errors: tf ${r.tf.errors}, ort ${r.ort.errors})` : '';
  console.log(`| ${r.spec} | ${r.c} | ${r.tf.rps.toFixed(0)} | ${r.tf.p50} | ${r.tf.p99} | ${r.ort.rps.toFixed(0)} | ${r.ort.p50} | ${r.ort.p99} | ${(r.tf.rps / r.ort.rps).toFixed(2)}x | ${(r.tf.p99 / r.ort.p99).toFixed(2)}${err} |`);
}
