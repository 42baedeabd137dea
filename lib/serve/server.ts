/**
 * createServer: serves saveModel() folders (or in-memory modules) over HTTP with
 * TensorFlow Serving's REST API and the KServe v2 protocol, dynamic batching on a pool
 * of inference workers, Prometheus metrics at /metrics, a bounded queue (503 with
 * Retry-After), a body limit (413), a per-request timeout (504) and input validation
 * (400 for malformed JSON, 422 for inputs that do not fit the model's signature).
 * Built on fastify; the forward passes never run on the main thread.
 */
import * as path from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { ArgumentError } from '../errors';
import { describeModule, readModelConfig, type TensorSpec } from '../io/model';
import { serialize } from '../io/safetensors';
import { Module } from '../nn/module';
import { installJsonParsers } from './body';
import { ModelNotFoundError, ServeError } from './errors';
import { kserveRoutes } from './kserve';
import { ServerMetrics } from './metrics';
import { ServedModel } from './served_model';
import { inferInputs } from './signature';
import { tfServingRoutes } from './tf_serving';
import { InferencePool, type ModelPayload } from './worker_pool';

/** A model to serve: a saveModel() folder, a module, or either with its input signature. */
export type ModelSource = string | Module | { path?: string; module?: Module; inputs?: TensorSpec[] };

/** Options of createServer. */
export interface ServerOptions {
  /** Most rows per batch (default 64). */
  maxBatch?: number;
  /**
   * Batching window in ms: how long a request waits for others while a worker is idle.
   * Default 0: a batch is what arrived while the workers were busy, plus the requests
   * read in the same turn of the event loop (no added latency when the server is quiet).
   */
  batchDelayMs?: number;
  /** Inference worker threads (default 1). */
  workers?: number;
  /** Native threads, process-wide (default max(1, cores - workers); see InferencePool). null: leave as is. */
  threads?: number | null;
  /** Requests waiting per model before 503 (default 256). */
  queueSize?: number;
  /** Per-request timeout in ms, answered 504 (default 30000). */
  timeoutMs?: number;
  /** Largest request body in bytes, answered 413 (default 16 MiB). */
  bodyLimit?: number;
  /** Files the workers require() first (to register custom layers). */
  preload?: string[];
  /** Nice value of the worker threads on Linux (default 0; see InferencePoolOptions.priority). */
  priority?: number;
  /** fastify's logger option (default false). */
  logger?: boolean;
}

/** What createServer returns. */
export interface ModelServer {
  /** The fastify instance (add routes or hooks before listen()). */
  readonly app: FastifyInstance;
  /** The served models by name. */
  readonly models: ReadonlyMap<string, ServedModel>;
  readonly metrics: ServerMetrics;
  /** Loads the models into the workers and starts listening; resolves with the address. */
  listen(opts?: { port?: number; host?: string }): Promise<{ url: string; host: string; port: number }>;
  /** Stops accepting, answers what is in flight, then stops the workers. */
  close(): Promise<void>;
}

