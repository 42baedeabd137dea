/**
 * Helpers of the serve tests: the compiled lib (servers and inference workers run real
 * JS, see test/core/compiled-lib.ts) with node_modules reachable from it, models saved
 * into a temporary folder, a float64 reference of an MLP, and a slow layer (registered
 * from a preload file) that keeps a worker busy for a set time without using the CPU.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileLib, ROOT, type CompiledLib } from '../core/compiled-lib';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TF = any;

export interface ServeLib extends CompiledLib {
  tf: TF;
  /** A file that registers the 'Sleep' layer; pass it as the `preload` option. */
  sleepLayer: string;
  models: string;
}

/**
 * Test layers: Sleep waits `ms` (Atomics.wait: the thread sleeps) and returns x * 2;
 * TwoInTwoOut has two inputs and two outputs.
 */
const SLEEP_LAYER = `
const tf = require(__dirname + '/index.js');
class Sleep extends tf.nn.Module {
  constructor(ms) { super(); this.ms = ms; }
  forward(x) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.ms); return x.mul(2); }
  getConfig() { return [this.ms]; }
}
// Two inputs and two outputs: [a * 2 + sum(b), b - 1].
class TwoInTwoOut extends tf.nn.Module {
  forward(a, b) { return [a.mul(2).add(b.sum(1, { keepdim: true })), b.sub(1)]; }
  getConfig() { return []; }
}
// Ends its worker thread (process.exit in a worker) when given exactly 3 rows.
class ExitOn3 extends tf.nn.Module {
  forward(x) { if (x.shape[0] === 3) process.exit(3); return x.add(1); }
  getConfig() { return []; }
}
if (tf.io.registeredModule('ExitOn3') === undefined) tf.io.registerModule('ExitOn3', ExitOn3);
if (tf.io.registeredModule('Sleep') === undefined) tf.io.registerModule('Sleep', Sleep);
if (tf.io.registeredModule('TwoInTwoOut') === undefined) tf.io.registerModule('TwoInTwoOut', TwoInTwoOut);
module.exports = { Sleep, TwoInTwoOut };
`;

export function loadServeLib(): ServeLib {
  const lib = compileLib();
  // Packages (fastify, prom-client, commander) resolve from the compiled folder too.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(lib.dir, 'node_modules'), 'dir');
  process.env.TENSORFORGE_NATIVE = lib.env.TENSORFORGE_NATIVE;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const tf = require(lib.entry) as TF;
  const sleepLayer = path.join(lib.dir, 'sleep_layer.js');
  fs.writeFileSync(sleepLayer, SLEEP_LAYER);
  require(sleepLayer);
  const models = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-serve-models-'));
  return { ...lib, tf, sleepLayer, models };
}

export function removeServeLib(lib: ServeLib | undefined): void {
  if (lib === undefined) return;
  fs.rmSync(lib.dir, { recursive: true, force: true });
  fs.rmSync(lib.models, { recursive: true, force: true });
}

/** Weights of an MLP of Linear layers with ReLU between, as float64 arrays. */
export interface MlpWeights {
  layers: Array<{ w: Float64Array; b: Float64Array; inF: number; outF: number }>;
}

export function mlpWeights(tf: TF, model: TF): MlpWeights {
  const sd = model.stateDict() as Map<string, TF>;
  const layers: MlpWeights['layers'] = [];
  for (const [k, t] of sd) {
    if (!k.endsWith('.weight')) continue;
    const bias = sd.get(k.replace(/weight$/, 'bias'));
    layers.push({ w: Float64Array.from(t.dataSync()), b: Float64Array.from(bias.dataSync()), inF: t.shape[1], outF: t.shape[0] });
  }
  void tf;
  return { layers };
}

/** The MLP's output for one row, in float64: obviously-right loops. */
export function mlpReference(m: MlpWeights, row: number[]): number[] {
  let x = row.slice();
  m.layers.forEach((L, li) => {
    const y = new Array(L.outF).fill(0);
    for (let o = 0; o < L.outF; o++) {
      let s = L.b[o];
      for (let i = 0; i < L.inF; i++) s += L.w[o * L.inF + i] * x[i];
      y[o] = li < m.layers.length - 1 ? Math.max(0, s) : s;
    }
    x = y;
  });
  return x;
}

export function expectRowsClose(got: unknown, want: number[][], tol = 1e-4): void {
  if (!Array.isArray(got) || got.length !== want.length) throw new Error(`expected ${want.length} rows, got ${JSON.stringify(got)?.slice(0, 200)}`);
  want.forEach((w, i) => {
    const g = got[i] as number[];
    if (!Array.isArray(g) || g.length !== w.length) throw new Error(`row ${i}: expected ${w.length} values, got ${JSON.stringify(g)}`);
    w.forEach((v, j) => {
      if (!(Math.abs(g[j] - v) <= tol * (1 + Math.abs(v)))) throw new Error(`row ${i}[${j}]: got ${g[j]}, want ${v}`);
    });
  });
}

/** Seeded random rows. */
export function randomRows(n: number, width: number, seed: number): number[][] {
  let a = seed >>> 0;
  const r = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => Array.from({ length: width }, () => Math.fround(r() * 4 - 2)));
}

export async function post(url: string, body: unknown, raw?: string): Promise<{ status: number; json: TF; headers: Headers }> {
  const r = await fetch(url, { method: 'POST', body: raw ?? JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await r.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, json, headers: r.headers };
}

export async function get(url: string): Promise<{ status: number; json: TF; text: string }> {
  const r = await fetch(url);
  const text = await r.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: r.status, json, text };
}

/** The value of one sample of a metric in Prometheus text, e.g. metric('x_count{model="m"}'). */
export function metric(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? NaN : Number(line.slice(sample.length + 1));
}
