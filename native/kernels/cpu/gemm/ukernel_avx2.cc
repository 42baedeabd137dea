// AVX2+FMA kernels for the GEMM: packed micro-kernels (6 rows x 2 vectors of accumulators,
// 12 of the 16 ymm registers, one broadcast of A and two loads of B per k step), the
// unpacked kernels for few rows, and the vectorised float32 epilogue.
//
// This file is compiled with -mavx2 -mfma: it must not instantiate inline templates that
// portable code also uses (the linker could keep the AVX2 copy), so it avoids std::
// algorithms and the reference templates of ukernel.h.
#include "ukernel.h"

// Other architectures build this file too (sources.json has one list); it is empty there.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace tf {
namespace {

#define TF_INLINE inline __attribute__((always_inline))

// Lanes j < count set (count clamped to 0..8).
TF_INLINE __m256i lane_mask(int64_t count) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int c = count < 0 ? 0 : count > 8 ? 8 : static_cast<int>(count);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(c), idx);
}

// ---- packed micro-kernels ------------------------------------------------------------

TF_INLINE void store_f32(float* c, int64_t csC, __m256 lo, __m256 hi, __m256 va, float beta) {
  lo = _mm256_mul_ps(lo, va);
  hi = _mm256_mul_ps(hi, va);
  if (csC == 1) {
    if (beta != 0.0f) {
      const __m256 vb = _mm256_set1_ps(beta);
      lo = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), lo);
      hi = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8), hi);
    }
    _mm256_storeu_ps(c, lo);
    _mm256_storeu_ps(c + 8, hi);
    return;
  }
  alignas(32) float tmp[16];
  _mm256_store_ps(tmp, lo);
  _mm256_store_ps(tmp + 8, hi);
  if (beta != 0.0f) {
    for (int j = 0; j < 16; ++j) c[j * csC] = tmp[j] + beta * c[j * csC];
  } else {
    for (int j = 0; j < 16; ++j) c[j * csC] = tmp[j];
  }
}

TF_INLINE void store_f64(double* c, int64_t csC, __m256d lo, __m256d hi, __m256d va, double beta) {
  lo = _mm256_mul_pd(lo, va);
  hi = _mm256_mul_pd(hi, va);
  if (csC == 1) {
    if (beta != 0.0) {
      const __m256d vb = _mm256_set1_pd(beta);
      lo = _mm256_fmadd_pd(vb, _mm256_loadu_pd(c), lo);
      hi = _mm256_fmadd_pd(vb, _mm256_loadu_pd(c + 4), hi);
    }
    _mm256_storeu_pd(c, lo);
    _mm256_storeu_pd(c + 4, hi);
    return;
  }
  alignas(32) double tmp[8];
  _mm256_store_pd(tmp, lo);
  _mm256_store_pd(tmp + 4, hi);
  if (beta != 0.0) {
    for (int j = 0; j < 8; ++j) c[j * csC] = tmp[j] + beta * c[j * csC];
  } else {
    for (int j = 0; j < 8; ++j) c[j * csC] = tmp[j];
  }
}

template <int ROWS>
void uk_f32(int64_t kc, float alpha, const float* Ap, const float* Bp, float beta, float* C,
            int64_t rsC, int64_t csC) {
  // Named accumulators (arrays of vectors end up on the stack with some compilers).
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  // C is touched only after the loop: start bringing its rows in now (a prefetch never
  // faults, whatever the strides).
  for (int i = 0; i < ROWS; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(C + i * rsC), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(C + i * rsC + 15 * csC), _MM_HINT_T0);
  }
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(Bp);
    const __m256 b1 = _mm256_load_ps(Bp + 8);
    __m256 a;
    if constexpr (ROWS > 0) { a = _mm256_broadcast_ss(Ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01); }
    if constexpr (ROWS > 1) { a = _mm256_broadcast_ss(Ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11); }
    if constexpr (ROWS > 2) { a = _mm256_broadcast_ss(Ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21); }
    if constexpr (ROWS > 3) { a = _mm256_broadcast_ss(Ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31); }
    if constexpr (ROWS > 4) { a = _mm256_broadcast_ss(Ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41); }
    if constexpr (ROWS > 5) { a = _mm256_broadcast_ss(Ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51); }
    Ap += 6;
    Bp += 16;
  }
  const __m256 va = _mm256_set1_ps(alpha);
  if constexpr (ROWS > 0) store_f32(C + 0 * rsC, csC, c00, c01, va, beta);
  if constexpr (ROWS > 1) store_f32(C + 1 * rsC, csC, c10, c11, va, beta);
  if constexpr (ROWS > 2) store_f32(C + 2 * rsC, csC, c20, c21, va, beta);
  if constexpr (ROWS > 3) store_f32(C + 3 * rsC, csC, c30, c31, va, beta);
  if constexpr (ROWS > 4) store_f32(C + 4 * rsC, csC, c40, c41, va, beta);
  if constexpr (ROWS > 5) store_f32(C + 5 * rsC, csC, c50, c51, va, beta);
}

