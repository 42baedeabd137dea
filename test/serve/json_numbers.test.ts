/**
 * The numeric-JSON fast path of predict bodies (native parseJsonNumbers), checked
 * against JSON.parse: on random bodies it either declines (null) or gives exactly
 * JSON.parse's numbers (float64) and their nearest floats (float32), with the array's
 * dims; it never declines a body of short decimal numbers under "instances" or
 * "inputs", and it declines every body that is not one of those keys holding a
 * rectangular array of plain numbers.
 */
import { describe, expect, it } from 'vitest';
import { rng } from '../helpers';
import { native } from '../../lib/native';
import { looksLikePredict } from '../../lib/serve/body';

/** The addon's answer for a body's UTF-8 bytes as [key, dims, values], or null. */
function parseJsonBytes(bytes: Uint8Array, asFloat64: 0 | 1): [string, number[], Float32Array | Float64Array] | null {
  const info = new Float64Array(10).fill(-1);
  const values = native.parseJsonNumbers(bytes, asFloat64, info);
  if (values === null) return null;
  const rank = info[1];
  return [['', 'instances', 'inputs'][info[0]], Array.from(info.subarray(2, 2 + rank)), values];
}

function parseJsonNumbers(text: string, asFloat64: 0 | 1): [string, number[], Float32Array | Float64Array] | null {
  return parseJsonBytes(Buffer.from(text, 'utf8'), asFloat64);
}

/** A random JSON number as text, and whether it is short enough that the fast path must take it. */
function numberText(r: () => number): [string, boolean] {
  const sign = r() < 0.3 ? '-' : '';
  const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');
  const kind = Math.floor(r() * 7);
  if (kind === 0) return [sign + String(Math.floor(r() * 1e6)), true];
  if (kind === 1) return [`${sign}0.${digits(1 + Math.floor(r() * 8))}`, true];
  if (kind === 2) {
    const lead = String(1 + Math.floor(r() * 9));
    return [`${sign}${lead}${digits(Math.floor(r() * 4))}.${digits(1 + Math.floor(r() * 6))}`, true];
  }
  if (kind === 3) {
    const e = Math.floor(r() * 40) - 20;
    return [`${sign}${1 + Math.floor(r() * 9)}.${digits(Math.floor(r() * 3) + 1)}${r() < 0.5 ? 'e' : 'E'}${e < 0 ? '-' : r() < 0.5 ? '+' : ''}${Math.abs(e)}`, Math.abs(e) <= 18];
  }
  if (kind === 4) return [String(r() * 2 - 1), false]; // 17 significant digits: may decline
  if (kind === 5) return [`${sign}${1 + Math.floor(r() * 9)}e${Math.floor(r() * 330)}`, false]; // up to 1e329
  return [r() < 0.5 ? `${sign}0` : `${sign}0.0`, true];
}

const WS = ['', ' ', '\n', '\t', '\r\n', '  '];

function randomBody(r: () => number): { text: string; dims: number[]; simple: boolean } {
  const rank = 1 + Math.floor(r() * 4);
  const dims = Array.from({ length: rank }, () => 1 + Math.floor(r() * 5));
  let simple = true;
  const onlySimple = r() < 0.5; // half the bodies hold only numbers the fast path must take
  const ws = (): string => WS[Math.floor(r() * WS.length)];
  const build = (d: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < dims[d]; i++) {
      if (d + 1 === rank) {
        let [t, s] = numberText(r);
        while (onlySimple && !s) [t, s] = numberText(r);
        simple &&= s;
        parts.push(ws() + t + ws());
      } else {
        parts.push(ws() + build(d + 1) + ws());
      }
    }
    return `[${parts.join(',')}]`;
  };
  const key = ['instances', 'inputs', 'x', 'é key', 'ключ'][Math.floor(r() * 5)];
  return { text: `${ws()}{${ws()}${JSON.stringify(key)}${ws()}:${ws()}${build(0)}${ws()}}${ws()}`, dims, simple };
}

