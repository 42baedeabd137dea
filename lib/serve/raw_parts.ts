/**
 * A batch whose requests may still be unread JSON bodies (body.ts): the main thread
 * sends the bodies' bytes, and the inference worker reads each natively (the numeric
 * fast path of native/kernels/cpu/json), checks it against the model's input, stacks
 * the rows and runs the batch. What the worker cannot take it hands back:
 * - declined: not a body of one key holding a rectangular array of plain numbers that
 *   fits the input; the main thread reads it as general JSON, which gives the answer
 *   or the error (400, 422) that explains it;
 * - left: read, but over the batch's row limit; it goes back to the head of the queue.
 */
import type { DType, TypedArray } from '../dtype';
import { native } from '../native';

/** One request of the batch: a body's bytes [at, end) in `bytes`, or rows already read. */
export type Part = { at: number; end: number } | { rows: number; data: TypedArray };

/** What the worker is sent: the model's single input (dtype, dims after the batch dim). */
export interface PartsBatch {
  dtype: DType;
  dims: number[];
  maxBatch: number;
  bytes: Uint8Array;
  parts: Part[];
}

/** Key codes of the fast path: 1 "instances", 2 "inputs" (0: a part that was not a body). */
export type BodyKey = 0 | 1 | 2;

/** What became of each part, in order. */
export type PartResult =
  | { status: 'ran'; rows: number; key: BodyKey }
  | { status: 'declined' }
  | { status: 'left'; rows: number; key: BodyKey; data: TypedArray };

interface Read {
  rows: number;
  key: BodyKey;
  data: TypedArray;
}

const info = new Float64Array(10); // [key, rank, dims...], written by the addon

/** Reads one body; null when it declines or does not fit [rows, ...dims] of dtype. */
function readBody(bytes: Uint8Array, dtype: DType, dims: number[]): Read | null {
  if (dtype !== 'float32' && dtype !== 'float64') return null;
  const values = native.parseJsonNumbers(bytes, dtype === 'float64' ? 1 : 0, info);
  if (values === null || info[1] !== dims.length + 1) return null;
  for (let d = 0; d < dims.length; d++) if (info[3 + d] !== dims[d]) return null;
  return { rows: info[2], key: info[0] as BodyKey, data: values };
}

/**
 * In the worker: reads the parts and takes them in order while their rows fit maxBatch
 * (the first always). Returns the stacked rows taken (null if none) and each part's fate.
 */
export function readParts(batch: PartsBatch): { rows: number; data: TypedArray | null; results: PartResult[] } {
  const per = batch.dims.reduce((a, b) => a * b, 1);
  const read = batch.parts.map((p): Read | null => ('at' in p ? readBody(batch.bytes.subarray(p.at, p.end), batch.dtype, batch.dims) : { rows: p.rows, key: 0, data: p.data }));
  let rows = 0;
  let taken = 0;
  const results = read.map((r): PartResult => {
    if (r === null) return { status: 'declined' };
    if (taken > 0 && rows + r.rows > batch.maxBatch) return { status: 'left', rows: r.rows, key: r.key, data: r.data };
    taken++;
    rows += r.rows;
    return { status: 'ran', rows: r.rows, key: r.key };
  });
  if (taken === 0) return { rows: 0, data: null, results };
  if (taken === 1) {
    const only = read[results.findIndex((r) => r.status === 'ran')]!;
    return { rows, data: only.data, results };
  }
  const data = batch.dtype === 'float64' ? new Float64Array(rows * per) : new Float32Array(rows * per);
  let at = 0;
  read.forEach((r, i) => {
    if (results[i].status !== 'ran') return;
    data.set(r!.data as Float32Array, at);
    at += r!.rows * per;
  });
  return { rows, data, results };
}
