/**
 * Dynamic batching for one model: requests that arrive within the batching window are
 * stacked into one batch of at most maxBatch rows, run on an idle worker, and the output
 * rows are split back to the requests. While every worker is busy, requests gather in a
 * bounded queue and leave it as full batches: the busier the server, the larger the batch.
 * A request may also be an unread predict body (submitRaw): its batch goes to the worker
 * as bytes, and the worker reads it (raw_parts.ts); until then it counts as one row.
 */
import type { TypedArray } from '../dtype';
import type { DecodedInput, NamedSpec } from './signature';
import { OverloadedError, RequestTimeoutError, ServeError } from './errors';
import type { BodyKey, Part } from './raw_parts';
import type { ServerMetrics } from './metrics';
import { arrayClassOf, type WireTensor } from './wire';
import type { InferencePool } from './worker_pool';

export interface BatcherOptions {
  /** Most rows in one batch (a single larger request still runs, alone). */
  maxBatch: number;
  /** How long the first request of a batch waits for others while a worker is idle. */
  batchDelayMs: number;
  /** Most requests waiting; more are answered 503. */
  queueSize: number;
  /** A request not answered after this long is answered 504. */
  timeoutMs: number;
}

/** The output rows of one request: for each output, its typed array slice. */
export interface RowsResult {
  rows: number;
  outputs: Array<{ data: TypedArray; dims: number[] }>;
  /** For a body sent unread: the key it held (1 "instances", 2 "inputs"); else 0. */
  key: BodyKey;
}

interface Pending {
  /** The decoded inputs, or null while the request is an unread body. */
  inputs: DecodedInput[] | null;
  raw: Uint8Array | null;
  /** The key an unread body held, once the worker has read it (see RowsResult). */
  key: BodyKey;
  rows: number;
  arrived: number;
  done: boolean;
  /** null: the worker declined the unread body (the caller reads it as general JSON). */
  resolve: (r: RowsResult | null) => void;
  reject: (e: Error) => void;
}

export class ModelBatcher {
  private readonly queue: Pending[] = [];
  /** The batches on workers now. */
  private readonly running = new Set<Pending[]>();
  private sweeper: NodeJS.Timeout | null = null;
  private queuedRows = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private inFlight = 0;
  private drainWaiters: Array<() => void> = [];
  private readonly depth;
  private readonly sizes;
  private readonly merged;
  private readonly inference;

  constructor(
    readonly name: string,
    private readonly key: string,
    private readonly inputs: NamedSpec[],
    private readonly pool: InferencePool,
    private readonly opts: BatcherOptions,
    metrics: ServerMetrics,
  ) {
    this.depth = metrics.queueDepth.labels(name);
    this.sizes = metrics.batchSize.labels(name);
    this.merged = metrics.batchRequests.labels(name);
    this.inference = metrics.inference.labels(name);
  }

  /** Requests queued or running. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Queues one request (its inputs decoded, all with the same number of rows). */
  submit(inputs: DecodedInput[]): Promise<RowsResult> {
    return this.enqueue(inputs, null) as Promise<RowsResult>;
  }

  /**
   * Queues an unread predict body of a single-input model: its answer, or null when the
   * worker declines to read it (see raw_parts.ts).
   */
  submitRaw(raw: Uint8Array): Promise<RowsResult | null> {
    return this.enqueue(null, raw);
  }

  private enqueue(inputs: DecodedInput[] | null, raw: Uint8Array | null): Promise<RowsResult | null> {
    // Requests read in this turn of the event loop wait for the pump after it; when they
    // fill the queue while a worker is idle, send them now rather than refuse this one.
    if (this.queue.length >= this.opts.queueSize && this.pool.idle > 0) this.pump();
    if (this.queue.length >= this.opts.queueSize) {
      return Promise.reject(new OverloadedError(`model '${this.name}' has ${this.queue.length} requests waiting (the queue holds ${this.opts.queueSize}); retry later`));
    }
    return new Promise<RowsResult | null>((resolve, reject) => {
      const p: Pending = { inputs, raw, key: 0, rows: inputs === null ? 1 : inputs[0].rows, arrived: performance.now(), done: false, resolve, reject };
      this.queue.push(p);
      // One timer sweeps for timeouts (not one per request): answered within timeoutMs
      // plus an eighth of it (at most 250 ms).
      if (this.sweeper === null) {
        const every = Math.min(250, Math.max(1, this.opts.timeoutMs / 8));
        this.sweeper = setInterval(() => this.sweep(), every);
        this.sweeper.unref();
      }
      this.queuedRows += p.rows;
      this.inFlight++;
      this.depth.set(this.queue.length);
      // Requests that arrive in the same turn of the event loop go out together even
      // with no batching window: the batch is sent after the turn's I/O is read.
      if (this.immediate === null) {
        this.immediate = setImmediate(() => {
          this.immediate = null;
          this.pump();
        });
      }
    });
  }

