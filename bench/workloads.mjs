// The workloads every peer runs, so shapes are identical side by side. `op` names a
// function each peer implements (bench/peers/*); sizes are element counts or shapes.
// `flops` (optional) lets bench/run.mjs print GFLOP/s and the percent of peak.

// C[M, N] = A[M, K]·B[K, N] (float32, row-major): 2·M·N·K flops.
const gemm = (name, m, k, n) => ({ name, op: 'matmul', shapes: [[m, k], [k, n]], flops: 2 * m * n * k });

// Recurrent layers (float32, PyTorch semantics, one layer, one direction): forward in
// inference mode, forward+backward (gradients of input and all weights, loss = sum of the
// output), and batch-1 forward latency.
const rnn = (cell, op, B, T = 50, I = 128, H = 256) => ({
  name: `${cell.toUpperCase()} ${op === 'rnnTrain' ? 'forward+backward' : 'forward'} B${B} T${T} I${I} H${H}`,
  op, cell, B, T, I, H, shapes: [],
});

export const suites = {
  rnn: [
    rnn('lstm', 'rnnForward', 64), rnn('gru', 'rnnForward', 64),
    rnn('lstm', 'rnnTrain', 64), rnn('gru', 'rnnTrain', 64),
    rnn('lstm', 'rnnForward', 1), rnn('gru', 'rnnForward', 1),
  ],
  gemm: [
    ...[64, 128, 256, 512, 1024, 2048].map((s) => gemm(`matmul ${s}^3`, s, s, s)),
    ...[1, 4, 16, 64].map((m) => gemm(`skinny M=${m}, K=N=1024`, m, 1024, 1024)),
    gemm('tall K=4096, M=N=256', 256, 4096, 256),
  ],
  // Whole training steps: zeroGrad, forward, crossEntropy, backward, Adam step (float32).
  // `layers` are the MLP's widths (ReLU between), `batch` the rows per step; each peer
  // builds the model with its own default initialisation and random inputs.
  train: [
    { name: 'MLP 784-256-256-10 train step, batch 128, Adam', op: 'mlpTrainStep', layers: [784, 256, 256, 10], batch: 128, shapes: [] },
    { name: 'MLP 784-256-10 inference, batch 1', op: 'mlpInfer', layers: [784, 256, 10], batch: 1, shapes: [] },
    { name: 'MLP 784-256-10 inference, batch 128', op: 'mlpInfer', layers: [784, 256, 10], batch: 128, shapes: [] },
  ],
  ops: [
    { name: 'add 16 floats (per-op overhead)', op: 'add', shapes: [[16], [16]] },
    { name: 'add 1M', op: 'add', shapes: [[1 << 20], [1 << 20]] },
    { name: 'add broadcast [1024,1024]+[1024]', op: 'add', shapes: [[1024, 1024], [1024]] },
    { name: 'mul 1M', op: 'mul', shapes: [[1 << 20], [1 << 20]] },
    { name: 'exp 1M', op: 'exp', shapes: [[1 << 20]] },
    { name: 'tanh 1M', op: 'tanh', shapes: [[1 << 20]] },
    { name: 'sigmoid 1M', op: 'sigmoid', shapes: [[1 << 20]] },
    { name: 'relu 1M', op: 'relu', shapes: [[1 << 20]] },
    { name: 'gelu 1M', op: 'gelu', shapes: [[1 << 20]] },
    { name: 'sum 4M', op: 'sum', shapes: [[1 << 22]] },
    { name: 'sum dim=1 [1024,1024]', op: 'sumRows', shapes: [[1024, 1024]] },
    { name: 'softmax [256,1024] dim=-1', op: 'softmax', shapes: [[256, 1024]] },
    { name: 'transpose+contiguous [1024,1024]', op: 'transposeCopy', shapes: [[1024, 1024]] },
    { name: 'matmul 256x256x256', op: 'matmul', shapes: [[256, 256], [256, 256]] },
  ],
};

// Convolutions (float32, NCHW, bias): 2·N·K·OH·OW·(C/groups)·KH·KW flops forward, three
// times that forward+backward (input, weight and bias gradients; the output gradient is a
// fixed tensor). `conv` holds the layer; shapes[0] is the input.
const convLayer = (name, n, c, h, w, k, ks, pad, groups = 1, stride = 1) => {
  const oh = Math.floor((h + 2 * pad - ks) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - ks) / stride) + 1;
  const flops = 2 * n * k * oh * ow * (c / groups) * ks * ks;
  const conv = { n, c, h, w, k, ks, pad, groups, stride, oh, ow };
  return [
    { name: `${name} fwd`, op: 'conv2d', conv, shapes: [[n, c, h, w]], flops },
    { name: `${name} fwd+bwd`, op: 'conv2dTrain', conv, shapes: [[n, c, h, w]], flops: 3 * flops },
  ];
};
suites.conv = [
  ...convLayer('ResNet 3x3 pad 1, N32 C64 56x56 K64', 32, 64, 56, 56, 64, 3, 1),
  ...convLayer('LeNet 5x5 pad 2, N64 C1 28x28 K32', 64, 1, 28, 28, 32, 5, 2),
  ...convLayer('batch 1 3x3 pad 1, C64 56x56 K64', 1, 64, 56, 56, 64, 3, 1),
  ...convLayer('depthwise 3x3 pad 1, N32 C128 56x56', 32, 128, 56, 56, 128, 3, 1, 128),
  ...convLayer('1x1, N32 C256 28x28 K512', 32, 256, 28, 28, 512, 1, 0),
  ...convLayer('LeNet-5 conv1 5x5 pad 2, N64 C1 28x28 K6', 64, 1, 28, 28, 6, 5, 2),
  ...convLayer('LeNet-5 conv2 5x5, N64 C6 14x14 K16', 64, 6, 14, 14, 16, 5, 0),
  // Strided layers: a DCGAN / WGAN critic (4x4 stride 2 pad 1) and ResNet downsampling.
  ...convLayer('critic 4x4 s2 pad 1, N32 C3 32x32 K64', 32, 3, 32, 32, 64, 4, 1, 1, 2),
  ...convLayer('critic 4x4 s2 pad 1, N32 C64 16x16 K128', 32, 64, 16, 16, 128, 4, 1, 1, 2),
  ...convLayer('critic 4x4 s2 pad 1, N32 C128 8x8 K256', 32, 128, 8, 8, 256, 4, 1, 1, 2),
  ...convLayer('ResNet 3x3 s2 pad 1, N32 C64 56x56 K128', 32, 64, 56, 56, 128, 3, 1, 1, 2),
  ...convLayer('ResNet 1x1 s2, N32 C64 56x56 K128', 32, 64, 56, 56, 128, 1, 0, 1, 2),
];

// TF_BENCH_ONLY (set by run.mjs --only): keep only the workloads whose name contains it
// (in every process, so that tensorforge and each peer run the same subset).
if (process.env.TF_BENCH_ONLY) {
  for (const key of Object.keys(suites)) suites[key] = suites[key].filter((w) => w.name.includes(process.env.TF_BENCH_ONLY));
}
