/**
 * tf.io: safetensors files and buffers, whole models and checkpoints.
 * @example
 * tf.save(model.stateDict(), 'model.safetensors');
 * model.loadStateDict(tf.load('model.safetensors'));
 */
export {
  save, load, loadWithMetadata, serialize, deserialize, deserializeWithMetadata, readHeader, MAX_HEADER_BYTES,
  type TensorDict, type Metadata, type SaveOptions, type Loaded,
} from './safetensors';
export { saveModel, loadModel, readModelConfig, registerModule, registeredModule, describeModule, buildModule,
  type ModelConfig, type ModuleNode, type TensorSpec, type SaveModelOptions, type LoadModelOptions } from './model';
export { saveCheckpoint, loadCheckpoint, checkpointFile, type CheckpointContent, type CheckpointInfo, type LoadCheckpointOptions, type Stateful } from './checkpoint';
export { SafetensorsError, ModelFormatError } from './errors';
