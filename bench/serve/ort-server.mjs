// The onnxruntime-node peer of bench/serve.mjs: a minimal model server on fastify that
// answers TensorFlow Serving's predict (row format) by calling session.run per request,
// the way a Node server is usually written around onnxruntime-node.
//
//   node serve/ort-server.mjs <model.onnx> <name> [--threads N]   prints "listening on URL"
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const Fastify = require('../../node_modules/fastify');

const { positionals, values } = parseArgs({ allowPositionals: true, options: { threads: { type: 'string' }, port: { type: 'string', default: '0' } } });
const [file, name] = positionals;
const opts = { graphOptimizationLevel: 'all' };
if (values.threads) opts.intraOpNumThreads = Number(values.threads);
const session = await ort.InferenceSession.create(file, opts);
const inName = session.inputNames[0];
const outName = session.outputNames[0];

const app = Fastify({ bodyLimit: 16 * 1024 * 1024 });
app.post(`/v1/models/${name}:predict`, async (req, reply) => {
  const rows = req.body?.instances;
  if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(rows[0])) return reply.code(400).send({ error: 'expected "instances"' });
  const width = rows[0].length;
  const data = new Float32Array(rows.length * width);
  rows.forEach((r, i) => data.set(r, i * width));
  const out = (await session.run({ [inName]: new ort.Tensor('float32', data, [rows.length, width]) }))[outName];
  const per = out.dims[1];
  const predictions = [];
  for (let i = 0; i < rows.length; i++) predictions.push(Array.from(out.data.subarray(i * per, (i + 1) * per)));
  return { predictions };
});
const url = await app.listen({ port: Number(values.port), host: '127.0.0.1' });
process.stdout.write(`listening on ${url}\n`);
const stop = () => app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
