/** tf.nn.functional (alias tf.F): layer functions, distances and losses. */
export * from './functional';
export * from './losses';
export { rnnFused, type RnnSpec, type RnnMode, type RnnResult, type RnnWeightList } from './rnn_fused';
export * from './functional_vision';
export { conv1d, conv2d, convTranspose2d, type ConvOptions, type ConvTransposeOptions } from '../ops/conv/index';
