/**
 * tf.save / tf.load / tf.io.serialize / deserialize: round trips for every dtype and
 * layout, the byte layout of what we write, F16/BF16/I64 reading, and broken files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { makeTensor, randomValues, rng, type Layout } from '../helpers';
import { writeFileAtomic } from '../../lib/io/atomic';
import { bf16Of, craft, f32Bytes, halfBits, halfValue, i64Bytes, tempDir, u16Bytes } from './util';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const DTYPES: DType[] = ['float32', 'float64', 'int32', 'bool'];
const SHAPES = [[], [0], [3, 0], [1], [7], [2, 3], [17, 5], [3, 1, 4], [33, 257]];

function sameTensor(a: Tensor, b: Tensor): void {
  expect(a.dtype).toBe(b.dtype);
  expect(a.shape).toEqual(b.shape);
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
}

function randomTensor(shape: number[], dtype: DType, layout: Layout, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return makeTensor(randomValues(n, dtype, rng(seed), -1e3, 1e3), shape, dtype, layout);
}

describe('round trips', () => {
  for (const layout of ['contiguous', 'transposed', 'sliced'] as Layout[]) {
    it(`every dtype and shape, ${layout} inputs, through a file and through a buffer`, () => {
      const tensors: Record<string, Tensor> = {};
      let seed = 1;
      for (const dt of DTYPES) for (const s of SHAPES) tensors[`${dt}/${s.join('x') || 'scalar'}`] = randomTensor(s, dt, layout, seed++);
      const file = path.join(dir, `rt-${layout}.safetensors`);
      tf.save(tensors, file);
      const back = tf.load(file);
      const mem = tf.io.deserialize(tf.io.serialize(tensors));
      expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
      for (const [k, t] of Object.entries(tensors)) {
        sameTensor(back[k], t);
        sameTensor(mem[k], t);
        expect(back[k].isContiguous()).toBe(true);
      }
      // The buffer form is byte-identical to the file.
      expect(Buffer.compare(fs.readFileSync(file), Buffer.from(tf.io.serialize(tensors)))).toBe(0);
    });
  }

  it('keeps special float values and bool values exactly', () => {
    const f = tf.tensor([0, -0, Infinity, -Infinity, NaN, 1e-45, 3.4028234663852886e38]);
    const d = tf.tensor(new Float64Array([Number.MIN_VALUE, -Number.MAX_VALUE, NaN, 1 / 3]));
    const i = tf.tensor(new Int32Array([-2147483648, 2147483647, 0, -1]));
    const b = tf.tensor([true, false, true], { dtype: 'bool' });
    const back = tf.io.deserialize(tf.io.serialize({ f, d, i, b }));
    expect(Object.is(back.f.dataSync()[1], -0)).toBe(true);
    for (const [k, t] of Object.entries({ f, d, i, b })) sameTensor(back[k], t);
  });

  it('accepts a Map (a stateDict) and odd names; "__proto__" stays a plain key', () => {
    const m = new Map<string, Tensor>([['0.weight', tf.ones([2])], ['é/ü', tf.zeros([1])], ['__proto__', tf.ones([1])]]);
    const back = tf.io.deserialize(tf.io.serialize(m));
    expect(Object.keys(back).sort()).toEqual(['0.weight', '__proto__', 'é/ü']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    sameTensor(back.__proto__ as unknown as Tensor, tf.ones([1]));
  });

  it('stores metadata as string -> string and reads it back', () => {
    const file = path.join(dir, 'meta.safetensors');
    tf.save({ a: tf.ones([2]) }, file, { metadata: { format: 'pt', note: 'héllo "q"' } });
    expect(tf.io.loadWithMetadata(file).metadata).toEqual({ format: 'pt', note: 'héllo "q"' });
    expect(tf.io.readHeader(file).metadata).toEqual({ format: 'pt', note: 'héllo "q"' });
    expect(tf.io.loadWithMetadata(path.join(dir, 'rt-contiguous.safetensors')).metadata).toBeNull();
    expect(() => tf.save({ a: tf.ones([2]) }, file, { metadata: { n: 1 } as never })).toThrow(/metadata value of key 'n' must be a string/);
  });

  it('saves an empty dict', () => {
    const bytes = tf.io.serialize({});
    expect(tf.io.deserialize(bytes)).toEqual({});
  });
});

describe('the bytes we write', () => {
  it('follows the reference writer: u64 length, compact JSON padded with spaces to 8, dtype-then-name order, packed data', () => {
    const bytes = Buffer.from(tf.io.serialize(
      { b: tf.ones([2], { dtype: 'int32' }), z: tf.ones([3]), a: tf.ones([1]), m: tf.tensor([true], { dtype: 'bool' }), d: tf.ones([2], { dtype: 'float64' }) },
      { metadata: { z: '1', a: '2' } },
    ));
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const text = bytes.subarray(8, 8 + n).toString('utf8');
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"a":"2","z":"1"},' +
        '"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},' +
        '"a":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},' +
        '"z":{"dtype":"F32","shape":[3],"data_offsets":[20,32]},' +
        '"b":{"dtype":"I32","shape":[2],"data_offsets":[32,40]},' +
        '"m":{"dtype":"BOOL","shape":[1],"data_offsets":[40,41]}}',
    );
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    expect(bytes.length).toBe(8 + n + 41);
    expect(new Float64Array(bytes.buffer.slice(bytes.byteOffset + 8 + n, bytes.byteOffset + 8 + n + 16))).toEqual(new Float64Array([1, 1]));
  });

  it('writes atomically: no temp file left, an existing file replaced whole, a failed write leaves the old file', () => {
    const file = path.join(dir, 'atomic.safetensors');
    tf.save({ a: tf.ones([4]) }, file);
    tf.save({ a: tf.zeros([4]) }, file);
    sameTensor(tf.load(file).a, tf.zeros([4]));
    const before = fs.readFileSync(file);
    expect(() => writeFileAtomic('save', file, (fd) => {
      fs.writeSync(fd, Buffer.from('partial'));
      throw new Error('disk on fire');
    })).toThrow(/disk on fire/);
    expect(Buffer.compare(fs.readFileSync(file), before)).toBe(0);
    const disposed = tf.ones([2]);
    disposed.dispose();
    expect(() => tf.save({ x: disposed }, file)).toThrow(tf.DisposedError);
    expect(Buffer.compare(fs.readFileSync(file), before)).toBe(0);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('F16, BF16 and I64 files', () => {
  it('reads F16 into float32 exactly: normals, 65504, subnormals, signed zeros, inf, nan', () => {
    const vals = [1, -2.5, 65504, -65504, 2 ** -14, 2 ** -24, -(2 ** -24), 3 * 2 ** -20, 0, -0, Infinity, -Infinity, NaN, 0.1, 1 / 3];
    const bits = vals.map(halfBits);
    // every half bit pattern, too
    const all = Array.from({ length: 65536 }, (_, i) => i);
    const file = craft({ h: { dtype: 'F16', shape: [vals.length], data_offsets: [0, vals.length * 2] }, all: { dtype: 'F16', shape: [256, 256], data_offsets: [vals.length * 2, vals.length * 2 + 131072] } },
      Buffer.concat([u16Bytes(bits), u16Bytes(all)]));
    const t = tf.io.deserialize(file);
    expect(t.h.dtype).toBe('float32');
    const got = Array.from(t.h.dataSync());
    expect(got.slice(0, 4)).toEqual([1, -2.5, 65504, -65504]);
    expect(got[4]).toBe(2 ** -14);
    expect(got[5]).toBe(2 ** -24);
    expect(got[6]).toBe(-(2 ** -24));
    expect(got[7]).toBe(3 * 2 ** -20);
    expect(Object.is(got[8], 0) && Object.is(got[9], -0)).toBe(true);
    expect(got.slice(10, 12)).toEqual([Infinity, -Infinity]);
    expect(Number.isNaN(got[12])).toBe(true);
    expect(got[13]).toBe(halfValue(halfBits(0.1)));
    const a = t.all.dataSync();
    for (let i = 0; i < 65536; i++) {
      const want = halfValue(i);
      if (Number.isNaN(want)) expect(Number.isNaN(a[i])).toBe(true);
      else if (a[i] !== want) expect.fail(`half 0x${i.toString(16)}: got ${a[i]}, want ${want}`);
    }
    // through a file too (the native chunked read path)
    const f = path.join(dir, 'f16.safetensors');
    fs.writeFileSync(f, file);
    expect(Array.from(tf.load(f).all.dataSync())).toEqual(Array.from(a));
  });

  it('reads BF16 into float32: the top 16 bits of each float32', () => {
    const vals = [1, -2.5, 3.140625, 1e30, -1e-30, 2 ** -133, Infinity, -Infinity, NaN, 0, -0];
    const bits = vals.map(bf16Of);
    const want = bits.map((b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0]);
    const file = path.join(dir, 'bf16.safetensors');
    fs.writeFileSync(file, craft({ b: { dtype: 'BF16', shape: [vals.length], data_offsets: [0, vals.length * 2] } }, u16Bytes(bits)));
    const got = Array.from(tf.load(file).b.dataSync());
    want.forEach((w, i) => (Number.isNaN(w) ? expect(Number.isNaN(got[i])).toBe(true) : expect(Object.is(got[i], w)).toBe(true)));
    expect(got[0]).toBe(1);
    expect(got[1]).toBe(-2.5);
    expect(got[2]).toBe(3.140625);
  });

  it('reads I64 into int32 when every value fits, else names the tensor and the element', () => {
    const ok = [0n, 1n, -1n, 2147483647n, -2147483648n, 123456789n];
    const file = path.join(dir, 'i64.safetensors');
    fs.writeFileSync(file, craft({ n: { dtype: 'I64', shape: [2, 3], data_offsets: [0, 48] } }, i64Bytes(ok)));
    const t = tf.load(file).n;
    expect(t.dtype).toBe('int32');
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.dataSync())).toEqual(ok.map(Number));
    for (const bad of [2147483648n, -2147483649n, 9223372036854775807n]) {
      const vals = [...ok, bad, 5n];
      const bytes = craft({ x: { dtype: 'I64', shape: [8], data_offsets: [0, 64] } }, i64Bytes(vals));
      fs.writeFileSync(file, bytes);
      for (const run of [() => tf.load(file), () => tf.io.deserialize(bytes)]) {
        let err: unknown;
        try { run(); } catch (e) { err = e; }
        expect(err).toBeInstanceOf(tf.SafetensorsError);
        expect((err as Error).message).toContain(`tensor 'x'`);
        expect((err as Error).message).toContain(`element 6 is ${bad}`);
        expect((err as Error).message).toContain('int32');
      }
    }
  });

  it('reads a 20 MB F16 tensor in chunks, matching the JS reference', () => {
    const n = 10_000_000;
    const bits = new Uint16Array(n);
    const r = rng(5);
    for (let i = 0; i < n; i++) bits[i] = Math.floor(r() * 0x7c00) | (r() < 0.5 ? 0x8000 : 0);
    const file = path.join(dir, 'big-f16.safetensors');
    fs.writeFileSync(file, craft({ w: { dtype: 'F16', shape: [n], data_offsets: [0, 2 * n] } }, new Uint8Array(bits.buffer)));
    const got = tf.load(file).w.dataSync();
    for (let i = 0; i < n; i += 9973) expect(got[i]).toBe(halfValue(bits[i]));
    expect(got[n - 1]).toBe(halfValue(bits[n - 1]));
    fs.rmSync(file);
  });
});

interface BadCase {
  name: string;
  bytes: () => Buffer;
  error: new (...a: never[]) => Error;
  message: RegExp;
}

const F = (vals: number[]) => f32Bytes(vals);
const BAD: BadCase[] = [
  { name: 'empty file', bytes: () => Buffer.alloc(0), error: tf.SafetensorsError, message: /0 bytes, fewer than the 8/ },
  { name: 'absurd header size', bytes: () => craft({}, [], { lengthField: 1n << 60n }), error: tf.SafetensorsError, message: /header size 1152921504606846976 exceeds the limit of 100000000/ },
  { name: 'header size just over the cap', bytes: () => craft({}, [], { lengthField: 100_000_001n }), error: tf.SafetensorsError, message: /exceeds the limit/ },
  { name: 'header length past the end of the file', bytes: () => craft({}, [], { lengthField: 4096n }), error: tf.SafetensorsError, message: /header length 4096 goes past the end of the file/ },
  { name: 'invalid JSON', bytes: () => craft(null, [], { rawHeader: '{"a": {"dtype": "F32",' }), error: tf.SafetensorsError, message: /not valid JSON/ },
  { name: 'header not UTF-8', bytes: () => { const b = craft(null, [], { rawHeader: '{"a":1}' }); b[9] = 0xff; return b; }, error: tf.SafetensorsError, message: /not valid UTF-8/ },
  { name: 'header is an array', bytes: () => craft([1, 2]), error: tf.SafetensorsError, message: /must be a JSON object, got an array/ },
  { name: 'non-string metadata', bytes: () => craft({ __metadata__: { epoch: 3 } }), error: tf.SafetensorsError, message: /"__metadata__" value of key 'epoch' must be a string/ },
  { name: 'metadata not an object', bytes: () => craft({ __metadata__: 'x' }), error: tf.SafetensorsError, message: /"__metadata__" must be an object/ },
  { name: 'unknown dtype', bytes: () => craft({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, F([1])), error: tf.SafetensorsError, message: /tensor 'w': unknown dtype "F33"/ },
  { name: 'valid but unsupported dtype', bytes: () => craft({ w: { dtype: 'U8', shape: [4], data_offsets: [0, 4] } }, [1, 2, 3, 4]), error: tf.SafetensorsError, message: /tensor 'w': dtype U8 is not supported/ },
  { name: 'shape disagreeing with the byte count', bytes: () => craft({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, new Uint8Array(20)), error: tf.SafetensorsError, message: /tensor 'w': shape \[2, 3\] with dtype F32 needs 24 bytes, but data_offsets \[0, 20\] span 20/ },
  { name: 'negative dim', bytes: () => craft({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, F([1])), error: tf.SafetensorsError, message: /tensor 'w': shape must be an array of non-negative integers/ },
  { name: 'offset that ends before it starts', bytes: () => craft({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, new Uint8Array(8)), error: tf.SafetensorsError, message: /tensor 'w': data_offsets \[8, 4\] end before they start/ },
  { name: 'malformed offsets', bytes: () => craft({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }, F([1])), error: tf.SafetensorsError, message: /tensor 'w': data_offsets must be \[begin, end\]/ },
  { name: 'overlapping offsets', bytes: () => craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, F([1, 2, 3])), error: tf.SafetensorsError, message: /tensor 'b': data_offsets \[4, 12\] overlap tensor 'a' \[0, 8\]/ },
  { name: 'hole between tensors', bytes: () => craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, F([1, 2, 3])), error: tf.SafetensorsError, message: /tensor 'b': .*leave a hole in the data: bytes 4\.\.8/ },
  { name: 'hole at the start', bytes: () => craft({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, F([1, 2])), error: tf.SafetensorsError, message: /tensor 'a': .*hole/ },
  { name: 'trailing bytes after the last tensor', bytes: () => craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, F([1, 2])), error: tf.SafetensorsError, message: /4 trailing bytes after the last tensor/ },
  { name: 'truncated data', bytes: () => craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [100], data_offsets: [4, 404] } }, F([1, 2, 3])), error: tf.SafetensorsError, message: /tensor 'b': truncated data: data_offsets \[4, 404\] go past the end of the data section \(12 bytes\)/ },
  { name: 'huge shape', bytes: () => craft({ a: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, new Uint8Array(8)), error: tf.SafetensorsError, message: /tensor 'a': shape .* is too large/ },
  { name: 'entry not an object', bytes: () => craft({ a: 5 }), error: tf.SafetensorsError, message: /tensor 'a': entry must be an object/ },
  { name: 'too many dims', bytes: () => craft({ a: { dtype: 'F32', shape: new Array(17).fill(1), data_offsets: [0, 4] } }, F([1])), error: tf.SafetensorsError, message: /tensor 'a': shape .* has 17 dims/ },
];

describe('broken files', () => {
  it('each fails cleanly with a typed error naming the file and the tensor (file and buffer)', () => {
    for (const c of BAD) {
      const bytes = c.bytes();
      const file = path.join(dir, `bad-${c.name.replace(/\W+/g, '_')}.safetensors`);
      fs.writeFileSync(file, bytes);
      for (const [how, run, label] of [['load', () => tf.load(file), file], ['deserialize', () => tf.io.deserialize(bytes), '<buffer>']] as const) {
        let err: unknown = null;
        try {
          run();
        } catch (e) {
          err = e;
        }
        const what = `${c.name} (${how})`;
        expect(err, what).toBeInstanceOf(c.error);
        expect((err as Error).message, what).toMatch(c.message);
        expect((err as Error).message, what).toContain(label);
        expect((err as { file: string }).file, what).toBe(label);
      }
    }
  });

  it('a missing file is a SafetensorsError too', () => {
    expect(() => tf.load(path.join(dir, 'nope.safetensors'))).toThrow(/nope.safetensors: cannot open/);
  });
});

describe('argument errors', () => {
  it('names what was wrong', () => {
    const f = path.join(dir, 'args.safetensors');
    expect(() => tf.save(null as never, f)).toThrow(tf.ArgumentError);
    expect(() => tf.save({ a: [1, 2] as never }, f)).toThrow(/value of 'a' must be a Tensor/);
    expect(() => tf.save({ __metadata__: tf.ones([1]) }, f)).toThrow(/reserved/);
    expect(() => tf.save({ a: tf.ones([1]) }, '')).toThrow(/path must be a non-empty string/);
    expect(() => tf.save({ a: tf.ones([1]) }, path.join(dir, 'no/such/dir/x.safetensors'))).toThrow(/cannot write/);
    expect(() => tf.io.deserialize('abc' as never)).toThrow(/expected a Uint8Array/);
  });
});
