/**
 * Explicit memory management: dispose(), views keeping storage alive, use after
 * dispose, tidy() scopes, keep(), tf.dispose(), and `using` (Symbol.dispose).
 * Every tensor made here is disposed, so the native counters move only by what each
 * test does (no garbage is left for the GC to free in the middle of a test).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';

function mem() {
  return tf.memory();
}

describe('dispose', () => {
  it('frees native memory at once', () => {
    const m0 = mem();
    const a = tf.zeros([1000]);
    const b = tf.ones([10, 10], { dtype: 'float64' });
    const m1 = mem();
    expect(m1.numBytes - m0.numBytes).toBe(4000 + 800);
    expect(m1.numStorages - m0.numStorages).toBe(2);
    expect(m1.numTensors - m0.numTensors).toBe(2);
    a.dispose();
    const m2 = mem();
    expect(m2.numBytes - m0.numBytes).toBe(800);
    expect(m2.numStorages - m0.numStorages).toBe(1);
    expect(m2.numTensors - m0.numTensors).toBe(1);
    expect(a.isDisposed).toBe(true);
    b[Symbol.dispose]();
    expect(b.isDisposed).toBe(true);
    expect(mem().numBytes).toBe(m0.numBytes);
    expect(mem().numTensors).toBe(m0.numTensors);
  });

  it('keeps a storage alive while a view of it lives', () => {
    const m0 = mem();
    const a = tf.arange(12, { dtype: 'float32' });
    const r = a.reshape(3, 4);
    const v = r.T;
    expect(mem().numStorages - m0.numStorages).toBe(1); // views share one storage
    expect(mem().numTensors - m0.numTensors).toBe(3); // a, the reshape, the transpose
    a.dispose();
    expect(mem().numBytes - m0.numBytes).toBe(48);
    expect(v.toArray()).toEqual([[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
    expect(() => a.dataSync()).toThrow(tf.DisposedError);
    v.dispose();
    // the intermediate reshape is still alive and holds the storage
    expect(mem().numBytes - m0.numBytes).toBe(48);
    expect(mem().numTensors - m0.numTensors).toBe(1);
    r.dispose();
    expect(mem().numBytes).toBe(m0.numBytes);
  });

  it('frees a shared storage when its last view is disposed', () => {
    const m0 = mem();
    const a = tf.zeros([4, 4]);
    const views = [a.select(0, 1), a.T, a.narrow(1, 0, 2), a.view(16), a.expand(2, 4, 4)];
    a.dispose();
    for (const [i, v] of views.entries()) {
      expect(mem().numBytes - m0.numBytes, `after ${i} views disposed`).toBe(64);
      v.dispose();
    }
    expect(mem().numBytes).toBe(m0.numBytes);
    expect(mem().numStorages).toBe(m0.numStorages);
  });

  it('is safe to call twice, and on views in any order', () => {
    const m0 = mem();
    const a = tf.zeros([100]);
    const v = a.view(10, 10);
    v.dispose();
    v.dispose();
    expect(mem().numBytes - m0.numBytes).toBe(400); // the second dispose did not release a's share
    a.dispose();
    a.dispose();
    expect(mem().numBytes).toBe(m0.numBytes);
    expect(mem().numTensors).toBe(m0.numTensors);
    expect(() => a.dispose()).not.toThrow();
  });

  it('makes every later use throw DisposedError naming the op', () => {
    const uses: [string, (x: Tensor) => unknown][] = [
      ['dataSync', (x) => x.dataSync()], ['toArray', (x) => x.toArray()], ['item', (x) => x.item()],
      ['reshape', (x) => x.reshape(-1)], ['permute', (x) => x.permute(1, 0)], ['clone', (x) => x.clone()],
      ['contiguous', (x) => x.contiguous()], ['to', (x) => x.to('float64')], ['copy_', (x) => x.copy_(x)],
      ['zerosLike', (x) => tf.zerosLike(x)], ['fullLike', (x) => tf.fullLike(x, 2)],
    ];
    for (const [op, use] of uses) {
      const x = tf.zeros([1, 3]);
      x.dispose();
      let err: unknown;
      try {
        use(x);
      } catch (e) {
        err = e;
      }
      expect(err, op).toBeInstanceOf(tf.DisposedError);
      expect(err).toBeInstanceOf(tf.TensorforgeError);
      expect((err as tf.DisposedError).op).toBe(op);
      expect((err as Error).message).toBe(`${op}: tensor of shape [1, 3] and dtype float32 was disposed`);
    }
    // shape, dtype and printing stay available
    const y = tf.zeros([2], { dtype: 'int32' });
    y.dispose();
    expect(y.shape).toEqual([2]);
    expect(y.dtype).toBe('int32');
    expect(String(y)).toBe('tensor(<disposed>, shape=[2], dtype=int32)');
  });
});

describe('tidy', () => {
  it('frees the temporaries and keeps the returned tensor', () => {
    const m0 = mem();
    const x = tf.ones([256]);
    const y = tf.tidy(() => {
      const a = tf.zeros([256]);
      const b = a.reshape(16, 16).T.contiguous();
      const c = tf.full([256], 3);
      expect(mem().numStorages - m0.numStorages).toBe(4);
      void c;
      return b.reshape(-1);
    });
    expect(y.isDisposed).toBe(false);
    expect(y.shape).toEqual([256]);
    expect(Array.from(y.dataSync()).every((v) => v === 0)).toBe(true);
    expect(mem().numStorages - m0.numStorages).toBe(2); // x and the storage y views
    expect(mem().numTensors - m0.numTensors).toBe(2);
    expect(x.isDisposed).toBe(false); // made outside: not the scope's
    x.dispose();
    y.dispose();
    expect(mem().numBytes).toBe(m0.numBytes);
  });

  it('keeps tensors found in returned arrays, plain objects and Maps', () => {
    const m0 = mem();
    let tmp: Tensor[] = [];
    const out = tf.tidy(() => {
      tmp = [tf.zeros([3]), tf.zeros([3])];
      return { a: tf.ones([1]), list: [tf.ones([2]), [tf.ones([3])]], map: new Map([['k', tf.ones([4])]]), n: 5, s: 'x' };
    });
    expect(tmp.every((t) => t.isDisposed)).toBe(true);
    const kept = [out.a, out.list[0] as Tensor, (out.list[1] as Tensor[])[0], out.map.get('k')!];
    expect(kept.every((t) => !t.isDisposed)).toBe(true);
    expect(kept.map((t) => t.size)).toEqual([1, 2, 3, 4]);
    expect(out.n).toBe(5);
    tf.dispose(out);
    expect(kept.every((t) => t.isDisposed)).toBe(true);
    expect(mem().numBytes).toBe(m0.numBytes);
    expect(mem().numTensors).toBe(m0.numTensors);
  });

  it('moves results of a nested tidy to the outer scope', () => {
    const m0 = mem();
    let inner: Tensor | null = null;
    let innerKeptByOuter: Tensor | null = null;
    const outer = tf.tidy(() => {
      inner = tf.tidy(() => {
        tf.zeros([5]);
        return tf.ones([5]);
      });
      innerKeptByOuter = tf.tidy(() => tf.full([2], 7));
      expect(inner.isDisposed).toBe(false);
      expect(mem().numStorages - m0.numStorages).toBe(2);
      return innerKeptByOuter;
    });
    expect(inner!.isDisposed).toBe(true); // the outer scope owned it and did not return it
    expect(outer).toBe(innerKeptByOuter);
    expect(outer.toArray()).toEqual([7, 7]);
    outer.dispose();
    expect(mem().numBytes).toBe(m0.numBytes);
  });

  it('spares tensors passed to keep(), in every enclosing scope', () => {
    const m0 = mem();
    let k: Tensor | null = null;
    tf.tidy(() => {
      tf.tidy(() => {
        k = tf.keep(tf.ones([8]));
        tf.zeros([8]);
      });
    });
    expect(k!.isDisposed).toBe(false);
    expect(mem().numStorages - m0.numStorages).toBe(1);
    k!.dispose();
    expect(mem().numBytes).toBe(m0.numBytes);
  });

  it('still frees the temporaries when fn throws, and rethrows the same error', () => {
    const m0 = mem();
    const boom = new Error('boom');
    let made: Tensor[] = [];
    expect(() =>
      tf.tidy(() => {
        made = [tf.zeros([10]), tf.ones([10])];
        throw boom;
      }),
    ).toThrow(boom);
    expect(made.every((t) => t.isDisposed)).toBe(true);
    expect(mem().numBytes).toBe(m0.numBytes);
    // A failing op inside tidy: the typed error goes through, the scope is unwound.
    let err: unknown;
    try {
      tf.tidy(() => tf.zeros([2, 3]).reshape(4, 4));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(tf.ShapeError);
    expect(mem().numBytes).toBe(m0.numBytes);
    // ... and later scopes work normally.
    const t = tf.tidy(() => tf.ones([1]));
    expect(t.isDisposed).toBe(false);
    t.dispose();
  });

  it('rejects async functions after freeing what they made synchronously', async () => {
    const m0 = mem();
    let first: Tensor | null = null;
    let err: unknown;
    let promise: Promise<unknown> | null = null;
    try {
      tf.tidy((() => {
        promise = (async () => {
          first = tf.zeros([3]);
          await null;
          return first;
        })();
        return promise;
      }) as unknown as () => Tensor);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(tf.ArgumentError);
    expect((err as Error).message).toMatch(/^tidy: fn returned a Promise/);
    expect(first!.isDisposed).toBe(true);
    await promise;
    expect(mem().numBytes).toBe(m0.numBytes);
    expect(() => tf.tidy(42 as never)).toThrow(/^tidy: expected a function, got number/);
  });

  it('returns a view whose base was a temporary, with the right values', () => {
    const m0 = mem();
    const v = tf.tidy(() => tf.arange(6).reshape(2, 3).T);
    expect(v.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(mem().numStorages - m0.numStorages).toBe(1);
    v.dispose();
    expect(mem().numBytes).toBe(m0.numBytes);
  });
});

describe('using', () => {
  it('disposes at the end of the block (TypeScript 5.9 `using`, lowered by vitest)', () => {
    const m0 = mem();
    let seen: Tensor | null = null;
    {
      using a = tf.zeros([64]);
      using b = a.reshape(8, 8);
      seen = b;
      expect(mem().numBytes - m0.numBytes).toBe(256);
    }
    expect(seen!.isDisposed).toBe(true);
    expect(mem().numBytes).toBe(m0.numBytes);
  });

  it('disposes when the block throws', () => {
    const m0 = mem();
    let seen: Tensor | null = null;
    expect(() => {
      using a = tf.ones([32]);
      seen = a;
      throw new Error('inside');
    }).toThrow('inside');
    expect(seen!.isDisposed).toBe(true);
    expect(mem().numBytes).toBe(m0.numBytes);
  });

  it('is Symbol.dispose on every tensor', () => {
    const t = tf.zeros([1]);
    expect(typeof Symbol.dispose).toBe('symbol');
    expect(typeof t[Symbol.dispose]).toBe('function');
    t[Symbol.dispose]();
    expect(t.isDisposed).toBe(true);
  });
});
