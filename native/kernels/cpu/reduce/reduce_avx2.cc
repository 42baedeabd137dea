// AVX2+FMA kernels of the reduce family: float32 sum / max / min of contiguous runs and
// the fused softmax / log-softmax row. Compiled with -mavx2 -mfma; never called unless
// tf::use_avx2() is true.
#include "reduce_avx2.h"

#ifdef TF_REDUCE_AVX2
#include <immintrin.h>

#include <cmath>
#include <limits>

namespace tf {
namespace {

inline double hsum_pd(__m256d v) {
  __m128d lo = _mm256_castpd256_pd128(v);
  __m128d hi = _mm256_extractf128_pd(v, 1);
  lo = _mm_add_pd(lo, hi);
  return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

inline __m256d widen_lo(__m256 x) { return _mm256_cvtps_pd(_mm256_castps256_ps128(x)); }
inline __m256d widen_hi(__m256 x) { return _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)); }

template <bool IsMax>
float extreme(const float* p, int64_t n) {
  const float worst = IsMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
  __m256 m0 = _mm256_set1_ps(worst), m1 = m0;
  __m256 nan = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 x = _mm256_loadu_ps(p + i);
    __m256 y = _mm256_loadu_ps(p + i + 8);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, y, _CMP_UNORD_Q));
    m0 = IsMax ? _mm256_max_ps(m0, x) : _mm256_min_ps(m0, x);
    m1 = IsMax ? _mm256_max_ps(m1, y) : _mm256_min_ps(m1, y);
  }
  for (; i + 8 <= n; i += 8) {
    __m256 x = _mm256_loadu_ps(p + i);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    m0 = IsMax ? _mm256_max_ps(m0, x) : _mm256_min_ps(m0, x);
  }
  if (_mm256_movemask_ps(nan)) return std::numeric_limits<float>::quiet_NaN();
  m0 = IsMax ? _mm256_max_ps(m0, m1) : _mm256_min_ps(m0, m1);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, m0);
  float m = lanes[0];
  for (int k = 1; k < 8; ++k) m = IsMax ? (lanes[k] > m ? lanes[k] : m) : (lanes[k] < m ? lanes[k] : m);
  for (; i < n; ++i) {
    const float x = p[i];
    if (x != x) return x;
    m = IsMax ? (x > m ? x : m) : (x < m ? x : m);
  }
  return m;
}

// exp(x) for x <= 0 (softmax shifts by the row max), Cephes-style: x = n ln2 + r with
// |r| <= ln2 / 2, a degree-6 polynomial for e^r, 2^n through the exponent bits. Inputs
// below -87.34 (where e^x leaves the normal floats) give 0. Measured against double exp
// over all 1.1e9 floats in [-87.33, 0] (exp_f32_avx2 below): worst error 1.01 ulp.
// Softmax outputs then carry that, the rounding of x - max, and the scaling: about
// 2 ulp plus |x - max| * 2^-24 relative.
inline __m256 exp_nonpos(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.3365447504f);
  const __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_max_ps(x, lo);
  x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
  __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), r);
  y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
  __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127));
  __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  return _mm256_andnot_ps(underflow, _mm256_mul_ps(y, scale));
}

inline __m256i tail_mask(int64_t rem) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(rem)), idx);
}

}  // namespace

double sum_f32_avx2(const float* p, int64_t n) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 x = _mm256_loadu_ps(p + i);
    __m256 y = _mm256_loadu_ps(p + i + 8);
    a0 = _mm256_add_pd(a0, widen_lo(x));
    a1 = _mm256_add_pd(a1, widen_hi(x));
    a2 = _mm256_add_pd(a2, widen_lo(y));
    a3 = _mm256_add_pd(a3, widen_hi(y));
  }
  double s = hsum_pd(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
  for (; i < n; ++i) s += static_cast<double>(p[i]);
  return s;
}

float max_f32_avx2(const float* p, int64_t n) { return extreme<true>(p, n); }
float min_f32_avx2(const float* p, int64_t n) { return extreme<false>(p, n); }

void exp_f32_avx2(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp_nonpos(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(y + i, m, exp_nonpos(_mm256_maskload_ps(x + i, m)));
  }
}

double sum_exp_f32_avx2(const float* p, int64_t n, float m) {
  const __m256 vm = _mm256_set1_ps(m);
  __m256d s0 = _mm256_setzero_pd(), s1 = s0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = exp_nonpos(_mm256_sub_ps(_mm256_loadu_ps(p + i), vm));
    s0 = _mm256_add_pd(s0, widen_lo(e));
    s1 = _mm256_add_pd(s1, widen_hi(e));
  }
  if (i < n) {
    const __m256i tm = tail_mask(n - i);
    __m256 e = exp_nonpos(_mm256_sub_ps(_mm256_maskload_ps(p + i, tm), vm));
    e = _mm256_and_ps(e, _mm256_castsi256_ps(tm));
    s0 = _mm256_add_pd(s0, widen_lo(e));
    s1 = _mm256_add_pd(s1, widen_hi(e));
  }
  return hsum_pd(_mm256_add_pd(s0, s1));
}

void softmax_row_f32_avx2(const float* x, float* y, int64_t n, bool log) {
  if (n <= 0) return;
  const float m = extreme<true>(x, n);
  if (!std::isfinite(m)) {  // a NaN, or an infinite max: every output is NaN (as in PyTorch)
    for (int64_t i = 0; i < n; ++i) y[i] = std::numeric_limits<float>::quiet_NaN();
    return;
  }
  const __m256 vm = _mm256_set1_ps(m);
  __m256d s0 = _mm256_setzero_pd(), s1 = s0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 e = exp_nonpos(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
    if (!log) _mm256_storeu_ps(y + i, e);
    s0 = _mm256_add_pd(s0, widen_lo(e));
    s1 = _mm256_add_pd(s1, widen_hi(e));
  }
  const int64_t rem = n - i;
  const __m256i tm = tail_mask(rem);
  if (rem) {
    __m256 e = exp_nonpos(_mm256_sub_ps(_mm256_maskload_ps(x + i, tm), vm));
    e = _mm256_and_ps(e, _mm256_castsi256_ps(tm));
    if (!log) _mm256_maskstore_ps(y + i, tm, e);
    s0 = _mm256_add_pd(s0, widen_lo(e));
    s1 = _mm256_add_pd(s1, widen_hi(e));
  }
  const double sum = hsum_pd(_mm256_add_pd(s0, s1));
  if (!log) {
    const __m256 inv = _mm256_set1_ps(static_cast<float>(1.0 / sum));
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), inv));
    if (rem) _mm256_maskstore_ps(y + i, tm, _mm256_mul_ps(_mm256_maskload_ps(y + i, tm), inv));
  } else {
    const __m256 ls = _mm256_set1_ps(static_cast<float>(std::log(sum)));
    for (i = 0; i + 8 <= n; i += 8)
      _mm256_storeu_ps(y + i, _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), ls));
    if (rem) _mm256_maskstore_ps(y + i, tm, _mm256_sub_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, tm), vm), ls));
  }
}

}  // namespace tf

#endif  // TF_REDUCE_AVX2