  private settle(p: Pending, r: RowsResult | null, e: Error | null): void {
    if (p.done) return;
    p.done = true;
    this.inFlight--;
    if (e !== null) p.reject(e);
    else p.resolve(r);
    if (this.inFlight === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** Answers 504 to the requests (queued or running) older than the timeout; stops when none is left. */
  private sweep(): void {
    const oldest = performance.now() - this.opts.timeoutMs;
    while (this.queue.length > 0 && this.queue[0].arrived <= oldest) this.expire(this.queue[0]);
    for (const batch of this.running) for (const p of batch) if (!p.done && p.arrived <= oldest) this.expire(p);
    if (this.inFlight === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  private expire(p: Pending): void {
    const i = this.queue.indexOf(p);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.queuedRows -= p.rows;
      this.depth.set(this.queue.length);
    }
    this.settle(p, null, new RequestTimeoutError(this.opts.timeoutMs));
  }

  /** Sends batches while a worker is idle; called on arrivals, on timers and when a worker frees. */
  pump(): void {
    while (this.queue.length > 0 && this.pool.idle > 0) {
      const waited = performance.now() - this.queue[0].arrived;
      if (this.queuedRows < this.opts.maxBatch && waited < this.opts.batchDelayMs) {
        if (this.timer === null) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.pump();
          }, Math.max(0, this.opts.batchDelayMs - waited));
        }
        return;
      }
      const batch: Pending[] = [this.queue.shift()!];
      let rows = batch[0].rows;
      while (this.queue.length > 0 && rows + this.queue[0].rows <= this.opts.maxBatch) {
        const p = this.queue.shift()!;
        rows += p.rows;
        batch.push(p);
      }
      this.queuedRows -= rows;
      this.depth.set(this.queue.length);
      void (batch.some((p) => p.raw !== null) ? this.runParts(batch) : this.run(batch, rows));
    }
  }

  private stack(batch: Pending[], rows: number): WireTensor[] {
    return this.inputs.map((spec, k) => {
      const dims = spec.shape.slice(1) as number[];
      if (batch.length === 1) return { dtype: spec.dtype, shape: [rows, ...dims], data: batch[0].inputs![k].data };
      const per = dims.reduce((a, b) => a * b, 1);
      const Arr = arrayClassOf(spec.dtype);
      const data = new Arr(rows * per);
      let at = 0;
      for (const p of batch) {
        data.set(p.inputs![k].data, at);
        at += p.rows * per;
      }
      return { dtype: spec.dtype, shape: [rows, ...dims], data };
    });
  }

  private async run(batch: Pending[], rows: number): Promise<void> {
    this.sizes.observe(rows);
    this.merged.observe(batch.length);
    const end = this.inference.startTimer();
    this.running.add(batch);
    try {
      const outs = await this.pool.run(this.key, this.stack(batch, rows));
      end();
      this.checkRows(outs, rows);
      let at = 0;
      for (const p of batch) {
        this.settle(p, { rows: p.rows, outputs: this.rowsOf(outs, at, p.rows), key: p.key }, null);
        at += p.rows;
      }
    } catch (e) {
      end();
      this.fail(batch, e);
    } finally {
      this.running.delete(batch);
    }
  }

  /** A batch with unread bodies: the worker reads them, runs what fits, hands back the rest. */
  private async runParts(batch: Pending[]): Promise<void> {
    const spec = this.inputs[0];
    let size = 0;
    for (const p of batch) if (p.raw !== null) size += p.raw.length;
    const bytes = new Uint8Array(size);
    let at = 0;
    const parts = batch.map((p): Part => {
      if (p.raw === null) return { rows: p.rows, data: p.inputs![0].data };
      bytes.set(p.raw, at);
      at += p.raw.length;
      return { at: at - p.raw.length, end: at };
    });
    const end = this.inference.startTimer();
    this.running.add(batch);
    try {
      const { outs, results } = await this.pool.runParts(this.key, { dtype: spec.dtype, dims: spec.shape.slice(1) as number[], maxBatch: this.opts.maxBatch, bytes, parts });
      end();
      let rows = 0;
      let ran = 0;
      for (const r of results) if (r.status === 'ran') (rows += r.rows), ran++;
      if (ran > 0) {
        this.sizes.observe(rows);
        this.merged.observe(ran);
        this.checkRows(outs, rows);
      }
      const left: Pending[] = [];
      let row = 0;
      batch.forEach((p, i) => {
        const r = results[i];
        if (r.status === 'declined') {
          this.settle(p, null, null);
        } else if (r.status === 'left') {
          if (p.done) return;
          p.raw = null;
          p.inputs = [{ rows: r.rows, data: r.data }];
          p.rows = r.rows;
          p.key = r.key;
          left.push(p);
        } else {
          this.settle(p, { rows: r.rows, outputs: this.rowsOf(outs, row, r.rows), key: p.raw !== null ? r.key : p.key }, null);
          row += r.rows;
        }
      });
      if (left.length > 0) {
        // Read but over the row limit: first in line for the next batch.
        this.queue.unshift(...left);
        for (const p of left) this.queuedRows += p.rows;
        this.depth.set(this.queue.length);
        this.pump();
      }
    } catch (e) {
      end();
      this.fail(batch, e);
    } finally {
      this.running.delete(batch);
    }
  }

  private checkRows(outs: WireTensor[], rows: number): void {
    for (const o of outs) {
      if (o.shape.length === 0 || o.shape[0] !== rows) throw new ServeError(500, `model '${this.name}' returned an output of shape [${o.shape.join(', ')}] for a batch of ${rows} rows; served models must keep the batch dim first`);
    }
  }

  /** The outputs' rows [at, at + rows). */
  private rowsOf(outs: WireTensor[], at: number, rows: number): RowsResult['outputs'] {
    return outs.map((o) => {
      const dims = o.shape.slice(1);
      const per = dims.reduce((a, b) => a * b, 1);
      return { data: o.data.subarray(at * per, (at + rows) * per), dims };
    });
  }

  private fail(batch: Pending[], e: unknown): void {
    const err = e instanceof ServeError ? e : new ServeError(500, `model '${this.name}' failed: ${(e as Error).message}`);
    for (const p of batch) this.settle(p, null, err);
  }

  /** Resolves once no request is queued or running. */
  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }
}
