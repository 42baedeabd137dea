/**
 * A served model's input and output signature, and the conversion of request JSON into
 * typed arrays that fit it. The input signature comes from config.json's "inputs"
 * (tf.saveModel(model, dir, { inputShape })); a model saved without it is served only
 * when its first layer is a Linear ([null, inFeatures], float32). The output signature
 * comes from a forward pass on zeros when the model is loaded.
 */
import type { DType, TypedArray } from '../dtype';
import type { ModuleNode, TensorSpec } from '../io/model';
import { InputValidationError } from './errors';
import { arrayClassOf } from './wire';

/** One named input or output: shape with null (-1 in KServe) for the batch dim. */
export interface NamedSpec {
  name: string;
  shape: Array<number | null>;
  dtype: DType;
}

export interface Signature {
  inputs: NamedSpec[];
  outputs: NamedSpec[];
}

const KSERVE_TYPES: Record<DType, string> = { float32: 'FP32', float64: 'FP64', int32: 'INT32', bool: 'BOOL' } as Record<DType, string>;
const TF_TYPES: Record<DType, string> = { float32: 'DT_FLOAT', float64: 'DT_DOUBLE', int32: 'DT_INT32', bool: 'DT_BOOL' } as Record<DType, string>;

/** KServe v2 datatype of a dtype (FP32, FP64, INT32, BOOL). */
export function kserveType(dtype: DType): string {
  return KSERVE_TYPES[dtype] ?? String(dtype).toUpperCase();
}

/** TensorFlow's dtype name (DT_FLOAT, ...). */
export function tfType(dtype: DType): string {
  return TF_TYPES[dtype] ?? 'DT_INVALID';
}

/** Names the specs: 'input' (or 'input_0', 'input_1', ... for several). */
export function nameSpecs(specs: TensorSpec[], base: string): NamedSpec[] {
  return specs.map((s, i) => ({ name: specs.length === 1 ? base : `${base}_${i}`, shape: s.shape.slice(), dtype: s.dtype }));
}

/** The input signature from the first layer, when it is a Linear; null otherwise. */
export function inferInputs(node: ModuleNode): TensorSpec[] | null {
  let n: ModuleNode | undefined = node;
  while (n !== undefined && Array.isArray(n.children)) n = n.children[0]?.[1];
  if (n === undefined || n.class !== 'Linear' || !Array.isArray(n.args)) return null;
  const inFeatures = n.args[0];
  const opts = (n.args[2] ?? {}) as { dtype?: DType };
  if (!Number.isInteger(inFeatures)) return null;
  return [{ shape: [null, inFeatures as number], dtype: opts.dtype ?? 'float32' }];
}

/** The signature as one line, for error messages: input 'input': FP32 [-1, 784]. */
export function describeInputs(inputs: NamedSpec[]): string {
  return inputs.map((s) => `'${s.name}': ${kserveType(s.dtype)} ${fmtDims(s.shape)}`).join(', ');
}

export function fmtDims(shape: Array<number | null>): string {
  return `[${shape.map((d) => (d === null ? -1 : d)).join(', ')}]`;
}

function rowSize(spec: NamedSpec): number {
  let n = 1;
  for (const d of spec.shape.slice(1)) n *= d as number;
  return n;
}

/** A decoded input: rows of one input, flat. */
export interface DecodedInput {
  rows: number;
  data: TypedArray;
}

/**
 * Reads nested arrays of shape [rows, ...spec.shape[1:]] (the batch dim first) into a
 * typed array, checking shape, dtype and finiteness. `flatShape`, when given, says the
 * values are flat (KServe's data) and were declared with that shape.
 */
export class InputReader {
  private readonly dims: number[];
  private readonly row: number;
  constructor(private readonly spec: NamedSpec, private readonly signature: string, private readonly where: string) {
    this.dims = spec.shape.slice(1) as number[];
    this.row = rowSize(spec);
  }

  private fail(what: string): never {
    throw new InputValidationError(`${this.where}: ${what}; the model's inputs are ${this.signature} (-1 is the batch dim)`);
  }

