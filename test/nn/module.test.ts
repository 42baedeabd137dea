/** Module API: names, registration, state dicts, modes, apply, printing, memory. */
import { describe, expect, test } from 'vitest';
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';

const { nn } = tf;

function mlp() {
  return new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
}

class Block extends nn.Module {
  fc1: InstanceType<typeof nn.Linear>;
  bn: InstanceType<typeof nn.BatchNorm1d>;
  scale: Tensor;
  fc2: InstanceType<typeof nn.Linear>;
  constructor() {
    super();
    this.fc1 = new nn.Linear(4, 5);
    this.bn = new nn.BatchNorm1d(5);
    this.scale = nn.parameter(tf.ones([5]));
    this.registerBuffer('steps', tf.zeros([1]));
    this.registerBuffer('cache', tf.zeros([2]), false);
    this.fc2 = new nn.Linear(5, 2, { bias: false });
  }
  override forward(x: Tensor): Tensor {
    return this.fc2.call(this.bn.call(this.fc1.call(x)).mul(this.scale).relu());
  }
}

describe('names', () => {
  test("Sequential keys match PyTorch's", () => {
    const m = mlp();
    expect([...m.stateDict().keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(m.parameters().map((p) => p.shape)).toEqual([[3, 4], [3], [2, 3], [2]]);
    expect(m.namedChildren().map(([n, c]) => `${n}:${c.constructor.name}`)).toEqual(['0:Linear', '1:ReLU', '2:Linear']);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', '0', '1', '2']);
    expect(m.parameters().every((p) => p.requiresGrad && nn.isParameter(p))).toBe(true);
    m.dispose();
  });

  test('fields assigned in a constructor are registered in order; buffers and BatchNorm keys as PyTorch', () => {
    const b = new Block();
    expect([...b.stateDict().keys()]).toEqual([
      'scale', 'steps',
      'fc1.weight', 'fc1.bias',
      'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked',
      'fc2.weight',
    ]);
    expect(b.namedParameters().map(([n]) => n)).toEqual(['scale', 'fc1.weight', 'fc1.bias', 'bn.weight', 'bn.bias', 'fc2.weight']);
    expect(b.namedBuffers().map(([n]) => n)).toEqual(['steps', 'cache', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect(b.parameters(false).length).toBe(1);
    expect(b.children().length).toBe(3);
    expect(b.fc2.bias).toBeNull();
    expect(b.bn.num_batches_tracked!.dtype).toBe('int32');
    b.dispose();
  });

  test('named Sequential, ModuleList, ModuleDict, nesting and shared modules', () => {
    const shared = new nn.Linear(2, 2);
    const m = new nn.Sequential({ enc: new nn.Sequential(shared, new nn.Tanh()), heads: new nn.ModuleList([new nn.Linear(2, 1), shared]), d: new nn.ModuleDict({ a: new nn.Linear(1, 1) }) });
    expect(m.namedParameters().map(([n]) => n)).toEqual(['enc.0.weight', 'enc.0.bias', 'heads.0.weight', 'heads.0.bias', 'd.a.weight', 'd.a.bias']);
    expect(m.modules().length).toBe(8); // root, enc, shared, Tanh, heads, heads.0, d, d.a: shared counted once
    const list = m.at(1) as InstanceType<typeof nn.ModuleList>;
    expect(list.length).toBe(2);
    expect(list.at(-1)).toBe(shared);
    list.insert(0, new nn.Identity());
    expect([...list].map((x) => x.constructor.name)).toEqual(['Identity', 'Linear', 'Linear']);
    expect((list as unknown as Record<string, unknown>)['0']).toBe(list.at(0));
    list.pop(0);
    expect([...list].map((x) => x.constructor.name)).toEqual(['Linear', 'Linear']);
    const d = m.at(2) as InstanceType<typeof nn.ModuleDict>;
    expect(d.keys()).toEqual(['a']);
    expect(d.has('a')).toBe(true);
    expect(() => d.set('train', new nn.ReLU())).toThrow(tf.ArgumentError);
    m.dispose();
  });

  test('registration errors', () => {
    const m = new nn.Module();
    expect(() => m.registerParameter('w', tf.zeros([2]))).toThrow(/nn.parameter/);
    expect(() => m.registerParameter('a.b', nn.parameter(tf.zeros([2])))).toThrow(tf.ArgumentError);
    expect(() => m.registerModule('x', {} as never)).toThrow(tf.ArgumentError);
    m.registerBuffer('buf', tf.zeros([1]));
    expect(() => m.registerParameter('buf', nn.parameter(tf.zeros([1])))).toThrow(/already a buffer/);
    expect(() => nn.parameter(tf.zeros([2], { dtype: 'int32' }))).toThrow(tf.DTypeError);
    expect(() => new nn.Sequential(3 as never)).toThrow(tf.ArgumentError);
    expect(() => m.forward()).toThrow(/does not define forward/);
    m.dispose();
  });
});

describe('state dict', () => {
  test('round trip copies values in place, converting dtypes', () => {
    const a = mlp();
    const b = mlp().to('float64');
    const before = b.parameters();
    const res = b.loadStateDict(a.stateDict());
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.parameters()).toEqual(before); // same tensors, updated in place
    for (const [k, t] of a.stateDict()) {
      expect(b.stateDict().get(k)!.dtype).toBe('float64');
      expect(Array.from(b.stateDict().get(k)!.dataSync())).toEqual(Array.from(t.dataSync()));
    }
    // a plain object works too
    const obj = Object.fromEntries(a.stateDict());
    expect(b.loadStateDict(obj).missingKeys).toEqual([]);
    a.dispose();
    b.dispose();
  });

  test('strict errors list the keys; shape mismatch always throws; nothing is copied on error', () => {
    const a = mlp();
    const sd = new Map(a.stateDict());
    sd.delete('2.bias');
    sd.set('3.weight', tf.zeros([1]));
    const b = mlp();
    const snapshot = Array.from(b.parameters()[0].dataSync());
    expect(() => b.loadStateDict(sd)).toThrow(/missing key\(s\): '2.bias'; unexpected key\(s\): '3.weight'/);
    expect(Array.from(b.parameters()[0].dataSync())).toEqual(snapshot);
    const r = b.loadStateDict(sd, { strict: false });
    expect(r).toEqual({ missingKeys: ['2.bias'], unexpectedKeys: ['3.weight'] });
    expect(Array.from(b.parameters()[0].dataSync())).toEqual(Array.from(a.parameters()[0].dataSync()));
    const bad = new Map(a.stateDict());
    bad.set('0.weight', tf.zeros([3, 5]));
    expect(() => b.loadStateDict(bad, { strict: false })).toThrow(tf.ShapeError);
    expect(() => b.loadStateDict(bad)).toThrow(/size mismatch for 0.weight: copying a tensor of shape \[3, 5\].*\[3, 4\]/);
    expect(() => b.loadStateDict(null as never)).toThrow(tf.ArgumentError);
    a.dispose();
    b.dispose();
  });

  test('BatchNorm buffers load, non-persistent buffers are left out', () => {
    const a = new Block();
    tf.tidy(() => {
      a.forward(tf.randn([6, 4]));
    });
    const b = new Block();
    b.loadStateDict(a.stateDict());
    expect(b.bn.num_batches_tracked!.item()).toBe(1);
    expect(Array.from(b.bn.running_mean!.dataSync())).toEqual(Array.from(a.bn.running_mean!.dataSync()));
    expect([...a.stateDict().keys()]).not.toContain('cache');
    a.dispose();
    b.dispose();
  });
});

describe('modes, apply, grads', () => {
  test('train/eval recurse; apply visits children first', () => {
    const b = new Block();
    expect(b.training).toBe(true);
    b.eval();
    expect(b.modules().every((m) => !m.training)).toBe(true);
    b.train();
    expect(b.modules().every((m) => m.training)).toBe(true);
    const order: string[] = [];
    b.apply((m) => order.push(m.constructor.name));
    expect(order).toEqual(['Linear', 'BatchNorm1d', 'Linear', 'Block']);
    // apply as an initialiser
    b.apply((m) => {
      if (m instanceof nn.Linear) nn.init.zeros_(m.weight);
    });
    expect(Array.from(b.fc1.weight.dataSync()).every((v) => v === 0)).toBe(true);
    b.dispose();
  });

  test('zeroGrad sets grads to null (disposing them) or zeroes them', () => {
    const m = mlp();
    const grads = m.parameters().map((p) => (p.grad = tf.onesLike(p)));
    m.zeroGrad({ setToNone: false });
    expect(m.parameters().every((p, i) => p.grad === grads[i] && Array.from(p.grad.dataSync()).every((v) => v === 0))).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    expect(grads.every((g) => g.isDisposed)).toBe(true);
    m.dispose();
  });

  test('requiresGrad_ freezes', () => {
    const m = mlp();
    m.requiresGrad_(false);
    expect(m.parameters().some((p) => p.requiresGrad)).toBe(false);
    expect(m.summary()).toMatch(/Trainable params: 0\nNon-trainable params: 23/);
    m.dispose();
  });
});

describe('calling, printing, memory', () => {
  test('call and forward agree', () => {
    const m = mlp();
    tf.tidy(() => {
      const x = tf.randn([5, 4]);
      expect(Array.from(m.call(x).dataSync())).toEqual(Array.from(m.forward(x).dataSync()));
    });
    m.dispose();
    expect(() => m.call(tf.randn([1, 4]))).toThrow(tf.DisposedError);
  });

  test("toString is PyTorch's repr", () => {
    const m = new nn.Sequential(
      new nn.Linear(4, 3), new nn.BatchNorm1d(3), new nn.LeakyReLU(0.2), new nn.Dropout(0.1),
      new nn.Sequential(new nn.LayerNorm(3), new nn.Embedding(10, 3, { paddingIdx: 0 })), new nn.Flatten(), new nn.Softmax(1),
    );
    expect(m.toString()).toBe([
      'Sequential(',
      '  (0): Linear(in_features=4, out_features=3, bias=True)',
      '  (1): BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
      '  (2): LeakyReLU(negative_slope=0.2)',
      '  (3): Dropout(p=0.1, inplace=False)',
      '  (4): Sequential(',
      '    (0): LayerNorm((3,), eps=1e-05, elementwise_affine=True)',
      '    (1): Embedding(10, 3, padding_idx=0)',
      '  )',
      '  (5): Flatten(start_dim=1, end_dim=-1)',
      '  (6): Softmax(dim=1)',
      ')',
    ].join('\n'));
    m.dispose();
  });

  test('summary lists layers, output shapes and parameter counts, and restores the mode', () => {
    const m = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Dropout(0.5), new nn.Linear(256, 10));
    const before = tf.memory().numTensors;
    const s = m.summary([32, 784]);
    expect(tf.memory().numTensors).toBe(before);
    expect(m.training).toBe(true);
    const lines = s.split('\n');
    expect(lines.find((l) => l.startsWith('0 (Linear)'))).toMatch(/\[32, 256\]\s+200,960$/);
    expect(lines.find((l) => l.startsWith('1 (ReLU)'))).toMatch(/\[32, 256\]\s+0$/);
    expect(lines.find((l) => l.startsWith('3 (Linear)'))).toMatch(/\[32, 10\]\s+2,570$/);
    expect(s).toContain('Total params: 203,530');
    expect(s).toContain('Trainable params: 203,530');
    expect(m.summary()).not.toContain('Output Shape');
    expect((m.at(0) as unknown as Record<string, unknown>).hasOwnProperty('forward')).toBe(false);
    m.dispose();
  });

  test('parameters survive tidy(); dispose frees exactly what the model holds', () => {
    const base = tf.memory();
    const m = tf.tidy(() => {
      const model = new Block();
      model.forward(tf.randn([8, 4]));
      return model;
    });
    expect(m.parameters().every((p) => !p.isDisposed)).toBe(true);
    tf.tidy(() => {
      m.forward(tf.randn([8, 4]));
    });
    const grads = m.parameters().map((p) => (p.grad = tf.onesLike(p)));
    m.dispose();
    expect(grads.every((g) => g.isDisposed)).toBe(true);
    const after = tf.memory();
    expect(after.numTensors).toBe(base.numTensors);
    expect(after.numBytes).toBe(base.numBytes);
  });

  test('to(float64) converts parameters and float buffers, not num_batches_tracked', () => {
    const b = new Block();
    const w = Array.from(b.fc1.weight.dataSync());
    b.to('float64');
    expect(b.parameters().every((p) => p.dtype === 'float64' && p.requiresGrad && nn.isParameter(p))).toBe(true);
    expect(b.bn.running_var!.dtype).toBe('float64');
    expect(b.bn.num_batches_tracked!.dtype).toBe('int32');
    expect(Array.from(b.fc1.weight.dataSync())).toEqual(w);
    tf.tidy(() => {
      expect(b.forward(tf.randn([3, 4], { dtype: 'float64' })).dtype).toBe('float64');
    });
    expect(() => b.to('int32' as never)).toThrow(tf.ArgumentError);
    b.dispose();
  });
});
