// Vectorised float32 math for the AVX2+FMA kernels (included only by avx2_*.cc, which
// are compiled with -mavx2 -mfma). Worst errors measured against float64 references over
// 200k float32 inputs per function (a dense grid plus random bit patterns, subnormals
// included); test/ops/elementwise_math.test.ts asserts them:
//   exp   0.88 ulp on [-103, 88.7]           log  0.75 ulp on (0, 3e38]
//   tanh  1.23 ulp on [-12, 12]              sigmoid 2.24, silu 2.18 ulp on [-87, 30]
//   gelu (erf form) 4.6 ulp on [-13, 13], the negative tail included (it goes through
//        erfc, not 1 + erf, so there is no cancellation)
//   gelu (tanh form) 11 ulp on [-3, 12]: the float32 rounding of u is amplified by |2u|
//        in e^{-2u}, so it grows further into the negative tail (as for any float32
//        evaluation of that formula, PyTorch's included).
// Polynomials: exp is the degree-7 Taylor series on |r| <= ln2/2 (truncation 6e-9);
// log uses log1p(f) = f - (f^2/2 - s (f^2/2 + R)), s = f/(2+f), R the Taylor series of
// 2 atanh(s) - 2s (1e-10); the tanh, erf and erfc polynomials are least-squares fits on
// Chebyshev nodes made for this project (relative fit error: tanh 5e-9, erf 2e-9, erfc
// 1e-7 including float32 evaluation).
#pragma once
#include <immintrin.h>

#include <limits>

// Internal linkage (an anonymous namespace) so these AVX2 functions can never be merged
// with, or chosen for, code compiled for generic x86-64.
namespace tf {
namespace avx2 {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

inline __m256 splat(float v) { return _mm256_set1_ps(v); }
inline __m256 is_nan(__m256 x) { return _mm256_cmp_ps(x, x, _CMP_UNORD_Q); }
inline __m256 abs_ps(__m256 x) { return _mm256_andnot_ps(splat(-0.0f), x); }

// e^x: n = round(x / ln2), r = x - n ln2 (two-part ln2 with FMA), e^r by Taylor, then
// scaled by 2^n in two halves so results in the subnormal range are still right.
inline __m256 exp_ps(__m256 x) {
  const __m256 nan_mask = is_nan(x);
  __m256 xc = _mm256_min_ps(_mm256_max_ps(x, splat(-104.0f)), splat(89.0f));
  __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, splat(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fmadd_ps(n, splat(-0.693145751953125f), xc);
  r = _mm256_fmadd_ps(n, splat(-1.428606765330187e-06f), r);
  __m256 p = splat(1.0f / 5040);
  p = _mm256_fmadd_ps(p, r, splat(1.0f / 720));
  p = _mm256_fmadd_ps(p, r, splat(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, splat(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, splat(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, splat(0.5f));
  p = _mm256_fmadd_ps(p, r, splat(1.0f));
  p = _mm256_fmadd_ps(p, r, splat(1.0f));
  __m256i ni = _mm256_cvtps_epi32(n);
  __m256i n1 = _mm256_srai_epi32(ni, 1);
  __m256i n2 = _mm256_sub_epi32(ni, n1);
  __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, _mm256_set1_epi32(127)), 23));
  __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, _mm256_set1_epi32(127)), 23));
  __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
  return _mm256_blendv_ps(y, x, nan_mask);
}

