// Shared by bench/serve.mjs and bench/serve_soak.mjs: the MLP saved as a tensorforge
// model folder and as an ONNX model with the same weights, and server child processes.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModel, initializer } from '../peers/onnx-model.mjs';

const require = createRequire(import.meta.url);
export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..');
export const tf = require(root);

/** Saves an MLP of the given widths (ReLU between) both ways; returns the paths and a sample row. */
export function saveMlp(widths, seed = 1) {
  tf.manualSeed(seed);
  const layers = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    layers.push(new tf.nn.Linear(widths[i], widths[i + 1]));
    if (i + 2 < widths.length) layers.push(new tf.nn.ReLU());
  }
  const model = new tf.nn.Sequential(...layers);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tf-bench-serve-'));
  const name = `mlp${widths.join('_')}`;
  const tfDir = path.join(dir, name);
  tf.saveModel(model, tfDir, { inputShape: [null, widths[0]] });
  const nodes = [];
  const inits = [];
  let x = 'x';
  layers.filter((l) => l instanceof tf.nn.Linear).forEach((l, i, all) => {
    inits.push(initializer(`w${i}`, l.weight.shape, l.weight.dataSync()), initializer(`b${i}`, l.bias.shape, l.bias.dataSync()));
    const y = i + 1 === all.length ? 'y' : `h${i}`;
    nodes.push({ op: 'Gemm', inputs: [x, `w${i}`, `b${i}`], outputs: [i + 1 === all.length ? 'y' : `g${i}`], attrs: { transB: 1 } });
    if (i + 1 < all.length) nodes.push({ op: 'Relu', inputs: [`g${i}`], outputs: [y] });
    x = y;
  });
  const onnx = path.join(dir, `${name}.onnx`);
  writeFileSync(onnx, buildModel({ nodes, inputs: [{ name: 'x', shape: null }], outputs: [{ name: 'y', shape: null }], initializers: inits }));
  const row = Array.from({ length: widths[0] }, (_, j) => Math.round(Math.sin(j * 0.37) * 1e4) / 1e4);
  const want = Array.from(model.forward(tf.tensor([row])).dataSync());
  model.dispose();
  return { dir, name, tfDir, onnx, row, want };
}

/** Starts a server child process and waits for its "listening on URL" line. */
export function startServer(args, label) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], pid: child.pid, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) });
    });
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code}: ${out}`)));
  });
}

/** CPU seconds (user + system, all threads) a process has used, or null where /proc is missing. */
export function cpuSecondsOf(pid) {
  try {
    const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return null;
  }
}

/** Resident memory of a process in bytes (Linux /proc). */
export function rssOf(pid) {
  const s = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(s)[1]) * 1024;
}
