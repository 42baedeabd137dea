/** tf.optim: optimizers, gradient clipping, and tf.optim.lrScheduler. */
export { Optimizer, type ParamGroup, type ParamGroupSpec, type Params, type ParamState, type OptimizerStateDict, type BaseOptions } from './optimizer';
export { SGD, type SGDOptions } from './sgd';
export { Adam, AdamW, type AdamOptions } from './adam';
export { RMSprop, type RMSpropOptions } from './rmsprop';
export { Adagrad, type AdagradOptions } from './adagrad';
export { clipGradNorm_, clipGradValue_ } from './clip';
export * as lrScheduler from './lr_scheduler';
