/**
 * The inference worker: a worker_thread that loads its own instance of the addon (the
 * native thread pool and allocator stay process-wide) and the models it is sent, and
 * runs their forward passes, so the main thread's event loop never waits for one.
 *
 * Messages in:  { id, kind: 'load', key, dir } | { id, kind: 'loadInline', key, node, weights, inputs }
 *               | { id, kind: 'run', key, inputs: WireTensor[] } | { id, kind: 'runParts', key, batch: PartsBatch }
 *               | { id, kind: 'unload', key }
 * Messages out: { id, ok: true, value } | { id, ok: false, error: { name, message } }
 * Tensors cross as typed arrays whose buffers are transferred.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import '../index'; // every op and layer, as the main thread has them
import { noGrad } from '../autograd/graph';
import { setNumThreads } from '../backend';
import { zeros } from '../creation';
import { buildModule, loadModel, readModelConfig, type ModuleNode, type TensorSpec } from '../io/model';
import { deserialize } from '../io/safetensors';
import { tidy } from '../scope';
import { isTensor, type Tensor } from '../tensor';
import type { Module } from '../nn/module';
import { readParts, type PartsBatch } from './raw_parts';
import { fromWire, toWire, transferList, type WireTensor } from './wire';

/** What the worker is started with. */
export interface WorkerSetup {
  /** Calls setNumThreads(threads) in the worker (the native pool is process-wide). */
  threads?: number;
  /** Modules to require() first, e.g. files that register custom layers. */
  preload?: string[];
  /** Scheduling priority (nice value, 0 to 19) of this thread, on Linux. */
  priority?: number;
}

/**
 * Lowers this thread's priority: on Linux setpriority() on a thread id applies to that
 * thread alone, so the main thread (HTTP, batching) keeps its own. Native pool threads
 * made later by this thread inherit it.
 */
function lowerPriority(nice: number): void {
  if (process.platform !== 'linux' || nice === 0) return;
  try {
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, nice);
  } catch {
    // Not permitted or no /proc: the worker runs at the process's priority.
  }
}

/** What a load answers: the model's output signature, from a forward pass on zeros. */
export interface LoadedInfo {
  outputs: TensorSpec[];
}

type Request =
  | { id: number; kind: 'load'; key: string; dir: string; inputs: TensorSpec[] }
  | { id: number; kind: 'loadInline'; key: string; node: ModuleNode; weights: Uint8Array; inputs: TensorSpec[] }
  | { id: number; kind: 'run'; key: string; inputs: WireTensor[] }
  | { id: number; kind: 'runParts'; key: string; batch: PartsBatch }
  | { id: number; kind: 'unload'; key: string };

const models = new Map<string, Module>();

function outputsOf(out: unknown, op: string): Tensor[] {
  const list = Array.isArray(out) ? out : [out];
  if (!list.every(isTensor)) throw new Error(`${op}: the model's forward must return a tensor or an array of tensors`);
  return list as Tensor[];
}

function probe(model: Module, inputs: TensorSpec[]): LoadedInfo {
  return noGrad(() => tidy(() => {
    const xs = inputs.map((s) => zeros([1, ...s.shape.slice(1).map((d) => (d === null ? 1 : d))], { dtype: s.dtype }));
    const outs = outputsOf(model.forward(...xs), 'load');
    return { outputs: outs.map((t) => ({ shape: t.ndim === 0 ? [] : [null, ...t.shape.slice(1)], dtype: t.dtype })) };
  }));
}

function install(key: string, model: Module, inputs: TensorSpec[]): LoadedInfo {
  model.eval();
  const info = probe(model, inputs);
  models.get(key)?.dispose();
  models.set(key, model);
  return info;
}

function modelOf(key: string): Module {
  const model = models.get(key);
  if (model === undefined) throw new Error(`no model loaded under '${key}'`);
  return model;
}

function forward(model: Module, inputs: WireTensor[]): WireTensor[] {
  return noGrad(() => tidy(() => {
    const xs = inputs.map(fromWire);
    return outputsOf(model.forward(...xs), 'forward').map(toWire);
  }));
}

function handle(msg: Request): { value: unknown; transfer: ArrayBuffer[] } {
  switch (msg.kind) {
    case 'load': {
      readModelConfig(msg.dir, 'serve');
      return { value: install(msg.key, loadModel(msg.dir), msg.inputs), transfer: [] };
    }
    case 'loadInline': {
      const model = buildModule(msg.node, 'model', 'predictAsync');
      const sd = deserialize(msg.weights);
      try {
        model.loadStateDict(sd, { strict: true });
      } finally {
        for (const t of Object.values(sd)) t.dispose();
      }
      return { value: install(msg.key, model, msg.inputs), transfer: [] };
    }
    case 'run': {
      const outs = forward(modelOf(msg.key), msg.inputs);
      return { value: outs, transfer: transferList(outs) };
    }
    case 'runParts': {
      const model = modelOf(msg.key);
      const { batch } = msg;
      const { rows, data, results } = readParts(batch);
      const outs = data === null ? [] : forward(model, [{ dtype: batch.dtype, shape: [rows, ...batch.dims], data }]);
      const transfer = transferList(outs);
      for (const r of results) if (r.status === 'left' && !transfer.includes(r.data.buffer as ArrayBuffer)) transfer.push(r.data.buffer as ArrayBuffer);
      return { value: { outs, results }, transfer };
    }
    case 'unload': {
      models.get(msg.key)?.dispose();
      models.delete(msg.key);
      return { value: null, transfer: [] };
    }
    default:
      throw new Error(`unknown message ${JSON.stringify((msg as { kind?: unknown }).kind)}`);
  }
}

function main(): void {
  const port = parentPort!;
  const setup = (workerData ?? {}) as WorkerSetup;
  if (setup.priority !== undefined) lowerPriority(setup.priority);
  if (setup.threads !== undefined) setNumThreads(setup.threads);
  for (const p of setup.preload ?? []) require(p);
  port.on('message', (msg: Request) => {
    try {
      const { value, transfer } = handle(msg);
      port.postMessage({ id: msg.id, ok: true, value }, transfer);
    } catch (e) {
      const err = e as Error;
      port.postMessage({ id: msg.id, ok: false, error: { name: err?.name ?? 'Error', message: err?.message ?? String(e) } });
    }
  });
}

if (parentPort !== null && (workerData as { tensorforgeInference?: boolean } | null)?.tensorforgeInference === true) main();
