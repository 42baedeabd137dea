/**
 * The IDX reader on small files written here byte by byte (big-endian header and values,
 * every element type), gzip-compressed or not; writeIdxUbyte round trips; bad files give
 * IdxFormatError naming the file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import * as tf from '../../lib/index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-idx-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An IDX file: magic 0 0 type ndim, dims as big-endian uint32, then the values. */
function idxBytes(type: number, shape: number[], values: number[]): Buffer {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
  const buf = Buffer.alloc(4 + 4 * shape.length + size * values.length);
  buf.writeUInt8(type, 2);
  buf.writeUInt8(shape.length, 3);
  shape.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  let at = 4 + 4 * shape.length;
  for (const v of values) {
    if (type === 0x08) buf.writeUInt8(v, at);
    else if (type === 0x09) buf.writeInt8(v, at);
    else if (type === 0x0b) buf.writeInt16BE(v, at);
    else if (type === 0x0c) buf.writeInt32BE(v, at);
    else if (type === 0x0d) buf.writeFloatBE(v, at);
    else buf.writeDoubleBE(v, at);
    at += size;
  }
  return buf;
}

function write(name: string, bytes: Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

describe('readIdx', () => {
  const types: Array<[string, number, number[], string]> = [
    ['ubyte', 0x08, [0, 7, 255, 128, 1, 200], 'int32'],
    ['byte', 0x09, [-128, 127, 0, -1, 5, -7], 'int32'],
    ['short', 0x0b, [-32768, 32767, 300, -2, 0, 1], 'int32'],
    ['int', 0x0c, [-2147483648, 2147483647, 65536, -3, 0, 9], 'int32'],
    ['float', 0x0d, [1.5, -2.25, 3e-3, 0, 1e20, -7], 'float32'],
    ['double', 0x0e, [1.5, -2.25, 1e-300, 0, Math.PI, -7], 'float64'],
  ];
  test.each(types)('%s: shape, dtype and values, plain and gzip', (name, type, values, dtype) => {
    const bytes = idxBytes(type, [2, 3], values);
    for (const [file, data] of [[`${name}.idx`, bytes], [`${name}.idx.gz`, gzipSync(bytes)]] as const) {
      const t = tf.data.readIdx(write(file, data));
      expect(t.shape).toEqual([2, 3]);
      expect(t.dtype).toBe(dtype);
      const expected = dtype === 'float32' ? values.map(Math.fround) : values;
      expect(Array.from(t.dataSync())).toEqual(expected);
    }
  });

  test('MNIST-like images and labels: 3-d ubyte as float32 scaled to [0, 1], 1-d labels', () => {
    const pix = Array.from({ length: 4 * 5 * 3 }, (_, i) => (i * 37) % 256);
    const images = tf.data.readIdx(write('img.gz', gzipSync(idxBytes(0x08, [4, 5, 3], pix))), { dtype: 'float32', scale: 1 / 255 });
    expect(images.shape).toEqual([4, 5, 3]);
    expect(images.dtype).toBe('float32');
    expect(Array.from(images.dataSync())).toEqual(pix.map((v) => Math.fround(v / 255)));
    const labels = tf.data.readIdx(write('lab', idxBytes(0x08, [4], [9, 0, 3, 1])));
    expect(labels.shape).toEqual([4]);
    expect(Array.from(labels.dataSync())).toEqual([9, 0, 3, 1]);
    expect(tf.data.readIdx(write('empty', idxBytes(0x08, [0, 28, 28], []))).shape).toEqual([0, 28, 28]);
  });

  test('writeIdxUbyte round-trips, gzip by extension', () => {
    const v = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) % 256);
    for (const name of ['w.idx', 'w.idx.gz']) {
      const p = path.join(dir, name);
      tf.data.writeIdxUbyte(p, v, [2, 3, 4]);
      const raw = fs.readFileSync(p);
      expect(raw[0] === 0x1f && raw[1] === 0x8b).toBe(name.endsWith('.gz'));
      const t = tf.data.readIdx(p);
      expect(t.shape).toEqual([2, 3, 4]);
      expect(Array.from(t.dataSync())).toEqual(v);
    }
    expect(() => tf.data.writeIdxUbyte(path.join(dir, 'x'), [1, 256], [2])).toThrow(tf.ArgumentError);
    expect(() => tf.data.writeIdxUbyte(path.join(dir, 'x'), [1, 2], [3])).toThrow(/holds 3 values, got 2/);
  });

  test('bad files: IdxFormatError naming the file', () => {
    const good = idxBytes(0x08, [2, 2], [1, 2, 3, 4]);
    const p1 = write('bad-magic', Buffer.concat([Buffer.from([1]), good.subarray(1)]));
    expect(() => tf.data.readIdx(p1)).toThrow(tf.data.IdxFormatError);
    expect(() => tf.data.readIdx(p1)).toThrow(/bad-magic: not an IDX file/);
    const p2 = write('bad-type', Buffer.concat([good.subarray(0, 2), Buffer.from([0x0a]), good.subarray(3)]));
    expect(() => tf.data.readIdx(p2)).toThrow(/unknown IDX element type 0xa/);
    const p3 = write('short', good.subarray(0, good.length - 1));
    expect(() => tf.data.readIdx(p3)).toThrow(/needs 16 bytes, the file has 15/);
    const p4 = write('bad.gz', Buffer.concat([gzipSync(good).subarray(0, 12)]));
    expect(() => tf.data.readIdx(p4)).toThrow(/gzip data is corrupt/);
    expect(() => tf.data.readIdx(write('ok', good), { dtype: 'int32', scale: 0.5 })).toThrow(/scale needs a float dtype/);
  });
});
