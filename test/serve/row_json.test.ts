/**
 * rowJson (the predict answer's rows as JSON text) against JSON.stringify of the same
 * values built as nested arrays by plain recursion: random shapes (0-d, empty dims,
 * up to rank 4), every dtype, and values that are not finite.
 */
import { describe, expect, it } from 'vitest';
import { rng } from '../helpers';
import { rowJson } from '../../lib/serve/signature';
import type { DType } from '../../lib/dtype';

function nested(values: ArrayLike<number>, offset: number, dims: number[], bool: boolean): unknown {
  if (dims.length === 0) return bool ? values[offset] !== 0 : values[offset];
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: dims[0] }, (_, j) => nested(values, offset + j * per, dims.slice(1), bool));
}

describe('rowJson', () => {
  it('writes what JSON.stringify writes for the nested row, for every dtype and shape', () => {
    const r = rng(3);
    const arrays: Record<DType, (n: number) => Float32Array | Float64Array | Int32Array | Uint8Array> = {
      float32: (n) => new Float32Array(n), float64: (n) => new Float64Array(n), int32: (n) => new Int32Array(n), bool: (n) => new Uint8Array(n),
    } as Record<DType, (n: number) => Float32Array | Float64Array | Int32Array | Uint8Array>;
    const special = [NaN, Infinity, -Infinity, -0, 0, 1e-45, 3.4e38, 1e300, -2.5];
    let cases = 0;
    for (const dtype of Object.keys(arrays) as DType[]) {
      for (let it = 0; it < 200; it++) {
        const rank = Math.floor(r() * 5);
        const dims = Array.from({ length: rank }, () => Math.floor(r() * 4) + (r() < 0.1 ? 0 : 1) - (r() < 0.1 ? 1 : 0)).map((d) => Math.max(0, d));
        const per = dims.reduce((a, b) => a * b, 1);
        const rows = 1 + Math.floor(r() * 3);
        const data = arrays[dtype](rows * per);
        for (let i = 0; i < data.length; i++) {
          data[i] = dtype === 'bool' ? (r() < 0.5 ? 1 : 0) : dtype === 'int32' ? Math.floor((r() - 0.5) * 2 ** 32) : r() < 0.2 ? special[Math.floor(r() * special.length)] : (r() - 0.5) * 10 ** Math.floor(r() * 12 - 6);
        }
        const row = Math.floor(r() * rows);
        expect(rowJson(data, row * per, dims, dtype), `${dtype} [${dims}]`).toBe(JSON.stringify(nested(data, row * per, dims, dtype === 'bool')));
        cases++;
      }
    }
    expect(cases).toBe(800);
  });
});
