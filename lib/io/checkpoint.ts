/**
 * Resumable checkpoints in one safetensors file:
 *   tensors   "model.<stateDict key>"                      the model's parameters and buffers
 *             "optimizer.state.<param index>.<name>"       the optimizer's state tensors (exp_avg, momentum_buffer, ...)
 *   metadata  "tensorforge.checkpoint": JSON of { version, epoch, step, extra, rng, dataLoader,
 *             optimizer: { class, param_groups, scalars: {index: {name: number}} },
 *             scheduler: { class, state } }
 * (JSON with non-finite numbers kept, see json.ts). The optimizer and scheduler keep
 * PyTorch's key names (their stateDict()); the RNG state is the global generator's seed
 * and counter offset, and a DataLoader's own generator is saved when one is given.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArgumentError } from '../errors';
import { getRngState, setRngState, type RngState } from '../random';
import { Tensor, isTensor } from '../tensor';
import { Module } from '../nn/module';
import { Optimizer, type OptimizerStateDict } from '../optim/optimizer';
import type { DataLoader } from '../data/dataloader';
import { ModelFormatError } from './errors';
import { decodeJson, encodeJson } from './json';
import { loadWithMetadata, save } from './safetensors';

const META_KEY = 'tensorforge.checkpoint';
const FILE_NAME = 'checkpoint.safetensors';

/** Something with PyTorch-style stateDict()/loadStateDict() of plain JSON values (the LR schedulers). */
export interface Stateful {
  stateDict(): Record<string, unknown>;
  loadStateDict(sd: Record<string, unknown>): void;
}

/** What a checkpoint holds. Every field is optional. */
export interface CheckpointContent {
  model?: Module;
  optimizer?: Optimizer;
  scheduler?: Stateful;
  /** A DataLoader whose own generator (seed option) is saved and restored. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  dataLoader?: DataLoader<any, any>;
  epoch?: number;
  step?: number;
  /** Anything else JSON can hold (best metric, config, ...). */
  extra?: unknown;
}

/** What loadCheckpoint returns (the model, optimizer, ... are restored in place). */
export interface CheckpointInfo {
  epoch: number | null;
  step: number | null;
  extra: unknown;
  /** The global RNG state that was restored (or found, with restoreRng false). */
  rng: RngState;
}

interface CheckpointJson {
  version: 1;
  epoch: number | null;
  step: number | null;
  extra: unknown;
  rng: RngState;
  dataLoader: RngState | null;
  optimizer: { class: string; param_groups: OptimizerStateDict['param_groups']; scalars: Record<string, Record<string, number>> } | null;
  scheduler: { class: string; state: Record<string, unknown> } | null;
}

type WithGenerator = { generator?: { seed: number; offset: number } };

/** dir/checkpoint.safetensors for a directory, the path itself for a *.safetensors file. */
export function checkpointFile(p: string): string {
  return p.endsWith('.safetensors') ? p : path.join(p, FILE_NAME);
}

function checkCount(op: string, name: string, v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new ArgumentError(op, `${name} must be a non-negative integer, got ${String(v)}`);
  return v as number;
}

/**
 * Saves a resumable checkpoint: model weights, optimizer state, scheduler state, epoch,
 * step, the global RNG state (and a DataLoader's own generator), plus `extra` JSON, in
 * one safetensors file written atomically. `where` is a *.safetensors file, or a
 * directory (created) that receives checkpoint.safetensors.
 * @returns the file written
 * @example
 * tf.saveCheckpoint('ckpt/epoch-3', { model, optimizer: opt, scheduler: sched, epoch: 3 });
 */
export function saveCheckpoint(where: string, content: CheckpointContent): string {
  const op = 'saveCheckpoint';
  if (typeof where !== 'string' || where === '') throw new ArgumentError(op, `path must be a non-empty string, got ${JSON.stringify(where)}`);
  if (content === null || typeof content !== 'object') throw new ArgumentError(op, 'expected { model, optimizer, scheduler, epoch, step, extra }');
  const { model, optimizer, scheduler, dataLoader, extra } = content;
  if (model !== undefined && !(model instanceof Module)) throw new ArgumentError(op, 'model must be an nn.Module');
  if (optimizer !== undefined && !(optimizer instanceof Optimizer)) throw new ArgumentError(op, 'optimizer must be a tf.optim optimizer');
  if (scheduler !== undefined && (scheduler === null || typeof scheduler.stateDict !== 'function')) throw new ArgumentError(op, 'scheduler must have stateDict()/loadStateDict()');
  const tensors = new Map<string, Tensor>();
  if (model !== undefined) for (const [k, t] of model.stateDict()) tensors.set(`model.${k}`, t);
  let opt: CheckpointJson['optimizer'] = null;
  if (optimizer !== undefined) {
    const sd = optimizer.stateDict();
    const scalars: Record<string, Record<string, number>> = {};
    for (const [idx, entry] of Object.entries(sd.state)) {
      for (const [name, v] of Object.entries(entry)) {
        if (isTensor(v)) tensors.set(`optimizer.state.${idx}.${name}`, v);
        else (scalars[idx] ??= {})[name] = v;
      }
    }
    opt = { class: optimizer.constructor.name, param_groups: sd.param_groups, scalars };
  }
  const gen = (dataLoader as unknown as WithGenerator | undefined)?.generator;
  const json: CheckpointJson = {
    version: 1,
    epoch: checkCount(op, 'epoch', content.epoch),
    step: checkCount(op, 'step', content.step),
    extra: extra === undefined ? null : extra,
    rng: getRngState(),
    dataLoader: gen ? { seed: gen.seed, offset: gen.offset } : null,
    optimizer: opt,
    scheduler: scheduler !== undefined ? { class: scheduler.constructor.name, state: scheduler.stateDict() } : null,
  };
  const file = checkpointFile(where);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  save(tensors, file, { metadata: { [META_KEY]: encodeJson(json) } });
  return file;
}

