/**
 * Keras-style training: model.compile / fit / evaluate / predict / trainOnBatch on every
 * nn.Module (fit.ts), callbacks (tf.callbacks) and metrics (tf.metrics).
 */
import './fit';

export { History, lossNames, type CompileOptions, type FitOptions, type EvaluateOptions, type FitData, type LossFn, type OptimizerName } from './fit';
export { formatLogs, formatValue, type ProgressStream } from './progress';
