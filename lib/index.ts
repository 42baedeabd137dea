/**
 * tensorforge: tensors with native kernels, PyTorch's API in camelCase.
 * @example
 * import * as tf from 'tensorforge';
 * const x = tf.randn([2, 3]);
 * console.log(x.add(1).toString());
 */
import './ops/view';
import './ops/copy';
import './ops/reduce';
import './ops/minmax';
import './ops/stats';
import './ops/softmax';
import './ops/cumsum';
import './ops/join';
import './ops/gather';
import './ops/matmul';
import './ops/binary';
import './ops/unary';
import './ops/compare';
import './ops/where';
import './ops/inplace';
import './ops/linear';
import './autograd/methods';
import './train/fit';

export { Tensor, isTensor, type NestedArray, type GradFn } from './tensor';
export type { DType, TypedArray } from './dtype';
export { promoteTypes } from './dtype';
export type { Device } from './device';
export * from './errors';
export { tidy, keep, dispose } from './scope';
export { tensor, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye, type TensorOptions, type TensorLike } from './creation';
export { getRngState, setRngState, type RngState } from './random';
export { manualSeed, initialSeed, rand, randn, randint, uniform, normal, bernoulli } from './random';
export { backendInfo, setNumThreads, getNumThreads, setPortableKernels, memory, emptyCache, type BackendInfo, type MemoryInfo } from './backend';
export { reshape, view, flatten, squeeze, unsqueeze, permute, transpose, t, expand, broadcastTo, narrow, slice, select, type SliceSpec } from './ops/view';
export { contiguous, clone, to, copy_ } from './ops/copy';
export { sum, mean, prod, all, any, type SumOptions } from './ops/reduce';
export { amax, amin, max, min, argmax, argmin, type ValuesIndices } from './ops/minmax';
export { variance, variance as var, std, logsumexp, norm, type VarOptions, type NormOptions } from './ops/stats';
export { softmax, logSoftmax, type SoftmaxOptions } from './ops/softmax';
export { cumsum, cumprod, type CumOptions } from './ops/cumsum';
export type { DimArg, ReduceOptions } from './ops/reduce_common';
export { cat, concat, stack, split, chunk, unbind } from './ops/join';
export { indexSelect, gather, scatter, scatter_, scatterAdd, scatterAdd_, indexAdd, indexAdd_ } from './ops/gather';
export { add, sub, mul, div, pow, maximum, minimum, remainder, fmod, type AlphaOptions, type DivOptions } from './ops/binary';
export {
  neg, abs, exp, expm1, log, log1p, sqrt, rsqrt, sin, cos, tanh, sigmoid, relu, reciprocal, square, sign, floor, ceil, round,
  gelu, silu, leakyRelu, elu, softplus, clamp, clip, type GeluOptions,
  neg_, abs_, exp_, expm1_, log_, log1p_, sqrt_, rsqrt_, sin_, cos_, tanh_, sigmoid_, relu_, reciprocal_, square_, sign_,
  floor_, ceil_, round_, gelu_, silu_, leakyRelu_, elu_, softplus_, clamp_,
} from './ops/unary';
export { eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalXor, logicalNot } from './ops/compare';
export { where, maskedFill, maskedFill_ } from './ops/where';
export { add_, sub_, mul_, div_, pow_, remainder_, fmod_, fill_, zero_ } from './ops/inplace';
export type { Scalar, Operand } from './ops/elementwise_common';
export * as optim from './optim/index';
export * as data from './data/index';
export { randperm } from './data/randperm';
export { matmul, mm, bmm, dot, mv, addmm, type AddmmOptions, type Activation } from './ops/matmul';
export { linear, prepackLinear, PackedLinear, type LinearOptions } from './ops/linear';
export { conv1d, conv2d, convTranspose2d, type ConvOptions, type ConvTransposeOptions, type SizeArg, type PaddingArg } from './ops/conv/index';
export * as nn from './nn/index';
export * as F from './nn/functional_index';
export { autograd, noGrad, enableGrad, isGradEnabled, setGradEnabled, gradcheck, GradcheckError, AutogradError, type BackwardOptions, type GradOptions, type GradcheckOptions } from './autograd/index';
export { gradgradcheck, type GradgradcheckOptions } from './autograd/index';
export * as io from './io/index';
export { save, load, saveModel, loadModel, saveCheckpoint, loadCheckpoint, SafetensorsError, ModelFormatError } from './io/index';
export { History, type CompileOptions, type FitOptions, type EvaluateOptions, type FitData, type LossFn, type OptimizerName } from './train/index';
export * as metrics from './train/metrics';
export * as callbacks from './train/callbacks';
export { setInferencePool, closeInferencePool } from './serve/predict_async';
export { InferencePool, InferenceError, type InferencePoolOptions } from './serve/worker_pool';
export { createServer, type ModelServer, type ServerOptions, type ModelSource } from './serve/create';
export { ServeError, BadRequestError, ModelNotFoundError, InputValidationError, OverloadedError, RequestTimeoutError } from './serve/errors';
