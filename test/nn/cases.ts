/**
 * Differentiable nn cases for the autograd gradcheck table: each fn takes float64
 * tensors of inputShapes (all of which get gradients checked) and returns a tensor.
 * Integer targets and other non-differentiable arguments are fixed inside fn.
 * inputRange bounds the random inputs (e.g. probabilities for BCE); positive marks
 * inputs that must be > 0. Used now by cases.test.ts (forward runs and is finite).
 */
import * as tf from '../../lib/index';
import type { Tensor } from '../../lib/index';

const { nn, F } = tf;

export interface NNGradCase {
  name: string;
  fn: (...inputs: Tensor[]) => Tensor;
  inputShapes: number[][];
  /** Range of the random inputs, default [-2, 2]. Per input when an array of ranges. */
  inputRange?: [number, number] | [number, number][];
}

const idx = (v: number[], shape?: number[]) => tf.keep(tf.tensor(v, { dtype: 'int32', shape }));
const T3 = idx([2, 0, 1]);
const T3ignore = idx([2, -100, 1]);
const T2x2 = idx([0, 2, 1, 2], [2, 2]);
const YPM = tf.keep(tf.tensor([1, -1, 1], { dtype: 'float64' }));
const IDS = idx([1, 0, 3, 1], [2, 2]);
const T0d = idx([3], []);
const W4 = tf.keep(tf.tensor([0.5, 2, 1, 1.5], { dtype: 'float64' }));

// One module for every call of its case (gradcheck evaluates fn many times).
let conv2dModule: InstanceType<typeof nn.Conv2d> | null = null;
const convModule = () => (conv2dModule ??= new nn.Conv2d(2, 3, [3, 2], { padding: 1, dtype: 'float64' }));