template <int ROWS>
void uk_f64(int64_t kc, double alpha, const double* Ap, const double* Bp, double beta, double* C,
            int64_t rsC, int64_t csC) {
  // Named accumulators (arrays of vectors end up on the stack with some compilers).
  __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
  __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
  __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
  __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
  __m256d c40 = _mm256_setzero_pd(), c41 = _mm256_setzero_pd();
  __m256d c50 = _mm256_setzero_pd(), c51 = _mm256_setzero_pd();
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256d b0 = _mm256_load_pd(Bp);
    const __m256d b1 = _mm256_load_pd(Bp + 4);
    __m256d a;
    if constexpr (ROWS > 0) { a = _mm256_broadcast_sd(Ap + 0); c00 = _mm256_fmadd_pd(a, b0, c00); c01 = _mm256_fmadd_pd(a, b1, c01); }
    if constexpr (ROWS > 1) { a = _mm256_broadcast_sd(Ap + 1); c10 = _mm256_fmadd_pd(a, b0, c10); c11 = _mm256_fmadd_pd(a, b1, c11); }
    if constexpr (ROWS > 2) { a = _mm256_broadcast_sd(Ap + 2); c20 = _mm256_fmadd_pd(a, b0, c20); c21 = _mm256_fmadd_pd(a, b1, c21); }
    if constexpr (ROWS > 3) { a = _mm256_broadcast_sd(Ap + 3); c30 = _mm256_fmadd_pd(a, b0, c30); c31 = _mm256_fmadd_pd(a, b1, c31); }
    if constexpr (ROWS > 4) { a = _mm256_broadcast_sd(Ap + 4); c40 = _mm256_fmadd_pd(a, b0, c40); c41 = _mm256_fmadd_pd(a, b1, c41); }
    if constexpr (ROWS > 5) { a = _mm256_broadcast_sd(Ap + 5); c50 = _mm256_fmadd_pd(a, b0, c50); c51 = _mm256_fmadd_pd(a, b1, c51); }
    Ap += 6;
    Bp += 8;
  }
  const __m256d va = _mm256_set1_pd(alpha);
  if constexpr (ROWS > 0) store_f64(C + 0 * rsC, csC, c00, c01, va, beta);
  if constexpr (ROWS > 1) store_f64(C + 1 * rsC, csC, c10, c11, va, beta);
  if constexpr (ROWS > 2) store_f64(C + 2 * rsC, csC, c20, c21, va, beta);
  if constexpr (ROWS > 3) store_f64(C + 3 * rsC, csC, c30, c31, va, beta);
  if constexpr (ROWS > 4) store_f64(C + 4 * rsC, csC, c40, c41, va, beta);
  if constexpr (ROWS > 5) store_f64(C + 5 * rsC, csC, c50, c51, va, beta);
}

// ---- unpacked kernels for few rows ----------------------------------------------------

