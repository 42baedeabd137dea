/**
 * Whole models: saveModel writes a directory with model.safetensors (the state dict,
 * PyTorch's key names) and config.json (how to rebuild the module tree, and the input
 * signature); loadModel rebuilds the model from a registry of classes, with no user code.
 *
 * config.json:
 *   { "format": "tensorforge.model", "version": 1,
 *     "model": { "class": "Sequential", "children": [["0", { "class": "Linear", "args": [4, 3, {...}] }], ...] },
 *     "inputs": [{ "shape": [null, 4], "dtype": "float32" }] | null,
 *     "outputs": [{ "shape": [null, 2], "dtype": "float32" }] | null }
 * A node is a container (Sequential, ModuleList, ModuleDict: "children") or a layer
 * ("args": its getConfig(), the constructor arguments). A tensor among the args (a loss's
 * class weights) is written as {"__tensor__": {shape, dtype}}: its values are a buffer
 * of the state dict.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DType } from '../dtype';
import { ArgumentError } from '../errors';
import { tidy } from '../scope';
import { Tensor, isTensor } from '../tensor';
import { zeros } from '../creation';
import * as nn from '../nn/index';
import { Module } from '../nn/module';
import { ModelFormatError } from './errors';
import { writeTextAtomic } from './atomic';
import { load, save } from './safetensors';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModuleClass = new (...args: any[]) => Module;

const CONTAINERS = new Set<ModuleClass>([nn.Sequential, nn.ModuleList, nn.ModuleDict]);
const registry = new Map<string, ModuleClass>();
for (const [name, C] of Object.entries(nn)) {
  if (typeof C === 'function' && C.prototype instanceof Module) registry.set(name, C as ModuleClass);
}

/**
 * Makes a custom module class loadable by tf.loadModel: its getConfig() must return the
 * constructor arguments (JSON values). Built-in layers are registered already.
 * @example
 * class Block extends nn.Module { constructor(n) { super(); this.n = n; this.fc = new nn.Linear(n, n); } getConfig() { return [this.n]; } ... }
 * tf.io.registerModule('Block', Block);
 */
