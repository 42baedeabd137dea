/**
 * Keras-style training on any nn.Module: compile({ optimizer, loss, metrics }), then
 * fit / evaluate / predict / trainOnBatch. The methods are added to Module.prototype
 * here (declaration merging, as the op files do for Tensor), so a Sequential or a custom
 * Module has them.
 *
 * Each training step is the PyTorch loop inside one tidy() scope:
 *   zeroGrad(); out = model(x); loss = lossFn(out, y); loss.backward(); step()
 * so the step frees its temporaries and only parameters, their grads and the optimizer
 * state survive. Loss and metrics are read back as numbers and averaged over the epoch
 * weighted by batch size.
 */
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { tidy } from '../scope';
import { Tensor, isTensor } from '../tensor';
import { cat } from '../ops/join';
import { narrow } from '../ops/view';
import { noGrad } from '../autograd/graph';
import { Module } from '../nn/module';
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, klDiv, l1Loss, mseLoss, nllLoss, smoothL1Loss,
} from '../nn/losses';
import { Optimizer } from '../optim/optimizer';
import { SGD } from '../optim/sgd';
import { Adam, AdamW } from '../optim/adam';
import { RMSprop } from '../optim/rmsprop';
import { Adagrad } from '../optim/adagrad';
import { DataLoader } from '../data/dataloader';
import { type Dataset, Subset, TensorDataset } from '../data/dataset';
import { CallbackList, type CallbackHooks, type Logs, type TrainParams } from './callbacks';
import { getMetric, batchSizeOf, type MetricFn } from './metrics';
import { Progress, type ProgressStream } from './progress';

/** A loss: (yPred, yTrue) => a 0-d tensor. */
export type LossFn = (yPred: Tensor, yTrue: Tensor) => Tensor;

/** Names compile() accepts for the optimizer (created with its default options; 'sgd' with lr 0.01 as Keras). */
export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';

const OPTIMIZERS: Record<string, (params: Tensor[]) => Optimizer> = {
  sgd: (p) => new SGD(p, { lr: 0.01 }),
  adam: (p) => new Adam(p),
  adamw: (p) => new AdamW(p),
  rmsprop: (p) => new RMSprop(p),
  adagrad: (p) => new Adagrad(p),
};

const LOSSES: Record<string, LossFn> = {
  mse: mseLoss, mseLoss, meanSquaredError: mseLoss,
  mae: l1Loss, l1: l1Loss, l1Loss, meanAbsoluteError: l1Loss,
  crossEntropy, categoricalCrossentropy: crossEntropy, sparseCategoricalCrossentropy: crossEntropy,
  nll: nllLoss, nllLoss,
  binaryCrossEntropy, bce: binaryCrossEntropy, binaryCrossentropy: binaryCrossEntropy,
  binaryCrossEntropyWithLogits, bceWithLogits: binaryCrossEntropyWithLogits,
  huber: huberLoss, huberLoss, smoothL1: smoothL1Loss, smoothL1Loss,
  klDiv,
};

/** The loss names compile() accepts. */
export const lossNames = Object.keys(LOSSES);

/** What compile() takes. */
export interface CompileOptions {
  /** An optimizer over the model's parameters, or a name ('adam', 'sgd', 'adamw', 'rmsprop', 'adagrad'). */
  optimizer: Optimizer | OptimizerName;
  /** A function (yPred, yTrue) => scalar tensor, a loss module (nn.CrossEntropyLoss, ...), or a name ('mse', 'crossEntropy', 'binaryCrossEntropy', ...). */
  loss: LossFn | Module | string;
  /** Metric names ('accuracy', 'binaryAccuracy', 'topKAccuracy', 'mae', 'mse') or functions (yPred, yTrue) => number. */
  metrics?: Array<string | MetricFn | ((yPred: Tensor, yTrue: Tensor) => number | Tensor)>;
}

interface Compiled {
  optimizer: Optimizer;
  lossFn: LossFn;
  metrics: Array<{ name: string; fn: (yPred: Tensor, yTrue: Tensor) => number | Tensor }>;
}

