/** Helpers for the io tests: temp dirs and hand-made safetensors files. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function tempDir(prefix = 'tf-io-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Header object -> file bytes (length field, JSON padded with spaces to 8, data). */
export function craft(header: unknown, data: Uint8Array | number[] = [], opts: { lengthField?: bigint; rawHeader?: string } = {}): Buffer {
  let json = Buffer.from(opts.rawHeader ?? JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(opts.lengthField ?? BigInt(json.length));
  return Buffer.concat([len, json, Buffer.from(data as Uint8Array)]);
}

/** Float32 values as little-endian bytes. */
export function f32Bytes(vals: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(vals).buffer);
}

/** float -> IEEE half bits, round to nearest even (independent of the native converter). */
export function halfBits(x: number): number {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  f[0] = x;
  const b = u[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const man = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = man | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (man >>> 13);
  const rem = man & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** Reference half -> float by the formula (-1)^s * 2^(e-15) * (1 + m/1024), subnormal 2^-14 * m/1024. */
export function halfValue(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  if (e === 0) return s * 2 ** -14 * (m / 1024);
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

export function u16Bytes(vals: number[]): Uint8Array {
  const b = Buffer.alloc(vals.length * 2);
  vals.forEach((v, i) => b.writeUInt16LE(v, i * 2));
  return b;
}

export function i64Bytes(vals: bigint[]): Uint8Array {
  const b = Buffer.alloc(vals.length * 8);
  vals.forEach((v, i) => b.writeBigInt64LE(v, i * 8));
  return b;
}

/** The bit pattern of a float32, as BF16 would store its top half. */
export function bf16Of(x: number): number {
  const f = new Float32Array([x]);
  return new Uint32Array(f.buffer)[0] >>> 16;
}
