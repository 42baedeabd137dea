// LeNet-5 on Fashion-MNIST, trained once with a PyTorch-style loop and once with fit().
//
//   npm run build:ts && npm run example:fashion-mnist                  # the committed subset
//   npm run example:fashion-mnist -- --data /usr/share/datasets/fashion-mnist --out /tmp/lenet
//
// The trained models are saved with tf.saveModel (by default under the system temp folder).
//
// See --help for the options; lenet.mjs holds the model, the data and the loops.
import { createRequire } from 'node:module';
import { main } from './lenet.mjs';

const require = createRequire(import.meta.url);
const tf = require('../..');

try {
  main(tf, process.argv.slice(2));
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
}