// ln x for x > 0; 0 -> -inf, negative -> NaN, inf -> inf, NaN -> NaN; subnormals scaled.
inline __m256 log_ps(__m256 x) {
  const __m256 tiny = _mm256_cmp_ps(x, splat(1.17549435e-38f), _CMP_LT_OQ);
  __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, splat(8388608.0f)), tiny);  // * 2^23
  __m256 eadj = _mm256_and_ps(tiny, splat(23.0f));
  __m256i bits = _mm256_castps_si256(xs);
  __m256i ei = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
  __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x7fffff)), _mm256_set1_epi32(0x3f800000)));
  __m256 e = _mm256_sub_ps(_mm256_cvtepi32_ps(ei), eadj);
  __m256 big = _mm256_cmp_ps(m, splat(1.41421356f), _CMP_GT_OQ);
  m = _mm256_blendv_ps(m, _mm256_mul_ps(m, splat(0.5f)), big);
  e = _mm256_add_ps(e, _mm256_and_ps(big, splat(1.0f)));
  __m256 f = _mm256_sub_ps(m, splat(1.0f));
  __m256 s = _mm256_div_ps(f, _mm256_add_ps(f, splat(2.0f)));
  __m256 z = _mm256_mul_ps(s, s);
  __m256 R = splat(2.0f / 11);
  R = _mm256_fmadd_ps(R, z, splat(2.0f / 9));
  R = _mm256_fmadd_ps(R, z, splat(2.0f / 7));
  R = _mm256_fmadd_ps(R, z, splat(2.0f / 5));
  R = _mm256_fmadd_ps(R, z, splat(2.0f / 3));
  R = _mm256_mul_ps(R, z);
  __m256 hfsq = _mm256_mul_ps(splat(0.5f), _mm256_mul_ps(f, f));
  // log1p(f) = f - (hfsq - s (hfsq + R)); the bracket is small next to f.
  __m256 corr = _mm256_fnmadd_ps(s, _mm256_add_ps(hfsq, R), hfsq);
  __m256 lo = _mm256_fmsub_ps(e, splat(1.428606765330187e-06f), corr);
  __m256 y = _mm256_fmadd_ps(e, splat(0.693145751953125f), _mm256_add_ps(f, lo));
  // special values
  y = _mm256_blendv_ps(y, splat(-kInf), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ));
  y = _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, splat(kInf), _CMP_EQ_OQ));
  y = _mm256_blendv_ps(y, splat(kNaN), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
  return _mm256_blendv_ps(y, x, is_nan(x));
}

// tanh: odd polynomial below |x| 0.625, 1 - 2 / (e^{2|x|} + 1) above (no cancellation there).
inline __m256 tanh_ps(__m256 x) {
  __m256 ax = abs_ps(x);
  __m256 z = _mm256_mul_ps(x, x);
  __m256 p = splat(0.0023079864f);
  p = _mm256_fmadd_ps(p, z, splat(-0.008359921f));
  p = _mm256_fmadd_ps(p, z, splat(0.021774935f));
  p = _mm256_fmadd_ps(p, z, splat(-0.053960226f));
  p = _mm256_fmadd_ps(p, z, splat(0.1333331f));
  p = _mm256_fmadd_ps(p, z, splat(-0.33333334f));
  __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(x, z), p, x);
  __m256 e = exp_ps(_mm256_add_ps(ax, ax));
  __m256 large = _mm256_sub_ps(splat(1.0f), _mm256_div_ps(splat(2.0f), _mm256_add_ps(e, splat(1.0f))));
  large = _mm256_or_ps(large, _mm256_and_ps(x, splat(-0.0f)));  // copy the sign of x
  return _mm256_blendv_ps(large, small, _mm256_cmp_ps(ax, splat(0.625f), _CMP_LT_OQ));
}

inline __m256 sigmoid_ps(__m256 x) {
  __m256 e = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x));
  return _mm256_div_ps(splat(1.0f), _mm256_add_ps(splat(1.0f), e));
}

inline __m256 silu_ps(__m256 x) {
  __m256 e = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x));
  return _mm256_div_ps(x, _mm256_add_ps(splat(1.0f), e));
}

