/**
 * Callbacks for fit(), in Keras's shape: hooks called at the start and end of training,
 * of each epoch and of each batch, with the logs so far (loss, metrics, val_*). Built in:
 * EarlyStopping, LearningRateScheduler and ModelCheckpoint. A user callback is a Callback
 * subclass or a plain object with any of the hooks; setting model.stopTraining = true in a
 * hook ends fit() after the current batch's hooks (checked after each batch and epoch).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArgumentError } from '../errors';
import { keep } from '../scope';
import type { Tensor } from '../tensor';
import type { Module } from '../nn/module';
import { Optimizer } from '../optim/optimizer';
import { clone } from '../ops/copy';
import { noGrad } from '../autograd/graph';
import { save } from '../io/safetensors';
import { saveCheckpoint } from '../io/checkpoint';

/** Values reported to the callbacks: loss, metrics, val_loss, val_<metric>, lr, size. */
export type Logs = Record<string, number>;

/** What fit() tells the callbacks before training (Keras's callback.params). */
export interface TrainParams {
  epochs: number;
  /** Batches per epoch (null when the data source's length is unknown). */
  steps: number | null;
  verbose: number;
}

/** The hooks, all optional. Epoch and batch numbers start at 0. */
export interface CallbackHooks {
  onTrainBegin?(logs: Logs): void;
  onTrainEnd?(logs: Logs): void;
  onEpochBegin?(epoch: number, logs: Logs): void;
  onEpochEnd?(epoch: number, logs: Logs): void;
  onBatchBegin?(batch: number, logs: Logs): void;
  onBatchEnd?(batch: number, logs: Logs): void;
}

/**
 * Base class of callbacks: fit() sets model, optimizer and params before onTrainBegin.
 * @example
 * class Printer extends tf.callbacks.Callback {
 *   override onEpochEnd(epoch, logs) { console.log(epoch, logs.loss); }
 * }
 */
export class Callback implements CallbackHooks {
  model: Module | null = null;
  optimizer: Optimizer | null = null;
  params: TrainParams = { epochs: 0, steps: null, verbose: 0 };
  onTrainBegin(_logs: Logs): void {}
  onTrainEnd(_logs: Logs): void {}
  onEpochBegin(_epoch: number, _logs: Logs): void {}
  onEpochEnd(_epoch: number, _logs: Logs): void {}
  onBatchBegin(_batch: number, _logs: Logs): void {}
  onBatchEnd(_batch: number, _logs: Logs): void {}
}

export type Mode = 'auto' | 'min' | 'max';

function resolveMode(op: string, mode: unknown, monitor: string): 'min' | 'max' {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new ArgumentError(op, `mode must be 'auto', 'min' or 'max', got ${JSON.stringify(mode)}`);
  if (mode !== 'auto') return mode;
  return /acc|auc|precision|recall/i.test(monitor) ? 'max' : 'min';
}

function monitored(op: string, logs: Logs, monitor: string): number {
  const v = logs[monitor];
  if (typeof v !== 'number') {
    const hint = monitor.startsWith('val_') ? "; pass validationData or validationSplit to fit(), or monitor 'loss'" : '';
    throw new ArgumentError(op, `monitor '${monitor}' is not in the logs (available: ${Object.keys(logs).join(', ') || 'none'})${hint}`);
  }
  return v;
}

