/** Creating parameters and buffers for the built-in layers. */
import type { DType } from '../dtype';
import { ArgumentError } from '../errors';
import { Tensor } from '../tensor';
import { full } from '../creation';
import { parameter } from './parameter';

/** Options every layer with parameters takes. */
export interface FactoryOptions {
  /** float32 (default) or float64. */
  dtype?: DType;
}

export function layerDType(op: string, dtype: unknown): DType {
  const d = dtype ?? 'float32';
  if (d !== 'float32' && d !== 'float64') throw new ArgumentError(op, `dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
  return d;
}

/** An uninitialised parameter (an init function fills it). */
export function emptyParameter(shape: number[], dtype: DType): Tensor {
  return parameter(Tensor.empty(shape, dtype));
}

export function filledParameter(shape: number[], value: number, dtype: DType): Tensor {
  return parameter(full(shape, value, { dtype }));
}

export function pyBool(b: boolean): string {
  return b ? 'True' : 'False';
}

/** PyTorch's repr of a tuple of sizes: (4,) or (2, 3). */
export function pyTuple(s: readonly number[]): string {
  return s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`;
}

/** Python's repr of a float: 1e-05, 0.1, 1.0. */
export function pyFloat(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return v.toFixed(1);
  const a = Math.abs(v);
  if (a < 1e-4 || a >= 1e16) {
    const [m, e] = v.toExponential().split('e');
    const sign = e[0] === '-' ? '-' : '+';
    const digits = e.replace(/^[-+]/, '').padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  return String(v);
}
