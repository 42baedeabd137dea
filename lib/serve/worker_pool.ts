/**
 * A pool of inference workers (worker_threads, see worker.ts). Every worker holds every
 * loaded model; a run goes to an idle worker, or waits in the pool's queue for one. The
 * main thread only posts messages: the forward passes run in the workers.
 *
 * Threads: the native thread pool is process-wide and the thread that calls into it
 * takes part in its own job, so W workers computing at once keep at most
 * W + numThreads - 1 cores busy. `threads` (setNumThreads, process-wide) defaults to
 * max(1, cores - W), which leaves one core for the main thread's event loop.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ArgumentError } from '../errors';
import type { ModuleNode, TensorSpec } from '../io/model';
import type { LoadedInfo, WorkerSetup } from './worker';
import type { PartResult, PartsBatch } from './raw_parts';
import { transferList, type WireTensor } from './wire';

/** Options of an InferencePool. */
export interface InferencePoolOptions {
  /** Number of worker threads (default 1). */
  workers?: number;
  /**
   * setNumThreads(threads) in the workers; the setting is process-wide. Default
   * max(1, cores - workers); null leaves the current setting alone.
   */
  threads?: number | null;
  /** Files each worker require()s before loading models (register custom layers there). */
  preload?: string[];
  /**
   * Nice value (0 to 19) of the worker threads on Linux (default 0): above 0, the main
   * thread's event loop wins the CPU over a forward pass when cores are short.
   */
  priority?: number;
}

/** Where a model comes from: a saveModel() folder, or a module tree and its weights. */
export type ModelPayload =
  | { dir: string; inputs: TensorSpec[] }
  | { node: ModuleNode; weights: Uint8Array; inputs: TensorSpec[] };

/** An error raised inside a worker, with the worker's error name and message. */
export class InferenceError extends Error {
  constructor(readonly remoteName: string, message: string) {
    super(message);
    this.name = 'InferenceError';
  }
}

interface Job {
  msg: Record<string, unknown>;
  transfer: ArrayBuffer[];
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job: (Job & { id: number }) | null;
  /** Broadcast jobs (loads) run on every worker, ahead of the shared queue. */
  own: Job[];
  /** True once the worker answered a message: one that dies before is not replaced. */
  answered: boolean;
}

/**
 * The worker script next to this file (dist/serve/worker.js, or a compiled copy of lib/).
 * Run from the TypeScript sources (lib/serve/*.ts under a TS loader), workers use the
 * built dist/serve/worker.js: a worker loads its own copy of the library either way.
 */
function workerScript(): string {
  const js = path.join(__dirname, 'worker.js');
  if (fs.existsSync(js)) return js;
  const built = path.join(__dirname, '..', '..', 'dist', 'serve', 'worker.js');
  if (fs.existsSync(built)) return built;
  throw new ArgumentError('InferencePool', `no inference worker script at ${js} or ${built}: build the TypeScript (npm run build:ts)`);
}

let nextId = 1;

/**
 * Worker threads that hold models and run their forward passes.
 * @example
 * const pool = new tf.InferencePool({ workers: 1, threads: 1 });
 * await pool.load('mnist', { dir: 'models/mnist', inputs: [{ shape: [null, 784], dtype: 'float32' }] });
 * const [y] = await pool.run('mnist', [{ dtype: 'float32', shape: [1, 784], data: new Float32Array(784) }]);
 * await pool.close();
 */
export class InferencePool {
  readonly size: number;
  readonly threads: number | null;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  private readonly idleListeners = new Set<() => void>();
  /** What every worker holds, to load into a worker that replaces a dead one. */
  private readonly loaded = new Map<string, ModelPayload>();

