/**
 * worker_threads: the addon is context-aware, so each worker loads its own instance
 * while sharing the process-wide thread pool and allocator. Two workers compute at the
 * same time and must get exactly what the main thread gets; terminating workers that
 * hold live tensors (some in the middle of native calls) must not crash the process,
 * and their memory is given back.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileLib, type CompiledLib } from './compiled-lib';

let lib: CompiledLib;
let computeJs: string;
let workerJs: string;
let terminateJs: string;

// The work each thread does: creation, seeded random draws, views and copies, big
// enough that the native pool splits them across threads.
const COMPUTE = `
module.exports = function compute(tf, seed) {
  tf.manualSeed(seed);
  const out = {};
  const keep = (name, t) => { out[name] = Array.from(t.dataSync()); };
  const a = tf.rand([512, 513]);
  keep('randSum', tf.tensor([Array.from(a.dataSync()).reduce((s, v) => s + v, 0)], { dtype: 'float64' }));
  keep('randT', a.T.contiguous().slice([[0, 7], [100, 110]]));
  keep('randn', tf.randn([1001], { dtype: 'float64' }));
  const c = tf.randint(0, 100, [300000]);
  keep('randintHead', c.narrow(0, 0, 64));
  keep('randintCast', c.to('float32').slice(0, 299000, null, 997));
  keep('bern', tf.bernoulli([4099], 0.3, { dtype: 'bool' }));
  keep('slice', a.slice([[1, null, 3], [null, null, 2]]).clone().narrow(0, 0, 3).narrow(1, 0, 5));
  keep('expand', tf.arange(0, 5, 0.5).reshape(2, 5).expand(3, 2, 5).contiguous());
  keep('eye', tf.eye(7, 5).to('bool'));
  keep('linspace', tf.linspace(-1, 1, 33, { dtype: 'float64' }));
  const big = tf.zeros([600, 700]);
  big.copy_(tf.arange(700).to('float32'));
  keep('copyBroadcast', big.select(0, 599).narrow(0, 690, 10));
  for (const t of [a, c, big]) t.dispose();
  return out;
};
`;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const tf = require(workerData.entry);
const compute = require(workerData.compute);
parentPort.once('message', () => {
  const start = Date.now();
  let out;
  for (let i = 0; i < workerData.rounds; i++) out = compute(tf, workerData.seed);
  parentPort.postMessage({ out, start, end: Date.now(), simd: tf.backendInfo().simd });
});
parentPort.postMessage('ready');
`;

// Run in a child process: a crash there fails the test with a message instead of
// taking the test runner down.
const TERMINATE = `
const { Worker } = require('node:worker_threads');
const tf = require(process.argv[2]);
const src = \`
const { parentPort, workerData } = require('node:worker_threads');
const tf = require(workerData.entry);
const held = [tf.rand([1000, 1000]), tf.zeros([4096]), tf.arange(100).reshape(10, 10).T];
parentPort.postMessage('ready');
// Keep native calls going until terminated; some terminations land inside one.
const spin = () => { const t = tf.randn([2000000]); held.push(t.narrow(0, 0, 10)); t.dispose(); setImmediate(spin); };
if (workerData.busy) spin();
else setInterval(() => held.length, 1000); // idle, but alive until terminated
\`;
async function main() {
  global.gc();
  const base = tf.memory().numStorages;
  for (let round = 0; round < 3; round++) {
    const workers = [];
    for (let i = 0; i < 4; i++) {
      const w = new Worker(src, { eval: true, workerData: { entry: process.argv[2], busy: i % 2 === 0 } });
      workers.push(new Promise((resolve, reject) => {
        w.once('error', reject);
        w.once('message', async () => {
          await new Promise((r) => setTimeout(r, 5 + 20 * i));
          const code = await w.terminate();
          resolve(code);
        });
      }));
    }
    const codes = await Promise.all(workers);
    if (codes.some((c) => c !== 1)) throw new Error('unexpected exit codes ' + codes);
  }
  // The main thread still works, and the workers' storages were freed with them.
  const x = tf.arange(10).reshape(2, 5).T.contiguous();
  const sum = Array.from(x.dataSync()).reduce((a, b) => a + b, 0);
  x.dispose();
  global.gc();
  await new Promise((r) => setTimeout(r, 50));
  global.gc();
  console.log(JSON.stringify({ sum, base, after: tf.memory().numStorages }));
}
main().catch((e) => { console.error(e); process.exit(2); });
`;

beforeAll(() => {
  lib = compileLib();
  computeJs = path.join(lib.dir, 'compute.js');
  workerJs = path.join(lib.dir, 'worker.js');
  terminateJs = path.join(lib.dir, 'terminate.js');
  fs.writeFileSync(computeJs, COMPUTE);
  fs.writeFileSync(workerJs, WORKER);
  fs.writeFileSync(terminateJs, TERMINATE);
});

afterAll(() => {
  if (lib) fs.rmSync(lib.dir, { recursive: true, force: true });
});

interface Result {
  out: Record<string, number[]>;
  start: number;
  end: number;
  simd: string;
}

function startWorker(seed: number, rounds: number): { ready: Promise<void>; go: () => Promise<Result> } {
  const w = new Worker(workerJs, { workerData: { entry: lib.entry, compute: computeJs, seed, rounds }, env: lib.env });
  let resolveResult!: (r: Result) => void;
  let rejectResult!: (e: unknown) => void;
  const result = new Promise<Result>((res, rej) => {
    resolveResult = res;
    rejectResult = rej;
  });
  const ready = new Promise<void>((res, rej) => {
    w.on('error', (e) => {
      rej(e);
      rejectResult(e);
    });
    w.on('message', (m) => {
      if (m === 'ready') res();
      else {
        resolveResult(m as Result);
        void w.terminate();
      }
    });
  });
  return { ready, go: () => (w.postMessage('go'), result) };
}

describe('worker_threads', () => {
  it('two workers load the addon at once and compute what the main thread computes', async () => {
    // The main thread's own results, from the same compiled lib and addon.
    const saved = process.env.TENSORFORGE_NATIVE;
    process.env.TENSORFORGE_NATIVE = lib.env.TENSORFORGE_NATIVE;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const tfMain = require(lib.entry);
    const compute = require(computeJs) as (tf: unknown, seed: number) => Record<string, number[]>;
    process.env.TENSORFORGE_NATIVE = saved;
    const want = [compute(tfMain, 101), compute(tfMain, 202)];
    expect(want[0].randn).not.toEqual(want[1].randn);

    const rounds = 15;
    const workers = [startWorker(101, rounds), startWorker(202, rounds)];
    await Promise.all(workers.map((w) => w.ready));
    const results = await Promise.all(workers.map((w) => w.go()));
    for (let i = 0; i < 2; i++) {
      expect(Object.keys(results[i].out).sort()).toEqual(Object.keys(want[i]).sort());
      for (const k of Object.keys(want[i])) expect(results[i].out[k], `worker ${i}: ${k}`).toEqual(want[i][k]);
      expect(results[i].simd).toBe(tfMain.backendInfo().simd);
    }
    // They did run at the same time.
    const [r0, r1] = results;
    console.log(`workers ran ${r0.start}-${r0.end} and ${r1.start}-${r1.end} (ms since epoch)`);
    expect(Math.min(r0.end, r1.end)).toBeGreaterThan(Math.max(r0.start, r1.start));
  });

  it('terminating workers that hold live tensors does not crash the process and frees their memory', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', terminateJs, lib.entry], { env: lib.env, encoding: 'utf8', timeout: 90_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout.trim().split('\n').pop()!) as { sum: number; base: number; after: number };
    expect(rep.sum).toBe(45);
    expect(rep.after).toBeLessThanOrEqual(rep.base);
  });
});
