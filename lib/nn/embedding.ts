/** nn.Embedding. */
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import type { Tensor } from '../tensor';
import { zeros } from '../creation';
import { select } from '../ops/view';
import { copyToContiguous } from '../ops/copy';
import { embedding } from './functional';
import { normal_ } from './init';
import { emptyParameter, layerDType, type FactoryOptions } from './layer_util';
import { Module } from './module';
import { parameter } from './parameter';
import { assignNoGrad, checkFloat, checkInt } from './util';

/** Options of nn.Embedding. */
export interface EmbeddingOptions extends FactoryOptions {
  /** This row is zero at init and gets no gradient (e.g. padding tokens). */
  paddingIdx?: number | null;
}

/**
 * A lookup table: forward(indices [*]) gives weight rows [*, embeddingDim]. weight is
 * drawn from N(0, 1); the paddingIdx row is zeroed and receives no gradient.
 * @example
 * const emb = new nn.Embedding(1000, 64, { paddingIdx: 0 });
 * emb.forward(tf.tensor([[1, 5, 0]], { dtype: 'int32' })) // [1, 3, 64]
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  declare weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, { paddingIdx = null, dtype }: EmbeddingOptions = {}) {
    super();
    const op = 'Embedding';
    this.numEmbeddings = checkInt(op, numEmbeddings, 'numEmbeddings');
    this.embeddingDim = checkInt(op, embeddingDim, 'embeddingDim');
    this.paddingIdx = normPadding(op, paddingIdx, numEmbeddings);
    this.registerParameter('weight', emptyParameter([numEmbeddings, embeddingDim], layerDType(op, dtype)));
    this.resetParameters();
  }

  /**
   * An Embedding holding a copy of the given [num, dim] table; frozen (requiresGrad
   * false) unless freeze is false.
   */
  static fromPretrained(weight: Tensor, { freeze = true, paddingIdx = null }: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    const op = 'Embedding.fromPretrained';
    checkFloat(op, weight, 'weight');
    if (weight.ndim !== 2) throw new ShapeError(op, `weight must be 2-d [numEmbeddings, embeddingDim], got ${fmtShape(weight.shape)}`);
    const e = new Embedding(weight.shape[0], weight.shape[1], { paddingIdx, dtype: weight.dtype });
    const old = e.weight;
    e.weight = parameter(copyToContiguous(op, weight), !freeze);
    old.dispose();
    return e;
  }

  /** weight ~ N(0, 1), the paddingIdx row zeroed. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null && this.embeddingDim > 0) {
      const row = select(this.weight, 0, this.paddingIdx);
      const z = zeros([this.embeddingDim], { dtype: this.weight.dtype });
      assignNoGrad('Embedding', row, z);
      z.dispose();
      row.dispose();
    }
  }

  override getConfig(): unknown[] {
    return [this.numEmbeddings, this.embeddingDim, { paddingIdx: this.paddingIdx, dtype: this.weight.dtype }];
  }

  /** @param input int32 indices [*] @returns [*, embeddingDim] */
  override forward(input: Tensor): Tensor {
    return embedding(input, this.weight, this.paddingIdx);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}

function normPadding(op: string, p: number | null, n: number): number | null {
  if (p === null || p === undefined) return null;
  if (!Number.isInteger(p) || p < -n || p >= n) throw new ArgumentError(op, `paddingIdx must be an integer in [-${n}, ${n}), got ${String(p)}`);
  return p < 0 ? p + n : p;
}