template <int ROWS, bool FULL>
void rowb_t(int64_t cols, int64_t kc, float alpha, const float* A, int64_t rsA, int64_t csA,
            const float* B, int64_t rsB, float beta, float* C, int64_t rsC) {
  const __m256i m0 = lane_mask(cols), m1 = lane_mask(cols - 8), m2 = lane_mask(cols - 16);
  __m256 acc[ROWS][3];
#pragma GCC unroll 4
  for (int i = 0; i < ROWS; ++i) acc[i][0] = acc[i][1] = acc[i][2] = _mm256_setzero_ps();
  const float* a[ROWS];
#pragma GCC unroll 4
  for (int i = 0; i < ROWS; ++i) a[i] = A + i * rsA;
  for (int64_t p = 0; p < kc; ++p) {
    __m256 b0, b1, b2;
    if (FULL) {
      b0 = _mm256_loadu_ps(B);
      b1 = _mm256_loadu_ps(B + 8);
      b2 = _mm256_loadu_ps(B + 16);
    } else {
      b0 = _mm256_maskload_ps(B, m0);
      b1 = _mm256_maskload_ps(B + 8, m1);
      b2 = _mm256_maskload_ps(B + 16, m2);
    }
#pragma GCC unroll 4
    for (int i = 0; i < ROWS; ++i) {
      const __m256 av = _mm256_broadcast_ss(a[i]);
      acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
      acc[i][2] = _mm256_fmadd_ps(av, b2, acc[i][2]);
      a[i] += csA;
    }
    B += rsB;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 4
  for (int i = 0; i < ROWS; ++i) {
    float* c = C + i * rsC;
    __m256 r0 = _mm256_mul_ps(acc[i][0], va), r1 = _mm256_mul_ps(acc[i][1], va),
           r2 = _mm256_mul_ps(acc[i][2], va);
    if (FULL) {
      if (beta != 0.0f) {
        r0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), r0);
        r1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8), r1);
        r2 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 16), r2);
      }
      _mm256_storeu_ps(c, r0);
      _mm256_storeu_ps(c + 8, r1);
      _mm256_storeu_ps(c + 16, r2);
    } else {
      if (beta != 0.0f) {
        r0 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c, m0), r0);
        r1 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c + 8, m1), r1);
        r2 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c + 16, m2), r2);
      }
      _mm256_maskstore_ps(c, m0, r0);
      _mm256_maskstore_ps(c + 8, m1, r1);
      _mm256_maskstore_ps(c + 16, m2, r2);
    }
  }
}

TF_INLINE float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int ROWS, int COLS>
void colb_t(int64_t kc, float alpha, const float* A, int64_t rsA, const float* B, int64_t csB,
            float beta, float* C, int64_t rsC, int64_t csC) {
  __m256 acc[ROWS][COLS];
#pragma GCC unroll 4
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < COLS; ++j) acc[i][j] = _mm256_setzero_ps();
  int64_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    __m256 b[COLS];
#pragma GCC unroll 4
    for (int j = 0; j < COLS; ++j) b[j] = _mm256_loadu_ps(B + j * csB + p);
#pragma GCC unroll 4
    for (int i = 0; i < ROWS; ++i) {
      const __m256 av = _mm256_loadu_ps(A + i * rsA + p);
#pragma GCC unroll 4
      for (int j = 0; j < COLS; ++j) acc[i][j] = _mm256_fmadd_ps(av, b[j], acc[i][j]);
    }
  }
  if (p < kc) {
    const __m256i m = lane_mask(kc - p);
    __m256 b[COLS];
#pragma GCC unroll 4
    for (int j = 0; j < COLS; ++j) b[j] = _mm256_maskload_ps(B + j * csB + p, m);
#pragma GCC unroll 4
    for (int i = 0; i < ROWS; ++i) {
      const __m256 av = _mm256_maskload_ps(A + i * rsA + p, m);
#pragma GCC unroll 4
      for (int j = 0; j < COLS; ++j) acc[i][j] = _mm256_fmadd_ps(av, b[j], acc[i][j]);
    }
  }
  for (int i = 0; i < ROWS; ++i)
    for (int j = 0; j < COLS; ++j) {
      float* c = C + i * rsC + j * csC;
      const float s = alpha * hsum(acc[i][j]);
      *c = beta != 0.0f ? s + beta * *c : s;
    }
}

using ColbFn = void (*)(int64_t, float, const float*, int64_t, const float*, int64_t, float,
                        float*, int64_t, int64_t);
