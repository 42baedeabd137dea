/**
 * The linear pooling maps (average, adaptive average, nearest upsampling) and their
 * adjoints (their gradients) as a pair of recorded ops: each one's backward is the other,
 * so gradients through them can be differentiated again, to any order (createGraph).
 * Both run on planes [..., H, W]: the map takes inShape to outShape, the adjoint back.
 */
import { Tensor } from '../tensor';
import { needsGrad, noGrad, record } from '../autograd/graph';
import { type PoolGeometry, type PoolKind, poolBackward, poolForward } from './pool_common';

/** One linear pooling map: its native forward and backward kinds, window and plane shapes. */
export interface LinearPool {
  op: string;
  forward: PoolKind;
  adjoint: PoolKind;
  geom: Omit<PoolGeometry, 'planes' | 'ih' | 'iw'>;
  /** [..., H, W] */
  inShape: readonly number[];
  /** [..., OH, OW] */
  outShape: readonly number[];
}

/** The map applied to t of p.inShape; recorded, with the adjoint as its backward. */
export function applyPool(p: LinearPool, t: Tensor): Tensor {
  const y = noGrad(() => poolForward(p.op, p.forward, t, p.geom));
  if (!needsGrad(t)) return y;
  return record(p.op, y, [t], (g) => [applyPoolAdjoint(p, g)]);
}

/** The adjoint (the gradient of the map) applied to g of p.outShape; recorded, with the map as its backward. */
export function applyPoolAdjoint(p: LinearPool, g: Tensor): Tensor {
  const gx = noGrad(() => poolBackward(p.op, p.adjoint, g, p.inShape, p.geom));
  if (!needsGrad(g)) return gx;
  return record(`${p.op}Backward`, gx, [g], (gg) => [applyPool(p, gg)]);
}
