/**
 * `tensorforge serve` as a child process (bin/tensorforge.js over the compiled lib):
 * it serves the folders it is given, and on SIGTERM (or SIGINT) it stops accepting,
 * answers every request in flight, and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../core/compiled-lib';
import { loadServeLib, post, removeServeLib, type ServeLib } from './serve-helpers';

let lib: ServeLib;
let bin: string;

beforeAll(() => {
  lib = loadServeLib();
  const tf = lib.tf;
  // The real bin script, which loads ../dist/cli/main.js: here dist/ is the compiled lib.
  fs.mkdirSync(path.join(lib.dir, 'bin'));
  bin = path.join(lib.dir, 'bin', 'tensorforge.js');
  fs.copyFileSync(path.join(ROOT, 'bin', 'tensorforge.js'), bin);
  fs.symlinkSync(lib.dir, path.join(lib.dir, 'dist'), 'dir');
  tf.saveModel(new tf.nn.Sequential(new (tf.io.registeredModule('Sleep'))(300)), path.join(lib.models, 'slow'), { inputShape: [null, 3] });
});

afterAll(() => removeServeLib(lib));

function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; out: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { env: lib.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 60 s: ${out} ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], out: () => out, exited });
      }
    });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}: ${out} ${err}`));
    });
  });
}

describe('tensorforge serve', () => {
  it('SIGTERM: stops accepting, answers the requests in flight, exits 0', async () => {
    const { child, url, out, exited } = await startCli([`slow=${path.join(lib.models, 'slow')}`, '--port', '0', '--max-batch', '1', '--batch-delay-ms', '0', '--workers', '1', '--threads', '1', '--preload', lib.sleepLayer]);
    expect(out()).toContain("model 'slow': inputs 'input': FP32 [-1, 3]");
    // Three requests of 300 ms each run one after the other: ~900 ms in flight.
    const t0 = Date.now();
    const inflight = [1, 2, 3].map((i) => post(`${url}/v1/models/slow:predict`, { instances: [[i, 0, -i]] }));
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    // A new request is refused: the listener is closed (or, on a kept-alive connection, 503).
    const late = await post(`${url}/v1/models/slow:predict`, { instances: [[9, 9, 9]] }).then((r) => r.status, (e: Error) => e.message);
    const rs = await Promise.all(inflight);
    const code = await exited;
    console.log(`in flight: ${rs.map((r) => r.status).join(', ')} after ${Date.now() - t0} ms; a request after SIGTERM: ${late}; exit code ${code}`);
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200]);
    rs.forEach((r, i) => expect(r.json.predictions).toEqual([[2 * (i + 1), 0, -2 * (i + 1)]]));
    expect(late === 503 || typeof late === 'string').toBe(true);
    expect(code).toBe(0);
    expect(out()).toContain('SIGTERM');
    expect(out()).toContain('stopped');
  });

  it('SIGINT exits 0 too; bad arguments exit 1 with a message', async () => {
    const { child, url, exited } = await startCli([path.join(lib.models, 'slow'), '--port', '0', '--threads', '1', '--preload', lib.sleepLayer]);
    const live = await fetch(`${url}/v2/health/live`);
    expect(live.status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(startCli([path.join(lib.models, 'nope'), '--port', '0'])).rejects.toThrow(/exited with 1.*config\.json/s);
    await expect(startCli([path.join(lib.models, 'slow'), '--max-batch', '0'])).rejects.toThrow(/--max-batch must be an integer/);
  });
});
