/**
 * The char-lstm example (examples/char-lstm) for a few steps on its real text: the loss
 * goes down from the uniform guess, and sampling gives characters of the text's alphabet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
// @ts-expect-error: a plain .mjs example without type declarations
import { sample, train } from '../../examples/char-lstm/char_lstm.mjs';

describe('examples/char-lstm', () => {
  it('trains for a few steps (loss goes down) and samples', () => {
    const text = readFileSync(join(__dirname, '../../examples/char-lstm/data/genesis-1-15.txt'), 'utf8');
    expect(text.length).toBeGreaterThan(40000);
    const lines: string[] = [];
    const { model, vocab, losses } = train(tf, text, {
      steps: 40, batchSize: 8, seqLen: 32, lr: 1e-2, logEvery: 10, log: (l: string) => lines.push(l), model: { hidden: 48, embed: 16 },
    });
    expect(lines.length).toBe(4);
    expect(lines[0]).toMatch(/step +10\/40 +loss \d/);
    expect(losses[0]).toBeLessThan(Math.log(vocab.chars.length) + 0.1);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] - 0.3);
    const s: string = sample(tf, model, vocab, { prime: 'And God', length: 50 });
    expect(s.startsWith('And God')).toBe(true);
    expect(s.length).toBe(57);
    for (const c of s) expect(vocab.chars).toContain(c);
  });
});
