/**
 * The tensorforge command line (package.json "bin"):
 *   tensorforge serve <modelDir | name=modelDir>... [--host 127.0.0.1] [--port 8501]
 *     [--max-batch 64] [--batch-delay-ms 0] [--workers 1] [--threads N] [--queue-size 256]
 *     [--timeout-ms 30000] [--body-limit 16777216] [--preload file.js...] [--priority 0]
 * SIGTERM and SIGINT stop accepting, answer what is in flight, and exit 0.
 */
import { Command, InvalidArgumentError } from 'commander';
import { createServer, parseModelArg, type ServerOptions } from '../serve/server';

function int(name: string, min: number) {
  return (v: string): number => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return x;
  };
}

function nonNegative(v: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new InvalidArgumentError('must be a number >= 0');
  return x;
}

interface ServeFlags {
  host: string;
  port: number;
  maxBatch: number;
  batchDelayMs: number;
  workers: number;
  threads?: number;
  queueSize: number;
  timeoutMs: number;
  bodyLimit: number;
  preload?: string[];
  priority?: number;
  quiet?: boolean;
}

async function serve(dirs: string[], flags: ServeFlags): Promise<void> {
  const opts: ServerOptions = {
    maxBatch: flags.maxBatch, batchDelayMs: flags.batchDelayMs, workers: flags.workers, queueSize: flags.queueSize,
    timeoutMs: flags.timeoutMs, bodyLimit: flags.bodyLimit, preload: flags.preload,
  };
  if (flags.threads !== undefined) opts.threads = flags.threads;
  if (flags.priority !== undefined) opts.priority = flags.priority;
  const models = Object.fromEntries(dirs.map((d) => parseModelArg(d)));
  const server = createServer(models, opts);
  const log = (s: string): void => {
    if (!flags.quiet) process.stdout.write(`${s}\n`);
  };
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: no new requests; finishing those in flight`);
    server.close().then(() => {
      log('stopped');
      process.exit(0);
    }, (e: Error) => {
      process.stderr.write(`shutdown failed: ${e.message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const { url } = await server.listen({ host: flags.host, port: flags.port });
  for (const m of server.models.values()) {
    const sig = m.signature;
    log(`model '${m.name}': inputs ${m.described}, outputs ${sig.outputs.map((s) => `'${s.name}': [${s.shape.map((d) => d ?? -1).join(', ')}]`).join(', ')}`);
    log(`  POST ${url}/v1/models/${m.name}:predict   POST ${url}/v2/models/${m.name}/infer`);
  }
  log(`listening on ${url} (metrics at ${url}/metrics)`);
}

/** Runs the CLI with process.argv-style arguments. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const program = new Command('tensorforge');
  program.description('tensorforge: a deep-learning engine for Node.js');
  program
    .command('serve')
    .description('serve saveModel() folders over HTTP (TensorFlow Serving REST and KServe v2), with dynamic batching')
    .argument('<modelDir...>', 'model folders written by tf.saveModel; name=dir names a model (default: the folder name)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', int('--port', 0), 8501)
    .option('--max-batch <n>', 'most rows per batch', int('--max-batch', 1), 64)
    .option('--batch-delay-ms <ms>', 'batching window: how long a request waits for others while a worker is idle (0: batch what arrives while workers are busy)', nonNegative, 0)
    .option('--workers <n>', 'inference worker threads', int('--workers', 1), 1)
    .option('--threads <n>', 'native threads, process-wide (default: cores - workers, at least 1)', int('--threads', 1))
    .option('--queue-size <n>', 'requests waiting per model before answering 503', int('--queue-size', 1), 256)
    .option('--timeout-ms <ms>', 'per-request timeout, answered 504', int('--timeout-ms', 1), 30_000)
    .option('--body-limit <bytes>', 'largest request body, answered 413', int('--body-limit', 1), 16 * 1024 * 1024)
    .option('--preload <files...>', 'files each worker requires first (to register custom layers)')
    .option('--priority <nice>', 'nice value (0 to 19) of the worker threads on Linux: above 0 the event loop wins the CPU', int('--priority', 0))
    .option('--quiet', 'print nothing')
    .action((dirs: string[], flags: ServeFlags) => serve(dirs, flags));
  await program.parseAsync(argv);
}
