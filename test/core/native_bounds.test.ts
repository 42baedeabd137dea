// The native entries' safety net (native/addon/common.h, EntryArgs): every operand is
// checked against its storage before a kernel sees a pointer. Each case calls an entry
// directly, as the TypeScript layer never would: once with operands that fit (it must
// run), once with one operand shifted or grown one element past its storage (it must
// throw, naming the entry and the operand, and must not touch memory).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { native, type NativeHandle } from '../../lib/native';

const F32 = 0;
const I32 = 2;
const BOOL = 3;
const N = 16; // every float32 operand below holds 16 elements (64 bytes)

const handles: NativeHandle[] = [];
function storage(nbytes = 4 * N): NativeHandle {
  const h = native.alloc(nbytes);
  native.fill(h, nbytes % 4 === 0 ? F32 : BOOL, 0, nbytes % 4 === 0 ? nbytes / 4 : nbytes, 0);
  handles.push(h);
  return h;
}
afterAll(() => handles.forEach((h) => native.free(h)));

const f64 = (...v: number[]) => new Float64Array(v);
const flat = (k: number) => f64(1, N, ...Array<number>(k).fill(1)); // [ndim 1, shape N, k unit strides]
// conv: n 1, c 1, 4x4 input, 1 filter 1x1, 4x4 output, stride 1, no padding, dilation 1, groups 1
const convGeom = f64(1, 1, 4, 4, 1, 1, 1, 4, 4, 1, 1, 0, 0, 1, 1, 1);

// Each case: the entry called with `bad` = 0 (fits) or 1 (one operand reaches one element
// past its storage), and the message the bad call must give.
interface Case { name: string; call: (bad: number) => unknown; error: RegExp }