const ColbFn kColb[3][4] = {
    {colb_t<1, 1>, colb_t<1, 2>, colb_t<1, 3>, colb_t<1, 4>},
    {colb_t<2, 1>, colb_t<2, 2>, colb_t<2, 3>, colb_t<2, 4>},
    {colb_t<3, 1>, colb_t<3, 2>, colb_t<3, 3>, colb_t<3, 4>},
};

// ---- activations ------------------------------------------------------------------------

// exp(x) for float32 lanes: x = n·ln2 + r, a degree-6 polynomial for exp(r) (Cephes'
// expf coefficients), 2^n through the exponent bits. Relative error about 2 ulp; NaN
// propagates; results below ~1e-38 flush to 0 and above FLT_MAX are +inf.
TF_INLINE __m256 exp_ps(__m256 x) {
  const __m256 over = _mm256_cmp_ps(x, _mm256_set1_ps(88.3762626647949f), _CMP_GT_OQ);
  x = _mm256_max_ps(_mm256_set1_ps(-87.33654f), _mm256_min_ps(_mm256_set1_ps(88.3762626647949f), x));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // n is in [-126, 127] after the clamp: 2^n has a normal exponent. Scale in two halves so
  // n = 127 does not overflow before the polynomial's factor (< 1.5) is applied.
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i half = _mm256_srai_epi32(ni, 1);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23));
  const __m256 s2 = _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, half), _mm256_set1_epi32(127)), 23));
  return _mm256_blendv_ps(_mm256_mul_ps(_mm256_mul_ps(p, s1), s2), _mm256_set1_ps(__builtin_inff()), over);
}

TF_INLINE __m256 sigmoid_ps(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// tanh: an odd Taylor polynomial below |x| = 0.25 (no cancellation), else
// 1 - 2 / (exp(2|x|) + 1) with the sign of x.
TF_INLINE __m256 tanh_ps(__m256 x) {
  const __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
  const __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 e = exp_ps(_mm256_add_ps(ax, ax));
  const __m256 big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
  const __m256 x2 = _mm256_mul_ps(x, x);
  __m256 q = _mm256_set1_ps(62.0f / 2835.0f);
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-17.0f / 315.0f));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(2.0f / 15.0f));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-1.0f / 3.0f));
  const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(q, x2), x, x);
  const __m256 is_small = _mm256_cmp_ps(ax, _mm256_set1_ps(0.25f), _CMP_LT_OQ);
  // NaN: is_small is false and big is NaN (exp propagates it); the sign bit is kept.
  return _mm256_blendv_ps(_mm256_or_ps(big, sign), small, is_small);
}

// gelu(x) = x/2 · (1 + erf(x/√2)) with erfc from Abramowitz & Stegun 7.1.26 (absolute
// error 1.5e-7): 1 + erf(z) = q for z < 0 and 2 - q for z >= 0, q = erfc(|z|), so the
// negative tail has no cancellation.
TF_INLINE __m256 gelu_ps(__m256 x) {
  const __m256 z = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f)));
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), z, one));
  __m256 poly = _mm256_set1_ps(1.061405429f);
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(-1.453152027f));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(1.421413741f));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(-0.284496736f));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(0.254829592f));
  const __m256 q = _mm256_mul_ps(_mm256_mul_ps(poly, t), exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(z, z))));
  const __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
  const __m256 onep = _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(2.0f), q), q, neg);
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), onep);
}

TF_INLINE __m256 act_ps(int act, __m256 v) {
  switch (act) {
    case kActRelu: return _mm256_max_ps(_mm256_setzero_ps(), v);  // max(0, NaN) = NaN
    case kActGelu: return gelu_ps(v);
    case kActSigmoid: return sigmoid_ps(v);
    case kActTanh: return tanh_ps(v);
    default: return v;
  }
}

}  // namespace

const UKernelFn<float> kUKernelsF32Avx2[7] = {nullptr,   uk_f32<1>, uk_f32<2>, uk_f32<3>,
                                              uk_f32<4>, uk_f32<5>, uk_f32<6>};
const UKernelFn<double> kUKernelsF64Avx2[7] = {nullptr,   uk_f64<1>, uk_f64<2>, uk_f64<3>,
                                               uk_f64<4>, uk_f64<5>, uk_f64<6>};