// x * Phi(x), Phi(x) = erfc(-x / sqrt2) / 2. With a = |x| / sqrt2: below 0.5, erf(a) by
// an odd polynomial; above, erfc(a) = e^{-a^2} u S(u), u = 1 / (1 + a), with a^2 = x^2/2
// carried in two parts (FMA) so e^{-a^2} keeps full precision in the tail.
inline __m256 gelu_ps(__m256 x) {
  __m256 ax = abs_ps(x);
  __m256 a = _mm256_mul_ps(ax, splat(0.70710678118654752f));
  __m256 z = _mm256_mul_ps(a, a);
  __m256 pe = splat(0.0047280965f);
  pe = _mm256_fmadd_ps(pe, z, splat(-0.026762635f));
  pe = _mm256_fmadd_ps(pe, z, splat(0.112829186f));
  pe = _mm256_fmadd_ps(pe, z, splat(-0.37612614f));
  pe = _mm256_fmadd_ps(pe, z, splat(1.1283792f));
  __m256 erf_small = _mm256_mul_ps(a, pe);
  __m256 signed_erf = _mm256_or_ps(erf_small, _mm256_and_ps(x, splat(-0.0f)));
  __m256 phi_small = _mm256_fmadd_ps(splat(0.5f), signed_erf, splat(0.5f));
  __m256 ac = _mm256_min_ps(a, splat(10.5f));
  __m256 u = _mm256_div_ps(splat(1.0f), _mm256_add_ps(splat(1.0f), ac));
  __m256 s = splat(1.8328132629394531f);
  s = _mm256_fmadd_ps(s, u, splat(-8.658099174499512f));
  s = _mm256_fmadd_ps(s, u, splat(17.637895584106445f));
  s = _mm256_fmadd_ps(s, u, splat(-19.684621810913086f));
  s = _mm256_fmadd_ps(s, u, splat(12.209156036376953f));
  s = _mm256_fmadd_ps(s, u, splat(-3.3035662174224854f));
  s = _mm256_fmadd_ps(s, u, splat(-0.08731567114591599f));
  s = _mm256_fmadd_ps(s, u, splat(-0.36134377121925354f));
  s = _mm256_fmadd_ps(s, u, splat(0.2885076403617859f));
  s = _mm256_fmadd_ps(s, u, splat(0.5638938546180725f));
  s = _mm256_fmadd_ps(s, u, splat(0.564195454120636f));
  __m256 axc = _mm256_min_ps(ax, splat(14.9f));
  __m256 hi = _mm256_mul_ps(axc, axc);
  __m256 lo = _mm256_fmsub_ps(axc, axc, hi);  // x^2 = hi + lo exactly
  __m256 e = exp_ps(_mm256_mul_ps(hi, splat(-0.5f)));
  e = _mm256_fnmadd_ps(e, _mm256_mul_ps(lo, splat(0.5f)), e);  // * e^{-lo/2}
  __m256 half_erfc = _mm256_mul_ps(_mm256_mul_ps(e, splat(0.5f)), _mm256_mul_ps(u, s));
  __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
  __m256 phi_large = _mm256_blendv_ps(_mm256_sub_ps(splat(1.0f), half_erfc), half_erfc, neg);
  __m256 phi = _mm256_blendv_ps(phi_large, phi_small, _mm256_cmp_ps(a, splat(0.5f), _CMP_LT_OQ));
  __m256 y = _mm256_mul_ps(x, phi);
  return _mm256_blendv_ps(y, x, is_nan(x));
}

// 0.5 x (1 + tanh(u)) == x / (1 + e^{-2u}), u = sqrt(2/pi) (x + 0.044715 x^3).
inline __m256 gelu_tanh_ps(__m256 x) {
  __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
  __m256 u = _mm256_mul_ps(splat(0.79788456080286535588f), _mm256_fmadd_ps(splat(0.044715f), x3, x));
  __m256 e = exp_ps(_mm256_mul_ps(u, splat(-2.0f)));
  return _mm256_div_ps(x, _mm256_add_ps(splat(1.0f), e));
}

}  // namespace
}  // namespace avx2
}  // namespace tf