  private put(out: TypedArray, i: number, v: unknown): void {
    const dt = this.spec.dtype;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) this.fail(`non-finite number ${v} at element ${i}`);
      if (dt === 'int32' && !Number.isInteger(v)) this.fail(`${v} at element ${i} is not an integer (input '${this.spec.name}' is INT32)`);
      if (dt === 'bool' && v !== 0 && v !== 1) this.fail(`${v} at element ${i} is not a boolean (input '${this.spec.name}' is BOOL)`);
      out[i] = v;
    } else if (typeof v === 'boolean' && dt === 'bool') {
      out[i] = v ? 1 : 0;
    } else {
      this.fail(`element ${i} is ${v === null ? 'null (JSON has no NaN or Infinity)' : `a ${Array.isArray(v) ? 'nested array' : typeof v}`} where ${kserveType(dt)} numbers were expected`);
    }
  }

  private fill(v: unknown, depth: number, out: TypedArray, at: number): number {
    if (depth === this.dims.length) {
      this.put(out, at, v);
      return at + 1;
    }
    const want = this.dims[depth];
    if (!Array.isArray(v) || v.length !== want) {
      this.fail(`expected ${want} values along dim ${depth + 1} of each row, got ${Array.isArray(v) ? `${v.length}` : `a ${v === null ? 'null' : typeof v}`}`);
    }
    if (depth === this.dims.length - 1) {
      for (let j = 0; j < want; j++) this.put(out, at + j, v[j]);
      return at + want;
    }
    for (let j = 0; j < want; j++) at = this.fill(v[j], depth + 1, out, at);
    return at;
  }

  /** rows: an array of rows (the batch dim first). */
  readRows(rows: unknown): DecodedInput {
    if (!Array.isArray(rows)) this.fail(`expected an array of rows, got ${rows === null ? 'null' : typeof rows}`);
    if (rows.length === 0) this.fail('expected at least one row');
    const Arr = arrayClassOf(this.spec.dtype);
    const out = new Arr(rows.length * this.row);
    let at = 0;
    for (const r of rows) at = this.fill(r, 0, out, at);
    return { rows: rows.length, data: out };
  }

  /** One row at a time (TF Serving's instances); call finish() after. */
  collect(rowsTotal: number): { add(row: unknown, i: number): void; finish(): DecodedInput } {
    const Arr = arrayClassOf(this.spec.dtype);
    const out = new Arr(rowsTotal * this.row);
    return {
      add: (row, i) => { this.fill(row, 0, out, i * this.row); },
      finish: () => ({ rows: rowsTotal, data: out }),
    };
  }

  /** KServe: values flat (or nested) with a declared shape. */
  readShaped(shape: unknown, data: unknown): DecodedInput {
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 0)) this.fail(`"shape" must be an array of sizes with the batch dim first, got ${JSON.stringify(shape)}`);
    const dims = shape as number[];
    if (dims.length !== this.spec.shape.length || dims.slice(1).some((d, i) => d !== this.dims[i])) this.fail(`shape ${fmtDims(dims)} does not fit`);
    if (dims[0] === 0) this.fail('expected at least one row');
    const flat = Array.isArray(data) && data.some(Array.isArray) ? (data as unknown[]).flat(Infinity) : data;
    if (!Array.isArray(flat)) this.fail(`"data" must be an array, got ${data === null ? 'null' : typeof data}`);
    const n = dims[0] * this.row;
    if (flat.length !== n) this.fail(`shape ${fmtDims(dims)} needs ${n} values, "data" has ${flat.length}`);
    const Arr = arrayClassOf(this.spec.dtype);
    const out = new Arr(n);
    for (let i = 0; i < n; i++) this.put(out, i, flat[i]);
    return { rows: dims[0], data: out };
  }
}

/**
 * JSON text of one row: the values of shape dims from data at offset, as nested arrays.
 * It is the text JSON.stringify writes for those arrays (a number that is not finite is
 * null, bool values are true/false), written without building them.
 */
export function rowJson(data: TypedArray, offset: number, dims: readonly number[], dtype: DType): string {
  const bool = dtype === 'bool';
  if (dims.length === 1 && !bool) {
    let s = '[';
    for (let j = 0; j < dims[0]; j++) {
      const v = data[offset + j];
      s += (j === 0 ? '' : ',') + (Number.isFinite(v) ? `${v}` : 'null');
    }
    return `${s}]`;
  }
  let at = offset;
  const write = (depth: number): string => {
    if (depth === dims.length) {
      const v = data[at++];
      return bool ? (v !== 0 ? 'true' : 'false') : Number.isFinite(v) ? `${v}` : 'null';
    }
    let s = '[';
    for (let j = 0; j < dims[depth]; j++) s += (j === 0 ? '' : ',') + write(depth + 1);
    return `${s}]`;
  };
  return write(0);
}

/** The flat values as a plain array (booleans for bool). */
export function flatValues(data: TypedArray, dtype: DType): unknown[] {
  return dtype === 'bool' ? Array.from(data, (v) => v !== 0) : Array.from(data);
}
