/**
 * tf.metrics: accuracy, binaryAccuracy, topKAccuracy, mae, mse. Each takes (yPred, yTrue)
 * and returns the batch's mean as a plain number, computed in float64 JS from the
 * values (no graph is recorded, nothing is allocated that outlives the call). fit() and
 * evaluate() average them over an epoch weighted by batch size, so the epoch value is
 * the mean over all samples, whatever the batch sizes.
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors';
import { Tensor, isTensor } from '../tensor';

/** A metric: the mean over the batch of some per-sample score. */
export type MetricFn = (yPred: Tensor, yTrue: Tensor) => number;

function values(t: Tensor): ArrayLike<number> {
  const d = t.dataSync();
  return d as unknown as ArrayLike<number>;
}

function check(op: string, yPred: unknown, yTrue: unknown): [Tensor, Tensor] {
  if (!isTensor(yPred)) throw new ArgumentError(op, `yPred must be a Tensor, got ${yPred === null ? 'null' : typeof yPred}`);
  if (!isTensor(yTrue)) throw new ArgumentError(op, `yTrue must be a Tensor, got ${yTrue === null ? 'null' : typeof yTrue}`);
  yPred.handle(op);
  yTrue.handle(op);
  return [yPred, yTrue];
}

function isIntegral(t: Tensor): boolean {
  return t.dtype === 'int32' || t.dtype === 'bool' || (t.dtype as string) === 'int64' || (t.dtype as string) === 'uint8';
}

/** Number of samples in a batch (its first dim; 1 for a 0-d tensor). */
export function batchSizeOf(t: Tensor): number {
  return t.ndim === 0 ? 1 : t.shape[0];
}