void epilogue_f32_avx2(const GemmEpilogue<float>& e, int64_t rows, int64_t cols, float* C,
                       int64_t rsC, int64_t csC, int64_t i0, int64_t j0) {
  if (csC != 1) {
    epilogue_ref<float>(e, rows, cols, C, rsC, csC, i0, j0);
    return;
  }
  const bool has_bias = e.bias != nullptr && e.bias_scale != 0.0f;
  const __m256 bs = _mm256_set1_ps(e.bias_scale);
  const int act = e.act;
  for (int64_t i = 0; i < rows; ++i) {
    float* c = C + i * rsC;
    const float* b = has_bias ? e.bias + (i0 + i) * e.bias_rs + j0 * e.bias_cs : nullptr;
    for (int64_t j = 0; j < cols; j += 8) {
      const int64_t left = cols - j;
      const bool full = left >= 8;
      const __m256i m = lane_mask(left);
      __m256 v = full ? _mm256_loadu_ps(c + j) : _mm256_maskload_ps(c + j, m);
      if (has_bias) {
        __m256 bv;
        if (e.bias_cs == 1) {
          bv = full ? _mm256_loadu_ps(b + j) : _mm256_maskload_ps(b + j, m);
        } else if (e.bias_cs == 0) {
          bv = _mm256_broadcast_ss(b);
        } else {
          alignas(32) float tmp[8] = {0, 0, 0, 0, 0, 0, 0, 0};
          for (int64_t l = 0; l < 8 && l < left; ++l) tmp[l] = b[(j + l) * e.bias_cs];
          bv = _mm256_load_ps(tmp);
        }
        v = _mm256_fmadd_ps(bs, bv, v);
      }
      v = act_ps(act, v);
      if (full) _mm256_storeu_ps(c + j, v);
      else _mm256_maskstore_ps(c + j, m, v);
    }
  }
}

// One 6-row panel of A with contiguous rows: Ap[p * 6 + i] = A[i * rsA + p], 8 steps of p
// at a time through an 8 x 8 register transpose (rows 6 and 7 unused). Each 8-wide store
// runs 2 floats past its 6: the next store overwrites them, and the last one lands in the
// 16 floats of slack the caller leaves after the panel.
void pack_a6_rows_f32_avx2(int64_t kc, const float* A, int64_t rsA, float* Ap) {
  int64_t p = 0;
  const __m256 z = _mm256_setzero_ps();
  // The next panel's rows (the next 6 rows, same columns) are prefetched a line per row
  // every 16 columns: A usually comes from memory, in row pieces too short for the
  // hardware prefetcher to pick up.
  const char* next = reinterpret_cast<const char*>(A + 6 * rsA);
  for (; p + 8 <= kc; p += 8) {
    const float* src = A + p;
    if ((p & 15) == 0) {
      for (int i = 0; i < 6; ++i) _mm_prefetch(next + (i * rsA + p) * sizeof(float), _MM_HINT_T0);
    }
    const __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + rsA);
    const __m256 r2 = _mm256_loadu_ps(src + 2 * rsA), r3 = _mm256_loadu_ps(src + 3 * rsA);
    const __m256 r4 = _mm256_loadu_ps(src + 4 * rsA), r5 = _mm256_loadu_ps(src + 5 * rsA);
    const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    const __m256 t6 = _mm256_unpacklo_ps(z, z), t7 = t6;
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    float* d = Ap + p * 6;
    _mm256_storeu_ps(d + 0 * 6, _mm256_permute2f128_ps(s0, s4, 0x20));
    _mm256_storeu_ps(d + 1 * 6, _mm256_permute2f128_ps(s1, s5, 0x20));
    _mm256_storeu_ps(d + 2 * 6, _mm256_permute2f128_ps(s2, s6, 0x20));
    _mm256_storeu_ps(d + 3 * 6, _mm256_permute2f128_ps(s3, s7, 0x20));
    _mm256_storeu_ps(d + 4 * 6, _mm256_permute2f128_ps(s0, s4, 0x31));
    _mm256_storeu_ps(d + 5 * 6, _mm256_permute2f128_ps(s1, s5, 0x31));
    _mm256_storeu_ps(d + 6 * 6, _mm256_permute2f128_ps(s2, s6, 0x31));
    _mm256_storeu_ps(d + 7 * 6, _mm256_permute2f128_ps(s3, s7, 0x31));
  }
  for (; p < kc; ++p)
    for (int i = 0; i < 6; ++i) Ap[p * 6 + i] = A[i * rsA + p];
}

