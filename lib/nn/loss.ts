/**
 * Loss modules (nn.MSELoss, nn.CrossEntropyLoss, ...): options in the constructor,
 * forward(input, target) calls the functional loss. Class weights and posWeight are
 * copied into buffers ('weight', 'pos_weight', as PyTorch's state dicts), owned by the module.
 */
import type { Tensor } from '../tensor';
import { copyToContiguous } from '../ops/copy';
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, cosineEmbeddingLoss, crossEntropy, huberLoss, klDiv, l1Loss, mseLoss,
  nllLoss, smoothL1Loss, type KLDivOptions,
} from './losses';
import { Module } from './module';
import { checkReduction, checkTensor, type Reduction } from './util';

abstract class Loss extends Module {
  readonly reduction: Reduction;
  constructor(reduction: Reduction | undefined, extra: string[] = []) {
    super();
    this.reduction = checkReduction(this.constructor.name, reduction, extra) as Reduction;
  }
  override extraRepr(): string {
    return '';
  }
}

function ownCopy(op: string, t: Tensor | null | undefined): Tensor | null {
  if (t === null || t === undefined) return null;
  return copyToContiguous(op, checkTensor(op, t, 'weight'));
}

/** @see mseLoss */
export class MSELoss extends Loss {
  override getConfig(): unknown[] { return [{ reduction: this.reduction }]; }
  constructor({ reduction }: { reduction?: Reduction } = {}) { super(reduction); }
  override forward(input: Tensor, target: Tensor): Tensor { return mseLoss(input, target, { reduction: this.reduction }); }
}

/** @see l1Loss */
export class L1Loss extends Loss {
  override getConfig(): unknown[] { return [{ reduction: this.reduction }]; }
  constructor({ reduction }: { reduction?: Reduction } = {}) { super(reduction); }
  override forward(input: Tensor, target: Tensor): Tensor { return l1Loss(input, target, { reduction: this.reduction }); }
}

/** @see smoothL1Loss */
export class SmoothL1Loss extends Loss {
  override getConfig(): unknown[] { return [{ reduction: this.reduction, beta: this.beta }]; }
  readonly beta: number;
  constructor({ reduction, beta = 1 }: { reduction?: Reduction; beta?: number } = {}) { super(reduction); this.beta = beta; }
  override forward(input: Tensor, target: Tensor): Tensor { return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

/** @see huberLoss */
export class HuberLoss extends Loss {
  override getConfig(): unknown[] { return [{ reduction: this.reduction, delta: this.delta }]; }
  readonly delta: number;
  constructor({ reduction, delta = 1 }: { reduction?: Reduction; delta?: number } = {}) { super(reduction); this.delta = delta; }
  override forward(input: Tensor, target: Tensor): Tensor { return huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
}

/** @see crossEntropy */
export class CrossEntropyLoss extends Loss {
  override getConfig(): unknown[] { return [{ weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing }]; }
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  declare weight: Tensor | null;
  constructor({ weight = null, ignoreIndex = -100, reduction, labelSmoothing = 0 }: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {}) {
    super(reduction);
    this.ignoreIndex = ignoreIndex;
    this.labelSmoothing = labelSmoothing;
    this.registerBuffer('weight', ownCopy('CrossEntropyLoss', weight));
  }
  /** @param input logits [N, C, ...] @param target int32 [N, ...] or probabilities [N, C, ...] */
  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** @see nllLoss */
export class NLLLoss extends Loss {
  override getConfig(): unknown[] { return [{ weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction }]; }
  readonly ignoreIndex: number;
  declare weight: Tensor | null;
  constructor({ weight = null, ignoreIndex = -100, reduction }: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {}) {
    super(reduction);
    this.ignoreIndex = ignoreIndex;
    this.registerBuffer('weight', ownCopy('NLLLoss', weight));
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** @see binaryCrossEntropy */
export class BCELoss extends Loss {
  override getConfig(): unknown[] { return [{ weight: this.weight, reduction: this.reduction }]; }
  declare weight: Tensor | null;
  constructor({ weight = null, reduction }: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super(reduction);
    this.registerBuffer('weight', ownCopy('BCELoss', weight));
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** @see binaryCrossEntropyWithLogits */
export class BCEWithLogitsLoss extends Loss {
  override getConfig(): unknown[] { return [{ weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction }]; }
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  constructor({ weight = null, posWeight = null, reduction }: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    super(reduction);
    this.registerBuffer('weight', ownCopy('BCEWithLogitsLoss', weight));
    this.registerBuffer('pos_weight', ownCopy('BCEWithLogitsLoss', posWeight));
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}

/** @see klDiv */
export class KLDivLoss extends Loss {
  override getConfig(): unknown[] { return [{ reduction: this.reduction, logTarget: this.logTarget }]; }
  readonly logTarget: boolean;
  constructor({ reduction, logTarget = false }: KLDivOptions = {}) {
    super(reduction as Reduction, ['batchmean']);
    this.logTarget = logTarget;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

/** @see cosineEmbeddingLoss */
export class CosineEmbeddingLoss extends Loss {
  override getConfig(): unknown[] { return [{ margin: this.margin, reduction: this.reduction }]; }
  readonly margin: number;
  constructor({ margin = 0, reduction }: { margin?: number; reduction?: Reduction } = {}) { super(reduction); this.margin = margin; }
  override forward(x1: Tensor, x2: Tensor, y: Tensor): Tensor {
    return cosineEmbeddingLoss(x1, x2, y, { margin: this.margin, reduction: this.reduction });
  }
}
