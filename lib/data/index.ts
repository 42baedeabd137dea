/** tf.data: datasets, DataLoader, randomSplit. */
export { type Dataset, TensorDataset, Subset, randomSplit } from './dataset';
export { DataLoader, defaultCollate, type DataLoaderOptions } from './dataloader';
export { Generator, randperm } from './randperm';
export { readIdx, parseIdx, writeIdxUbyte, IdxFormatError, type ReadIdxOptions } from './idx';
