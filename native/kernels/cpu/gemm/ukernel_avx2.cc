// AVX2+FMA micro-kernels: 6 rows x 2 vectors of accumulators (12 of the 16 ymm
// registers), one broadcast of A and two loads of B per k step.
#include "ukernel.h"

// Other architectures build this file too (sources.json has one list); it is empty there.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace tf {
namespace {

// Writes one accumulator row of `width` lanes (given as two vectors) into C.
inline void store_row_f32(float* c, int64_t csC, __m256 lo, __m256 hi, __m256 valpha, float beta) {
  lo = _mm256_mul_ps(lo, valpha);
  hi = _mm256_mul_ps(hi, valpha);
  if (csC == 1) {
    if (beta != 0.0f) {
      __m256 vb = _mm256_set1_ps(beta);
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

inline void store_row_f64(double* c, int64_t csC, __m256d lo, __m256d hi, __m256d valpha, double beta) {
  lo = _mm256_mul_pd(lo, valpha);
  hi = _mm256_mul_pd(hi, valpha);
  if (csC == 1) {
    if (beta != 0.0) {
      __m256d vb = _mm256_set1_pd(beta);
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

}  // namespace

void ukernel_6x16_f32_avx2(int64_t kc, float alpha, const float* Ap, const float* Bp, float beta,
                           float* C, int64_t rsC, int64_t csC) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    __m256 b0 = _mm256_load_ps(Bp);
    __m256 b1 = _mm256_load_ps(Bp + 8);
    __m256 a;
    a = _mm256_broadcast_ss(Ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(Ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(Ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(Ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(Ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(Ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
    Ap += 6;
    Bp += 16;
  }
  __m256 va = _mm256_set1_ps(alpha);
  store_row_f32(C + 0 * rsC, csC, c00, c01, va, beta);
  store_row_f32(C + 1 * rsC, csC, c10, c11, va, beta);
  store_row_f32(C + 2 * rsC, csC, c20, c21, va, beta);
  store_row_f32(C + 3 * rsC, csC, c30, c31, va, beta);
  store_row_f32(C + 4 * rsC, csC, c40, c41, va, beta);
  store_row_f32(C + 5 * rsC, csC, c50, c51, va, beta);
}

void ukernel_6x8_f64_avx2(int64_t kc, double alpha, const double* Ap, const double* Bp,
                          double beta, double* C, int64_t rsC, int64_t csC) {
  __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
  __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
  __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
  __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
  __m256d c40 = _mm256_setzero_pd(), c41 = _mm256_setzero_pd();
  __m256d c50 = _mm256_setzero_pd(), c51 = _mm256_setzero_pd();
  for (int64_t p = 0; p < kc; ++p) {
    __m256d b0 = _mm256_load_pd(Bp);
    __m256d b1 = _mm256_load_pd(Bp + 4);
    __m256d a;
    a = _mm256_broadcast_sd(Ap + 0); c00 = _mm256_fmadd_pd(a, b0, c00); c01 = _mm256_fmadd_pd(a, b1, c01);
    a = _mm256_broadcast_sd(Ap + 1); c10 = _mm256_fmadd_pd(a, b0, c10); c11 = _mm256_fmadd_pd(a, b1, c11);
    a = _mm256_broadcast_sd(Ap + 2); c20 = _mm256_fmadd_pd(a, b0, c20); c21 = _mm256_fmadd_pd(a, b1, c21);
    a = _mm256_broadcast_sd(Ap + 3); c30 = _mm256_fmadd_pd(a, b0, c30); c31 = _mm256_fmadd_pd(a, b1, c31);
    a = _mm256_broadcast_sd(Ap + 4); c40 = _mm256_fmadd_pd(a, b0, c40); c41 = _mm256_fmadd_pd(a, b1, c41);
    a = _mm256_broadcast_sd(Ap + 5); c50 = _mm256_fmadd_pd(a, b0, c50); c51 = _mm256_fmadd_pd(a, b1, c51);
    Ap += 6;
    Bp += 8;
  }
  __m256d va = _mm256_set1_pd(alpha);
  store_row_f64(C + 0 * rsC, csC, c00, c01, va, beta);
  store_row_f64(C + 1 * rsC, csC, c10, c11, va, beta);
  store_row_f64(C + 2 * rsC, csC, c20, c21, va, beta);
  store_row_f64(C + 3 * rsC, csC, c30, c31, va, beta);
  store_row_f64(C + 4 * rsC, csC, c40, c41, va, beta);
  store_row_f64(C + 5 * rsC, csC, c50, c51, va, beta);
}

}  // namespace tf
#endif