/** Options of loadCheckpoint: the objects to restore into, built the same way as when saving. */
export interface LoadCheckpointOptions {
  model?: Module;
  optimizer?: Optimizer;
  scheduler?: Stateful;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  dataLoader?: DataLoader<any, any>;
  /** Model keys must match exactly (default true). */
  strict?: boolean;
  /** Restore the global RNG state (default true). */
  restoreRng?: boolean;
}

/**
 * Restores a checkpoint written by saveCheckpoint into the given model, optimizer,
 * scheduler and DataLoader (in place), and the global RNG state; returns epoch, step and
 * extra. The optimizer must be built over the same model's parameters (same groups).
 * @example
 * const { epoch } = tf.loadCheckpoint('ckpt/epoch-3', { model, optimizer: opt, scheduler: sched });
 */
export function loadCheckpoint(where: string, opts: LoadCheckpointOptions = {}): CheckpointInfo {
  const op = 'loadCheckpoint';
  if (typeof where !== 'string' || where === '') throw new ArgumentError(op, `path must be a non-empty string, got ${JSON.stringify(where)}`);
  const { model, optimizer, scheduler, dataLoader, strict = true, restoreRng = true } = opts;
  const file = checkpointFile(where);
  const { tensors, metadata } = loadWithMetadata(file);
  try {
    const text = metadata?.[META_KEY];
    if (text === undefined) throw new ModelFormatError(op, `${file} is not a tensorforge checkpoint (no "${META_KEY}" metadata); load plain weights with tf.load`);
    let json: CheckpointJson;
    try {
      json = decodeJson(text) as CheckpointJson;
    } catch (e) {
      throw new ModelFormatError(op, `${file}: the checkpoint metadata is not valid JSON: ${(e as Error).message}`);
    }
    if (json === null || typeof json !== 'object' || json.version !== 1) throw new ModelFormatError(op, `${file}: unsupported checkpoint version ${JSON.stringify((json as { version?: unknown })?.version)}`);
    const modelSd = new Map<string, Tensor>();
    const optTensors = new Map<string, Record<string, Tensor>>();
    for (const [k, t] of Object.entries(tensors)) {
      if (k.startsWith('model.')) modelSd.set(k.slice(6), t);
      else if (k.startsWith('optimizer.state.')) {
        const rest = k.slice(16);
        const dot = rest.indexOf('.');
        if (dot <= 0) throw new ModelFormatError(op, `${file}: bad optimizer tensor name '${k}'`);
        (optTensors.get(rest.slice(0, dot)) ?? optTensors.set(rest.slice(0, dot), {}).get(rest.slice(0, dot))!)[rest.slice(dot + 1)] = t;
      }
    }
    if (model !== undefined) {
      if (modelSd.size === 0 && model.stateDict().size !== 0) throw new ModelFormatError(op, `${file} holds no model weights`);
      model.loadStateDict(modelSd, { strict });
    }
    if (optimizer !== undefined) {
      if (json.optimizer === null) throw new ModelFormatError(op, `${file} holds no optimizer state`);
      if (json.optimizer.class !== optimizer.constructor.name) {
        throw new ModelFormatError(op, `${file} holds the state of a ${json.optimizer.class} optimizer, not of a ${optimizer.constructor.name}`);
      }
      const state: OptimizerStateDict['state'] = {};
      const keys = new Set([...Object.keys(json.optimizer.scalars), ...optTensors.keys()]);
      for (const idx of keys) state[Number(idx)] = { ...(json.optimizer.scalars[idx] ?? {}), ...(optTensors.get(idx) ?? {}) };
      optimizer.loadStateDict({ state, param_groups: json.optimizer.param_groups });
    }
    if (scheduler !== undefined) {
      if (json.scheduler === null) throw new ModelFormatError(op, `${file} holds no scheduler state`);
      if (json.scheduler.class !== scheduler.constructor.name) {
        throw new ModelFormatError(op, `${file} holds the state of a ${json.scheduler.class} scheduler, not of a ${scheduler.constructor.name}`);
      }
      scheduler.loadStateDict(json.scheduler.state);
    }
    if (dataLoader !== undefined) {
      const gen = (dataLoader as unknown as WithGenerator).generator;
      if (gen && json.dataLoader) {
        gen.seed = json.dataLoader.seed;
        gen.offset = json.dataLoader.offset;
      }
    }
    if (restoreRng) setRngState(json.rng);
    return { epoch: json.epoch ?? null, step: json.step ?? null, extra: json.extra ?? null, rng: json.rng };
  } finally {
    // loadStateDict copies: the loaded tensors are ours to free.
    for (const t of Object.values(tensors)) t.dispose();
  }
}
