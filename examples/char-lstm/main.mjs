// Trains a character-level LSTM on Genesis 1-15 (King James Version, public domain; see
// data/SOURCE.md) and samples from it.
//
//   npm run build:ts && npm run example:char-lstm [-- --steps 400]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sample, train } from './char_lstm.mjs';

const require = createRequire(import.meta.url);
const tf = require('../..');
const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { steps: { type: 'string', default: '500' }, threads: { type: 'string' } } });
if (values.threads) tf.setNumThreads(Number(values.threads));

const text = readFileSync(path.join(here, 'data/genesis-1-15.txt'), 'utf8');
console.log(`text: ${text.length} characters; training Embedding(32) -> LSTM(128) -> Linear on next-character prediction`);
const t0 = performance.now();
const { model, vocab, losses } = train(tf, text, { steps: Number(values.steps) });
console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s: loss ${losses[0].toFixed(3)} -> ${losses[losses.length - 1].toFixed(3)} (uniform guess: ${Math.log(vocab.chars.length).toFixed(3)})`);
console.log('\nsample (temperature 0.8):\n');
console.log(sample(tf, model, vocab, { prime: 'And God said', length: 400 }));
