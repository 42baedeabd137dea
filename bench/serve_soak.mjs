// Soak: 50,000 requests against `tensorforge serve` (a 784-256-10 MLP) from autocannon at
// concurrency 16, a mix of TF Serving predict (1 and 8 rows), KServe infer, and requests
// answered 422 and 404; the server's resident memory (/proc/<pid>/status) is sampled
// throughout and must stay under a fixed bound.
//
//   node bench/serve_soak.mjs [--amount 50000] [--bound-mb 256]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { rssOf, saveMlp, startServer } from './serve/common.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { values: opts } = parseArgs({ options: { amount: { type: 'string', default: '50000' }, 'bound-mb': { type: 'string', default: '256' }, conns: { type: 'string', default: '16' } } });
const amount = Number(opts.amount);
const bound = Number(opts['bound-mb']) * 1024 * 1024;

const m = saveMlp([784, 256, 10]);
const s = await startServer(['bin/tensorforge.js', 'serve', m.tfDir, '--port', '0'], 'tensorforge');
const base = `${s.url}`;
const row = m.row;
const json = (o) => JSON.stringify(o);
const requests = [
  { method: 'POST', path: `/v1/models/${m.name}:predict`, body: json({ instances: [row] }) },
  { method: 'POST', path: `/v1/models/${m.name}:predict`, body: json({ instances: Array(8).fill(row) }) },
  { method: 'POST', path: `/v2/models/${m.name}/infer`, body: json({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: row }] }) },
  { method: 'POST', path: `/v1/models/${m.name}:predict`, body: json({ instances: [row.slice(1)] }) }, // 422
  { method: 'POST', path: '/v1/models/nope:predict', body: json({ instances: [row] }) }, // 404
];
const samples = [];
const t0 = Date.now();
const sampler = setInterval(() => samples.push({ t: Date.now() - t0, rss: rssOf(s.pid) }), 200);
const startRss = rssOf(s.pid);
const r = await new Promise((resolve, reject) => {
  autocannon({ url: base, requests, headers: { 'content-type': 'application/json' }, connections: Number(opts.conns), amount }, (e, res) => (e ? reject(e) : resolve(res)));
});
clearInterval(sampler);
samples.push({ t: Date.now() - t0, rss: rssOf(s.pid) });
await s.stop();
const mb = (b) => (b / 1024 / 1024).toFixed(1);
const peak = Math.max(...samples.map((x) => x.rss));
const tenth = samples[Math.floor(samples.length / 10)]?.rss ?? startRss;
const codes = r.statusCodeStats ? Object.entries(r.statusCodeStats).map(([k, v]) => `${k}: ${v.count}`).join(', ') : `2xx ${r['2xx']}, non-2xx ${r.non2xx}`;
console.log(`soak: ${r.requests.total} requests in ${(r.duration).toFixed(1)} s (${r.requests.average.toFixed(0)} req/s), codes ${codes}, errors ${r.errors}, timeouts ${r.timeouts}`);
console.log(`RSS of the server: at start ${mb(startRss)} MB, after 10% ${mb(tenth)} MB, peak ${mb(peak)} MB, at the end ${mb(samples[samples.length - 1].rss)} MB (bound ${mb(bound)} MB)`);
const ok = peak < bound && r.requests.total >= amount && r.errors === 0 && r.timeouts === 0;
console.log(ok ? 'PASS' : 'FAIL');
process.exit(ok ? 0 : 1);
