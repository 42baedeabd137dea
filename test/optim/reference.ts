/**
 * Hand-written float64 references of PyTorch's optimizer update rules (the formulas as
 * the papers / torch.optim docs state them), one element at a time. State is a plain
 * object of Float64Arrays and counters.
 */
export type RefState = { t: number; [k: string]: Float64Array | number };
export type RefStep = (p: Float64Array, g: Float64Array, s: RefState) => void;

const buf = (s: RefState, k: string, n: number, init = 0): Float64Array => {
  if (!(s[k] instanceof Float64Array)) s[k] = new Float64Array(n).fill(init);
  return s[k] as Float64Array;
};

export interface SGDRefOpts { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean; maximize?: boolean }
/** d = ±g + wd·p; b = d (first step) or μ·b + (1−τ)·d; d = nesterov ? d + μ·b : b; p −= lr·d */
export function sgdRef(o: SGDRefOpts): RefStep {
  const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false } = o;
  return (p, g, s) => {
    const first = s.t === 0;
    s.t++;
    const b = momentum !== 0 ? buf(s, 'b', p.length) : null;
    for (let i = 0; i < p.length; i++) {
      let d = maximize ? -g[i] : g[i];
      d += weightDecay * p[i];
      if (b) {
        b[i] = first ? d : momentum * b[i] + (1 - dampening) * d;
        d = nesterov ? d + momentum * b[i] : b[i];
      }
      p[i] -= lr * d;
    }
  };
}

export interface AdamRefOpts { lr: number; betas?: [number, number]; eps?: number; weightDecay?: number; amsgrad?: boolean; maximize?: boolean; decoupled?: boolean }
/**
 * Adam: g = ±g (+ wd·p unless decoupled; decoupled: p ·= 1 − lr·wd); m = β1·m + (1−β1)·g;
 * v = β2·v + (1−β2)·g²; v̂max = max(v̂max, v) (amsgrad); m̂ = m/(1−β1ᵗ); v̂ = v/(1−β2ᵗ);
 * p −= lr·m̂/(√v̂ + eps)
 */
export function adamRef(o: AdamRefOpts): RefStep {
  const { lr, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false, maximize = false, decoupled = false } = o;
  const [b1, b2] = betas;
  return (p, g, s) => {
    const t = ++s.t;
    const m = buf(s, 'm', p.length);
    const v = buf(s, 'v', p.length);
    const vmax = buf(s, 'vmax', p.length);
    for (let i = 0; i < p.length; i++) {
      let gi = maximize ? -g[i] : g[i];
      if (decoupled) p[i] *= 1 - lr * weightDecay;
      else gi += weightDecay * p[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      vmax[i] = Math.max(vmax[i], v[i]);
      const mhat = m[i] / (1 - b1 ** t);
      const vhat = (amsgrad ? vmax[i] : v[i]) / (1 - b2 ** t);
      p[i] -= (lr * mhat) / (Math.sqrt(vhat) + eps);
    }
  };
}

export interface RMSpropRefOpts { lr: number; alpha?: number; eps?: number; weightDecay?: number; momentum?: number; centered?: boolean; maximize?: boolean }
/** s = α·s + (1−α)·g²; a = α·a + (1−α)·g; d = √(s − a²) (centered) or √s, + eps; b = μ·b + g/d; p −= lr·b (or lr·g/d) */
export function rmspropRef(o: RMSpropRefOpts): RefStep {
  const { lr, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false, maximize = false } = o;
  return (p, g, s) => {
    s.t++;
    const sq = buf(s, 'sq', p.length);
    const ga = buf(s, 'ga', p.length);
    const b = buf(s, 'b', p.length);
    for (let i = 0; i < p.length; i++) {
      let gi = maximize ? -g[i] : g[i];
      gi += weightDecay * p[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
      ga[i] = alpha * ga[i] + (1 - alpha) * gi;
      const d = Math.sqrt(centered ? sq[i] - ga[i] * ga[i] : sq[i]) + eps;
      if (momentum > 0) {
        b[i] = momentum * b[i] + gi / d;
        p[i] -= lr * b[i];
      } else {
        p[i] -= (lr * gi) / d;
      }
    }
  };
}

export interface AdagradRefOpts { lr: number; lrDecay?: number; weightDecay?: number; initialAccumulatorValue?: number; eps?: number; maximize?: boolean }
/** clr = lr/(1 + (t−1)·decay); sum += g²; p −= clr·g/(√sum + eps) */
export function adagradRef(o: AdagradRefOpts): RefStep {
  const { lr, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10, maximize = false } = o;
  return (p, g, s) => {
    const t = ++s.t;
    const sum = buf(s, 'sum', p.length, initialAccumulatorValue);
    const clr = lr / (1 + (t - 1) * lrDecay);
    for (let i = 0; i < p.length; i++) {
      let gi = maximize ? -g[i] : g[i];
      gi += weightDecay * p[i];
      sum[i] += gi * gi;
      p[i] -= (clr * gi) / (Math.sqrt(sum[i]) + eps);
    }
  };
}
