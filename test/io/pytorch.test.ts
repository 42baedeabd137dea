/**
 * Interchange with PyTorch: files written by test/fixtures/make_safetensors_fixture.py
 * (PyTorch 1.13, the format written by hand as the reference library writes it) load into
 * the matching tensorforge model with PyTorch's outputs; files tensorforge writes are read
 * back, validated and run by the same script (skipped, with the reason printed, when
 * /usr/bin/python3 has no torch).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { expectClose } from '../helpers';
import { tempDir } from './util';

const { nn } = tf;
const FIX = path.join(__dirname, '../fixtures');
const SCRIPT = path.join(FIX, 'make_safetensors_fixture.py');
const PYTHON = '/usr/bin/python3';
const fixture = JSON.parse(fs.readFileSync(path.join(FIX, 'safetensors_fixture.json'), 'utf8'));
const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const probe = fs.existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }) : null;
const hasTorch = probe !== null && probe.status === 0;
if (!hasTorch) console.log(`test/io/pytorch.test.ts: skipping the read-back by Python: ${probe === null ? `${PYTHON} does not exist` : `${PYTHON} cannot import torch and numpy (${probe.stderr.trim().split('\n').pop()})`}`);

function makeModel(): tf.nn.Sequential {
  return new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3));
}

function f32FromBits(bits: number[]): Float32Array {
  return new Float32Array(Uint32Array.from(bits).buffer);
}

function pyRead(file: string, forward = false): { metadata: Record<string, string> | null; header_is_reference: boolean; tensors: Record<string, { dtype: string; shape: number[]; values: Array<number | boolean | string> }>; output?: { shape: number[]; values: number[] } } {
  const r = spawnSync(PYTHON, [SCRIPT, 'read', file, ...(forward ? ['--forward'] : [])], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python read failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('files written by PyTorch', () => {
  it('load into the matching tensorforge model and give PyTorch outputs (1e-5)', () => {
    const model = makeModel();
    const sd = tf.load(path.join(FIX, 'torch_model.safetensors'));
    expect(Object.keys(sd).sort()).toEqual([...model.stateDict().keys()].sort());
    expect(sd['1.num_batches_tracked'].dtype).toBe('int32'); // I64 in the file
    expect(sd['1.num_batches_tracked'].item()).toBe(2);
    model.loadStateDict(sd);
    model.eval();
    const x = tf.tensor(fixture.input.values, { shape: fixture.input.shape });
    const y = model.forward(x) as Tensor;
    expect(y.shape).toEqual(fixture.output.shape);
    expectClose(y.dataSync(), fixture.output.values, { atol: 1e-5, rtol: 1e-5 });
    expect(tf.io.readHeader(path.join(FIX, 'torch_model.safetensors')).metadata).toEqual({ format: 'pt' });
  });

  it('F16 and BF16 convert to the float32 values torch gives; I64 to int32', () => {
    const t = tf.load(path.join(FIX, 'torch_dtypes.safetensors'));
    expect(t.half.dtype).toBe('float32');
    const eq = (got: ArrayLike<number>, want: Float32Array) => {
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        if (Number.isNaN(want[i])) expect(Number.isNaN(got[i])).toBe(true);
        else expect(Object.is(got[i], want[i]), `element ${i}: ${got[i]} vs ${want[i]}`).toBe(true);
      }
    };
    eq(t.half.dataSync(), f32FromBits(fixture.half_f32_bits));
    eq(t.brain.dataSync(), f32FromBits(fixture.brain_f32_bits));
    expect(t.long.dtype).toBe('int32');
    expect(t.long.shape).toEqual([2, 3]);
    expect(Array.from(t.long.dataSync())).toEqual(fixture.long);
  });
});

describe('files written by tensorforge, read by the Python script', () => {
  it.skipIf(!hasTorch)('are valid, have the reference header, and run in PyTorch with our outputs', () => {
    tf.manualSeed(3);
    const model = makeModel();
    model.train();
    model.forward(tf.randn([16, 4]).mul(2).add(1));
    model.eval();
    const x = tf.randn([6, 4]);
    const y = model.forward(x) as Tensor;
    const file = path.join(dir, 'ours.safetensors');
    const sd = model.stateDict();
    sd.set('input', x);
    tf.save(sd, file, { metadata: { format: 'pt', by: 'tensorforge' } });
    const r = pyRead(file, true);
    expect(r.header_is_reference).toBe(true);
    expect(r.metadata).toEqual({ by: 'tensorforge', format: 'pt' });
    for (const [k, t] of sd) {
      expect(r.tensors[k].shape, k).toEqual(t.shape);
      expect(r.tensors[k].values, k).toEqual(Array.from(t.dataSync()));
    }
    expect(r.tensors['1.num_batches_tracked'].dtype).toBe('I32');
    expect(r.output!.shape).toEqual(y.shape);
    expectClose(r.output!.values, y.dataSync(), { atol: 1e-5, rtol: 1e-5 });
  });

  it.skipIf(!hasTorch)('every dtype, 0-d, empty and non-contiguous tensors read back exactly', () => {
    const file = path.join(dir, 'dtypes.safetensors');
    const tensors: Record<string, Tensor> = {
      f64: tf.tensor(new Float64Array([1 / 3, -1e300, 5e-324])),
      f32t: tf.arange(0, 6, 1, { dtype: 'float32' }).reshape([2, 3]).t(),
      i32: tf.tensor(new Int32Array([-2147483648, 7, 2147483647])),
      b: tf.tensor([true, false, true], { dtype: 'bool' }),
      scalar: tf.tensor(2.5),
      empty: tf.zeros([3, 0]),
      sliced: tf.arange(0, 10, 1, { dtype: 'int32' }).slice([[1, 9, 3]]),
    };
    tf.save(tensors, file);
    const r = pyRead(file);
    expect(r.header_is_reference).toBe(true);
    expect(r.metadata).toBeNull();
    const codes: Record<string, string> = { f64: 'F64', f32t: 'F32', i32: 'I32', b: 'BOOL', scalar: 'F32', empty: 'F32', sliced: 'I32' };
    for (const [k, t] of Object.entries(tensors)) {
      expect(r.tensors[k].dtype, k).toBe(codes[k]);
      expect(r.tensors[k].shape, k).toEqual(t.shape);
      const want = t.dtype === 'bool' ? Array.from(t.dataSync()).map((v) => v !== 0) : Array.from(t.dataSync());
      expect(r.tensors[k].values, k).toEqual(want);
    }
  });
});
