// A character-level language model: Embedding -> LSTM -> Linear, trained on next-character
// prediction over a public-domain text, then sampled one character at a time with the
// LSTM state carried between calls. The library is passed in, so the test suite can run
// the same code against the TypeScript sources (test/examples/char_lstm.test.ts).

/** The text's alphabet and its encoding as int32 ids. */
export function vocabulary(text) {
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  const ids = Int32Array.from(text, (c) => index.get(c));
  return { chars, index, ids };
}

/** Embedding(vocab, embed) -> LSTM(embed, hidden, layers) -> Linear(hidden, vocab). */
export function buildModel(tf, vocab, { embed = 32, hidden = 128, layers = 1, dropout = 0 } = {}) {
  const { nn } = tf;
  class CharLSTM extends nn.Module {
    constructor() {
      super();
      this.embedding = new nn.Embedding(vocab, embed);
      this.lstm = new nn.LSTM(embed, hidden, { numLayers: layers, batchFirst: true, dropout });
      this.head = new nn.Linear(hidden, vocab);
    }
    /** ids [B, T] int32 -> logits [B, T, vocab], and the LSTM's final [h, c]. */
    forward(ids, state = null) {
      const [out, next] = this.lstm.forward(this.embedding.forward(ids), state);
      return [this.head.forward(out), next];
    }
  }
  return new CharLSTM();
}

/** A batch of random windows: inputs [B, T] and the next characters [B, T]. */
function batch(tf, ids, batchSize, seqLen) {
  const x = new Int32Array(batchSize * seqLen);
  const y = new Int32Array(batchSize * seqLen);
  const starts = tf.randint(0, ids.length - seqLen - 1, [batchSize]).dataSync();
  for (let b = 0; b < batchSize; b++) {
    x.set(ids.subarray(starts[b], starts[b] + seqLen), b * seqLen);
    y.set(ids.subarray(starts[b] + 1, starts[b] + seqLen + 1), b * seqLen);
  }
  const shape = [batchSize, seqLen];
  return [tf.tensor(x, { shape, dtype: 'int32' }), tf.tensor(y, { shape, dtype: 'int32' })];
}

/**
 * Trains the model; returns { model, vocab, losses } (one mean loss per logged window).
 * log(line) receives the progress lines.
 */
export function train(tf, text, { steps = 400, batchSize = 32, seqLen = 64, lr = 3e-3, logEvery = 25, seed = 0, log = console.log, model: modelOpts = {} } = {}) {
  tf.manualSeed(seed);
  const vocab = vocabulary(text);
  const model = buildModel(tf, vocab.chars.length, modelOpts);
  const opt = new tf.optim.Adam(model.parameters(), { lr });
  const losses = [];
  let window = 0;
  let n = 0;
  let t0 = performance.now();
  for (let step = 1; step <= steps; step++) {
    const loss = tf.tidy(() => {
      const [x, y] = batch(tf, vocab.ids, batchSize, seqLen);
      opt.zeroGrad();
      const [logits] = model.forward(x);
      const l = tf.F.crossEntropy(tf.reshape(logits, [-1, vocab.chars.length]), tf.reshape(y, [-1]));
      l.backward();
      tf.optim.clipGradNorm_(model.parameters(), 5);
      opt.step();
      return l.item();
    });
    window += loss;
    n++;
    if (step % logEvery === 0 || step === steps) {
      const ms = performance.now() - t0;
      const mean = window / n;
      losses.push(mean);
      log(`step ${String(step).padStart(5)}/${steps}  loss ${mean.toFixed(3)}  (${((n * batchSize * seqLen) / ms * 1000).toFixed(0)} chars/s)`);
      window = 0;
      n = 0;
      t0 = performance.now();
    }
  }
  return { model, vocab, losses };
}

/** Samples `length` characters after `prime`, one LSTM step per character. */
export function sample(tf, model, vocab, { prime = 'And God said', length = 300, temperature = 0.8 } = {}) {
  model.eval();
  try {
    return tf.noGrad(() => {
      let state = null;
      let out = prime;
      let logits = null;
      const step = (id) => {
        const x = tf.tensor(Int32Array.of(id), { shape: [1, 1], dtype: 'int32' });
        const [lg, next] = model.forward(x, state);
        if (state) tf.dispose(state);
        state = next;
        if (logits) logits.dispose();
        logits = lg;
        x.dispose();
      };
      for (const c of prime) step(vocab.index.get(c) ?? 0);
      for (let i = 0; i < length; i++) {
        const p = tf.tidy(() => tf.softmax(tf.div(tf.reshape(logits, [-1]), temperature), 0).dataSync());
        let u = tf.rand([1]).dataSync()[0];
        let k = 0;
        while (k < p.length - 1 && (u -= p[k]) > 0) k++;
        out += vocab.chars[k];
        step(k);
      }
      if (state) tf.dispose(state);
      logits?.dispose();
      return out;
    });
  } finally {
    model.train();
  }
}