const VERSION: string = (() => {
  try {
    return (require(path.join(__dirname, '..', '..', 'package.json')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

function intOption(op: string, name: string, v: number | undefined, dflt: number, min: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < min) throw new ArgumentError(op, `${name} must be an integer >= ${min}, got ${v}`);
  return x;
}

/** Splits "name=dir" (or a bare dir, named after its folder). */
export function parseModelArg(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq > 0 && !arg.slice(0, eq).includes(path.sep)) return [arg.slice(0, eq), arg.slice(eq + 1)];
  return [path.basename(path.resolve(arg)), arg];
}

function payloadOf(op: string, name: string, src: ModelSource): ModelPayload {
  const spec = typeof src === 'string' ? { path: src } : src instanceof Module ? { module: src } : src;
  if (spec === null || typeof spec !== 'object') throw new ArgumentError(op, `model '${name}' must be a folder, a Module or { path | module, inputs }`);
  if (spec.path !== undefined) {
    const cfg = readModelConfig(spec.path, op);
    const inputs = spec.inputs ?? cfg.inputs ?? inferInputs(cfg.model);
    if (inputs === null) throw new ArgumentError(op, `model '${name}' (${spec.path}) has no input signature in config.json and its first layer is not a Linear: save it with tf.saveModel(model, dir, { inputShape: [null, ...] })`);
    return { dir: path.resolve(spec.path), inputs };
  }
  if (spec.module instanceof Module) {
    const node = describeModule(spec.module, 'model', op);
    const inputs = spec.inputs ?? inferInputs(node);
    if (inputs === null) throw new ArgumentError(op, `model '${name}': give its input signature as { module, inputs: [{ shape: [null, ...], dtype }] } (its first layer is not a Linear)`);
    return { node, weights: serialize(spec.module.stateDict()), inputs };
  }
  throw new ArgumentError(op, `model '${name}' must be a folder, a Module or { path | module, inputs }`);
}

/**
 * Creates a model server. models: folders written by tf.saveModel (named after the
 * folder, or 'name=dir'), or an object name -> folder | Module | { path | module, inputs }.
 * @example
 * const server = tf.createServer(['models/mnist'], { maxBatch: 64, batchDelayMs: 2 });
 * const { url } = await server.listen({ port: 8501 });
 * // curl -d '{"instances": [[...784 numbers...]]}' $url/v1/models/mnist:predict
 */
export function createServer(models: string[] | Record<string, ModelSource>, options: ServerOptions = {}): ModelServer {
  const op = 'createServer';
  const entries: Array<[string, ModelSource]> = Array.isArray(models) ? models.map((a) => parseModelArg(a)) : Object.entries(models ?? {});
  if (entries.length === 0) throw new ArgumentError(op, 'give at least one model');
  const names = new Set<string>();
  for (const [n] of entries) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(n)) throw new ArgumentError(op, `model name ${JSON.stringify(n)} must be letters, digits, '_', '.' or '-'`);
    if (names.has(n)) throw new ArgumentError(op, `two models are named '${n}' (use name=dir)`);
    names.add(n);
  }
  const batchOpts = {
    maxBatch: intOption(op, 'maxBatch', options.maxBatch, 64, 1),
    batchDelayMs: options.batchDelayMs ?? 0,
    queueSize: intOption(op, 'queueSize', options.queueSize, 256, 1),
    timeoutMs: intOption(op, 'timeoutMs', options.timeoutMs, 30_000, 1),
  };
  if (!(batchOpts.batchDelayMs >= 0 && Number.isFinite(batchOpts.batchDelayMs))) throw new ArgumentError(op, `batchDelayMs must be a number >= 0, got ${options.batchDelayMs}`);
  const bodyLimit = intOption(op, 'bodyLimit', options.bodyLimit, 16 * 1024 * 1024, 1);
  const payloads = entries.map(([n, src]) => [n, payloadOf(op, n, src)] as const);

  const metrics = new ServerMetrics();
  const served = new Map<string, ServedModel>();
  let pool: InferencePool | null = null;
  let ready = false;
  let closing: Promise<void> | null = null;

  const app = Fastify({ logger: options.logger ?? false, bodyLimit, return503OnClosing: true, forceCloseConnections: 'idle' });
  installJsonParsers(app);
  const lookup = (name: string): ServedModel => {
    const m = served.get(name);
    if (m === undefined) throw new ModelNotFoundError(name, [...served.keys()]);
    return m;
  };

  // Callback-style hooks (no promise per request), and the metric children cached by label.
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(v: number): void }>();
  app.addHook('onResponse', (req, reply, done) => {
    const endpoint = (req.routeOptions.config as { endpoint?: string } | undefined)?.endpoint ?? 'other';
    const model = (req.params as { name?: string } | undefined)?.name ?? '';
    const label = served.has(model) ? model : '';
    const key = `${label}\0${endpoint}`;
    const ckey = `${key}\0${reply.statusCode}`;
    let c = counters.get(ckey);
    if (c === undefined) counters.set(ckey, (c = metrics.requests.labels(label, endpoint, String(reply.statusCode))));
    c.inc();
    let h = timers.get(key);
    if (h === undefined) timers.set(key, (h = metrics.latency.labels(label, endpoint)));
    h.observe(reply.elapsedTime / 1000); // fastify times every request from its routing
    done();
  });
  // While stopping, every answer closes its connection, so that kept-alive connections
  // of requests that were in flight do not hold close() until their keep-alive timeout.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing !== null) reply.header('connection', 'close');
    done(null, payload);
  });
  app.setErrorHandler((err: FastifyError | ServeError | Error, _req, reply) => {
    let status = 500;
    let message = err.message;
    if (err instanceof ServeError) {
      status = err.statusCode;
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    } else if ((err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      message = `the body is larger than the server's limit of ${bodyLimit} bytes`;
    } else if ((err as FastifyError).code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err as SyntaxError) instanceof SyntaxError || (err as FastifyError).code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      status = 400;
      message = `the body is not valid JSON: ${err.message}`;
    } else if (typeof (err as FastifyError).statusCode === 'number' && (err as FastifyError).statusCode! >= 400) {
      status = (err as FastifyError).statusCode!;
    }
    reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: `no route ${req.method} ${req.url}` });
  });
  app.get('/metrics', { config: { endpoint: 'metrics' } }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  tfServingRoutes(app, lookup);
  kserveRoutes(app, lookup, () => ready && closing === null, VERSION);

  const server: ModelServer = {
    app,
    models: served,
    metrics,
    async listen({ port = 8501, host = '127.0.0.1' } = {}) {
      if (pool === null) {
        pool = new InferencePool({ workers: options.workers ?? 1, threads: options.threads, preload: options.preload, priority: options.priority });
        const p = pool;
        for (const [name, payload] of payloads) {
          const key = name;
          const info = await p.load(key, payload);
          served.set(name, new ServedModel(name, key, payload.inputs, info.outputs, p, batchOpts, metrics));
        }
        p.onIdle(() => {
          for (const m of served.values()) m.batcher.pump();
        });
      }
      await app.listen({ port, host });
      ready = true;
      const addr = app.server.address();
      const actual = typeof addr === 'object' && addr !== null ? addr.port : port;
      return { url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`, host, port: actual };
    },
    close() {
      if (closing !== null) return closing;
      closing = (async () => {
        ready = false;
        await app.close(); // stops accepting; waits for the requests in flight
        await Promise.all([...served.values()].map((m) => m.batcher.drain()));
        if (pool !== null) await pool.close();
      })();
      return closing;
    },
  };
  return server;
}