/** A source of [x, y] batches: a Dataset of [x, y] items, a DataLoader, or any iterable of [x, y] tensor pairs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FitData = Dataset<any> | DataLoader<any, any> | Iterable<[Tensor, Tensor] | Tensor[]>;

/** Options of fit(). */
export interface FitOptions {
  /** Epochs to train (default 1). */
  epochs?: number;
  /** Start counting at this epoch (to resume; default 0). */
  initialEpoch?: number;
  /** Samples per batch for tensors and datasets (default 32); not allowed with a DataLoader. */
  batchSize?: number;
  /** Data evaluated after each epoch: [x, y], a Dataset or a DataLoader. Its results are logged as val_loss, val_<metric>. */
  validationData?: [Tensor, Tensor] | FitData;
  /** Fraction (0 to 1) of the samples held out for validation: the last ones, before shuffling (as Keras). */
  validationSplit?: number;
  /** Batch size of the validation data (default batchSize). */
  validationBatchSize?: number;
  /** Reshuffle the training samples every epoch (default true); not allowed with a DataLoader. */
  shuffle?: boolean;
  /** Seed of the shuffling order (default: tf.manualSeed's global generator). */
  seed?: number;
  /** Callbacks (tf.callbacks.*, or objects with onEpochEnd, onBatchEnd, ... hooks). */
  callbacks?: CallbackHooks[];
  /** 0 silent, 1 progress bar on a terminal (a line per epoch otherwise), 2 a line per epoch. Default 1. */
  verbose?: 0 | 1 | 2;
  /** Where progress goes (default process.stdout). */
  stream?: ProgressStream;
}

/** Options of evaluate(). */
export interface EvaluateOptions {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** 0 silent (default), 1 or 2: one line with the results. */
  verbose?: 0 | 1 | 2;
  stream?: ProgressStream;
}

/**
 * What fit() returns: history[key][i] is the value of `key` (loss, accuracy, val_loss,
 * lr, ...) after epoch epoch[i].
 */