/** Layers whose parameters are plain inputs (functional forms), and modules in eval/train modes. */
export const layerCases: NNGradCase[] = [
  { name: 'linear', fn: (x, w, b) => F.linear(x, w, b), inputShapes: [[3, 4], [5, 4], [5]] },
  { name: 'linear 3-d, no bias', fn: (x, w) => F.linear(x, w), inputShapes: [[2, 3, 4], [2, 4]] },
  { name: 'conv2d stride 2, pad 1', fn: (x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1 }), inputShapes: [[2, 3, 5, 4], [4, 3, 3, 2], [4]] },
  { name: "conv2d groups 2, dilation 2, 'same'", fn: (x, w) => F.conv2d(x, w, null, { groups: 2, dilation: [2, 1], padding: 'same' }), inputShapes: [[1, 4, 5, 5], [2, 2, 2, 3]] },
  { name: 'conv2d depthwise', fn: (x, w, b) => F.conv2d(x, w, b, { groups: 3, padding: [1, 0] }), inputShapes: [[2, 3, 4, 5], [6, 1, 3, 2], [6]] },
  { name: 'conv2d 1x1 unbatched', fn: (x, w) => F.conv2d(x, w), inputShapes: [[3, 2, 3], [2, 3, 1, 1]] },
  { name: 'conv1d', fn: (x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2 }), inputShapes: [[2, 3, 9], [2, 3, 3], [2]] },
  { name: 'convTranspose2d', fn: (x, w, b) => F.convTranspose2d(x, w, b, { stride: [2, 1], padding: 1, outputPadding: [1, 0] }), inputShapes: [[2, 3, 3, 4], [3, 2, 3, 3], [2]] },
  { name: 'convTranspose2d groups, dilation', fn: (x, w) => F.convTranspose2d(x, w, null, { groups: 2, dilation: 2, stride: 2, outputPadding: 1 }), inputShapes: [[1, 4, 3, 3], [4, 1, 2, 2]] },
  { name: 'Conv2d module', fn: (x) => convModule().forward(x), inputShapes: [[2, 2, 4, 3]] },
  { name: 'layerNorm', fn: (x, w, b) => F.layerNorm(x, [4], { weight: w, bias: b }), inputShapes: [[3, 4], [4], [4]] },
  { name: 'layerNorm 2 dims', fn: (x) => F.layerNorm(x, [3, 4]), inputShapes: [[2, 3, 4]] },
  { name: 'batchNorm training', fn: (x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), inputShapes: [[5, 3], [3], [3]] },
  { name: 'batchNorm training [N,C,L]', fn: (x) => F.batchNorm(x, null, null, { training: true }), inputShapes: [[2, 3, 4]] },
  { name: 'batchNorm eval', fn: (x, rm, w) => F.batchNorm(x, rm, tf.full([3], 1.5, { dtype: 'float64' }), { weight: w }), inputShapes: [[4, 3], [3], [3]] },
  { name: 'embedding', fn: (w) => F.embedding(IDS, w), inputShapes: [[4, 3]] },
  { name: 'embedding paddingIdx (no gradient to row 1)', fn: (w) => F.embedding(IDS, w, 1), inputShapes: [[4, 3]] },
  { name: 'relu', fn: (x) => F.relu(x), inputShapes: [[3, 5]] },
  { name: 'leakyRelu', fn: (x) => F.leakyRelu(x, 0.2), inputShapes: [[3, 5]] },
  { name: 'gelu', fn: (x) => F.gelu(x), inputShapes: [[3, 5]] },
  { name: 'gelu tanh', fn: (x) => F.gelu(x, { approximate: 'tanh' }), inputShapes: [[3, 5]] },
  { name: 'silu', fn: (x) => F.silu(x), inputShapes: [[3, 5]] },
  { name: 'sigmoid', fn: (x) => F.sigmoid(x), inputShapes: [[3, 5]] },
  { name: 'tanh', fn: (x) => F.tanh(x), inputShapes: [[3, 5]] },
  { name: 'softmax', fn: (x) => F.softmax(x, 1), inputShapes: [[3, 5]] },
  { name: 'logSoftmax', fn: (x) => F.logSoftmax(x, 0), inputShapes: [[3, 5]] },
  { name: 'normalize', fn: (x) => F.normalize(x, 2, 1), inputShapes: [[3, 4]] },
  { name: 'cosineSimilarity', fn: (a, b) => F.cosineSimilarity(a, b, 1), inputShapes: [[3, 4], [3, 4]] },
  { name: 'cosineSimilarity broadcast', fn: (a, b) => F.cosineSimilarity(a, b, -1), inputShapes: [[3, 4], [4]] },
  { name: 'pairwiseDistance', fn: (a, b) => F.pairwiseDistance(a, b), inputShapes: [[3, 4], [3, 4]] },
  { name: 'pairwiseDistance p=3 keepdim', fn: (a, b) => F.pairwiseDistance(a, b, { p: 3, keepdim: true }), inputShapes: [[3, 4], [3, 4]] },
  { name: 'Flatten', fn: (x) => new nn.Flatten().forward(x), inputShapes: [[2, 3, 4]] },
  { name: 'maxPool2d', fn: (x) => F.maxPool2d(x, 2), inputShapes: [[2, 2, 4, 5]] },
  { name: 'maxPool2d k3 s2 p1 ceilMode (windows leave the input)', fn: (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), inputShapes: [[1, 2, 6, 5]] },
  { name: 'maxPool2d dilation, overlapping, unbatched', fn: (x) => F.maxPool2d(x, [2, 3], { stride: 1, dilation: [2, 1] }), inputShapes: [[2, 5, 5]] },
  { name: 'maxPool1d', fn: (x) => F.maxPool1d(x, 3, { stride: 2, padding: 1, ceilMode: true }), inputShapes: [[2, 2, 8]] },
  { name: 'avgPool2d countIncludePad', fn: (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1 }), inputShapes: [[2, 2, 5, 6]] },
  { name: 'avgPool2d ceilMode, padding not counted', fn: (x) => F.avgPool2d(x, [2, 3], { stride: 2, padding: [1, 1], ceilMode: true, countIncludePad: false }), inputShapes: [[1, 2, 5, 6]] },
  { name: 'avgPool2d divisorOverride', fn: (x) => F.avgPool2d(x, 2, { divisorOverride: 3 }), inputShapes: [[1, 2, 4, 4]] },
  { name: 'avgPool1d', fn: (x) => F.avgPool1d(x, 2, { padding: 1, ceilMode: true, countIncludePad: false }), inputShapes: [[2, 2, 7]] },
  { name: 'adaptiveAvgPool2d', fn: (x) => F.adaptiveAvgPool2d(x, [3, 4]), inputShapes: [[2, 2, 5, 7]] },
  { name: 'adaptiveAvgPool2d 1x1', fn: (x) => F.adaptiveAvgPool2d(x, 1), inputShapes: [[2, 3, 3, 3]] },
  { name: 'adaptiveAvgPool1d', fn: (x) => F.adaptiveAvgPool1d(x, 4), inputShapes: [[2, 2, 7]] },
  { name: 'interpolate nearest size', fn: (x) => F.interpolate(x, { size: [5, 7] }), inputShapes: [[1, 2, 3, 4]] },
  { name: 'interpolate nearest scaleFactor 1-d', fn: (x) => F.interpolate(x, { scaleFactor: 2.5 }), inputShapes: [[2, 2, 3]] },
  { name: 'batchNorm training [N,C,H,W] (fused)', fn: (x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), inputShapes: [[3, 2, 3, 2], [2], [2]] },
  { name: 'batchNorm eval [N,C,H,W] (fused)', fn: (x, w, b) => F.batchNorm(x, tf.full([2], 0.3, { dtype: 'float64' }), tf.full([2], 1.5, { dtype: 'float64' }), { weight: w, bias: b }), inputShapes: [[2, 2, 3, 3], [2], [2]] },
  { name: 'BatchNorm2d module training', fn: (x) => new nn.BatchNorm2d(3, { dtype: 'float64' }).forward(x), inputShapes: [[2, 3, 2, 2]] },
  { name: 'Unflatten', fn: (x) => new nn.Unflatten(1, [2, 3]).forward(x), inputShapes: [[2, 6]] },
];