  constructor(opts: InferencePoolOptions = {}) {
    const op = 'InferencePool';
    const size = opts.workers ?? 1;
    if (!Number.isInteger(size) || size < 1 || size > 256) throw new ArgumentError(op, `workers must be an integer from 1 to 256, got ${size}`);
    const threads = opts.threads === undefined ? Math.max(1, os.availableParallelism() - size) : opts.threads;
    if (threads !== null && (!Number.isInteger(threads) || threads < 1 || threads > 1024)) throw new ArgumentError(op, `threads must be an integer from 1 to 1024 or null, got ${threads}`);
    const priority = opts.priority ?? 0;
    if (!Number.isInteger(priority) || priority < 0 || priority > 19) throw new ArgumentError(op, `priority must be an integer from 0 to 19, got ${priority}`);
    this.size = size;
    this.threads = threads;
    const setup: WorkerSetup & { tensorforgeInference: true } = { tensorforgeInference: true, preload: opts.preload ?? [], priority };
    if (threads !== null) setup.threads = threads;
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(setup));
  }

  private spawn(setup: WorkerSetup): Slot {
    const worker = new Worker(workerScript(), { workerData: setup });
    const slot: Slot = { worker, job: null, own: [], answered: false };
    worker.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: { name: string; message: string } }) => {
      slot.answered = true;
      const job = slot.job;
      if (job === null || job.id !== m.id) return;
      slot.job = null;
      if (m.ok) job.resolve(m.value);
      else job.reject(new InferenceError(m.error!.name, m.error!.message));
      this.pump();
    });
    const fail = (e: Error): void => {
      const job = slot.job;
      slot.job = null;
      job?.reject(e);
      for (const j of slot.own.splice(0)) j.reject(e);
    };
    worker.on('error', (e) => fail(e));
    worker.on('exit', (code) => {
      fail(new InferenceError('WorkerExit', `inference worker exited with code ${code}`));
      if (this.closed) return;
      // A worker that died (process.exit in a layer, out of memory) fails its job; a new
      // one takes its place and loads every model again before taking more work.
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      if (!slot.answered) {
        this.slots.splice(i, 1);
        if (this.slots.length === 0) for (const j of this.queue.splice(0)) j.reject(new InferenceError('WorkerExit', 'every inference worker has exited'));
        return;
      }
      const fresh = this.spawn(setup);
      this.slots[i] = fresh;
      for (const [key, payload] of this.loaded) {
        fresh.own.push({ msg: this.loadMessage(key, payload), transfer: [], resolve: () => undefined, reject: () => undefined });
      }
      this.pump();
    });
    worker.unref();
    return slot;
  }

  /** Workers with nothing to do. */
  get idle(): number {
    let n = 0;
    for (const s of this.slots) if (s.job === null && s.own.length === 0) n++;
    return Math.max(0, n - this.queue.length);
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Calls fn whenever a worker becomes free; returns a function that removes it. */
  onIdle(fn: () => void): () => void {
    this.idleListeners.add(fn);
    return () => this.idleListeners.delete(fn);
  }

  private start(slot: Slot, job: Job): void {
    const id = nextId++;
    slot.job = { ...job, id };
    slot.worker.ref();
    slot.worker.postMessage({ ...job.msg, id }, job.transfer);
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job !== null) continue;
      const job = slot.own.shift() ?? this.queue.shift();
      if (job !== undefined) this.start(slot, job);
      else slot.worker.unref();
    }
    if (this.idle > 0) for (const fn of this.idleListeners) fn();
  }

  private submit(msg: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new InferenceError('Closed', 'the inference pool is closed'));
    if (this.slots.length === 0) return Promise.reject(new InferenceError('WorkerExit', 'every inference worker has exited'));
    return new Promise((resolve, reject) => {
      this.queue.push({ msg, transfer, resolve, reject });
      this.pump();
    });
  }

  /**
   * Loads (or replaces) a model under key in every worker. Resolves with its output
   * signature, found by running it once on zeros.
   */
  async load(key: string, payload: ModelPayload): Promise<LoadedInfo> {
    if (this.closed) throw new InferenceError('Closed', 'the inference pool is closed');
    const msg = this.loadMessage(key, payload);
    const results = await Promise.all(this.slots.map((slot) => new Promise<unknown>((resolve, reject) => {
      slot.own.push({ msg, transfer: [], resolve, reject });
      this.pump();
    })));
    this.loaded.set(key, payload);
    return results[0] as LoadedInfo;
  }

  private loadMessage(key: string, payload: ModelPayload): Record<string, unknown> {
    return 'dir' in payload
      ? { kind: 'load', key, dir: payload.dir, inputs: payload.inputs }
      : { kind: 'loadInline', key, node: payload.node, weights: payload.weights, inputs: payload.inputs };
  }

  /** Drops a model from every worker. */
  async unload(key: string): Promise<void> {
    this.loaded.delete(key);
    await Promise.all(this.slots.map((slot) => new Promise<unknown>((resolve, reject) => {
      slot.own.push({ msg: { kind: 'unload', key }, transfer: [], resolve, reject });
      this.pump();
    })));
  }

  /**
   * Runs the model's forward pass on one worker (eval mode, no autograd). The input
   * buffers are transferred: the caller's typed arrays are detached afterwards.
   */
  async run(key: string, inputs: WireTensor[]): Promise<WireTensor[]> {
    return (await this.submit({ kind: 'run', key, inputs }, transferList(inputs))) as WireTensor[];
  }

  /**
   * Reads the batch's unread bodies and runs what fits (raw_parts.ts) on one worker.
   * The bytes and the rows already read are transferred. Used by the server's batcher.
   * @internal
   */
  async runParts(key: string, batch: PartsBatch): Promise<{ outs: WireTensor[]; results: PartResult[] }> {
    const transfer: ArrayBuffer[] = [batch.bytes.buffer as ArrayBuffer];
    for (const p of batch.parts) if ('data' in p && !transfer.includes(p.data.buffer as ArrayBuffer)) transfer.push(p.data.buffer as ArrayBuffer);
    return (await this.submit({ kind: 'runParts', key, batch }, transfer)) as { outs: WireTensor[]; results: PartResult[] };
  }

  /** Waits for the running jobs, fails the queued ones, and stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new InferenceError('Closed', 'the inference pool was closed'));
    await Promise.all(this.slots.map(async (slot) => {
      while (slot.job !== null) await new Promise((r) => setTimeout(r, 2));
      await slot.worker.terminate();
    }));
  }
}
