/** One model as the server holds it: its name, signature, input readers and batcher. */
import type { TensorSpec } from '../io/model';
import { ModelBatcher, type BatcherOptions, type RowsResult } from './batcher';
import { BadRequestError, InputValidationError } from './errors';
import type { ServerMetrics } from './metrics';
import { InputReader, describeInputs, nameSpecs, type DecodedInput, type NamedSpec, type Signature } from './signature';
import type { InferencePool } from './worker_pool';

export class ServedModel {
  readonly signature: Signature;
  readonly batcher: ModelBatcher;
  /** The input signature as one line (for 422 messages). */
  readonly described: string;
  private readonly readers: InputReader[];

  constructor(readonly name: string, key: string, inputs: TensorSpec[], outputs: TensorSpec[], pool: InferencePool, opts: BatcherOptions, metrics: ServerMetrics) {
    this.signature = { inputs: nameSpecs(inputs, 'input'), outputs: nameSpecs(outputs, 'output') };
    this.described = describeInputs(this.signature.inputs);
    this.readers = this.signature.inputs.map((s) => new InputReader(s, this.described, `model '${name}', input '${s.name}'`));
    this.batcher = new ModelBatcher(name, key, this.signature.inputs, pool, opts, metrics);
  }

  get inputs(): NamedSpec[] {
    return this.signature.inputs;
  }

  reader(i: number): InputReader {
    return this.readers[i];
  }

  /** The index of the input called name; a 422 naming the inputs if there is none. */
  inputIndex(name: unknown): number {
    const i = this.signature.inputs.findIndex((s) => s.name === name);
    if (i < 0) throw new InputValidationError(`model '${this.name}' has no input ${JSON.stringify(name)}; its inputs are ${this.described} (-1 is the batch dim)`);
    return i;
  }

  /**
   * Queues an unread predict body (body.ts) for the worker to read; null when the model
   * cannot take one (several inputs, or not a float input) or the worker declined it:
   * the caller then reads the body as general JSON.
   */
  async inferRaw(raw: Uint8Array): Promise<RowsResult | null> {
    const only = this.signature.inputs.length === 1 ? this.signature.inputs[0] : null;
    if (only === null || (only.dtype !== 'float32' && only.dtype !== 'float64')) return null;
    return this.batcher.submitRaw(raw);
  }

  /** Checks that every input has the same number of rows, then queues the request. */
  infer(decoded: DecodedInput[]): Promise<RowsResult> {
    if (decoded.length !== this.signature.inputs.length) throw new BadRequestError(`model '${this.name}' takes ${this.signature.inputs.length} inputs (${this.described}), the request has ${decoded.length}`);
    const rows = decoded[0].rows;
    if (decoded.some((d) => d.rows !== rows)) throw new InputValidationError(`model '${this.name}': every input needs the same batch size, got ${decoded.map((d) => d.rows).join(', ')}; inputs are ${this.described}`);
    return this.batcher.submit(decoded);
  }
}