/** Row-wise argmax of a [N, C] value array. */
function argmaxRows(v: ArrayLike<number>, n: number, c: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bv = v[i * c];
    for (let j = 1; j < c; j++) {
      const x = v[i * c + j];
      if (x > bv || (Number.isNaN(x) && !Number.isNaN(bv))) {
        bv = x;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

function classIndices(op: string, yTrue: Tensor, n: number, c: number): ArrayLike<number> {
  const t = values(yTrue);
  for (let i = 0; i < n; i++) {
    const k = t[i];
    if (!Number.isInteger(k) || k < 0 || k >= c) {
      throw new ArgumentError(op, `class index ${k} at position ${i} is out of range for ${c} classes`);
    }
  }
  return t;
}

/**
 * Fraction of correct predictions.
 * - yPred [N, C] (logits or probabilities) with yTrue [N] class indices: argmax(yPred) == yTrue.
 * - yPred [N, C] with yTrue [N, C] (one-hot or probabilities): argmax(yPred) == argmax(yTrue).
 * - otherwise (binary: yPred and yTrue of one shape, e.g. [N] or [N, 1], yPred holding
 *   probabilities): see binaryAccuracy.
 * @example tf.metrics.accuracy(tf.tensor([[2, 1], [0, 3]]), tf.tensor([0, 0], { dtype: 'int32' })) // 0.5
 */
export function accuracy(yPred: Tensor, yTrue: Tensor): number {
  const op = 'metrics.accuracy';
  check(op, yPred, yTrue);
  if (yPred.ndim === 2 && yTrue.ndim === 1 && yPred.shape[1] > 1) {
    const [n, c] = yPred.shape;
    if (yTrue.shape[0] !== n) throw new ShapeError(op, `yPred ${fmtShape(yPred.shape)} and class indices yTrue ${fmtShape(yTrue.shape)} disagree on the batch size`);
    if (n === 0) return 0;
    const pred = argmaxRows(values(yPred), n, c);
    const t = classIndices(op, yTrue, n, c);
    let ok = 0;
    for (let i = 0; i < n; i++) if (pred[i] === t[i]) ok++;
    return ok / n;
  }
  if (yPred.ndim === 2 && yTrue.ndim === 2 && yPred.shape[1] > 1) {
    const [n, c] = yPred.shape;
    if (yTrue.shape[0] !== n || yTrue.shape[1] !== c) throw new ShapeError(op, `yPred ${fmtShape(yPred.shape)} and one-hot yTrue ${fmtShape(yTrue.shape)} must have the same shape`);
    if (n === 0) return 0;
    const a = argmaxRows(values(yPred), n, c);
    const b = argmaxRows(values(yTrue), n, c);
    let ok = 0;
    for (let i = 0; i < n; i++) if (a[i] === b[i]) ok++;
    return ok / n;
  }
  return binaryAccuracy(yPred, yTrue);
}

/**
 * Fraction of samples where (yPred > threshold) equals yTrue (0/1), elementwise over
 * yPred's shape (yTrue of the same number of elements, e.g. [N] against [N, 1]).
 * @param threshold applied to yPred (default 0.5, for probabilities; use 0 for logits)
 * @example tf.metrics.binaryAccuracy(tf.tensor([0.9, 0.2, 0.6]), tf.tensor([1, 0, 0])) // 2/3
 */
export function binaryAccuracy(yPred: Tensor, yTrue: Tensor, threshold = 0.5): number {
  const op = 'metrics.binaryAccuracy';
  check(op, yPred, yTrue);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new ArgumentError(op, `threshold must be a number, got ${String(threshold)}`);
  if (yPred.size !== yTrue.size) throw new ShapeError(op, `yPred ${fmtShape(yPred.shape)} and yTrue ${fmtShape(yTrue.shape)} must have the same number of elements`);
  if (yPred.size === 0) return 0;
  const p = values(yPred);
  const t = values(yTrue);
  let ok = 0;
  for (let i = 0; i < p.length; i++) if ((p[i] > threshold ? 1 : 0) === (t[i] > 0.5 ? 1 : 0)) ok++;
  return ok / p.length;
}

/**
 * A metric: fraction of samples whose true class is among the k highest scores of
 * yPred [N, C] (yTrue [N] class indices, or [N, C] one-hot). A tie with the true class's
 * score counts in its favour.
 * @example const top5 = tf.metrics.topKAccuracy(5); top5(logits, labels)
 */
export function topKAccuracy(k = 5): MetricFn {
  const op = 'metrics.topKAccuracy';
  if (!Number.isInteger(k) || k < 1) throw new ArgumentError(op, `k must be a positive integer, got ${String(k)}`);
  const fn = (yPred: Tensor, yTrue: Tensor): number => {
    check(op, yPred, yTrue);
    if (yPred.ndim !== 2) throw new ShapeError(op, `yPred must be [N, C] scores, got ${fmtShape(yPred.shape)}`);
    const [n, c] = yPred.shape;
    let t: ArrayLike<number>;
    if (yTrue.ndim === 1 && yTrue.shape[0] === n) t = classIndices(op, yTrue, n, c);
    else if (yTrue.ndim === 2 && yTrue.shape[0] === n && yTrue.shape[1] === c) t = argmaxRows(values(yTrue), n, c);
    else throw new ShapeError(op, `yTrue must be [${n}] class indices or [${n}, ${c}] one-hot, got ${fmtShape(yTrue.shape)}`);
    if (n === 0) return 0;
    const p = values(yPred);
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const s = p[i * c + t[i]];
      let above = 0;
      for (let j = 0; j < c; j++) if (p[i * c + j] > s) above++;
      if (above < k) ok++;
    }
    return ok / n;
  };
  Object.defineProperty(fn, 'name', { value: k === 5 ? 'topKAccuracy' : `top${k}Accuracy` });
  return fn;
}

function elementwise(op: string, yPred: Tensor, yTrue: Tensor, f: (d: number) => number): number {
  check(op, yPred, yTrue);
  if (yPred.size !== yTrue.size) throw new ShapeError(op, `yPred ${fmtShape(yPred.shape)} and yTrue ${fmtShape(yTrue.shape)} must have the same number of elements`);
  if (isIntegral(yPred)) throw new DTypeError(op, `yPred must be floating, got ${yPred.dtype}`);
  if (yPred.size === 0) return 0;
  const p = values(yPred);
  const t = values(yTrue);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += f(p[i] - t[i]);
  return s / p.length;
}

/**
 * Mean absolute error over every element.
 * @example tf.metrics.mae(tf.tensor([1, 2]), tf.tensor([0, 4])) // 1.5
 */
export function mae(yPred: Tensor, yTrue: Tensor): number {
  return elementwise('metrics.mae', yPred, yTrue, Math.abs);
}

/**
 * Mean squared error over every element.
 * @example tf.metrics.mse(tf.tensor([1, 2]), tf.tensor([0, 4])) // 2.5
 */
export function mse(yPred: Tensor, yTrue: Tensor): number {
  return elementwise('metrics.mse', yPred, yTrue, (d) => d * d);
}

const BY_NAME: Record<string, () => MetricFn> = {
  accuracy: () => accuracy,
  acc: () => accuracy,
  binaryAccuracy: () => binaryAccuracy as MetricFn,
  topKAccuracy: () => topKAccuracy(5),
  mae: () => mae,
  meanAbsoluteError: () => mae,
  mse: () => mse,
  meanSquaredError: () => mse,
};

/** The metric names compile() accepts. */
export const metricNames = Object.keys(BY_NAME);

/**
 * Resolves a metric given to compile(): a name ('accuracy', 'binaryAccuracy',
 * 'topKAccuracy' (k = 5), 'mae', 'mse', ...) or a function (yPred, yTrue) => number;
 * returns the key it gets in logs and History.
 */
export function getMetric(m: unknown, index = 0): { name: string; fn: MetricFn } {
  const op = 'compile';
  if (typeof m === 'string') {
    const make = BY_NAME[m];
    if (make === undefined) throw new ArgumentError(op, `unknown metric '${m}'; known: ${metricNames.join(', ')} (or pass a function (yPred, yTrue) => number)`);
    return { name: m === 'acc' ? 'accuracy' : m, fn: make() };
  }
  if (typeof m === 'function') return { name: m.name || `metric${index}`, fn: m as MetricFn };
  throw new ArgumentError(op, `metrics[${index}] must be a name or a function (yPred, yTrue) => number, got ${m === null ? 'null' : typeof m}`);
}
