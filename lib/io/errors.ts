/** Errors of the io family (lib/io). */
import { TensorforgeError } from '../errors';

/**
 * A safetensors file (or buffer) that cannot be read or written: a broken header, bad
 * offsets, truncated data, a dtype tensorforge cannot hold, a value out of range. The
 * message names the file and the tensor; `file` and `tensor` carry them too.
 */
export class SafetensorsError extends TensorforgeError {
  /** The file's path, or '<buffer>' for in-memory data. */
  readonly file: string;
  /** The tensor the problem is about, or null when it is about the whole file. */
  readonly tensor: string | null;
  constructor(op: string, file: string, tensor: string | null, message: string) {
    super(op, `${file}${tensor !== null ? `: tensor '${tensor}'` : ''}: ${message}`);
    this.file = file;
    this.tensor = tensor;
  }
}

/** A model directory or checkpoint that cannot be rebuilt (unknown class, bad config.json, ...). */
export class ModelFormatError extends TensorforgeError {}
