/** The convolution ops. */
export { conv1d } from './conv1d';
export { conv2d, type ConvOptions } from './conv2d';
export { convTranspose2d, type ConvTransposeOptions } from './conv_transpose2d';
export type { SizeArg, PaddingArg } from './conv_common';
