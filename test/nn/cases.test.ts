/** The gradcheck cases of cases.ts run forward in float64 and give finite values. */
import { expect, test } from 'vitest';
import * as tf from '../../lib/index';
import { rng } from '../helpers';
import { nnGradCases } from './cases';

test('case names are unique', () => {
  expect(new Set(nnGradCases.map((c) => c.name)).size).toBe(nnGradCases.length);
});

test.each(nnGradCases.map((c) => [c.name, c] as const))('%s', (_, c) => {
  const r = rng(c.name.length * 7919);
  tf.tidy(() => {
    const inputs = c.inputShapes.map((s, i) => {
      const range = c.inputRange === undefined ? [-2, 2] : Array.isArray(c.inputRange[0]) ? (c.inputRange as [number, number][])[i] : (c.inputRange as [number, number]);
      const n = s.reduce((a, d) => a * d, 1);
      return tf.tensor(Array.from({ length: n }, () => range[0] + r() * (range[1] - range[0])), { shape: s, dtype: 'float64' });
    });
    const out = c.fn(...inputs);
    expect(out.dtype).toBe('float64');
    expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
  });
});