const cases: Case[] = [
  { name: 'ewBinaryFast', call: (bad) => native.ewBinaryFast(F32, storage(), 0, storage(), bad, N), error: /^ewBinaryFast: operand b reaches outside its storage$/ },
  { name: 'ewBinaryFast output', call: (bad) => native.ewBinaryFast(F32, storage(), 0, storage(), 0, N, storage(), bad), error: /^ewBinaryFast: output reaches outside its storage$/ },
  { name: 'ewScalarFast', call: (bad) => native.ewScalarFast(F32, storage(), bad, 2, 0, N), error: /^ewScalarFast: operand a reaches outside its storage$/ },
  { name: 'ewUnaryFast', call: (bad) => native.ewUnaryFast(11 * 4 + F32, storage(), bad, N, 0, 0), error: /^ewUnaryFast: input reaches outside its storage$/ },
  { name: 'ewBinary', call: (bad) => native.ewBinary(F32, storage(), 0, storage(), 0, storage(), bad, flat(3), 1), error: /^ewBinary: operand b reaches outside its storage$/ },
  // a negative stride walks down from the offset: offset 15 reaches 0, offset 14 reaches -1
  { name: 'ewBinary, negative stride', call: (bad) => native.ewBinary(F32, storage(), 0, storage(), N - 1 - bad, storage(), 0, f64(1, N, 1, -1, 1), 1), error: /^ewBinary: operand a reaches outside its storage$/ },
  { name: 'ewScalar', call: (bad) => native.ewScalar(F32, storage(), bad, storage(), 0, 2, 1, flat(2)), error: /^ewScalar: output reaches outside its storage$/ },
  { name: 'ewUnary', call: (bad) => native.ewUnary(11 * 4 + F32, storage(), 0, storage(), bad, flat(2), 0, 0), error: /^ewUnary: input reaches outside its storage$/ },
  { name: 'ewWhere', call: (bad) => native.ewWhere(F32, storage(), 0, storage(N), bad, storage(), 0, storage(), 0, flat(4)), error: /^ewWhere: condition reaches outside its storage$/ },
  { name: 'ewMaskedFill', call: (bad) => native.ewMaskedFill(F32, storage(), 0, storage(), 0, storage(N), bad, flat(3), 1), error: /^ewMaskedFill: mask reaches outside its storage$/ },
  { name: 'reduce input', call: (bad) => native.reduce(0, storage(), F32, bad, f64(1, N, 0, 1), 1, storage(4), null, 0), error: /^reduce: input reaches outside its storage$/ },
  // argmax over rows of 8: two int32 indices
  { name: 'reduce indices', call: (bad) => native.reduce(4, storage(), F32, 0, f64(2, 2, 8, 1, 0, 8, 1), 1, null, storage(8 - 4 * bad), 0), error: /^reduce: indices reaches outside its storage$/ },
  { name: 'softmax', call: (bad) => native.softmax(0, storage(), F32, bad, flat(2), storage()), error: /^softmax: input reaches outside its storage$/ },
  { name: 'scan', call: (bad) => native.scan(0, storage(), F32, 0, flat(2), storage(4 * (N - bad))), error: /^scan: output reaches outside its storage$/ },
  { name: 'copy', call: (bad) => native.copy(storage(), F32, bad, storage(), F32, 0, flat(2)), error: /^copy: destination reaches outside its storage$/ },
  { name: 'read', call: (bad) => native.read(storage(), F32, bad, f64(1, N, 1), new Float32Array(N)), error: /^read: the view reaches outside its storage$/ },
  { name: 'write', call: (bad) => native.write(storage(), 4 * bad, new Float32Array(N)), error: /^write: the written range reaches outside its storage$/ },
  { name: 'fill', call: (bad) => native.fill(storage(), F32, bad, N, 1), error: /^fill: the filled range reaches outside its storage$/ },
  { name: 'sequence (arange)', call: (bad) => native.sequence(0, storage(), F32, N + bad, 0, 1), error: /^sequence: the sequence reaches outside its storage$/ },
  { name: 'sequence (eye)', call: (bad) => native.sequence(2, storage(), F32, 4, 4 + bad, 0), error: /^sequence: the sequence reaches outside its storage$/ },
  { name: 'random', call: (bad) => native.random(storage(), 0, F32, N + bad, 1, 0, 0, 1), error: /^random: the random values reaches outside its storage$/ },
  { name: 'optimStep', call: (bad) => native.optimStep(0, F32, N, f64(0.1), storage(), 0, storage(), bad, null, 0, null, 0, null, 0), error: /^optimStep: gradient reaches outside its storage$/ },
  { name: 'gradUtil', call: (bad) => native.gradUtil(0, F32, storage(), bad, N, 2), error: /^gradUtil: gradient reaches outside its storage$/ },
  { name: 'conv2d', call: (bad) => native.conv2d(F32, storage(), 0, storage(), N - 1 + bad, null, 0, storage(), 0, convGeom, null), error: /^conv2d: weight reaches outside its storage$/ },
  { name: 'conv2dBackwardInput', call: (bad) => native.conv2dBackwardInput(F32, storage(), bad, storage(4), 0, storage(), 0, convGeom), error: /^conv2dBackwardInput: output gradient reaches outside its storage$/ },
  { name: 'conv2dBackwardWeight', call: (bad) => native.conv2dBackwardWeight(F32, storage(), 0, storage(), 0, storage(4), 0, storage(4), bad, convGeom, null), error: /^conv2dBackwardWeight: bias gradient reaches outside its storage$/ },
  // avg pool 2x2, stride 2 on one 4x4 plane: 16 in, 4 out
  { name: 'pool2d', call: (bad) => native.pool2d(2, F32, storage(), 0, storage(16), bad, null, 0, f64(1, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1, 0, 0, 0)), error: /^pool2d: output reaches outside its storage$/ },
  { name: 'pool2d indices', call: (bad) => native.pool2d(0, F32, storage(), 0, storage(16), 0, storage(16), bad, f64(1, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1, 0, 0, 0)), error: /^pool2d: indices reaches outside its storage$/ },
  { name: 'batchNormForward', call: (bad) => native.batchNormForward(F32, f64(1, 1, N, 1e-5, 0.1, 1), storage(), 0, storage(), bad, null, 0, null, 0, null, 0, null, 0, null, 0, null, 0), error: /^batchNorm: output reaches outside its storage$/ },
  { name: 'batchNormBackward', call: (bad) => native.batchNormBackward(F32, f64(1, 1, N, 1), storage(), 0, storage(), 0, null, 0, storage(4), 0, storage(4), bad, storage(), 0, null, 0, null, 0), error: /^batchNorm backward: saved invstd reaches outside its storage$/ },
  // 2 rows of 8 classes, targets 0, mean reduction
  { name: 'crossEntropy', call: (bad) => native.crossEntropy(F32, storage(), 0, f64(2, 8, 8, 1, 1, 0, -100, 0, 1), storage(8), bad, null, 0, storage(16), storage(4), new Float64Array(3)), error: /^crossEntropy: target reaches outside its storage$/ },
  { name: 'crossEntropyBackward', call: (bad) => native.crossEntropyBackward(F32, storage(), 0, f64(2, 8, 8, 1, 1, 0, -100, 0, 1), storage(8), 0, null, 0, storage(16), storage(4), bad, 0, 1, storage()), error: /^crossEntropyBackward: gradient reaches outside its storage$/ },
  { name: 'ioConvert', call: (bad) => native.ioConvert(1, new Uint8Array(2 * N), storage(), 4 * bad), error: /^ioConvert: file transfer reaches outside its storage$/ },
];

