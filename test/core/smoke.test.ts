import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';

describe('addon', () => {
  it('loads and reports its kernels', () => {
    const info = tf.backendInfo();
    expect(['avx2-fma', 'portable']).toContain(info.simd);
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });
  it('round-trips data through native memory', () => {
    const x = tf.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(x.T.dataSync())).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