describe('parseJsonNumbers', () => {
  it('gives JSON.parse\'s numbers exactly, or declines, on 3000 random bodies', () => {
    const r = rng(7);
    let taken = 0;
    for (let i = 0; i < 3000; i++) {
      const { text, dims, simple } = randomBody(r);
      const ref = JSON.parse(text) as Record<string, unknown>;
      const key = Object.keys(ref)[0];
      const flat = (ref[key] as unknown[]).flat(Infinity) as number[];
      const f64 = parseJsonNumbers(text, 1);
      const f32 = parseJsonNumbers(text, 0);
      const predictKey = key === 'instances' || key === 'inputs';
      if (!predictKey) expect(f64, text).toBeNull();
      if (simple && predictKey) expect(f64, text).not.toBeNull();
      expect(f32 === null, text).toBe(f64 === null);
      if (f64 === null || f32 === null) continue;
      taken++;
      expect(f64[0]).toBe(key);
      expect(f64[1]).toEqual(dims);
      expect(f32[1]).toEqual(dims);
      expect(f64[2]).toBeInstanceOf(Float64Array);
      expect(f32[2]).toBeInstanceOf(Float32Array);
      expect(f64[2].length).toBe(flat.length);
      for (let j = 0; j < flat.length; j++) {
        if (!Object.is(f64[2][j], flat[j])) expect(`${text}: element ${j} = ${f64[2][j]}`).toBe(`${text}: element ${j} = ${flat[j]}`);
        if (!Object.is(f32[2][j], Math.fround(flat[j]))) expect(`${text}: float32 element ${j} = ${f32[2][j]}`).toBe(`${Math.fround(flat[j])}`);
      }
    }
    expect(taken).toBeGreaterThan(700);
  });

  it('declines every body that is not one key holding a rectangular array of plain numbers', () => {
    const declined = [
      '', ' ', '[]', '[[1, 2]]', '{}', '{"instances": 1}', '{"instances": []}', '{"instances": [[]]}', '{"instances": [[], []]}', '{"instances": [[1], [2, 3]]}',
      '{"instances": [[1, 2], 3]}', '{"instances": [1, [2]]}', '{"instances": [[[1]], [2]]}', '{"instances": [1, 2], "b": [3]}', '{"instances": [1, 2],}',
      '{"instances": [1, 2,]}', '{"instances": [1 2]}', '{"instances": [1, 2]', '{"instances": [1, 2]} x', '{"instance\\u0073": [1]}', '{"instances": [true]}',
      '{"instances": [null]}', '{"instances": ["1"]}', '{"instances": [{"b": 1}]}', '{"instances": [01]}', '{"instances": [1.]}', '{"instances": [.5]}', '{"instances": [+1]}',
      '{"instances": [-]}', '{"instances": [1e]}', '{"instances": [1e+]}', '{"instances": [NaN]}', '{"instances": [Infinity]}', '{"instances": [1e999]}', '{"instances": [-1e400]}',
      '{"instances": ś1]}', '{"instances": [1ś}', '{a: [1]}', "{'a': [1]}", '{"instances" [1]}', '{"instances": [1, 2]}}', '{"instances": [12345678901234567890]}', '{"instances": [[[[[[[[[1]]]]]]]]]}',
    ];
    for (const text of declined) expect(parseJsonNumbers(text, 1), text).toBeNull();
  });

  it('on 20000 random mutations of valid bodies, accepts only what JSON.parse reads, with its numbers', () => {
    const r = rng(11);
    const seeds = ['{"instances":[[1,2.5,-0.125],[3,4e2,5E-3]]}', ' { "inputs" : [ 1 , 2 ] } ', '{"instances":[[[1,2]],[[3,4]]]}', '{"instances":[0.000123,-0,1e22]}'];
    const alphabet = '{}[]",:-+.eE0123456789 \n\t\\ab';
    let accepted = 0;
    for (let it = 0; it < 20000; it++) {
      let s = seeds[Math.floor(r() * seeds.length)];
      for (let m = 1 + Math.floor(r() * 3); m > 0; m--) {
        const pos = Math.floor(r() * s.length);
        const c = alphabet[Math.floor(r() * alphabet.length)];
        const kind = Math.floor(r() * 4);
        s = kind === 0 ? s.slice(0, pos) + c + s.slice(pos + 1) : kind === 1 ? s.slice(0, pos) + c + s.slice(pos) : kind === 2 ? s.slice(0, pos) + s.slice(pos + 1) : s.slice(0, pos);
      }
      const got = parseJsonNumbers(s, 1);
      if (got === null) continue;
      accepted++;
      let ref: unknown;
      try {
        ref = JSON.parse(s);
      } catch {
        throw new Error(`accepted invalid JSON ${JSON.stringify(s)}`);
      }
      expect(Object.keys(ref as object), s).toEqual([got[0]]);
      const flat = ((ref as Record<string, unknown[]>)[got[0]]).flat(Infinity);
      expect(Array.from(got[2]), s).toEqual(flat);
    }
    expect(accepted).toBeGreaterThan(1000);
  });

  it('reads the edge cases JSON.parse reads the same way', () => {
    const cases: Array<[string, number[], number[]]> = [
      ['{"instances":[0]}', [1], [0]],
      ['{"instances":[-0]}', [1], [-0]],
      ['{"instances":[-0.0e5]}', [1], [-0]],
      ['{"instances":[0e999]}', [1], [0]],
      ['{"instances":[9007199254740992]}', [1], [9007199254740992]],
      ['{"instances":[1e22, 1e-22, 123456789012345e-22]}', [3], [1e22, 1e-22, 123456789012345e-22]],
      ['{"instances":[[1.5],[2.5]]}', [2, 1], [1.5, 2.5]],
      ['{"instances":[[[1,2]],[[3,4]],[[5,6]]]}', [3, 1, 2], [1, 2, 3, 4, 5, 6]],
    ];
    for (const [text, dims, values] of cases) {
      const got = parseJsonNumbers(text, 1);
      expect(got, text).not.toBeNull();
      expect(got![1]).toEqual(dims);
      expect(Array.from(got![2]).map((v) => Object.is(v, -0) ? '-0' : v)).toEqual(values.map((v) => Object.is(v, -0) ? '-0' : v));
      expect(values).toEqual((Object.values(JSON.parse(text))[0] as unknown[]).flat(Infinity));
    }
  });

  it('reads digit runs of every length (the reader takes 8 digits at a time) exactly as JSON.parse', () => {
    const r = rng(5);
    const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');
    let taken = 0;
    for (let intLen = 1; intLen <= 24; intLen++) {
      for (let fracLen = 0; fracLen <= 24; fracLen++) {
        for (let rep = 0; rep < 4; rep++) {
          const whole = intLen === 1 ? digits(1) : String(1 + Math.floor(r() * 9)) + digits(intLen - 1);
          const num = `${rep % 2 ? '-' : ''}${whole}${fracLen > 0 ? `.${digits(fracLen)}` : ''}`;
          const text = `{"inputs":[${num},${num}]}`;
          const got = parseJsonNumbers(text, 1);
          const want = JSON.parse(num) as number;
          // Up to 15 digits the integer is below 2^53 and the exponent is within 22: exact path.
          if (intLen + fracLen <= 15) expect(got, text).not.toBeNull();
          if (got === null) continue;
          taken++;
          expect(Object.is(got[2][0], want) && Object.is(got[2][1], want), `${text}: ${got[2][0]} vs ${want}`).toBe(true);
        }
      }
    }
    expect(taken).toBeGreaterThanOrEqual(480); // every (intLen, fracLen) with intLen + fracLen <= 15, 4 times
  });

  it('reads a body inside a larger buffer and declines bytes that are not UTF-8 text next to digits', () => {
    const pool = Buffer.from(`xx{"instances":[[1.25,22,333]]}yyyy`, 'utf8');
    const inner = pool.subarray(2, pool.length - 4);
    expect(parseJsonBytes(inner, 1)?.[2]).toEqual(new Float64Array([1.25, 22, 333]));
    for (let b = 0x80; b <= 0xff; b++) {
      const bytes = Buffer.from('{"instances":[12345678, 1.5]}', 'utf8');
      bytes[14 + (b % 8)] = b; // somewhere inside or right after the first number's digits
      expect(parseJsonBytes(bytes, 1), `byte ${b.toString(16)}`).toBeNull();
    }
  });
});

describe('looksLikePredict', () => {
  it('keeps bodies that start with an "instances" or "inputs" array, in any JSON whitespace, and nothing else', () => {
    const yes = ['{"instances":[1]}', ' \n{ "inputs" :\t[', '{"instances"  :  [[', '\r\n\t {\n"inputs":['];
    const no = ['', '{', '{}', '{"instances": 1}', '{"instances": {"a": [1]}}', '{"instance": [1]}', '{"inputs_": [1]}', '{"in\\u0070uts": [1]}',
      '[{"instances": [1]}]', '{"outputs": [1]}', '{"instances"', '{"instances":', 'x{"instances": [1]}', '{ "a": 1, "instances": [1]}'];
    for (const t of yes) expect(looksLikePredict(Buffer.from(t)), t).toBe(true);
    for (const t of no) expect(looksLikePredict(Buffer.from(t)), t).toBe(false);
  });
});
