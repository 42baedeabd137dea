// onnxruntime-node side: node peers/onnxruntime.mjs --suite ops --threads 2
// Each workload is a one-node (or few-node) ONNX model built by onnx-model.mjs; inputs
// are fed once and session.run is awaited per call.
import { createRequire } from 'node:module';
import { suites } from '../workloads.mjs';
import { parseArgs } from '../timing.mjs';
import { buildModel, initializer } from './onnx-model.mjs';
import { onnxRnnModel } from './onnx-rnn.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const args = parseArgs(process.argv.slice(2));
const threads = Number(args.threads ?? 1);

// op name -> graph builder over inputs x0, x1 with output y (shapes from the workload).
const graphs = {
  add: () => [{ op: 'Add', inputs: ['x0', 'x1'], outputs: ['y'] }],
  mul: () => [{ op: 'Mul', inputs: ['x0', 'x1'], outputs: ['y'] }],
  exp: () => [{ op: 'Exp', inputs: ['x0'], outputs: ['y'] }],
  tanh: () => [{ op: 'Tanh', inputs: ['x0'], outputs: ['y'] }],
  sigmoid: () => [{ op: 'Sigmoid', inputs: ['x0'], outputs: ['y'] }],
  relu: () => [{ op: 'Relu', inputs: ['x0'], outputs: ['y'] }],
  gelu: () => [{ op: 'Gelu', inputs: ['x0'], outputs: ['y'], opset: 20 }],
  sum: () => [{ op: 'ReduceSum', inputs: ['x0'], outputs: ['y'], attrs: { keepdims: 0 } }],
  softmax: () => [{ op: 'Softmax', inputs: ['x0'], outputs: ['y'], attrs: { axis: -1 } }],
  transposeCopy: () => [{ op: 'Transpose', inputs: ['x0'], outputs: ['y'], attrs: { perm: [1, 0] } }],
  matmul: () => [{ op: 'MatMul', inputs: ['x0', 'x1'], outputs: ['y'] }],
  // A Conv node with constant weight and bias (inference only: conv2dTrain has no peer here).
  conv2d: (w) => {
    const { c, k, ks, pad, groups, stride = 1 } = w.conv;
    const nodes = [{ op: 'Conv', inputs: ['x0', 'w', 'b'], outputs: ['y'], attrs: { kernel_shape: [ks, ks], pads: [pad, pad, pad, pad], strides: [stride, stride], group: groups } }];
    const wShape = [k, c / groups, ks, ks];
    const wn = wShape.reduce((a, b) => a * b, 1);
    nodes.initializers = [
      initializer('w', wShape, Float32Array.from({ length: wn }, (_, i) => Math.sin(i * 0.7) * 0.1)),
      initializer('b', [k], Float32Array.from({ length: k }, (_, i) => Math.cos(i))),
    ];
    return nodes;
  },
};

async function timeAsync(fn, { minMs = 60, repeats = 7 } = {}) {
  for (let i = 0; i < 3; i++) await fn();
  let iters = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) await fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= minMs / 4) {
      iters = Math.max(1, Math.ceil((iters * minMs) / ms));
      break;
    }
    iters *= 4;
  }
  const samples = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3 / iters);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const results = {};
for (const w of suites[args.suite ?? 'ops']) {
  if (w.op === 'rnnForward') {
    try {
      const session = await ort.InferenceSession.create(onnxRnnModel(w), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
      const n = w.T * w.B * w.I;
      const x = new Float32Array(n);
      for (let j = 0; j < n; j++) x[j] = Math.sin(j * 0.37);
      const feeds = { x0: new ort.Tensor('float32', x, [w.T, w.B, w.I]) };
      results[w.name] = await timeAsync(() => session.run(feeds));
      await session.release();
    } catch (e) {
      results[w.name] = null;
      console.error(`onnxruntime: ${w.name}: ${e.message.split('\n')[0]}`);
    }
    continue;
  }
  const build = graphs[w.op];
  if (!build) continue;
  try {
    const nodes = build(w);
    const opset = nodes[0].opset ?? 17;
    const model = buildModel({
      nodes,
      initializers: nodes.initializers ?? [],
      inputs: w.shapes.map((s, i) => ({ name: `x${i}`, shape: s })),
      outputs: [{ name: 'y', shape: null }],
      opset,
    });
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const feeds = {};
    w.shapes.forEach((s, i) => {
      const n = s.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      for (let j = 0; j < n; j++) data[j] = Math.sin(j * 0.37 + i);
      feeds[`x${i}`] = new ort.Tensor('float32', data, s);
    });
    results[w.name] = await timeAsync(() => session.run(feeds));
    await session.release();
  } catch (e) {
    results[w.name] = null;
    console.error(`onnxruntime: ${w.name}: ${e.message.split('\n')[0]}`);
  }
}
console.log(JSON.stringify(results));
