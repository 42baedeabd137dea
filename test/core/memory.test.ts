/**
 * Memory stays bounded. In a child process (so its RSS is its own), 20,000 iterations
 * each allocate a 1 MiB tensor (20 GiB in all):
 *  - never disposed: the GC must free them through the storages' finalizers, helped by
 *    napi_adjust_external_memory telling V8 about the native bytes. Measured ~145 MiB
 *    peak RSS on Node 20; the bound is 320 MiB.
 *  - disposed each time: memory is reused from the allocator's cache; measured ~50 MiB,
 *    bound 128 MiB and below the first loop's peak.
 * After either loop and a GC, the live storages return to the baseline.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileLib, type CompiledLib } from './compiled-lib';

const MiB = 1 << 20;
const LEAK_BOUND = 320 * MiB;
const DISPOSE_BOUND = 128 * MiB;

let lib: CompiledLib;
let script: string;

interface Report {
  baseline: { numStorages: number; numBytes: number };
  maxRss: number;
  maxNativeBytes: number;
  afterLoop: { numStorages: number; numBytes: number };
  afterGc: { numStorages: number; numBytes: number; cachedBytes: number };
  afterEmptyCache: { cachedBytes: number };
  ms: number;
}

beforeAll(() => {
  lib = compileLib();
  script = path.join(lib.dir, 'memory-child.js');
  fs.writeFileSync(script, `
const tf = require(${JSON.stringify(lib.entry)});
const dispose = process.argv[2] === 'dispose';
const pick = (m) => ({ numStorages: m.numStorages, numBytes: m.numBytes, cachedBytes: m.cachedBytes });
global.gc();
const baseline = pick(tf.memory());
let maxRss = 0, maxNativeBytes = 0;
const t0 = Date.now();
for (let i = 0; i < 20000; i++) {
  const t = tf.zeros([262144]); // 1 MiB of float32
  if (dispose) t.dispose();
  if (i % 200 === 0) {
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
    maxNativeBytes = Math.max(maxNativeBytes, tf.memory().numBytes);
  }
}
maxRss = Math.max(maxRss, process.memoryUsage().rss);
const ms = Date.now() - t0;
const afterLoop = pick(tf.memory());
// Let the GC collect the last tensors; finalizers may also run on the next turns.
let rounds = 0;
const settle = () => {
  global.gc();
  const m = tf.memory();
  if (m.numStorages > baseline.numStorages && ++rounds < 50) return setTimeout(settle, 10);
  const afterGc = pick(m);
  tf.emptyCache();
  const afterEmptyCache = { cachedBytes: tf.memory().cachedBytes };
  console.log(JSON.stringify({ baseline, maxRss, maxNativeBytes, afterLoop, afterGc, afterEmptyCache, ms }));
};
settle();
`);
});

afterAll(() => {
  if (lib) fs.rmSync(lib.dir, { recursive: true, force: true });
});

function run(mode: 'leak' | 'dispose'): Report {
  const r = spawnSync(process.execPath, ['--expose-gc', script, mode], { env: lib.env, encoding: 'utf8', timeout: 90_000 });
  if (r.status !== 0) throw new Error(`child (${mode}) exited with ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  const rep = JSON.parse(line) as Report;
  console.log(`memory (${mode}): peak RSS ${(rep.maxRss / MiB).toFixed(1)} MiB, peak native ${(rep.maxNativeBytes / MiB).toFixed(1)} MiB, ` +
    `${rep.ms} ms for 20,000 x 1 MiB`);
  return rep;
}

describe('RSS stays bounded over 20,000 x 1 MiB allocations', () => {
  let leak: Report;

  it('without dispose(): the GC frees through the finalizers', () => {
    leak = run('leak');
    expect(leak.maxRss).toBeLessThan(LEAK_BOUND);
    // Native bytes alive at once stay a small fraction of the 20 GiB allocated.
    expect(leak.maxNativeBytes).toBeLessThan(256 * MiB);
    expect(leak.afterGc.numStorages).toBeLessThanOrEqual(leak.baseline.numStorages);
    expect(leak.afterGc.numBytes).toBeLessThanOrEqual(leak.baseline.numBytes);
    expect(leak.afterEmptyCache.cachedBytes).toBe(0);
  });

  it('with dispose(): lower still, and nothing left alive', () => {
    const disp = run('dispose');
    expect(disp.maxRss).toBeLessThan(DISPOSE_BOUND);
    expect(disp.maxRss).toBeLessThan(leak.maxRss);
    expect(disp.maxNativeBytes).toBeLessThanOrEqual(disp.baseline.numBytes + MiB);
    expect(disp.afterLoop.numStorages).toBe(disp.baseline.numStorages);
    expect(disp.afterLoop.numBytes).toBe(disp.baseline.numBytes);
    // One block, reused 20,000 times, sits in the allocator's cache.
    expect(disp.afterGc.cachedBytes).toBe(MiB);
    expect(disp.afterEmptyCache.cachedBytes).toBe(0);
  });
});