export class History {
  readonly history: Record<string, number[]> = {};
  readonly epoch: number[] = [];
  constructor(readonly params: TrainParams) {}
  /** @internal */
  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

declare module '../nn/module' {
  interface Module {
    /**
     * Sets the optimizer, loss and metrics used by fit, evaluate and trainOnBatch. Returns this.
     * @example
     * model.compile({ optimizer: new tf.optim.Adam(model.parameters(), { lr: 1e-2 }), loss: 'crossEntropy', metrics: ['accuracy'] });
     */
    compile(opts: CompileOptions): this;
    /**
     * Trains the model (Keras's fit). Returns a History.
     * @param x [N, ...] inputs @param y [N, ...] targets
     * @example const h = model.fit(x, y, { epochs: 10, batchSize: 32, validationSplit: 0.2 }); h.history.val_loss
     */
    fit(x: Tensor, y: Tensor, opts?: FitOptions): History;
    /** Trains on a Dataset of [x, y] items, a DataLoader, or an iterable of [x, y] batches. */
    fit(data: FitData, opts?: FitOptions): History;
    /**
     * The loss and metrics on the given data, in eval mode and without gradients.
     * @example model.evaluate(xTest, yTest) // { loss: 0.21, accuracy: 0.94 }
     */
    evaluate(x: Tensor, y: Tensor, opts?: EvaluateOptions): Logs;
    evaluate(data: FitData, opts?: EvaluateOptions): Logs;
    /**
     * The outputs for x [N, ...], computed in batches, in eval mode (the previous mode is
     * restored) and without gradients; concatenated along dim 0.
     * @example const probs = model.predict(xTest, { batchSize: 256 }).softmax(-1);
     */
    predict(x: Tensor, opts?: { batchSize?: number }): Tensor;
    /** One training step on one batch; returns its loss and metrics. */
    trainOnBatch(x: Tensor, y: Tensor): Logs;
    /** Set to true (in a callback) to end fit() after the current batch. */
    stopTraining: boolean;
  }
}

const compiledOf = new WeakMap<Module, Compiled>();
const stopFlags = new WeakMap<Module, boolean>();

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (isTensor(v)) return `a Tensor of shape ${fmtShape(v.shape)}`;
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function resolveLoss(op: string, loss: unknown): LossFn {
  if (typeof loss === 'string') {
    const fn = LOSSES[loss];
    if (fn === undefined) throw new ArgumentError(op, `unknown loss '${loss}'; known: ${lossNames.join(', ')} (or pass a function or a loss module)`);
    return (p, t) => fn(p, t);
  }
  if (loss instanceof Module) return (p, t) => (loss as Module & { call(a: Tensor, b: Tensor): Tensor }).call(p, t);
  if (typeof loss === 'function') return loss as LossFn;
  throw new ArgumentError(op, `loss must be a name, a function (yPred, yTrue) => Tensor or a loss module, got ${describe(loss)}`);
}

function compile(this: Module, opts: CompileOptions): Module {
  const op = 'compile';
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(op, `expected { optimizer, loss, metrics }, got ${describe(opts)}`);
  const { optimizer, loss, metrics = [] } = opts;
  let opt: Optimizer;
  if (optimizer instanceof Optimizer) opt = optimizer;
  else if (typeof optimizer === 'string') {
    const make = OPTIMIZERS[optimizer.toLowerCase()];
    if (make === undefined) throw new ArgumentError(op, `unknown optimizer '${optimizer}'; known: ${Object.keys(OPTIMIZERS).join(', ')} (or pass an optimizer instance)`);
    const params = this.parameters();
    if (params.length === 0) throw new ArgumentError(op, `${this.constructor.name} has no parameters to optimize`);
    opt = make(params);
  } else throw new ArgumentError(op, `optimizer must be a tf.optim optimizer or a name (${Object.keys(OPTIMIZERS).join(', ')}), got ${describe(optimizer)}`);
  const lossFn = resolveLoss(op, loss);
  if (!Array.isArray(metrics)) throw new ArgumentError(op, `metrics must be an array of names or functions, got ${describe(metrics)}`);
  const ms = metrics.map((m, i) => getMetric(m, i));
  const names = new Set<string>(['loss']);
  for (const m of ms) {
    if (names.has(m.name)) throw new ArgumentError(op, `two metrics are named '${m.name}'; give the functions distinct names`);
    names.add(m.name);
  }
  compiledOf.set(this, { optimizer: opt, lossFn, metrics: ms });
  return this;
}

function getCompiled(op: string, model: Module): Compiled {
  const c = compiledOf.get(model);
  if (c === undefined) throw new ArgumentError(op, `${model.constructor.name} is not compiled: call model.compile({ optimizer, loss, metrics }) first`);
  return c;
}

function scalarLoss(op: string, loss: unknown): Tensor {
  if (!isTensor(loss)) throw new ArgumentError(op, `the loss function must return a Tensor, got ${describe(loss)}`);
  if (loss.size !== 1) throw new ShapeError(op, `the loss must be a scalar, got shape ${fmtShape(loss.shape)} (use reduction 'mean' or 'sum')`);
  return loss;
}

function metricNumber(op: string, name: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (isTensor(v) && v.size === 1) return Number(v.item());
  throw new ArgumentError(op, `metric '${name}' must return a number or a one-element Tensor, got ${describe(v)}`);
}

function unpack(op: string, batch: unknown): [Tensor, Tensor] {
  if (Array.isArray(batch) && batch.length >= 2 && isTensor(batch[0]) && isTensor(batch[1])) return [batch[0], batch[1]];
  throw new ArgumentError(op, `each batch must be an array [x, y] of tensors, got ${describe(batch)}`);
}

/** Runs one step on (xb, yb); returns the loss and the metric values. */
function step(op: string, model: Module, c: Compiled, xb: Tensor, yb: Tensor): number[] {
  return tidy(() => {
    c.optimizer.zeroGrad();
    const out = (model as Module & { call(x: Tensor): Tensor }).call(xb);
    const loss = scalarLoss(op, c.lossFn(out, yb));
    loss.backward();
    c.optimizer.step();
    const vals = [Number(loss.item())];
    if (c.metrics.length) noGrad(() => { for (const m of c.metrics) vals.push(metricNumber(op, m.name, m.fn(out, yb))); });
    return vals;
  });
}

/** Loss and metrics of one batch, without gradients. */
function testStep(op: string, model: Module, c: Compiled, xb: Tensor, yb: Tensor): number[] {
  return tidy(() => noGrad(() => {
    const out = (model as Module & { call(x: Tensor): Tensor }).call(xb);
    const vals = [Number(scalarLoss(op, c.lossFn(out, yb)).item())];
    for (const m of c.metrics) vals.push(metricNumber(op, m.name, m.fn(out, yb)));
    return vals;
  }));
}

/** Weighted running means of loss and metrics. */
class Accumulator {
  private sums: number[];
  private seen = 0;
  constructor(private readonly names: string[]) {
    this.sums = new Array(names.length).fill(0);
  }
  add(vals: number[], n: number): void {
    for (let i = 0; i < vals.length; i++) this.sums[i] += vals[i] * n;
    this.seen += n;
  }
  get count(): number {
    return this.seen;
  }
  logs(prefix = ''): Logs {
    const out: Logs = {};
    this.names.forEach((k, i) => {
      out[prefix + k] = this.seen > 0 ? this.sums[i] / this.seen : NaN;
    });
    return out;
  }
}

interface Source {
  iterable: Iterable<unknown>;
  steps: number | null;
  /** Batches are fresh tensors owned by fit (disposed after their step). */
  owned: boolean;
}

function checkPositiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ArgumentError(op, `${name} must be a positive integer, got ${String(v)}`);
  return v;
}