function checkString(op: string, name: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw new ArgumentError(op, `${name} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function checkNonNeg(op: string, name: string, v: unknown, integer = false): number {
  if (typeof v !== 'number' || !(v >= 0) || (integer && !Number.isInteger(v))) {
    throw new ArgumentError(op, `${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${String(v)}`);
  }
  return v;
}

/** Copies of the model's state dict, kept out of tidy() scopes. */
function snapshot(model: Module): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  noGrad(() => {
    for (const [k, t] of model.stateDict()) out.set(k, keep(clone(t)));
  });
  return out;
}

function disposeSnapshot(s: Map<string, Tensor> | null): void {
  if (s !== null) for (const t of s.values()) t.dispose();
}

export interface EarlyStoppingOptions {
  /** The log key to watch (default 'val_loss'). */
  monitor?: string;
  /** The smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** 'min', 'max', or 'auto' (max for accuracy-like names, else min). */
  mode?: Mode;
  /** Training stops unless the monitored value beats this (default none). */
  baseline?: number | null;
  /** When stopping, load the weights of the best epoch back into the model (default false). */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when the monitored value has not improved for `patience` epochs (as
 * Keras: an epoch improves when it beats the best by more than minDelta; training stops
 * at the end of epoch best + patience). With restoreBestWeights, the weights of the best
 * epoch are loaded back when it stops.
 * @example model.fit(x, y, { epochs: 100, validationSplit: 0.2, callbacks: [new tf.callbacks.EarlyStopping({ patience: 3, restoreBestWeights: true })] })
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  /** The epoch (0-based) training stopped at, or 0 if it did not stop early. */
  stoppedEpoch = 0;
  /** The epoch (0-based) of the best value, -1 before any. */
  bestEpoch = -1;
  best = Infinity;
  private wait = 0;
  private bestWeights: Map<string, Tensor> | null = null;

  constructor({ monitor = 'val_loss', minDelta = 0, patience = 0, mode = 'auto', baseline = null, restoreBestWeights = false }: EarlyStoppingOptions = {}) {
    super();
    const op = 'EarlyStopping';
    this.monitor = checkString(op, 'monitor', monitor);
    this.minDelta = Math.abs(checkNonNeg(op, 'minDelta', minDelta));
    this.patience = checkNonNeg(op, 'patience', patience, true);
    this.mode = resolveMode(op, mode, monitor);
    if (baseline !== null && (typeof baseline !== 'number' || Number.isNaN(baseline))) throw new ArgumentError(op, `baseline must be a number or null, got ${String(baseline)}`);
    this.baseline = baseline;
    if (typeof restoreBestWeights !== 'boolean') throw new ArgumentError(op, `restoreBestWeights must be a boolean, got ${typeof restoreBestWeights}`);
    this.restoreBestWeights = restoreBestWeights;
  }

  private improves(v: number, ref: number): boolean {
    return this.mode === 'min' ? v + this.minDelta < ref : v - this.minDelta > ref;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestEpoch = -1;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    disposeSnapshot(this.bestWeights);
    this.bestWeights = null;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const v = monitored('EarlyStopping', logs, this.monitor);
    this.wait++;
    if (this.bestEpoch < 0 || this.improves(v, this.best)) {
      this.best = v;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights && this.model) {
        disposeSnapshot(this.bestWeights);
        this.bestWeights = snapshot(this.model);
      }
      if (this.baseline === null || this.improves(v, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0 && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights !== null) this.model.loadStateDict(this.bestWeights);
    }
  }

  override onTrainEnd(): void {
    disposeSnapshot(this.bestWeights);
    this.bestWeights = null;
  }
}

/** Something that steps a learning rate once per epoch (tf.optim.lrScheduler.*). */
export interface EpochScheduler {
  step(metric?: number): void;
}

/**
 * Sets the learning rate each epoch. `schedule` is either a function (epoch, lr) => newLr,
 * called at the start of each epoch (0-based) for each parameter group, or one of
 * tf.optim.lrScheduler's schedulers, stepped at the end of each epoch (ReduceLROnPlateau
 * gets logs[monitor]). The lr of the first group is added to the logs as 'lr'.
 * @example new tf.callbacks.LearningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * 0.9))
 */
export class LearningRateScheduler extends Callback {
  readonly schedule: ((epoch: number, lr: number) => number) | EpochScheduler;
  readonly monitor: string;

  constructor(schedule: ((epoch: number, lr: number) => number) | EpochScheduler, { monitor = 'val_loss' }: { monitor?: string } = {}) {
    super();
    const op = 'LearningRateScheduler';
    if (typeof schedule !== 'function' && (schedule === null || typeof schedule !== 'object' || typeof schedule.step !== 'function')) {
      throw new ArgumentError(op, 'schedule must be a function (epoch, lr) => lr or an lr scheduler with step()');
    }
    this.schedule = schedule;
    this.monitor = checkString(op, 'monitor', monitor);
  }

  private opt(op: string): Optimizer {
    if (!(this.optimizer instanceof Optimizer)) throw new ArgumentError(op, 'the model has no optimizer: call compile() first');
    return this.optimizer;
  }

  override onEpochBegin(epoch: number): void {
    if (typeof this.schedule !== 'function') return;
    const op = 'LearningRateScheduler';
    for (const g of this.opt(op).paramGroups) {
      const lr = this.schedule(epoch, g.lr);
      if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new ArgumentError(op, `the schedule returned ${String(lr)} for epoch ${epoch}; expected a finite number >= 0`);
      g.lr = lr;
    }
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    const opt = this.opt('LearningRateScheduler');
    logs.lr = opt.paramGroups[0].lr;
    if (typeof this.schedule === 'function') return;
    const plateau = this.schedule.constructor.name === 'ReduceLROnPlateau';
    if (plateau) this.schedule.step(monitored('LearningRateScheduler', logs, this.monitor));
    else this.schedule.step();
  }
}

export interface ModelCheckpointOptions {
  /** The log key deciding the best epoch with saveBestOnly (default 'val_loss'). */
  monitor?: string;
  /** Only save when the monitored value improves on the best so far (default false). */
  saveBestOnly?: boolean;
  mode?: Mode;
  /**
   * true: tf.save(model.stateDict(), file), loadable with model.loadStateDict(tf.load(file)).
   * false (default): tf.saveCheckpoint(file, { model, optimizer, epoch, extra: { logs } }),
   * resumable with tf.loadCheckpoint.
   */
  saveWeightsOnly?: boolean;
}

/**
 * Fills a path template: `{epoch}` (1-based, as Keras), `{epoch:03d}` (zero-padded),
 * `{val_loss:.4f}` (fixed decimals) or any other log key.
 * @example formatPath('ckpt/epoch-{epoch:02d}-{val_loss:.3f}.safetensors', 4, { val_loss: 0.12345 }) // 'ckpt/epoch-05-0.123.safetensors'
 */
export function formatPath(template: string, epoch: number, logs: Logs): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)(?::(0?)(\d*)(?:\.(\d+))?([df])?)?\}/g, (whole, key: string, zero: string, width: string, prec: string, kind: string) => {
    const v = key === 'epoch' ? epoch + 1 : logs[key];
    if (typeof v !== 'number') throw new ArgumentError('ModelCheckpoint', `the file path template uses {${key}}, which is not in the logs (available: epoch, ${Object.keys(logs).join(', ')})`);
    let s = kind === 'd' ? String(Math.round(v)) : prec !== undefined && prec !== '' ? v.toFixed(Number(prec)) : String(v);
    if (width) s = s.padStart(Number(width), zero === '0' ? '0' : ' ');
    return s;
  });
}

/**
 * Saves the model at the end of each epoch (or only when the monitored value improves,
 * with saveBestOnly), to a path with `{epoch}`-style templating (see formatPath).
 * Parent directories are created. The files written are listed in `saved`.
 * @example new tf.callbacks.ModelCheckpoint('ckpt/model-{epoch:02d}.safetensors', { saveBestOnly: true, saveWeightsOnly: true })
 */
export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly mode: 'min' | 'max';
  best: number;
  /** Paths written so far, in order. */
  readonly saved: string[] = [];

  constructor(filepath: string, { monitor = 'val_loss', saveBestOnly = false, mode = 'auto', saveWeightsOnly = false }: ModelCheckpointOptions = {}) {
    super();
    const op = 'ModelCheckpoint';
    this.filepath = checkString(op, 'filepath', filepath);
    this.monitor = checkString(op, 'monitor', monitor);
    if (typeof saveBestOnly !== 'boolean') throw new ArgumentError(op, `saveBestOnly must be a boolean, got ${typeof saveBestOnly}`);
    if (typeof saveWeightsOnly !== 'boolean') throw new ArgumentError(op, `saveWeightsOnly must be a boolean, got ${typeof saveWeightsOnly}`);
    this.saveBestOnly = saveBestOnly;
    this.saveWeightsOnly = saveWeightsOnly;
    this.mode = resolveMode(op, mode, monitor);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  override onTrainBegin(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const op = 'ModelCheckpoint';
    if (this.model === null) return;
    if (this.saveBestOnly) {
      const v = monitored(op, logs, this.monitor);
      if (!(this.mode === 'min' ? v < this.best : v > this.best)) return;
      this.best = v;
    }
    const file = formatPath(this.filepath, epoch, logs);
    if (this.saveWeightsOnly) {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      save(this.model.stateDict(), file, { metadata: { epoch: String(epoch + 1) } });
    } else {
      saveCheckpoint(file, { model: this.model, optimizer: this.optimizer ?? undefined, epoch: epoch + 1, extra: { logs } });
    }
    this.saved.push(file);
  }
}

/** @internal Calls one hook on every callback; sets model/optimizer/params on Callback instances first. */
export class CallbackList {
  constructor(readonly list: CallbackHooks[]) {}

  static from(op: string, cbs: unknown): CallbackList {
    if (cbs === undefined || cbs === null) return new CallbackList([]);
    if (!Array.isArray(cbs)) throw new ArgumentError(op, `callbacks must be an array, got ${typeof cbs}`);
    cbs.forEach((c, i) => {
      if (c === null || typeof c !== 'object') throw new ArgumentError(op, `callbacks[${i}] must be a Callback or an object with hooks (onEpochEnd, ...), got ${c === null ? 'null' : typeof c}`);
      for (const h of ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd']) {
        const f = (c as Record<string, unknown>)[h];
        if (f !== undefined && typeof f !== 'function') throw new ArgumentError(op, `callbacks[${i}].${h} must be a function, got ${typeof f}`);
      }
    });
    return new CallbackList(cbs as CallbackHooks[]);
  }

  setContext(model: Module, optimizer: Optimizer, params: TrainParams): void {
    for (const c of this.list) {
      if (c instanceof Callback) {
        c.model = model;
        c.optimizer = optimizer;
        c.params = { ...params };
      }
    }
  }

  trainBegin(logs: Logs): void { for (const c of this.list) c.onTrainBegin?.(logs); }
  trainEnd(logs: Logs): void { for (const c of this.list) c.onTrainEnd?.(logs); }
  epochBegin(e: number, logs: Logs): void { for (const c of this.list) c.onEpochBegin?.(e, logs); }
  epochEnd(e: number, logs: Logs): void { for (const c of this.list) c.onEpochEnd?.(e, logs); }
  batchBegin(b: number, logs: Logs): void { for (const c of this.list) c.onBatchBegin?.(b, logs); }
  batchEnd(b: number, logs: Logs): void { for (const c of this.list) c.onBatchEnd?.(b, logs); }
}
