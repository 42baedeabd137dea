// Writes the small Fashion-MNIST subset committed in data/ (the example's default data):
// the first 2,000 training and the first 500 test images with their labels, as gzip IDX.
//
//   npm run build:ts && node examples/fashion-mnist/make-subset.mjs [/usr/share/datasets/fashion-mnist]
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SUBSET_DIR } from './lenet.mjs';

const require = createRequire(import.meta.url);
const tf = require('../..');

const src = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
mkdirSync(SUBSET_DIR, { recursive: true });
for (const [prefix, n] of [['train', 2000], ['t10k', 500]]) {
  for (const kind of ['images-idx3', 'labels-idx1']) {
    const name = `${prefix}-${kind}-ubyte.gz`;
    const t = tf.data.readIdx(join(src, name));
    const part = t.narrow(0, 0, n);
    tf.data.writeIdxUbyte(join(SUBSET_DIR, name), part.dataSync(), part.shape);
    console.log(`${name}: ${part.shape.join('x')}`);
  }
}
