/**
 * tf.nn: modules, containers, layers, losses, nn.init and nn.functional.
 * @example
 * const model = new tf.nn.Sequential(new tf.nn.Linear(4, 3), new tf.nn.ReLU(), new tf.nn.Linear(3, 2));
 * const loss = tf.nn.functional.crossEntropy(model.call(x), labels);
 */
export { Module, type StateDict, type LoadResult } from './module';
export { parameter, Parameter, isParameter } from './parameter';
export { Sequential, ModuleList, ModuleDict } from './containers';
export { Linear, Identity, type LinearOptions } from './linear';
export { ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax } from './activation';
export { Dropout, Dropout2d } from './dropout';
export { LayerNorm, BatchNorm1d, BatchNorm2d, type LayerNormModuleOptions, type BatchNormModuleOptions } from './normalization';
export { Embedding, type EmbeddingOptions } from './embedding';
export { Flatten, Unflatten } from './flatten';
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, Upsample, type UpsampleOptions } from './pooling';
export { Conv1d, Conv2d, ConvTranspose2d, type ConvModuleOptions, type ConvTransposeModuleOptions } from './conv';
export {
  MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss, CosineEmbeddingLoss,
} from './loss';
export type { Reduction } from './util';
export * as init from './init';
export * as functional from './functional_index';
export { RNN, LSTM, GRU, type RNNBase, type RNNOptions, type LSTMOptions, type RNNBaseOptions, type RNNForwardOptions } from './rnn';
export { RNNCell, LSTMCell, GRUCell, type RNNCellOptions } from './rnn_cell';
