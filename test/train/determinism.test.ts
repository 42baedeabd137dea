/**
 * Determinism (must-show): the same seeds give bit-identical weights after training, with
 * shuffling and dropout (tf.manualSeed for initialisation and dropout, fit's seed for the
 * order), twice in this process and in two child processes; a different seed differs.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import { compileLib, type CompiledLib } from '../core/compiled-lib';

/** Trains a small MLP with dropout; returns the weights' bytes as hex. tfLib is tensorforge (this process's or a child's). */
function trainHex(tfLib: typeof tf, seed: number, style: 'fit' | 'loop'): string {
  tfLib.manualSeed(seed);
  const nn = tfLib.nn;
  const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(16, 3));
  const x = tfLib.randn([96, 4]);
  const y = tfLib.randint(0, 3, [96]);
  const opt = new tfLib.optim.Adam(model.parameters(), { lr: 0.01 });
  if (style === 'fit') {
    model.compile({ optimizer: opt, loss: 'crossEntropy', metrics: ['accuracy'] });
    model.fit(x, y, { epochs: 5, batchSize: 16, seed: seed + 1, verbose: 0 });
  } else {
    const loader = new tfLib.data.DataLoader(new tfLib.data.TensorDataset(x, y), { batchSize: 16, shuffle: true, seed: seed + 1 });
    for (let e = 0; e < 5; e++) {
      for (const [xb, yb] of loader) {
        tfLib.tidy(() => {
          opt.zeroGrad();
          const loss = tfLib.F.crossEntropy(model.call(xb), yb);
          loss.backward();
          opt.step();
        });
        xb.dispose();
        yb.dispose();
      }
    }
  }
  return model.parameters().map((p) => Buffer.from((p.dataSync() as Float32Array).buffer).toString('hex')).join(':');
}

let lib: CompiledLib | null = null;
afterAll(() => {
  if (lib) fs.rmSync(lib.dir, { recursive: true, force: true });
});

describe('determinism', () => {
  it('same seed, same weights bit for bit (fit and the PyTorch loop); another seed differs', () => {
    for (const style of ['fit', 'loop'] as const) {
      const a = trainHex(tf, 7, style);
      const b = trainHex(tf, 7, style);
      expect(a === b).toBe(true);
      expect(trainHex(tf, 8, style) === a).toBe(false);
    }
  });

  it('two child processes give the weights this process gives', () => {
    lib = compileLib();
    const script = `const tf = require(${JSON.stringify(lib.entry)}); const trainHex = ${trainHex.toString()}; process.stdout.write(trainHex(tf, 7, 'fit'));`;
    const file = path.join(lib.dir, 'det.js');
    fs.writeFileSync(file, script);
    const runs = [0, 1].map(() => execFileSync(process.execPath, [file], { env: lib!.env, encoding: 'utf8', maxBuffer: 1 << 26 }));
    const here = trainHex(tf, 7, 'fit');
    expect(runs[0] === runs[1]).toBe(true);
    expect(runs[0] === here).toBe(true);
  });
});