function isDataset(d: unknown): d is Dataset {
  return d !== null && typeof d === 'object' && typeof (d as Dataset).get === 'function' && Number.isInteger((d as Dataset).length);
}

/** Turns tensors, datasets, loaders or iterables into a batch source. */
function toSource(op: string, data: unknown, batchSize: number, shuffle: boolean, seed: number | undefined): Source {
  if (data instanceof DataLoader) return { iterable: data, steps: data.length, owned: true };
  if (Array.isArray(data) && data.length === 2 && isTensor(data[0]) && isTensor(data[1])) data = tensorDataset(op, data[0], data[1]);
  if (isDataset(data)) {
    const loader = new DataLoader(data, { batchSize, shuffle, ...(shuffle && seed !== undefined ? { seed } : {}) });
    return { iterable: loader, steps: loader.length, owned: true };
  }
  if (data !== null && typeof data === 'object' && typeof (data as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return { iterable: data as Iterable<unknown>, steps: Array.isArray(data) ? data.length : null, owned: false };
  }
  throw new ArgumentError(op, `expected tensors (x, y), a Dataset, a DataLoader or an iterable of [x, y] batches, got ${describe(data)}`);
}

function tensorDataset(op: string, x: Tensor, y: Tensor): TensorDataset {
  x.handle(op);
  y.handle(op);
  if (x.ndim === 0 || y.ndim === 0 || x.shape[0] !== y.shape[0]) {
    throw new ShapeError(op, `x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)} must have the same number of samples (dim 0)`);
  }
  return new TensorDataset(x, y);
}

function runEval(op: string, model: Module, c: Compiled, src: Source, names: string[]): Accumulator {
  const acc = new Accumulator(names);
  const wasTraining = model.training;
  model.eval();
  try {
    for (const batch of src.iterable) {
      try {
        const [xb, yb] = unpack(op, batch);
        acc.add(testStep(op, model, c, xb, yb), batchSizeOf(xb));
      } finally {
        if (src.owned) disposeBatch(batch);
      }
    }
  } finally {
    model.train(wasTraining);
  }
  return acc;
}

function disposeBatch(batch: unknown): void {
  if (Array.isArray(batch)) for (const t of batch) if (isTensor(t)) t.dispose();
}

function splitArgs<O>(op: string, a: unknown, b: unknown, c: unknown): { data: unknown; opts: O } {
  if (isTensor(a)) {
    if (!isTensor(b)) throw new ArgumentError(op, `with an input tensor x, y must be a Tensor too, got ${describe(b)}`);
    return { data: [a, b], opts: (c ?? {}) as O };
  }
  return { data: a, opts: (b ?? {}) as O };
}

function checkVerbose(op: string, v: unknown): 0 | 1 | 2 {
  if (v !== 0 && v !== 1 && v !== 2) throw new ArgumentError(op, `verbose must be 0, 1 or 2, got ${String(v)}`);
  return v;
}

const FIT_KEYS = new Set(['epochs', 'initialEpoch', 'batchSize', 'validationData', 'validationSplit', 'validationBatchSize', 'shuffle', 'seed', 'callbacks', 'verbose', 'stream']);

function fit(this: Module, a: unknown, b?: unknown, c?: unknown): History {
  const op = 'fit';
  const model = this;
  const comp = getCompiled(op, model);
  const { data, opts } = splitArgs<FitOptions>(op, a, b, c);
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(op, `options must be an object, got ${describe(opts)}`);
  for (const k of Object.keys(opts)) if (!FIT_KEYS.has(k)) throw new ArgumentError(op, `unknown option '${k}'; known: ${[...FIT_KEYS].join(', ')}`);
  const epochs = checkPositiveInt(op, 'epochs', opts.epochs ?? 1);
  const initialEpoch = opts.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs) throw new ArgumentError(op, `initialEpoch must be an integer in [0, epochs), got ${String(initialEpoch)}`);
  const verbose = checkVerbose(op, opts.verbose ?? 1);
  const isLoader = data instanceof DataLoader;
  if (isLoader && (opts.batchSize !== undefined || opts.shuffle !== undefined || opts.seed !== undefined)) {
    throw new ArgumentError(op, 'batchSize, shuffle and seed are set on the DataLoader itself, not in fit() options');
  }
  const batchSize = checkPositiveInt(op, 'batchSize', opts.batchSize ?? 32);
  const shuffle = opts.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw new ArgumentError(op, `shuffle must be a boolean, got ${describe(shuffle)}`);
  const seed = opts.seed;
  if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) throw new ArgumentError(op, `seed must be a non-negative integer, got ${String(seed)}`);
  const valBatch = checkPositiveInt(op, 'validationBatchSize', opts.validationBatchSize ?? batchSize);
  const stream = opts.stream ?? process.stdout;
  if (stream === null || typeof stream !== 'object' || typeof stream.write !== 'function') throw new ArgumentError(op, 'stream must have a write() method');
  const callbacks = CallbackList.from(op, opts.callbacks);

  // Training and validation sources.
  let trainData = data;
  let valData: unknown = opts.validationData;
  const views: Tensor[] = [];
  if (opts.validationSplit !== undefined && opts.validationSplit !== 0) {
    const split = opts.validationSplit;
    if (typeof split !== 'number' || !(split > 0 && split < 1)) throw new ArgumentError(op, `validationSplit must be a number in (0, 1), got ${String(split)}`);
    if (valData !== undefined) throw new ArgumentError(op, 'pass validationData or validationSplit, not both');
    if (Array.isArray(data) && data.length === 2 && isTensor(data[0]) && isTensor(data[1])) {
      const [x, y] = data as [Tensor, Tensor];
      tensorDataset(op, x, y);
      const n = x.shape[0];
      const nTrain = Math.floor(n * (1 - split));
      if (nTrain === 0 || nTrain === n) throw new ArgumentError(op, `validationSplit ${split} of ${n} samples leaves ${nTrain} for training and ${n - nTrain} for validation; both need at least one`);
      const parts = [narrow(x, 0, 0, nTrain), narrow(y, 0, 0, nTrain), narrow(x, 0, nTrain, n - nTrain), narrow(y, 0, nTrain, n - nTrain)];
      views.push(...parts);
      trainData = [parts[0], parts[1]];
      valData = [parts[2], parts[3]];
    } else if (isDataset(data) && !isLoader) {
      const n = data.length;
      const nTrain = Math.floor(n * (1 - split));
      if (nTrain === 0 || nTrain === n) throw new ArgumentError(op, `validationSplit ${split} of ${n} samples leaves ${nTrain} for training and ${n - nTrain} for validation; both need at least one`);
      trainData = new Subset(data, Array.from({ length: nTrain }, (_, i) => i));
      valData = new Subset(data, Array.from({ length: n - nTrain }, (_, i) => nTrain + i));
    } else {
      throw new ArgumentError(op, 'validationSplit needs tensors or a Dataset; with a DataLoader or an iterable, pass validationData');
    }
  }
  try {
    const train = toSource(op, trainData, batchSize, shuffle, seed);
    const val = valData === undefined ? null : toSource(op, valData, valBatch, false, undefined);
    const names = ['loss', ...comp.metrics.map((m) => m.name)];
    const params: TrainParams = { epochs, steps: train.steps, verbose };
    const history = new History(params);
    const progress = new Progress(verbose, stream, epochs);
    const wasTraining = model.training;
    stopFlags.set(model, false);
    callbacks.setContext(model, comp.optimizer, params);
    try {
      callbacks.trainBegin({});
      for (let epoch = initialEpoch; epoch < epochs; epoch++) {
        model.train();
        callbacks.epochBegin(epoch, {});
        progress.epochBegin(epoch, train.steps);
        const acc = new Accumulator(names);
        let b = 0;
        for (const batch of train.iterable) {
          let n: number;
          try {
            const [xb, yb] = unpack(op, batch);
            n = batchSizeOf(xb);
            callbacks.batchBegin(b, { batch: b, size: n });
            acc.add(step(op, model, comp, xb, yb), n);
          } finally {
            if (train.owned) disposeBatch(batch);
          }
          const running = acc.logs();
          progress.batchEnd(b, running);
          callbacks.batchEnd(b, { batch: b, size: n, ...running });
          b++;
          if (stopFlags.get(model)) break;
        }
        if (acc.count === 0) throw new ArgumentError(op, 'the training data gave no batches');
        const logs = acc.logs();
        if (val !== null) Object.assign(logs, runEval(op, model, comp, val, names).logs('val_'));
        callbacks.epochEnd(epoch, logs);
        history.record(epoch, logs);
        progress.epochEnd(epoch, logs);
        if (stopFlags.get(model)) break;
      }
      callbacks.trainEnd({});
    } finally {
      progress.close();
      model.train(wasTraining);
    }
    return history;
  } finally {
    for (const v of views) v.dispose();
  }
}

