/**
 * The native pool moves a worker off its caller's CPU when the two land on the same one
 * (it narrows the worker's affinity, then restores it). Checked in child processes under
 * taskset: a process whose threads all start on CPU 0 and are then allowed CPUs 0 and 1
 * (so the worker starts next to its caller; whether the scheduler leaves it there when it
 * wakes is the kernel's choice, so the move is likely here, not certain) gets the
 * 1-thread products on 2 threads and ends with every thread allowed both CPUs; and a
 * process limited to one CPU, where there is nowhere to move, gets the 1-thread result.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileLib, type CompiledLib } from './compiled-lib';

const linux = process.platform === 'linux';
const hasTaskset = linux && spawnSync('taskset', ['-c', '0,1', 'true']).status === 0;
const cpus = linux ? os.availableParallelism() : 1;

let lib: CompiledLib | undefined;
beforeAll(() => {
  if (hasTaskset) lib = compileLib();
});
afterAll(() => {
  if (lib) fs.rmSync(lib.dir, { recursive: true, force: true });
});

describe('native pool and CPU affinity', () => {
  it.runIf(hasTaskset && cpus >= 2)('a worker started on its caller\'s CPU: same products, and every thread keeps the affinity it had', () => {
    // The child starts on CPU 0 alone, so the pool worker it creates is there too; then all
    // its threads are allowed CPUs 0 and 1 (taskset -a -p) while both still sit on CPU 0.
    // Afterwards every thread must be allowed both CPUs again (a worker narrowed to CPU 1
    // and not restored would show 1).
    const script = `
      const { spawnSync } = require('node:child_process');
      const fs = require('node:fs');
      const tf = require(${JSON.stringify(lib!.entry)});
      tf.setNumThreads(2);
      const a = tf.randn([256, 256]), b = tf.randn([256, 256]);
      a.matmul(b).dispose(); // starts the pool worker, on CPU 0 like every thread here
      tf.setNumThreads(1);
      const one = a.matmul(b).dataSync();
      tf.setNumThreads(2);
      const r = spawnSync('taskset', ['-a', '-p', '-c', '0,1', String(process.pid)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error('taskset -a -p failed: ' + r.stderr);
      let worst = 0;
      for (let i = 0; i < 30; i++) {
        const two = a.matmul(b).dataSync();
        for (let j = 0; j < one.length; j++) worst = Math.max(worst, Math.abs(two[j] - one[j]) / (1 + Math.abs(one[j])));
      }
      const lists = {};
      for (const tid of fs.readdirSync('/proc/self/task')) {
        const m = /^Cpus_allowed_list:\\s*(\\S+)/m.exec(fs.readFileSync('/proc/self/task/' + tid + '/status', 'utf8'));
        lists[tid] = m && m[1];
      }
      process.stdout.write(JSON.stringify({ worst, lists }));`;
    const r = spawnSync('taskset', ['-c', '0', process.execPath, '-e', script], { env: lib!.env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const { worst, lists } = JSON.parse(r.stdout) as { worst: number; lists: Record<string, string> };
    expect(worst).toBeLessThan(1e-4);
    expect(Object.keys(lists).length).toBeGreaterThan(1);
    for (const [tid, list] of Object.entries(lists)) expect(list, `thread ${tid}`).toBe('0-1');
  });

  it.runIf(hasTaskset)('a process limited to one CPU gets the 1-thread result on 2 threads', () => {
    const script = `
      const tf = require(${JSON.stringify(lib!.entry)});
      tf.manualSeed(5);
      const a = tf.randn([300, 257]), b = tf.randn([257, 301]);
      tf.setNumThreads(1);
      const one = a.matmul(b).dataSync();
      tf.setNumThreads(2);
      let worst = 0;
      for (let i = 0; i < 20; i++) {
        const two = a.matmul(b).dataSync();
        for (let j = 0; j < one.length; j++) worst = Math.max(worst, Math.abs(two[j] - one[j]) / (1 + Math.abs(one[j])));
      }
      process.stdout.write(JSON.stringify({ worst, n: one.length }));`;
    const r = spawnSync('taskset', ['-c', '0', process.execPath, '-e', script], { env: lib!.env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const { worst, n } = JSON.parse(r.stdout) as { worst: number; n: number };
    expect(n).toBe(300 * 301);
    expect(worst).toBeLessThan(1e-4);
  });

  it.skipIf(hasTaskset && cpus >= 2)('(reports why the tests above were skipped)', () => {
    console.log(`pool affinity tests skipped: platform ${process.platform}, taskset on CPUs 0 and 1 ${hasTaskset ? 'works' : 'fails'}, ${cpus} CPUs (needs Linux, taskset and 2 CPUs)`);
  });
});
