/**
 * Module.predictAsync: the forward pass of a whole model on an inference worker, so the
 * event loop stays free while it runs. The first call sends the module tree and its
 * weights to the worker; later calls send only the inputs, and the weights again when
 * a parameter or buffer changed (training in between, loadStateDict, ...).
 */
import { ArgumentError, fmtShape } from '../errors';
import { describeModule, type TensorSpec } from '../io/model';
import { serialize } from '../io/safetensors';
import { Module } from '../nn/module';
import { isTensor, type Tensor } from '../tensor';
import { InferencePool, type InferencePoolOptions } from './worker_pool';
import { fromWire, toWire } from './wire';

declare module '../nn/module' {
  interface Module {
    /**
     * Runs forward(...inputs) on an inference worker thread (eval mode, no autograd) and
     * resolves with the output tensor(s); the main thread only copies inputs and outputs.
     * The module must be one loadModel could rebuild (built-in layers and registered
     * custom modules; see tf.io.registerModule and the `preload` option of
     * setInferencePool for custom classes). The weights are those at the time of the call.
     * @param inputs the inputs of forward, batch dim first
     * @example
     * const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
     * const y = await model.predictAsync(tf.randn([64, 784])); // [64, 10]
     */
    predictAsync(...inputs: Tensor[]): Promise<Tensor | Tensor[]>;
  }
}

let defaultPool: InferencePool | null = null;
let defaultOptions: InferencePoolOptions = { workers: 1, threads: null };

/**
 * Sets the worker pool that predictAsync uses (created on first use with one worker and
 * the process's thread setting). Closes the previous pool.
 * @example await tf.setInferencePool({ workers: 2, threads: 1 });
 */
export async function setInferencePool(opts: InferencePoolOptions): Promise<void> {
  defaultOptions = { ...opts };
  const old = defaultPool;
  defaultPool = null;
  if (old !== null) await old.close();
}

/** Closes predictAsync's worker pool (a later predictAsync starts a new one). */
export async function closeInferencePool(): Promise<void> {
  await setInferencePool(defaultOptions);
}

function pool(): InferencePool {
  if (defaultPool === null) defaultPool = new InferencePool(defaultOptions);
  return defaultPool;
}

interface Sent {
  key: string;
  pool: InferencePool;
  stamp: string;
}
// A new pool (setInferencePool) makes every entry stale: the pool is part of it.
const models = new WeakMap<Module, Sent>();
let nextKey = 1;
const tensorIds = new WeakMap<object, number>();
let nextTensorId = 1;

/** Changes whenever a parameter or buffer is replaced or written in place. */
function stampOf(m: Module): string {
  const parts: string[] = [];
  for (const [, t] of [...m.namedParameters(), ...m.namedBuffers()]) {
    const s = t.storage as object & { version: number };
    let id = tensorIds.get(s);
    if (id === undefined) tensorIds.set(s, (id = nextTensorId++));
    parts.push(`${id}:${s.version}`);
  }
  return parts.join(',');
}

Module.prototype.predictAsync = async function (this: Module, ...inputs: Tensor[]): Promise<Tensor | Tensor[]> {
  const op = `${this.constructor.name}.predictAsync`;
  if (inputs.length === 0) throw new ArgumentError(op, 'expected at least one input tensor');
  inputs.forEach((t, i) => {
    if (!isTensor(t)) throw new ArgumentError(op, `input ${i} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    if (t.ndim === 0) throw new ArgumentError(op, `input ${i} must have a batch dim, got shape ${fmtShape(t.shape)}`);
  });
  const p = pool();
  const stamp = stampOf(this);
  let sent = models.get(this);
  if (sent === undefined || sent.pool !== p || sent.stamp !== stamp) {
    const node = describeModule(this, 'model', op);
    const weights = serialize(this.stateDict());
    const specs: TensorSpec[] = inputs.map((t) => ({ shape: [null, ...t.shape.slice(1)], dtype: t.dtype }));
    const key = sent?.pool === p ? sent.key : `m${nextKey++}`;
    sent = { key, pool: p, stamp };
    models.set(this, sent);
    await p.load(key, { node, weights, inputs: specs });
  }
  const outs = await p.run(sent.key, inputs.map(toWire));
  const ts = outs.map(fromWire);
  return ts.length === 1 ? ts[0] : ts;
};
