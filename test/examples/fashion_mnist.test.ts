/**
 * The Fashion-MNIST example end to end on the committed subset (2,000 training and 500
 * test images): a short run of the PyTorch-style loop and of fit() must reach a test
 * accuracy far above chance (10%), print its progress and results, and save models that
 * loadModel rebuilds with the same accuracy.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import * as tf from '../../lib/index';
// @ts-expect-error: a plain JS example module without type declarations
import { accuracy, loadFashionMnist, main, SUBSET_DIR } from '../../examples/fashion-mnist/lenet.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-fmnist-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('LeNet-5 on the subset: loop and fit() learn, print, and save loadable models', () => {
  const lines: string[] = [];
  const results = main(tf, ['--max-steps', '200', '--epochs', '10', '--out', dir], { log: (s: string) => lines.push(s) });
  const text = lines.join('\n');
  console.log(text.split('\n').filter((l) => /accuracy|data:/.test(l)).join('\n'));
  expect(text).toMatch(/2000 training and 500 test images/);
  expect(text).toMatch(/loop epoch \d+\/10 step +\d+\/200 +loss \d/);
  expect(text).toMatch(/PyTorch-style loop: 200 steps in [\d.]+ s .*test accuracy [\d.]+%/);
  expect(text).toMatch(/fit\(\): \d+ steps in [\d.]+ s .*test accuracy [\d.]+%/);
  expect(results.loop.steps).toBe(200);
  expect(results.loop.accuracy).toBeGreaterThan(0.6);
  expect(results.fit.accuracy).toBeGreaterThan(0.6);
  const data = loadFashionMnist(tf, SUBSET_DIR);
  for (const mode of ['loop', 'fit']) {
    const model = tf.loadModel(path.join(dir, `lenet5-${mode}`));
    expect(accuracy(tf, model, data.testX, data.testY)).toBeCloseTo(results[mode].accuracy, 10);
  }
}, 120_000);
