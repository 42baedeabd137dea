/**
 * Printing tensors the way PyTorch does: tensor([[1., 2.], [3., 4.]], dtype=float64).
 * The rules follow torch/_tensor_str.py (default print options): one format for every
 * shown element, chosen from the nonzero finite values; summarised when more than 1000
 * elements (3 at each edge); rows wrapped at 80 columns; suffixes for dtypes that are
 * not the default. Names are ours (dtype=float64, requiresGrad=true, true/false).
 */
import type { DType, TypedArray } from './dtype';

const SUMMARIZE_ABOVE = 1000;
const EDGE = 3;
const LINE_WIDTH = 80;
const PRECISION = 4;
const PREFIX = 'tensor(';

/**
 * Python's round-half-even: JS's toFixed/toExponential round exact ties away from zero
 * (0.03125 -> "0.0313"), Python's format() to even ("0.0312"). A tie is exact only for
 * a dyadic value, whose long expansion then reads ...5000...; there we keep the
 * truncated digits when the last one is even.
 */
function roundHalfEven(v: number, digits: number, exp: boolean): string {
  let s = exp ? v.toExponential(digits) : v.toFixed(digits);
  if (Object.is(v, -0)) s = '-' + s; // Python keeps the sign of -0.0
  const a = Math.abs(v);
  const long = exp ? a.toExponential(digits + 25) : a.toFixed(digits + 25);
  const [mant, e] = exp ? long.split('e') : [long, ''];
  const point = mant.indexOf('.');
  const cut = point + 1 + digits;
  if (!/^50*$/.test(mant.slice(cut))) return s;
  const kept = digits === 0 ? mant.slice(0, point) : mant.slice(0, cut);
  if (Number(kept[kept.length - 1]) % 2 !== 0) return s;
  return (v < 0 || Object.is(v, -0) ? '-' : '') + kept + (exp ? 'e' + e : '');
}

/** Python's f"{v:.{p}e}": at least two exponent digits. */
function sci(v: number): string {
  return roundHalfEven(v, PRECISION, true).replace(/e([+-])(\d)$/, 'e$10$2');
}

function fixed(v: number, digits: number): string {
  return roundHalfEven(v, digits, false);
}

function special(v: number): string {
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}

interface Formatter {
  width: number;
  format(v: number): string;
}

/** PyTorch's _Formatter: the mode and the width come from the values shown. */
function formatter(values: readonly number[], dtype: DType): Formatter {
  let str: (v: number) => string;
  let width = 1;
  if (dtype === 'bool' || dtype === 'int32') {
    str = dtype === 'bool' ? (v) => (v ? 'true' : 'false') : (v) => String(v);
    for (const v of values) width = Math.max(width, str(v).length);
  } else {
    const nz = values.filter((v) => Number.isFinite(v) && v !== 0);
    let intMode = true;
    let sciMode = false;
    if (nz.length) {
      const abs = nz.map(Math.abs);
      const max = Math.max(...abs);
      const min = Math.min(...abs);
      intMode = nz.every((v) => Number.isInteger(v));
      sciMode = max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4);
      for (const v of nz) {
        const len = sciMode ? sci(v).length : intMode ? fixed(v, 0).length + 1 : fixed(v, PRECISION).length;
        width = Math.max(width, len);
      }
    }
    if (sciMode) str = (v) => (Number.isFinite(v) ? sci(v) : special(v));
    else if (intMode) str = (v) => (Number.isFinite(v) ? `${fixed(v, 0)}.` : special(v));
    else str = (v) => (Number.isFinite(v) ? fixed(v, PRECISION) : special(v));
  }
  return { width, format: (v) => str(v).padStart(width) };
}

export function formatTensor(data: TypedArray, shape: readonly number[], dtype: DType, requiresGrad: boolean, gradFn: string | null): string {
  const n = data.length;
  const summarize = n > SUMMARIZE_ABOVE;
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
  // The elements actually shown pick the format, as PyTorch's summarised data does.
  const shown: number[] = [];
  const gather = (d: number, base: number): void => {
    if (d === shape.length) {
      shown.push(data[base]);
      return;
    }
    for (const i of indices(shape[d])) if (i !== null) gather(d + 1, base + i * strides[d]);
  };
  if (n > 0) gather(0, 0);
  const fmt = formatter(shown, dtype);
  const perLine = (indent: number) => Math.max(1, Math.floor((LINE_WIDTH - indent) / (fmt.width + 2)));
  const render = (d: number, base: number, indent: number): string => {
    if (d === shape.length - 1) {
      const items = indices(shape[d]).map((i) => (i === null ? ' ...' : fmt.format(data[base + i * strides[d]])));
      const k = perLine(indent);
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += k) lines.push(items.slice(i, i + k).join(', '));
      return `[${lines.join(',\n' + ' '.repeat(indent + 1))}]`;
    }
    const parts = indices(shape[d]).map((i) => (i === null ? '...' : render(d + 1, base + i * strides[d], indent + 1)));
    return `[${parts.join(',' + '\n'.repeat(shape.length - 1 - d) + ' '.repeat(indent + 1))}]`;
  };
  const suffixes: string[] = [];
  let body: string;
  if (n === 0) {
    body = '[]';
    if (shape.length !== 1) suffixes.push(`size=[${shape.join(', ')}]`);
    // Nothing shows the dtype of an empty tensor, so every non-default one is named.
    if (dtype !== 'float32') suffixes.push(`dtype=${dtype}`);
  } else {
    body = shape.length === 0 ? fmt.format(data[0]) : render(0, 0, PREFIX.length);
    if (dtype === 'float64') suffixes.push('dtype=float64');
  }
  if (gradFn) suffixes.push(`gradFn=<${gradFn}>`);
  else if (requiresGrad) suffixes.push('requiresGrad=true');
  // A suffix that would overflow the last line goes on its own line (PyTorch's _add_suffixes).
  let out = PREFIX + body;
  let lastLine = out.length - out.lastIndexOf('\n') + 1;
  for (const sfx of suffixes) {
    if (lastLine + sfx.length + 2 > LINE_WIDTH) {
      out += ',\n' + ' '.repeat(PREFIX.length) + sfx;
      lastLine = PREFIX.length + sfx.length;
    } else {
      out += ', ' + sfx;
      lastLine += sfx.length + 2;
    }
  }
  return out + ')';
}