describe('native entries check every operand against its storage', () => {
  it.each(cases)('$name', ({ call, error }) => {
    expect(() => call(0)).not.toThrow();
    expect(() => call(1)).toThrow(error);
  });

  it('rnnForward: a weight past its storage', () => {
    // one tanh RNN layer, T = B = I = H = 1, no bias: x, h0, c0, mask, out, hN, cN, ws, w_ih, w_hh, b_ih, b_hh, w_hr
    const cfg = f64(0, 1, 1, 1, 1, 1, 1, 1, 0, 1);
    const ws = storage(4 * native.rnnWorkspaceSize(cfg));
    const call = (bad: number) => native.rnnForward(F32, cfg,
      [storage(4), null, null, null, storage(4), storage(4), null, ws, storage(4), storage(4), null, null, null],
      f64(0, 0, 0, 0, 0, 0, 0, 0, 0, bad, 0, 0, 0), null);
    expect(() => call(0)).not.toThrow();
    expect(() => call(1)).toThrow(/^rnn: weight_hh reaches outside its storage$/);
  });

  it('ioRead and ioWrite: a byte range past the storage', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-bounds-'));
    const fd = fs.openSync(path.join(dir, 'data.bin'), 'w+');
    try {
      const h = storage();
      expect(() => native.ioWrite(fd, 0, h, 0, 4 * N)).not.toThrow();
      expect(() => native.ioWrite(fd, 0, h, 4, 4 * N)).toThrow(/^ioWrite: file transfer reaches outside its storage$/);
      expect(native.ioRead(fd, 0, h, 0, 4 * N, 0)).toBe(4 * N);
      expect(() => native.ioRead(fd, 0, h, 1, 4 * N, 0)).toThrow(/^ioRead: file transfer reaches outside its storage$/);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('absent required operands, unknown codes, non-float dtypes and bad metadata throw typed errors', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return `${(e as { code?: string }).code} ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(err(() => native.pool2d(0, F32, storage(), 0, storage(16), 0, null, 0, f64(1, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1, 0, 0, 0))))
      .toBe('ERR_TF_INTERNAL pool2d: indices is missing');
    expect(err(() => native.optimStep(9, F32, N, f64(0.1), storage(), 0, storage(), 0, null, 0, null, 0, null, 0)))
      .toBe('ERR_TF_INTERNAL optimStep: unknown optimizer kind 9');
    expect(err(() => native.sequence(5, storage(), F32, 4, 0, 1))).toBe('ERR_TF_INTERNAL sequence: unknown sequence kind 5');
    expect(err(() => native.sequence(2, storage(), F32, 4, -1, 0))).toBe('ERR_TF_INTERNAL sequence: the sequence reaches outside its storage');
    expect(err(() => native.gradUtil(0, I32, storage(), 0, N, 2))).toBe('ERR_TF_DTYPE gradUtil: needs float32 or float64, got int32');
    expect(err(() => native.conv2d(F32, storage(), 0, storage(), 0, null, 0, storage(), 0, f64(1, 1, 4), null)))
      .toBe('ERR_TF_INTERNAL conv2d: geometry holds 3 numbers, expected 16');
    expect(err(() => native.conv2d(F32, storage(), 0, storage(), 0, null, 0, storage(), 0, f64(1, 1, 4, 4, 1, 1, 1, 4, 4, 1, 1, 0, 0, 1, 1, NaN), null)))
      .toMatch(/^ERR_TF_SHAPE conv2d: impossible geometry entry -?nan$/);
  });
});