/** Losses, differentiated with respect to their float inputs (targets included where differentiable). */
export const lossCases: NNGradCase[] = [
  { name: 'mseLoss', fn: (x, y) => F.mseLoss(x, y), inputShapes: [[3, 4], [3, 4]] },
  { name: 'mseLoss none', fn: (x, y) => F.mseLoss(x, y, { reduction: 'none' }), inputShapes: [[3, 4], [3, 4]] },
  { name: 'l1Loss sum', fn: (x, y) => F.l1Loss(x, y, { reduction: 'sum' }), inputShapes: [[3, 4], [3, 4]] },
  { name: 'smoothL1Loss', fn: (x, y) => F.smoothL1Loss(x, y, { beta: 0.5 }), inputShapes: [[3, 4], [3, 4]] },
  { name: 'huberLoss', fn: (x, y) => F.huberLoss(x, y, { delta: 0.7 }), inputShapes: [[3, 4], [3, 4]] },
  { name: 'crossEntropy', fn: (x) => F.crossEntropy(x, T3), inputShapes: [[3, 4]] },
  { name: 'crossEntropy weight ignoreIndex labelSmoothing', fn: (x, w) => F.crossEntropy(x, T3ignore, { weight: w, labelSmoothing: 0.2 }), inputShapes: [[3, 4], [4]], inputRange: [[-2, 2], [0.2, 2]] },
  // the fused kernel (2-d or 1-d logits, class indices, a weight that needs no gradient)
  { name: 'crossEntropy fused: constant weight, ignoreIndex, labelSmoothing', fn: (x) => F.crossEntropy(x, T3ignore, { weight: W4, labelSmoothing: 0.3 }), inputShapes: [[3, 4]] },
  { name: 'crossEntropy fused none, labelSmoothing', fn: (x) => F.crossEntropy(x, T3ignore, { reduction: 'none', labelSmoothing: 0.1 }), inputShapes: [[3, 4]] },
  { name: 'crossEntropy fused sum, weight', fn: (x) => F.crossEntropy(x, T3, { reduction: 'sum', weight: W4 }), inputShapes: [[3, 4]] },
  { name: 'crossEntropy fused 1-d input', fn: (x) => F.crossEntropy(x, T0d, { labelSmoothing: 0.2 }), inputShapes: [[5]] },
  { name: 'crossEntropy fused transposed input', fn: (x) => F.crossEntropy(x.t(), T3, { reduction: 'none' }), inputShapes: [[4, 3]] },
  { name: 'crossEntropy K-dim none', fn: (x) => F.crossEntropy(x, T2x2, { reduction: 'none' }), inputShapes: [[2, 3, 2]] },
  { name: 'crossEntropy probabilities', fn: (x, p) => F.crossEntropy(x, p, { labelSmoothing: 0.1 }), inputShapes: [[3, 4], [3, 4]], inputRange: [[-2, 2], [0, 1]] },
  { name: 'nllLoss weight', fn: (x, w) => F.nllLoss(x, T3ignore, { weight: w }), inputShapes: [[3, 4], [4]], inputRange: [[-2, 2], [0.2, 2]] },
  { name: 'binaryCrossEntropy weight', fn: (x, y, w) => F.binaryCrossEntropy(x, y, { weight: w }), inputShapes: [[3, 4], [3, 4], [4]], inputRange: [[0.05, 0.95], [0, 1], [0.2, 2]] },
  { name: 'binaryCrossEntropyWithLogits posWeight', fn: (x, y, pw) => F.binaryCrossEntropyWithLogits(x, y, { posWeight: pw }), inputShapes: [[3, 4], [3, 4], [4]], inputRange: [[-3, 3], [0, 1], [0.5, 3]] },
  { name: 'klDiv batchmean', fn: (x, t) => F.klDiv(x, t, { reduction: 'batchmean' }), inputShapes: [[3, 4], [3, 4]], inputRange: [[-3, -0.1], [0.05, 1]] },
  { name: 'klDiv logTarget', fn: (x, t) => F.klDiv(x, t, { logTarget: true }), inputShapes: [[3, 4], [3, 4]], inputRange: [[-3, -0.1], [-3, -0.1]] },
  { name: 'cosineEmbeddingLoss', fn: (a, b) => F.cosineEmbeddingLoss(a, b, YPM, { margin: -0.5 }), inputShapes: [[3, 4], [3, 4]] },
];

export const nnGradCases: NNGradCase[] = [...layerCases, ...lossCases];
