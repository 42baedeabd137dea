/**
 * Float64 references for the elementwise tests, written as plain loops and textbook
 * series, independent of the kernels: erf/erfc, GELU, integer arithmetic with int32
 * wrap-around, and a float32 ulp distance.
 */

/** erf by its Maclaurin series (|x| < 3) and 1 - erfc beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 3) return Math.sign(x) * (1 - erfc(ax));
  // erf(x) = 2/sqrt(pi) * sum_k (-1)^k x^(2k+1) / (k! (2k+1))
  let term = x;
  let sum = x;
  for (let k = 1; k < 200; k++) {
    term *= (-x * x) / k;
    const add = term / (2 * k + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** erfc with relative accuracy in the tail: continued fraction for x >= 2. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 2) return 1 - erf(x);
  if (x === Infinity) return 0;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** x * Phi(x), through erfc so the negative tail keeps its relative accuracy. */
export function geluRef(x: number): number {
  if (x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  return x >= 0 ? x * (1 - 0.5 * erfc(x / Math.SQRT2)) : x * 0.5 * erfc(-x / Math.SQRT2);
}

export function geluTanhRef(x: number): number {
  const u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
  return 0.5 * x * (1 + Math.tanh(u));
}

export const sigmoidRef = (x: number): number => 1 / (1 + Math.exp(-x));

/** Wraps to int32 like two's complement hardware. */
export const i32 = (v: number): number => v | 0;

export function intPow(b: number, e: number): number {
  if (e < 0) return b === 1 ? 1 : b === -1 ? (e % 2 === 0 ? 1 : -1) : 0;
  let r = 1;
  for (let i = 0; i < e; i++) r = Math.imul(r, b);
  return r;
}

/** Python's modulus (sign of the divisor). */
export function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

/** Distance in float32 ulps between a float32 result and the exact value. */
export function ulp32(got: number, exact: number): number {
  if (Number.isNaN(got) || Number.isNaN(exact)) return Number.isNaN(got) === Number.isNaN(exact) ? 0 : Infinity;
  if (got === exact) return 0;
  if (!Number.isFinite(got) || !Number.isFinite(exact)) {
    // an exact value beyond float32's range rounds to infinity
    return Math.fround(exact) === got ? 0 : Infinity;
  }
  const mag = Math.max(Math.abs(exact), 1.1754943508222875e-38); // subnormals: absolute ulp of 2^-149
  const e = Math.floor(Math.log2(mag));
  const ulp = Math.pow(2, Math.max(e, -126) - 23);
  return Math.abs(got - exact) / ulp;
}