export function registerModule(name: string, ctor: ModuleClass): void {
  const op = 'registerModule';
  if (typeof name !== 'string' || name === '') throw new ArgumentError(op, `name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (typeof ctor !== 'function' || !(ctor.prototype instanceof Module)) throw new ArgumentError(op, `'${name}' must be a subclass of nn.Module`);
  const have = registry.get(name);
  if (have !== undefined && have !== ctor && [...Object.values(nn)].includes(have as never)) {
    throw new ArgumentError(op, `'${name}' is a built-in layer; register your class under another name`);
  }
  registry.set(name, ctor);
}

/** The class registered under name, if any. */
export function registeredModule(name: string): ModuleClass | undefined {
  return registry.get(name);
}

/** One module of config.json. */
export interface ModuleNode {
  class: string;
  args?: unknown[];
  children?: Array<[string, ModuleNode]>;
}

/** An input or output of the model: shape with null for the batch dim. */
export interface TensorSpec {
  shape: Array<number | null>;
  dtype: DType;
}

/** The content of config.json. */
export interface ModelConfig {
  format: 'tensorforge.model';
  version: 1;
  model: ModuleNode;
  inputs: TensorSpec[] | null;
  outputs: TensorSpec[] | null;
}

const TENSOR_TAG = '__tensor__';

function encodeArg(op: string, where: string, v: unknown): unknown {
  if (isTensor(v)) return { [TENSOR_TAG]: { shape: v.shape.slice(), dtype: v.dtype } };
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ModelFormatError(op, `${where}: the non-finite number ${v} cannot be stored in config.json`);
    return v;
  }
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map((x, i) => encodeArg(op, `${where}[${i}]`, x));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = encodeArg(op, `${where}.${k}`, x);
    return out;
  }
  throw new ModelFormatError(op, `${where}: a ${(v as object)?.constructor?.name ?? typeof v} cannot be stored in config.json (getConfig() must return JSON values or tensors)`);
}

function decodeArg(v: unknown, made: Tensor[]): unknown {
  if (Array.isArray(v)) return v.map((x) => decodeArg(x, made));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const spec = o[TENSOR_TAG] as { shape?: unknown; dtype?: unknown } | undefined;
    if (Object.keys(o).length === 1 && spec !== undefined) {
      const t = zeros(spec.shape as number[], { dtype: spec.dtype as DType });
      made.push(t);
      return t;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decodeArg(x, made);
    return out;
  }
  return v;
}

/** The config node of a module tree (what config.json's "model" holds). */
export function describeModule(m: Module, where = 'model', op = 'saveModel'): ModuleNode {
  const ctor = m.constructor as ModuleClass;
  const name = ctor.name;
  if (CONTAINERS.has(ctor)) {
    return { class: name, children: m.namedChildren().map(([k, c]) => [k, describeModule(c, where === 'model' ? k : `${where}.${k}`, op)]) };
  }
  const args = m.getConfig();
  if (args === null || args === undefined) {
    throw new ModelFormatError(op, `module '${where}' (${name}) cannot describe its constructor arguments: give it a getConfig() and register it with tf.io.registerModule('${name}', ${name}), or save its weights with tf.save(model.stateDict(), path)`);
  }
  if (registry.get(name) !== ctor) {
    throw new ModelFormatError(op, `module '${where}' (${name}) is not registered: call tf.io.registerModule('${name}', ${name}) so that loadModel can rebuild it`);
  }
  if (!Array.isArray(args)) throw new ModelFormatError(op, `${name}.getConfig() must return an array of constructor arguments, got ${typeof args}`);
  return { class: name, args: encodeArg(op, `${where} (${name}) args`, args) as unknown[] };
}

/** Rebuilds a module tree from its config node. */
export function buildModule(node: ModuleNode, where = 'model', op = 'loadModel'): Module {
  if (node === null || typeof node !== 'object' || typeof node.class !== 'string') {
    throw new ModelFormatError(op, `config.json: '${where}' must be { class, args } or { class, children }, got ${JSON.stringify(node)}`);
  }
  const C = registry.get(node.class);
  if (C === undefined) {
    throw new ModelFormatError(op, `config.json: '${where}' has class '${node.class}', which is not registered (register custom modules with tf.io.registerModule('${node.class}', Class) before loading)`);
  }
  if (CONTAINERS.has(C)) {
    if (!Array.isArray(node.children)) throw new ModelFormatError(op, `config.json: container '${where}' (${node.class}) needs "children"`);
    const m = new C();
    for (const entry of node.children) {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') throw new ModelFormatError(op, `config.json: children of '${where}' must be [name, node] pairs`);
      m.registerModule(entry[0], buildModule(entry[1], where === 'model' ? entry[0] : `${where}.${entry[0]}`, op));
    }
    return m;
  }
  if (!Array.isArray(node.args)) throw new ModelFormatError(op, `config.json: '${where}' (${node.class}) needs "args", an array`);
  const made: Tensor[] = [];
  try {
    return new C(...(decodeArg(node.args, made) as unknown[]));
  } catch (e) {
    throw new ModelFormatError(op, `config.json: cannot build '${where}' (${node.class}) from args ${JSON.stringify(node.args)}: ${(e as Error).message}`);
  } finally {
    for (const t of made) t.dispose();
  }
}

/** Options of saveModel. */
export interface SaveModelOptions {
  /**
   * The input's shape with the batch dim first (its size is written as null), or one
   * shape per input. The model is run once on zeros of this shape (batch 1, eval mode,
   * inside tidy) to check it and to record the output shapes.
   */
  inputShape?: Array<number | null> | Array<Array<number | null>>;
  /** dtype of the inputs (default float32; int32 for an Embedding). */
  inputDtype?: DType | DType[];
}

function specsOf(op: string, inputShape: SaveModelOptions['inputShape'], inputDtype: SaveModelOptions['inputDtype']): TensorSpec[] {
  if (!Array.isArray(inputShape)) throw new ArgumentError(op, `inputShape must be an array, got ${typeof inputShape}`);
  const shapes = (inputShape.length > 0 && Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Array<Array<number | null>>;
  const dtypes = Array.isArray(inputDtype) ? inputDtype : shapes.map(() => inputDtype ?? 'float32');
  if (dtypes.length !== shapes.length) throw new ArgumentError(op, `got ${shapes.length} input shapes but ${dtypes.length} input dtypes`);
  return shapes.map((s, i) => {
    if (!Array.isArray(s) || s.length === 0) throw new ArgumentError(op, `input shape ${i} must be a non-empty array with the batch dim first, got ${JSON.stringify(s)}`);
    for (const d of s.slice(1)) if (!Number.isInteger(d) || (d as number) < 0) throw new ArgumentError(op, `input shape ${JSON.stringify(s)}: dims after the batch dim must be sizes`);
    const dt = dtypes[i];
    if (!['float32', 'float64', 'int32', 'bool'].includes(dt)) throw new ArgumentError(op, `unknown input dtype ${JSON.stringify(dt)}`);
    return { shape: [null, ...(s.slice(1) as number[])], dtype: dt };
  });
}

function outputSpecs(out: unknown): TensorSpec[] | null {
  const list = Array.isArray(out) ? out : [out];
  if (!list.every(isTensor)) return null;
  return (list as Tensor[]).map((t) => ({ shape: t.ndim === 0 ? [] : [null, ...t.shape.slice(1)], dtype: t.dtype }));
}

/**
 * Saves a model built from tensorforge layers (and registered custom modules) into dir:
 * model.safetensors (the state dict) and config.json (the module tree with each layer's
 * class and constructor arguments, and the input signature). Both files are written
 * atomically. tf.loadModel(dir) rebuilds it.
 * @example
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 * tf.saveModel(model, 'out/mlp', { inputShape: [null, 4] });
 * const again = tf.loadModel('out/mlp'); // same outputs
 */
export function saveModel(model: Module, dir: string, opts: SaveModelOptions = {}): ModelConfig {
  const op = 'saveModel';
  if (!(model instanceof Module)) throw new ArgumentError(op, `expected an nn.Module, got ${model === null ? 'null' : typeof model}`);
  if (typeof dir !== 'string' || dir === '') throw new ArgumentError(op, `dir must be a non-empty string, got ${JSON.stringify(dir)}`);
  const node = describeModule(model, 'model', op);
  let inputs: TensorSpec[] | null = null;
  let outputs: TensorSpec[] | null = null;
  if (opts.inputShape !== undefined) {
    inputs = specsOf(op, opts.inputShape, opts.inputDtype);
    const wasTraining = model.training;
    model.eval();
    try {
      tidy(() => {
        const xs = inputs!.map((s) => zeros([2, ...(s.shape.slice(1) as number[])], { dtype: s.dtype }));
        outputs = outputSpecs(model.forward(...xs));
      });
    } catch (e) {
      throw new ArgumentError(op, `the model does not run on inputs of shape ${inputs.map((s) => JSON.stringify(s.shape)).join(', ')}: ${(e as Error).message}`);
    } finally {
      model.train(wasTraining);
    }
  }
  const config: ModelConfig = { format: 'tensorforge.model', version: 1, model: node, inputs, outputs };
  fs.mkdirSync(dir, { recursive: true });
  save(model.stateDict(), path.join(dir, 'model.safetensors'), { metadata: { format: 'pt' } });
  writeTextAtomic(op, path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return config;
}

/** Reads and checks dir/config.json. */
export function readModelConfig(dir: string, op = 'readModelConfig'): ModelConfig {
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelFormatError(op, `cannot read ${file}: ${(e as Error).message}`);
  }
  let cfg: ModelConfig;
  try {
    cfg = JSON.parse(text) as ModelConfig;
  } catch (e) {
    throw new ModelFormatError(op, `${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (cfg === null || typeof cfg !== 'object' || cfg.format !== 'tensorforge.model') throw new ModelFormatError(op, `${file} is not a tensorforge model config (format must be "tensorforge.model")`);
  if (cfg.version !== 1) throw new ModelFormatError(op, `${file} has version ${JSON.stringify(cfg.version)}; this tensorforge reads version 1`);
  return cfg;
}

/** Options of loadModel. */
export interface LoadModelOptions {
  /** Missing or unexpected state dict keys throw (default true). */
  strict?: boolean;
}

/**
 * Rebuilds a model saved by tf.saveModel: the module tree from config.json, the weights
 * from model.safetensors. Returned in eval mode (call train() to train it further).
 * Custom modules must be registered (tf.io.registerModule) before loading.
 * @example const model = tf.loadModel('out/mlp'); model.forward(tf.randn([5, 4]))
 */
export function loadModel(dir: string, { strict = true }: LoadModelOptions = {}): Module {
  const op = 'loadModel';
  if (typeof dir !== 'string' || dir === '') throw new ArgumentError(op, `dir must be a non-empty string, got ${JSON.stringify(dir)}`);
  const cfg = readModelConfig(dir, op);
  const model = buildModule(cfg.model, 'model', op);
  let sd: Record<string, Tensor> | null = null;
  try {
    sd = load(path.join(dir, 'model.safetensors'));
    model.loadStateDict(sd, { strict });
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    if (sd !== null) for (const t of Object.values(sd)) t.dispose();
  }
  return model.eval();
}

