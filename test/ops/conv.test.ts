/**
 * conv1d / conv2d / convTranspose2d against float64 direct-loop references (conv_ref.ts):
 * forward and the input, weight and bias gradients on many configurations (odd sizes,
 * strides, paddings incl. 'same' with even kernels and 'valid', dilations, groups incl.
 * depthwise, 1x1, batch 1 and larger, unbatched, non-contiguous operands), each in
 * float64 and float32, with the AVX2 and the portable kernels. Then the algorithm choice
 * and the typed errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import type { DType, Tensor } from '../../lib/index';
import { native } from '../../lib/native';
import { expectClose, makeTensor, numel, rng, type Layout } from '../helpers';
import { type RefConv, refConv2d, refConvTranspose2d } from './conv_ref';

const { F } = tf;
afterEach(() => tf.setPortableKernels(false));

type Pair = number | [number, number];
interface Conv2dCase {
  n: number; c: number; h: number; w: number; k: number; kh: number; kw: number;
  stride?: Pair; padding?: Pair | 'same' | 'valid'; dilation?: Pair; groups?: number; bias?: boolean;
  unbatched?: boolean;
}

const pair = (v: Pair | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);

/** The geometry PyTorch defines for a case (written out here, independently of lib/). */
function geometry(cs: Conv2dCase): RefConv {
  const [sh, sw] = pair(cs.stride, 1);
  const [dh, dw] = pair(cs.dilation, 1);
  let ph: number, pw: number, th: number, tw: number;
  if (cs.padding === 'same') {
    th = dh * (cs.kh - 1); tw = dw * (cs.kw - 1);
    ph = Math.floor(th / 2); pw = Math.floor(tw / 2);
  } else if (cs.padding === 'valid') {
    ph = pw = th = tw = 0;
  } else {
    [ph, pw] = pair(cs.padding, 0);
    th = 2 * ph; tw = 2 * pw;
  }
  const oh = Math.floor((cs.h + th - dh * (cs.kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((cs.w + tw - dw * (cs.kw - 1) - 1) / sw) + 1;
  return { n: cs.n, c: cs.c, h: cs.h, w: cs.w, k: cs.k, kh: cs.kh, kw: cs.kw, sh, sw, ph, pw, dh, dw, oh, ow, groups: cs.groups ?? 1 };
}

const tolerance = (dtype: DType, terms: number) => (dtype === 'float64' ? { rtol: 1e-10, atol: 1e-11 } : { rtol: 1e-4, atol: 2e-5 * Math.sqrt(terms) });

const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced'];

/** Runs op forward and backward (loss sum(y * r)) and compares with the reference. */
function check(what: string, dtype: DType, layout: Layout, shapes: { x: number[]; w: number[]; b: number[] | null; y: number[] },
  op: (x: Tensor, w: Tensor, b: Tensor | null) => Tensor,
  ref: (x: Float64Array, w: Float64Array, b: Float64Array | null, r: Float64Array) => { y: Float64Array; gx: Float64Array; gw: Float64Array; gb: Float64Array },
  seed: number, terms: number): void {
  const r = rng(seed);
  const vals = (shape: number[]) => {
    const v = Float64Array.from({ length: numel(shape) }, () => -1 + 2 * r());
    return dtype === 'float32' ? Float64Array.from(v, Math.fround) : v;
  };
  const xv = vals(shapes.x);
  const wv = vals(shapes.w);
  const bv = shapes.b ? vals(shapes.b) : null;
  const rv = vals(shapes.y);
  const expected = ref(xv, wv, bv, rv);
  tf.tidy(() => {
    const x = makeTensor(xv, shapes.x, dtype, layout).requiresGrad_();
    const w = makeTensor(wv, shapes.w, dtype, layout === 'sliced' ? 'transposed' : layout).requiresGrad_();
    const b = bv ? makeTensor(bv, shapes.b!, dtype).requiresGrad_() : null;
    const y = op(x, w, b);
    expect(y.shape, what).toEqual(shapes.y);
    expect(y.dtype).toBe(dtype);
    const tol = tolerance(dtype, terms);
    expectClose(y.dataSync(), expected.y, { ...tol, what: `${what}: output` });
    y.mul(tf.tensor(rv, { shape: shapes.y, dtype })).sum().backward();
    expectClose(x.grad!.dataSync(), expected.gx, { ...tol, what: `${what}: input gradient` });
    expectClose(w.grad!.dataSync(), expected.gw, { ...tolerance(dtype, numel(shapes.y)), what: `${what}: weight gradient` });
    if (b) expectClose(b.grad!.dataSync(), expected.gb, { ...tolerance(dtype, numel(shapes.y)), what: `${what}: bias gradient` });
  });
}

const CONV2D: Conv2dCase[] = [
  { n: 2, c: 3, h: 7, w: 6, k: 4, kh: 3, kw: 3, padding: 1 },
  { n: 1, c: 2, h: 9, w: 8, k: 5, kh: 3, kw: 2, stride: 2, padding: [1, 2] },
  { n: 2, c: 3, h: 6, w: 7, k: 2, kh: 4, kw: 2, dilation: [1, 2], padding: 'same' },
  { n: 2, c: 2, h: 5, w: 6, k: 3, kh: 2, kw: 4, dilation: 2, padding: 'same', bias: false },
  { n: 3, c: 1, h: 5, w: 5, k: 3, kh: 5, kw: 3, padding: 'valid' },
  { n: 2, c: 4, h: 5, w: 5, k: 6, kh: 3, kw: 3, stride: [2, 1], padding: 1, groups: 2 },
  { n: 2, c: 6, h: 7, w: 5, k: 9, kh: 2, kw: 3, stride: [1, 3], dilation: [2, 1], groups: 3, bias: false },
  // depthwise (one input channel per group), with a channel multiplier, strided, dilated
  { n: 2, c: 5, h: 6, w: 7, k: 5, kh: 3, kw: 3, padding: 1, groups: 5 },
  { n: 1, c: 3, h: 9, w: 10, k: 6, kh: 3, kw: 3, stride: 2, groups: 3 },
  { n: 3, c: 4, h: 8, w: 19, k: 4, kh: 3, kw: 5, dilation: 2, padding: 'same', groups: 4 },
  { n: 2, c: 16, h: 12, w: 21, k: 16, kh: 3, kw: 3, padding: 1, groups: 16 },
  // 1x1: a plain GEMM; strided or padded 1x1 go through im2col
  { n: 3, c: 8, h: 5, w: 4, k: 6, kh: 1, kw: 1 },
  { n: 2, c: 6, h: 3, w: 5, k: 4, kh: 1, kw: 1, groups: 2 },
  { n: 2, c: 3, h: 5, w: 5, k: 4, kh: 1, kw: 1, stride: 2 },
  { n: 1, c: 3, h: 4, w: 4, k: 2, kh: 1, kw: 1, padding: 1 },
  // larger channel counts cover whole GEMM tiles and edges; batch 5 splits over threads
  { n: 2, c: 16, h: 12, w: 13, k: 20, kh: 3, kw: 3, padding: 1 },
  { n: 5, c: 7, h: 11, w: 9, k: 13, kh: 3, kw: 3, stride: 2, padding: [0, 1] },
  // several column blocks per image (the column matrix is built in L2-sized blocks), also at batch 1
  { n: 2, c: 32, h: 20, w: 19, k: 8, kh: 3, kw: 3, padding: 1 },
  { n: 1, c: 40, h: 17, w: 23, k: 7, kh: 3, kw: 3, stride: [1, 2], padding: [2, 1], dilation: [2, 1] },
  { n: 1, c: 64, h: 30, w: 31, k: 5, kh: 1, kw: 1 },
  // 3x3 stride 1 with >= 16 channels: Winograd F(4x4, 3x3) forward in float32 (odd and even sizes)
  { n: 2, c: 16, h: 9, w: 11, k: 17, kh: 3, kw: 3, padding: 1 },
  { n: 1, c: 24, h: 8, w: 7, k: 16, kh: 3, kw: 3 },
  { n: 3, c: 18, h: 5, w: 6, k: 20, kh: 3, kw: 3, padding: [2, 0] },
  { n: 1, c: 16, h: 40, w: 41, k: 16, kh: 3, kw: 3, padding: 1, bias: false },
  { n: 2, c: 16, h: 6, w: 5, k: 16, kh: 3, kw: 3, padding: [3, 2] },
  // LeNet's layers (small)
  { n: 4, c: 1, h: 28, w: 28, k: 6, kh: 5, kw: 5, padding: 2 },
  { n: 3, c: 6, h: 14, w: 14, k: 16, kh: 5, kw: 5 },
  // kernel as large as the padded input, a 1x1 input, unbatched inputs
  { n: 2, c: 2, h: 3, w: 3, k: 3, kh: 5, kw: 5, padding: 1 },
  { n: 2, c: 3, h: 1, w: 1, k: 2, kh: 3, kw: 3, padding: 1 },
  { n: 1, c: 3, h: 6, w: 5, k: 4, kh: 3, kw: 2, padding: [0, 1], unbatched: true },
];

/** Random configurations: any mix of the above within small sizes. */
function randomCases(count: number, seed: number): Conv2dCase[] {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const out: Conv2dCase[] = [];
  while (out.length < count) {
    const groups = [1, 1, 2, 3][int(0, 3)];
    const depthwise = r() < 0.25;
    const c = depthwise ? groups * 1 : groups * int(1, 4);
    const k = groups * int(1, depthwise ? 2 : 4);
    const cs: Conv2dCase = {
      n: int(1, 3), c, h: int(1, 11), w: int(1, 11), k, kh: int(1, 4), kw: int(1, 4),
      stride: [int(1, 3), int(1, 3)], dilation: [int(1, 2), int(1, 2)], groups, bias: r() < 0.7,
    };
    const p = r();
    if (p < 0.2 && cs.stride![0] === 1 && cs.stride![1] === 1) cs.padding = 'same';
    else if (p < 0.3) cs.padding = 'valid';
    else cs.padding = [int(0, 2), int(0, 2)];
    const g = geometry(cs);
    if (g.oh >= 1 && g.ow >= 1) out.push(cs);
  }
  return out;
}

function runConv2dCase(cs: Conv2dCase, i: number): void {
  const g = geometry(cs);
  const xShape = cs.unbatched ? [cs.c, cs.h, cs.w] : [cs.n, cs.c, cs.h, cs.w];
  const yShape = cs.unbatched ? [cs.k, g.oh, g.ow] : [cs.n, cs.k, g.oh, g.ow];
  const shapes = { x: xShape, w: [cs.k, cs.c / g.groups, cs.kh, cs.kw], b: cs.bias === false ? null : [cs.k], y: yShape };
  const terms = (cs.c / g.groups) * cs.kh * cs.kw;
  for (const portable of [false, true]) {
    tf.setPortableKernels(portable);
    for (const dtype of ['float64', 'float32'] as DType[]) {
      const layout = LAYOUTS[(i + (portable ? 1 : 0)) % 3];
      check(`conv2d ${JSON.stringify(cs)} ${dtype} ${layout}${portable ? ' portable' : ''}`, dtype, layout, shapes,
        (x, w, b) => F.conv2d(x, w, b, { stride: cs.stride, padding: cs.padding, dilation: cs.dilation, groups: cs.groups }),
        (x, w, b, r) => refConv2d(g, x, w, b, r), 1000 + i, terms);
    }
  }
}

describe('conv2d against the float64 reference', () => {
  it.each(CONV2D.map((cs, i) => [JSON.stringify(cs), cs, i] as const))('%s', (_name, cs, i) => runConv2dCase(cs, i));
  it('40 random configurations', () => {
    randomCases(40, 99).forEach((cs, i) => runConv2dCase(cs, i + 100));
  });
});

describe('direct kernel (few input channels, stride 1) against the float64 reference', () => {
  // LeNet-like layers and random small-C configurations that conv_plan sends to the direct
  // kernel (checked first); float64 takes im2col on the same plan. Output channel counts
  // cover both register blocks (4 and 6 channels) and their remainders.
  const plan = (cs: Conv2dCase) => {
    const g = geometry(cs);
    return native.convPlan(new Float64Array([g.n, g.c, g.h, g.w, g.k, g.kh, g.kw, g.oh, g.ow, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups]));
  };
  const FIXED: Conv2dCase[] = [
    { n: 2, c: 1, h: 28, w: 28, k: 32, kh: 5, kw: 5, padding: 2 },
    { n: 1, c: 1, h: 28, w: 28, k: 6, kh: 5, kw: 5, padding: 2 },
    { n: 3, c: 6, h: 14, w: 14, k: 16, kh: 5, kw: 5 },
    { n: 1, c: 3, h: 13, w: 11, k: 7, kh: 3, kw: 2, padding: [2, 0], bias: false },
    { n: 2, c: 2, h: 9, w: 17, k: 5, kh: 2, kw: 3, dilation: [2, 3], padding: 'same' },
    { n: 1, c: 1, h: 40, w: 3, k: 13, kh: 4, kw: 1, padding: [0, 1] },
    { n: 1, c: 2, h: 5, w: 6, k: 9, kh: 7, kw: 3, padding: [3, 1], unbatched: true },
    // depth 300: direct forward and input gradient, im2col weight gradient
    { n: 2, c: 12, h: 9, w: 10, k: 5, kh: 5, kw: 5, padding: 2 },
    // input gradient depth 24*25 = 600: im2col; weight gradient direct
    { n: 1, c: 5, h: 8, w: 9, k: 24, kh: 5, kw: 5, padding: [1, 2] },
  ];
  const r = rng(5);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const RANDOM: Conv2dCase[] = [];
  while (RANDOM.length < 24) {
    const cs: Conv2dCase = {
      n: int(1, 3), c: int(1, 6), h: int(1, 23), w: int(1, 23), k: int(1, 14), kh: int(1, 5), kw: int(1, 5),
      dilation: [int(1, 2), int(1, 2)], padding: [int(0, 3), int(0, 3)], bias: r() < 0.7,
    };
    const g = geometry(cs);
    if (g.oh >= 1 && g.ow >= 1 && plan(cs) === 4) RANDOM.push(cs);
  }
  it('conv_plan picks it for these cases', () => {
    for (const cs of [...FIXED, ...RANDOM]) expect(plan(cs), JSON.stringify(cs)).toBe(4);
  });
  it.each(FIXED.map((cs, i) => [JSON.stringify(cs), cs, i] as const))('%s', (_name, cs, i) => runConv2dCase(cs, 300 + i));
  it('24 random configurations', () => {
    RANDOM.forEach((cs, i) => runConv2dCase(cs, 400 + i));
  });
});

describe('strided convolutions (im2col / col2im through the stride phases) against the float64 reference', () => {
  // Stride > 1 without dilation splits each channel into its stride phases before building
  // the columns (and accumulates the input gradient on the phases): kernels larger and
  // smaller than the stride, odd inputs, paddings, groups, batch 1, whole images and several
  // column blocks per image, and dilated strided layers (no phases) beside them.
  const FIXED: Conv2dCase[] = [
    { n: 2, c: 3, h: 16, w: 16, k: 8, kh: 4, kw: 4, stride: 2, padding: 1 },
    { n: 3, c: 5, h: 9, w: 7, k: 6, kh: 4, kw: 4, stride: 2, padding: 1 },
    { n: 1, c: 4, h: 15, w: 13, k: 5, kh: 3, kw: 3, stride: 2, padding: 1 },
    { n: 2, c: 3, h: 11, w: 12, k: 4, kh: 5, kw: 5, stride: 2, padding: 2, bias: false },
    { n: 2, c: 2, h: 13, w: 10, k: 3, kh: 2, kw: 2, stride: 3 },
    { n: 1, c: 3, h: 10, w: 17, k: 4, kh: 3, kw: 5, stride: [2, 3], padding: [1, 2] },
    { n: 2, c: 4, h: 7, w: 9, k: 6, kh: 3, kw: 1, stride: [2, 1], padding: [1, 0], groups: 2 },
    { n: 2, c: 6, h: 8, w: 11, k: 3, kh: 1, kw: 3, stride: [1, 2], groups: 3 },
    { n: 1, c: 2, h: 6, w: 6, k: 3, kh: 3, kw: 3, stride: 2, padding: 3 },
    { n: 1, c: 2, h: 5, w: 5, k: 2, kh: 5, kw: 5, stride: 4, padding: 2, unbatched: true },
    // several column blocks per image (partial phase splits), at batch 1 and 2
    { n: 1, c: 40, h: 33, w: 31, k: 7, kh: 3, kw: 3, stride: 2, padding: 1 },
    { n: 2, c: 24, h: 29, w: 30, k: 9, kh: 4, kw: 4, stride: 2, padding: 1 },
    // larger channel counts (the critic's shape, small)
    { n: 2, c: 32, h: 8, w: 8, k: 24, kh: 4, kw: 4, stride: 2, padding: 1 },
    // deep reductions with few positions per block: the products run transposed on the
    // weight packed once per call (forward: depth >= 256; input gradient: >= 64 output
    // channels per group), whole images, several blocks per image, groups, stride 1 too
    { n: 5, c: 32, h: 8, w: 8, k: 64, kh: 4, kw: 4, stride: 2, padding: 1 },
    { n: 7, c: 64, h: 7, w: 9, k: 128, kh: 4, kw: 4, stride: 2, padding: 1, groups: 2, bias: false },
    { n: 2, c: 16, h: 34, w: 33, k: 64, kh: 3, kw: 3, stride: 2, padding: 1 },
    { n: 2, c: 64, h: 6, w: 6, k: 128, kh: 3, kw: 3, dilation: 2, padding: 2, groups: 2 },
    // dilated strided layers and 1x1 stride 2 keep the plain strided gathers
    { n: 2, c: 3, h: 12, w: 11, k: 4, kh: 3, kw: 3, stride: 2, dilation: 2, padding: 2 },
    { n: 2, c: 8, h: 9, w: 10, k: 5, kh: 1, kw: 1, stride: 2 },
  ];
  it.each(FIXED.map((cs, i) => [JSON.stringify(cs), cs, i] as const))('%s', (_name, cs, i) => runConv2dCase(cs, 600 + i));
  it('30 random strided configurations', () => {
    const r = rng(17);
    const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    const cases: Conv2dCase[] = [];
    while (cases.length < 30) {
      const groups = [1, 1, 2][int(0, 2)];
      const cs: Conv2dCase = {
        n: int(1, 3), c: groups * int(1, 4), h: int(1, 17), w: int(1, 17), k: groups * int(1, 4), kh: int(1, 5), kw: int(1, 5),
        stride: [int(1, 4), int(2, 4)], padding: [int(0, 3), int(0, 3)], groups, bias: r() < 0.7,
      };
      if (r() < 0.5) cs.stride = [cs.stride![1], cs.stride![0]];
      const g = geometry(cs);
      if (g.oh >= 1 && g.ow >= 1) cases.push(cs);
    }
    cases.forEach((cs, i) => runConv2dCase(cs, 700 + i));
  });
});

describe('conv1d against the float64 reference', () => {
  const CASES: { n: number; c: number; l: number; k: number; kl: number; stride?: number; padding?: number | 'same' | 'valid'; dilation?: number; groups?: number; bias?: boolean; unbatched?: boolean }[] = [
    { n: 2, c: 3, l: 10, k: 4, kl: 3, padding: 1 },
    { n: 1, c: 2, l: 17, k: 3, kl: 4, padding: 'same', dilation: 3 },
    { n: 3, c: 4, l: 9, k: 6, kl: 2, stride: 2, groups: 2, bias: false },
    { n: 2, c: 5, l: 12, k: 5, kl: 3, padding: 'same', groups: 5 },
    { n: 2, c: 6, l: 7, k: 3, kl: 1 },
    { n: 1, c: 3, l: 8, k: 2, kl: 5, padding: 'valid', unbatched: true },
  ];
  it.each(CASES.map((cs, i) => [JSON.stringify(cs), cs, i] as const))('%s', (_name, cs, i) => {
    const g = geometry({ n: cs.n, c: cs.c, h: 1, w: cs.l, k: cs.k, kh: 1, kw: cs.kl, stride: [1, cs.stride ?? 1],
      dilation: [1, cs.dilation ?? 1], groups: cs.groups, padding: typeof cs.padding === 'string' ? cs.padding : [0, cs.padding ?? 0] });
    const x = cs.unbatched ? [cs.c, cs.l] : [cs.n, cs.c, cs.l];
    const y = cs.unbatched ? [cs.k, g.ow] : [cs.n, cs.k, g.ow];
    for (const portable of [false, true]) {
      tf.setPortableKernels(portable);
      for (const dtype of ['float64', 'float32'] as DType[]) {
        check(`conv1d ${JSON.stringify(cs)} ${dtype}`, dtype, LAYOUTS[i % 3], { x, w: [cs.k, cs.c / g.groups, cs.kl], b: cs.bias === false ? null : [cs.k], y },
          (xt, wt, bt) => F.conv1d(xt, wt, bt, { stride: cs.stride, padding: cs.padding, dilation: cs.dilation, groups: cs.groups }),
          (xv, wv, bv, r) => refConv2d(g, xv, wv, bv, r), 2000 + i, (cs.c / g.groups) * cs.kl);
      }
    }
  });
});

describe('convTranspose2d against the float64 reference', () => {
  const CASES: { n: number; cin: number; h: number; w: number; cout: number; kh: number; kw: number; stride?: Pair; padding?: Pair; outputPadding?: Pair; dilation?: Pair; groups?: number; bias?: boolean; unbatched?: boolean }[] = [
    { n: 2, cin: 3, h: 4, w: 5, cout: 2, kh: 3, kw: 3 },
    { n: 1, cin: 4, h: 3, w: 3, cout: 3, kh: 4, kw: 4, stride: 2, padding: 1 },
    { n: 2, cin: 4, h: 5, w: 4, cout: 6, kh: 3, kw: 2, stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], groups: 2 },
    { n: 3, cin: 2, h: 4, w: 6, cout: 5, kh: 2, kw: 3, dilation: [2, 1], padding: [1, 1], bias: false },
    { n: 2, cin: 3, h: 5, w: 5, cout: 3, kh: 3, kw: 3, stride: 2, groups: 3, outputPadding: 1 },
    { n: 2, cin: 8, h: 6, w: 7, cout: 4, kh: 1, kw: 1 },
    { n: 2, cin: 16, h: 7, w: 6, cout: 17, kh: 3, kw: 3, padding: [1, 2] },
    { n: 1, cin: 2, h: 3, w: 4, cout: 3, kh: 3, kw: 3, stride: 1, dilation: 2, outputPadding: 1, unbatched: true },
  ];
  it.each(CASES.map((cs, i) => [JSON.stringify(cs), cs, i] as const))('%s', (_name, cs, i) => {
    const [sh, sw] = pair(cs.stride, 1);
    const [ph, pw] = pair(cs.padding, 0);
    const [oph, opw] = pair(cs.outputPadding, 0);
    const [dh, dw] = pair(cs.dilation, 1);
    const groups = cs.groups ?? 1;
    const oh = (cs.h - 1) * sh - 2 * ph + dh * (cs.kh - 1) + oph + 1;
    const ow = (cs.w - 1) * sw - 2 * pw + dw * (cs.kw - 1) + opw + 1;
    const g = { n: cs.n, cin: cs.cin, h: cs.h, w: cs.w, cout: cs.cout, kh: cs.kh, kw: cs.kw, sh, sw, ph, pw, dh, dw, oh, ow, groups };
    const x = cs.unbatched ? [cs.cin, cs.h, cs.w] : [cs.n, cs.cin, cs.h, cs.w];
    const y = cs.unbatched ? [cs.cout, oh, ow] : [cs.n, cs.cout, oh, ow];
    for (const portable of [false, true]) {
      tf.setPortableKernels(portable);
      for (const dtype of ['float64', 'float32'] as DType[]) {
        check(`convTranspose2d ${JSON.stringify(cs)} ${dtype}`, dtype, LAYOUTS[i % 3], { x, w: [cs.cin, cs.cout / groups, cs.kh, cs.kw], b: cs.bias === false ? null : [cs.cout], y },
          (xt, wt, bt) => F.convTranspose2d(xt, wt, bt, { stride: cs.stride, padding: cs.padding, outputPadding: cs.outputPadding, dilation: cs.dilation, groups: cs.groups }),
          (xv, wv, bv, r) => refConvTranspose2d(g, xv, wv, bv, r), 3000 + i, cs.cin * cs.kh * cs.kw);
      }
    }
  });

  it('is the input gradient of conv2d (adjoint: <conv2d(x), y> = <x, convTranspose2d(y)>)', () => {
    const x = tf.randn([2, 3, 9, 8], { dtype: 'float64' });
    const w = tf.randn([4, 3, 3, 2], { dtype: 'float64' });
    const opts = { stride: 2, padding: 1, dilation: [1, 2] as [number, number] };
    const y = F.conv2d(x, w, null, opts);
    const u = tf.randn(y.shape, { dtype: 'float64' });
    const xt = F.convTranspose2d(u, w, null, { ...opts, outputPadding: [0, 1] });
    expect(xt.shape).toEqual(x.shape);
    expect(y.mul(u).sum().item()).toBeCloseTo(x.mul(xt).sum().item(), 9);
  });
});

describe('the gradients only computed when needed', () => {
  it('a weight-only or bias-only gradient matches the full one', () => {
    const x = tf.randn([2, 3, 6, 6], { dtype: 'float64' });
    const w = tf.randn([4, 3, 3, 3], { dtype: 'float64' }).requiresGrad_();
    const b = tf.randn([4], { dtype: 'float64' }).requiresGrad_();
    F.conv2d(x, w, b, { padding: 1 }).square().sum().backward();
    expect(x.grad).toBeNull();
    const w2 = w.detach().requiresGrad_();
    F.conv2d(x, w2, b.detach(), { padding: 1 }).square().sum().backward();
    expectClose(w2.grad!.dataSync(), w.grad!.dataSync(), { rtol: 1e-12, atol: 1e-12 });
    const b2 = b.detach().requiresGrad_();
    F.conv2d(x, w.detach(), b2, { padding: 1 }).square().sum().backward();
    expectClose(b2.grad!.dataSync(), b.grad!.dataSync(), { rtol: 1e-12, atol: 1e-12 });
  });
});

describe('the column matrices kept from the forward', () => {
  it('give the same weight gradient as rebuilding them (a second backward with retainGraph rebuilds)', () => {
    for (const [shape, wShape, opts] of [[[3, 4, 9, 8], [5, 4, 3, 3], { padding: 1 }], [[2, 6, 30, 31], [3, 6, 3, 3], { stride: 2 }], [[4, 3, 5, 5], [2, 3, 1, 1], {}]] as const) {
      const x = tf.randn(shape as unknown as number[], { dtype: 'float64' });
      const w = tf.randn(wShape as unknown as number[], { dtype: 'float64' }).requiresGrad_();
      const y = F.conv2d(x, w, null, opts);
      const gy = tf.randn(y.shape, { dtype: 'float64' });
      y.backward(gy, { retainGraph: true });
      const first = Array.from(w.grad!.dataSync());
      w.grad = null;
      y.backward(gy);
      expectClose(w.grad!.dataSync(), first, { rtol: 1e-12, atol: 1e-12 });
      const r = refConv2d(geometry({ n: shape[0], c: shape[1], h: shape[2], w: shape[3], k: wShape[0], kh: wShape[2], kw: wShape[3], ...opts }), x.dataSync(), w.dataSync(), null, gy.dataSync());
      expectClose(first, r.gw, { rtol: 1e-10, atol: 1e-10 });
    }
  });

  it('outlive a tidy() around the forward', () => {
    const x = tf.randn([2, 3, 6, 6]);
    const w = tf.randn([4, 3, 3, 3]).requiresGrad_();
    const y = tf.tidy(() => F.conv2d(x, w, null, { padding: 1 }));
    y.sum().backward();
    const expected = refConv2d(geometry({ n: 2, c: 3, h: 6, w: 6, k: 4, kh: 3, kw: 3, padding: 1 }), x.dataSync(), w.dataSync(), null, new Float64Array(y.size).fill(1));
    expectClose(w.grad!.dataSync(), expected.gw, { rtol: 1e-4, atol: 1e-4 });
  });
});

describe('empty batches', () => {
  it('give empty outputs and zero weight and bias gradients', () => {
    const x = tf.zeros([0, 3, 5, 5]).requiresGrad_();
    const w = tf.randn([4, 3, 3, 3]).requiresGrad_();
    const b = tf.randn([4]).requiresGrad_();
    const y = F.conv2d(x, w, b, { padding: 1 });
    expect(y.shape).toEqual([0, 4, 5, 5]);
    y.sum().backward();
    expect(x.grad!.shape).toEqual([0, 3, 5, 5]);
    expect(Array.from(w.grad!.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(b.grad!.dataSync())).toEqual([0, 0, 0, 0]);
    expect(F.convTranspose2d(tf.zeros([0, 4, 3, 3]), tf.randn([4, 2, 3, 3])).shape).toEqual([0, 2, 5, 5]);
  });
});

describe('algorithm choice', () => {
  const plan = (g: number[]) => native.convPlan(new Float64Array(g));
  // [n, c, h, w, k, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, groups]
  it('picks GEMM for 1x1, depthwise for one channel per group, Winograd for 3x3 stride 1, direct for few channels, im2col otherwise', () => {
    expect(plan([2, 8, 5, 4, 6, 1, 1, 5, 4, 1, 1, 0, 0, 1, 1, 1])).toBe(1);
    expect(plan([2, 8, 5, 4, 8, 3, 3, 5, 4, 1, 1, 1, 1, 1, 1, 8])).toBe(2);
    expect(plan([2, 8, 5, 4, 6, 3, 3, 5, 4, 1, 1, 1, 1, 1, 1, 1])).toBe(4);  // few channels: direct
    expect(plan([2, 15, 5, 4, 6, 3, 3, 5, 4, 1, 1, 1, 1, 1, 1, 1])).toBe(4);  // C*KH*KW 135, below Winograd's 16 channels
    expect(plan([2, 41, 5, 4, 6, 5, 5, 5, 4, 1, 1, 2, 2, 1, 1, 1])).toBe(0);  // C*KH*KW 1025: im2col
    expect(plan([2, 3, 5, 4, 6, 3, 3, 3, 2, 1, 1, 1, 1, 2, 2, 1])).toBe(0);  // stride 2: im2col
    expect(plan([2, 4, 5, 8, 6, 3, 3, 5, 4, 1, 1, 1, 1, 1, 1, 2])).toBe(0);  // groups: im2col
    expect(plan([2, 3, 9, 9, 6, 5, 5, 5, 2, 1, 1, 0, 0, 1, 2, 1])).toBe(0);  // padded rows mostly dropped
    expect(plan([2, 8, 5, 4, 6, 1, 1, 3, 2, 2, 2, 0, 0, 1, 1, 1])).toBe(0);
    expect(plan([2, 16, 5, 4, 16, 3, 3, 5, 4, 1, 1, 1, 1, 1, 1, 1])).toBe(3);
    expect(plan([2, 16, 5, 4, 16, 3, 3, 3, 2, 1, 1, 1, 1, 2, 2, 1])).toBe(0);
  });
});

describe('errors', () => {
  const x = tf.zeros([2, 3, 8, 8]);
  const w = tf.zeros([4, 3, 3, 3]);
  it('names the op, the shapes and the dtypes', () => {
    expect(() => F.conv2d(x, tf.zeros([4, 2, 3, 3]))).toThrow(tf.ShapeError);
    expect(() => F.conv2d(x, tf.zeros([4, 2, 3, 3]))).toThrow(/conv2d.*\[2, 3, 8, 8\].*3 channels.*\[4, 2, 3, 3\]/);
    expect(() => F.conv2d(x, tf.zeros([4, 3, 3]))).toThrow(/weight must be 4-d/);
    expect(() => F.conv2d(tf.zeros([8, 8]), w)).toThrow(/input must be 3-d \(unbatched\) or 4-d/);
    expect(() => F.conv2d(x, w, tf.zeros([3]))).toThrow(/bias must have shape \[4\]/);
    expect(() => F.conv2d(x, w.to('float64'))).toThrow(tf.DTypeError);
    expect(() => F.conv2d(x, w.to('float64'))).toThrow(/float32, float64/);
    expect(() => F.conv2d(x.to('int32'), w)).toThrow(/conv2d.*input must be float32 or float64, got dtype int32/);
    expect(() => F.conv2d(x, w, null, { padding: 'same', stride: 2 })).toThrow(tf.ArgumentError);
    expect(() => F.conv2d(x, w, null, { stride: 0 })).toThrow(/stride must be an integer >= 1/);
    expect(() => F.conv2d(x, w, null, { padding: [1, 1, 1] as unknown as number })).toThrow(/padding/);
    expect(() => F.conv2d(x, tf.zeros([4, 1, 3, 3]), null, { groups: 2 })).toThrow(/groups 2 expects 2/);
    expect(() => F.conv2d(tf.zeros([1, 3, 2, 2]), w)).toThrow(/too small.*output size would be 0/);
    expect(() => F.conv1d(tf.zeros([2, 3, 8]), w)).toThrow(/conv1d: weight must be 3-d/);
    expect(() => F.convTranspose2d(x, w)).toThrow(/convTranspose2d.*3 channels.*expects 4/);
    expect(() => F.convTranspose2d(x, tf.zeros([3, 2, 3, 3]), null, { outputPadding: 1 })).toThrow(/outputPadding must be smaller than stride or dilation/);
  });
});