function evaluate(this: Module, a: unknown, b?: unknown, c?: unknown): Logs {
  const op = 'evaluate';
  const comp = getCompiled(op, this);
  const { data, opts } = splitArgs<EvaluateOptions>(op, a, b, c);
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(op, `options must be an object, got ${describe(opts)}`);
  if (data instanceof DataLoader && opts.batchSize !== undefined) throw new ArgumentError(op, 'batchSize is set on the DataLoader itself');
  const batchSize = checkPositiveInt(op, 'batchSize', opts.batchSize ?? 32);
  const verbose = checkVerbose(op, opts.verbose ?? 0);
  const names = ['loss', ...comp.metrics.map((m) => m.name)];
  const acc = runEval(op, this, comp, toSource(op, data, batchSize, false, undefined), names);
  if (acc.count === 0) throw new ArgumentError(op, 'the data gave no batches');
  const logs = acc.logs();
  if (verbose) {
    const s = Object.entries(logs).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(' - ');
    (opts.stream ?? process.stdout).write(`${s}\n`);
  }
  return logs;
}

function predict(this: Module, x: Tensor, opts: { batchSize?: number } = {}): Tensor {
  const op = 'predict';
  if (!isTensor(x)) throw new ArgumentError(op, `x must be a Tensor, got ${describe(x)}`);
  x.handle(op);
  if (x.ndim === 0) throw new ShapeError(op, 'x must have a batch dim (dim 0), got a 0-d tensor');
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(op, `options must be an object, got ${describe(opts)}`);
  const batchSize = checkPositiveInt(op, 'batchSize', opts.batchSize ?? 32);
  const model = this as Module & { call(x: Tensor): Tensor };
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const n = x.shape[0];
      if (n <= batchSize) return tidy(() => model.call(x));
      const outs: Tensor[] = [];
      try {
        for (let s = 0; s < n; s += batchSize) {
          const out = tidy(() => model.call(narrow(x, 0, s, Math.min(batchSize, n - s))));
          if (!isTensor(out)) throw new ArgumentError(op, `forward must return a Tensor to be batched, got ${describe(out)}`);
          outs.push(out);
        }
        return cat(outs, 0);
      } finally {
        for (const t of outs) t.dispose();
      }
    });
  } finally {
    model.train(wasTraining);
  }
}

function trainOnBatch(this: Module, x: Tensor, y: Tensor): Logs {
  const op = 'trainOnBatch';
  const comp = getCompiled(op, this);
  if (!isTensor(x) || !isTensor(y)) throw new ArgumentError(op, `x and y must be Tensors, got ${describe(x)} and ${describe(y)}`);
  const vals = step(op, this, comp, x, y);
  const out: Logs = {};
  ['loss', ...comp.metrics.map((m) => m.name)].forEach((k, i) => {
    out[k] = vals[i];
  });
  return out;
}

const P = Module.prototype as unknown as Record<string, unknown>;
for (const [name, fn] of Object.entries({ compile, fit, evaluate, predict, trainOnBatch })) {
  Object.defineProperty(P, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
Object.defineProperty(P, 'stopTraining', {
  configurable: true,
  enumerable: false,
  get(this: Module) {
    return stopFlags.get(this) ?? false;
  },
  set(this: Module, v: boolean) {
    stopFlags.set(this, v === true);
  },
});
