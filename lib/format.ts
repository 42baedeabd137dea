/** Printing tensors the way PyTorch does: tensor([[1., 2.], [3., 4.]], dtype=float64). */
import type { DType, TypedArray } from './dtype';

const SUMMARIZE_ABOVE = 1000;
const EDGE = 3;

function formatter(values: number[], dtype: DType): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'true' : 'false');
  if (dtype === 'int32') return (v) => String(v);
  const finite = values.filter((v) => Number.isFinite(v));
  const allInt = finite.every((v) => Number.isInteger(v));
  const abs = finite.map(Math.abs).filter((v) => v > 0);
  const max = abs.length ? Math.max(...abs) : 0;
  const min = abs.length ? Math.min(...abs) : 0;
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (allInt && max < 1e8) return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  const sci = max >= 1e8 || (min > 0 && min < 1e-4) || (min > 0 && max / min > 1000 && !allInt);
  if (sci) return (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : special(v));
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

export function formatTensor(data: TypedArray, shape: readonly number[], dtype: DType, requiresGrad: boolean, gradFn: string | null): string {
  const n = data.length;
  const summarize = n > SUMMARIZE_ABOVE;
  // Elements actually shown, to pick a common format and width.
  const shown: number[] = [];
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  const indices = (size: number): (number | null)[] =>
    summarize && size > 2 * EDGE
      ? [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => size - EDGE + i)]
      : Array.from({ length: size }, (_, i) => i);
  const gather = (d: number, base: number): void => {
    if (d === shape.length) {
      shown.push(data[base]);
      return;
    }
    for (const i of indices(shape[d])) if (i !== null) gather(d + 1, base + i * strides[d]);
  };
  if (n > 0) gather(0, 0);
  const fmt = formatter(shown, dtype);
  const width = Math.max(0, ...shown.map((v) => fmt(v).length));
  const pad = (t: string) => t.padStart(width);
  const indent = 'tensor('.length;
  const render = (d: number, base: number): string => {
    if (d === shape.length) return pad(fmt(data[base]));
    const parts = indices(shape[d]).map((i) => (i === null ? '...' : render(d + 1, base + i * strides[d])));
    if (d === shape.length - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(shape.length - 1 - d) + ' '.repeat(indent + d + 1);
    return `[${parts.join(sep)}]`;
  };
  let body: string;
  if (shape.length === 0) body = fmt(data[0]);
  else if (n === 0) body = `[]`;
  else body = render(0, 0);
  const extras: string[] = [];
  if (n === 0 && shape.length > 1) extras.push(`size=[${shape.join(', ')}]`);
  if (dtype === 'float64') extras.push('dtype=float64');
  if (gradFn) extras.push(`gradFn=<${gradFn}>`);
  else if (requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
