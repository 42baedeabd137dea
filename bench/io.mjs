// Save and load of a 500 MB state dict (50 float32 tensors of 10 MB) with tf.save / tf.load,
// against the disk's plain write and read of the same byte count measured in the same run
// (fs write + fsync; fs.readFileSync). Every write includes its fsync. Reads come right
// after writes of the same file, so they are served from the page cache: they measure the
// cost of getting bytes from the kernel into memory, not the disk. An F16 load (native
// conversion to float32) of a 250 MB file is timed too. Files live in a temp dir, deleted at the end.
// Run: npm run build:ts && node bench/io.mjs [--reps 3] [--write]
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
const require = createRequire(import.meta.url);
const tf = require('../dist/index.js');

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1]) || 3;
const N_TENSORS = 50;
const ELEMS = 2_500_000; // 10 MB of float32
const BYTES = N_TENSORS * ELEMS * 4;
const MB = 1e6;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-io-bench-'));
const now = () => Number(process.hrtime.bigint()) / 1e9;

function plainWrite(file, buf) {
  const fd = fs.openSync(file, 'w');
  try {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, Math.min(buf.length - off, 1 << 30), off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function timed(fn) {
  const t0 = now();
  const r = fn();
  return [now() - t0, r];
}

const results = { plainWrite: [], save: [], plainRead: [], plainReadInto: [], load: [], loadF16: [] };

function plainReadInto(file, buf) {
  const fd = fs.openSync(file, 'r');
  try {
    let off = 0;
    while (off < buf.length) {
      const got = fs.readSync(fd, buf, off, Math.min(buf.length - off, 1 << 30), off);
      if (got === 0) break;
      off += got;
    }
    return off;
  } finally {
    fs.closeSync(fd);
  }
}
try {
  tf.manualSeed(0);
  const sd = {};
  for (let i = 0; i < N_TENSORS; i++) sd[`layers.${String(i).padStart(2, '0')}.weight`] = tf.rand([2500, 1000]);
  const plainBuf = Buffer.alloc(BYTES, 7);
  const stFile = path.join(dir, 'model.safetensors');
  const rawFile = path.join(dir, 'plain.bin');
  for (let r = 0; r < reps; r++) {
    results.plainWrite.push(timed(() => plainWrite(rawFile, plainBuf))[0]);
    results.save.push(timed(() => tf.save(sd, stFile))[0]);
    results.plainRead.push(timed(() => fs.readFileSync(rawFile).length)[0]);
    results.plainReadInto.push(timed(() => plainReadInto(rawFile, plainBuf))[0]);
    const [t, loaded] = timed(() => tf.load(stFile));
    results.load.push(t);
    if (r === 0) {
      const a = loaded['layers.07.weight'].dataSync();
      const b = sd['layers.07.weight'].dataSync();
      for (let i = 0; i < a.length; i += 4099) if (a[i] !== b[i]) throw new Error('bench: loaded data differs');
    }
    for (const v of Object.values(loaded)) v.dispose();
  }
  fs.rmSync(rawFile);
  fs.rmSync(stFile);
  // F16: the same element count as half the dict, written by hand (tf.save does not write F16).
  const half = {};
  let off = 0;
  for (let i = 0; i < N_TENSORS / 2; i++) {
    half[`h${i}`] = { dtype: 'F16', shape: [2500, 1000], data_offsets: [off, off + ELEMS * 2] };
    off += ELEMS * 2;
  }
  let json = Buffer.from(JSON.stringify(half));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const f16File = path.join(dir, 'half.safetensors');
  const data = Buffer.alloc(off);
  for (let i = 0; i < off; i += 2) data.writeUInt16LE(0x3c00 + ((i >> 1) & 0x3ff), i);
  plainWrite(f16File, Buffer.concat([len, json, data]));
  for (let r = 0; r < reps; r++) {
    const [t, loaded] = timed(() => tf.load(f16File));
    results.loadF16.push(t);
    for (const v of Object.values(loaded)) v.dispose();
  }
  fs.rmSync(f16File);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const best = (xs) => Math.min(...xs);
const med = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (bytes, s) => (bytes / MB / s).toFixed(0);
const rows = [
  ['plain write (fs.writeSync + fsync)', BYTES, results.plainWrite],
  ['tf.save (atomic: temp file, fsync, rename)', BYTES, results.save],
  ['plain read (fs.readFileSync: fresh buffer, page cache)', BYTES, results.plainRead],
  ['plain read (fs.readSync into a reused buffer, page cache)', BYTES, results.plainReadInto],
  ['tf.load (page cache; memory reused from the caching allocator after the first repeat)', BYTES, results.load],
  ['tf.load of F16 → float32 (page cache; MB of the file)', BYTES / 2, results.loadF16],
];
const info = tf.backendInfo();
const lines = [
  `## Suite \`io\` — ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${info.threads} thread(s); temp dir on ${os.tmpdir()}.`,
  `A state dict of ${N_TENSORS} float32 tensors of 10 MB (${BYTES / MB} MB), ${reps} repeats, MB = 10^6 bytes; median (best) of the repeats. Writes include fsync. Reads follow the writes of the same file, so the file is in the page cache: the read rows measure kernel-to-memory copies, not the disk. readFileSync also pays for faulting in a fresh 500 MB buffer; tf.load after the first repeat gets its blocks back from the caching allocator, so compare it with the reused-buffer row. Run: \`npm run build:ts && node bench/io.mjs\`.`,
  '',
  '| operation | MB | median s | MB/s (median) | MB/s (best) |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...rows.map(([name, bytes, xs]) => `| ${name} | ${bytes / MB} | ${med(xs).toFixed(3)} | ${rate(bytes, med(xs))} | ${rate(bytes, best(xs))} |`),
  '',
];
console.log(lines.join('\n'));
if (args.includes('--write')) {
  const file = path.join(path.dirname(new URL(import.meta.url).pathname), 'RESULTS.md');
  let text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf('## Suite `io`');
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 1);
    text = text.slice(0, start) + (next >= 0 ? text.slice(next + 1) : '');
  }
  text = `${text.trimEnd()}\n\n${lines.join('\n')}`;
  fs.writeFileSync(file, text);
}