// Bp[p * 16 + j] = B[j * csB + p]: 8 x 8 blocks loaded along the columns, transposed in
// registers, stored as rows of the panel.
void pack_b16_cols_f32_avx2(int64_t kc, const float* B, int64_t csB, float* Bp) {
  int64_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    for (int half = 0; half < 2; ++half) {
      const float* src = B + half * 8 * csB + p;
      const __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + csB);
      const __m256 r2 = _mm256_loadu_ps(src + 2 * csB), r3 = _mm256_loadu_ps(src + 3 * csB);
      const __m256 r4 = _mm256_loadu_ps(src + 4 * csB), r5 = _mm256_loadu_ps(src + 5 * csB);
      const __m256 r6 = _mm256_loadu_ps(src + 6 * csB), r7 = _mm256_loadu_ps(src + 7 * csB);
      const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
      const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
      const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
      const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
      const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      float* d = Bp + p * 16 + half * 8;
      _mm256_store_ps(d + 0 * 16, _mm256_permute2f128_ps(s0, s4, 0x20));
      _mm256_store_ps(d + 1 * 16, _mm256_permute2f128_ps(s1, s5, 0x20));
      _mm256_store_ps(d + 2 * 16, _mm256_permute2f128_ps(s2, s6, 0x20));
      _mm256_store_ps(d + 3 * 16, _mm256_permute2f128_ps(s3, s7, 0x20));
      _mm256_store_ps(d + 4 * 16, _mm256_permute2f128_ps(s0, s4, 0x31));
      _mm256_store_ps(d + 5 * 16, _mm256_permute2f128_ps(s1, s5, 0x31));
      _mm256_store_ps(d + 6 * 16, _mm256_permute2f128_ps(s2, s6, 0x31));
      _mm256_store_ps(d + 7 * 16, _mm256_permute2f128_ps(s3, s7, 0x31));
    }
  }
  for (; p < kc; ++p)
    for (int j = 0; j < 16; ++j) Bp[p * 16 + j] = B[j * csB + p];
}

void direct_rowb_f32_avx2(int rows, int64_t cols, int64_t kc, float alpha, const float* A,
                          int64_t rsA, int64_t csA, const float* B, int64_t rsB, float beta,
                          float* C, int64_t rsC) {
  const bool full = cols == 24;
  switch (rows * 2 + (full ? 1 : 0)) {
    case 2: rowb_t<1, false>(cols, kc, alpha, A, rsA, csA, B, rsB, beta, C, rsC); break;
    case 3: rowb_t<1, true>(cols, kc, alpha, A, rsA, csA, B, rsB, beta, C, rsC); break;
    case 4: rowb_t<2, false>(cols, kc, alpha, A, rsA, csA, B, rsB, beta, C, rsC); break;
    case 5: rowb_t<2, true>(cols, kc, alpha, A, rsA, csA, B, rsB, beta, C, rsC); break;
    case 6: rowb_t<3, false>(cols, kc, alpha, A, rsA, csA, B, rsB, beta, C, rsC); break;
    case 7: rowb_t<3, true>(cols, kc, alpha, A, rsA, csA, B, rsB, beta, C, rsC); break;
    case 8: rowb_t<4, false>(cols, kc, alpha, A, rsA, csA, B, rsB, beta, C, rsC); break;
    case 9: rowb_t<4, true>(cols, kc, alpha, A, rsA, csA, B, rsB, beta, C, rsC); break;
    default: break;
  }
}

void direct_colb_f32_avx2(int rows, int64_t cols, int64_t kc, float alpha, const float* A,
                          int64_t rsA, const float* B, int64_t csB, float beta, float* C,
                          int64_t rsC, int64_t csC) {
  if (rows < 1 || rows > 3 || cols < 1 || cols > 4) return;
  kColb[rows - 1][cols - 1](kc, alpha, A, rsA, B, csB, beta, C, rsC, csC);
}

}  // namespace tf
#endif
