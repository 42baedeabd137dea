// AVX2+FMA kernels for products with few rows (float32): a packed 6x16 micro-kernel that
// reads its B panel straight from row-major B and leaves the packed copy behind for the
// next row tiles, so B goes through the core once, with no separate packing pass; and the
// GEMV (M = 1) that streams through row-major B.
//
// Compiled with -mavx2 -mfma: like ukernel_avx2.cc it avoids inline templates shared with
// portable code.
#include "ukernel.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace tf {
namespace {

#define TF_INLINE inline __attribute__((always_inline))

TF_INLINE void store_row(float* c, int64_t csC, __m256 lo, __m256 hi, __m256 va, float beta) {
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

// As uk_f32 of ukernel_avx2.cc, with B[p * rsB + j] (16 contiguous columns) in place of a
// packed panel; each step's 16 values are also stored to Bp[p * 16 + j] (32-byte aligned).
// Rows of B `pf` steps ahead are prefetched: with N a multiple of 1024 floats every row of
// the panel falls in the same L1 set, which the hardware prefetcher does not cover.
template <int ROWS>
void uk_f32_packb(int64_t kc, float alpha, const float* Ap, const float* B, int64_t rsB, float* Bp,
                  int64_t pf, float beta, float* C, int64_t rsC, int64_t csC) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  const bool l2 = pf < 0;
  if (l2) pf = -pf;
  const float* pfp = B + pf * rsB;
  const int64_t kpf = kc > pf ? kc - pf : 0;
#pragma GCC unroll 2
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(B);
    const __m256 b1 = _mm256_loadu_ps(B + 8);
    if (p < kpf) {
      if (l2) {
        _mm_prefetch(reinterpret_cast<const char*>(pfp), _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(pfp + 15), _MM_HINT_T1);
      } else {
        _mm_prefetch(reinterpret_cast<const char*>(pfp), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(pfp + 15), _MM_HINT_T0);
      }
    }
    _mm256_store_ps(Bp, b0);
    _mm256_store_ps(Bp + 8, b1);
    __m256 a;
    if constexpr (ROWS > 0) { a = _mm256_broadcast_ss(Ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01); }
    if constexpr (ROWS > 1) { a = _mm256_broadcast_ss(Ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11); }
    if constexpr (ROWS > 2) { a = _mm256_broadcast_ss(Ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21); }
    if constexpr (ROWS > 3) { a = _mm256_broadcast_ss(Ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31); }
    if constexpr (ROWS > 4) { a = _mm256_broadcast_ss(Ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41); }
    if constexpr (ROWS > 5) { a = _mm256_broadcast_ss(Ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51); }
    Ap += 6;
    B += rsB;
    pfp += rsB;
    Bp += 16;
  }
  const __m256 va = _mm256_set1_ps(alpha);
  if constexpr (ROWS > 0) store_row(C + 0 * rsC, csC, c00, c01, va, beta);
  if constexpr (ROWS > 1) store_row(C + 1 * rsC, csC, c10, c11, va, beta);
  if constexpr (ROWS > 2) store_row(C + 2 * rsC, csC, c20, c21, va, beta);
  if constexpr (ROWS > 3) store_row(C + 3 * rsC, csC, c30, c31, va, beta);
  if constexpr (ROWS > 4) store_row(C + 4 * rsC, csC, c40, c41, va, beta);
  if constexpr (ROWS > 5) store_row(C + 5 * rsC, csC, c50, c51, va, beta);
}

// As uk_f32 (a packed panel Bp), prefetching one line (16 floats at nb, then nb + rsN,
// ...) per step into L2: the rows of the panel the next fused tile will read.
template <int ROWS>
void uk_f32_pfnext(int64_t kc, float alpha, const float* Ap, const float* Bp, const float* nb, int64_t rsN,
                   float beta, float* C, int64_t rsC, int64_t csC) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(Bp);
    const __m256 b1 = _mm256_load_ps(Bp + 8);
    _mm_prefetch(reinterpret_cast<const char*>(nb), _MM_HINT_T1);
    _mm_prefetch(reinterpret_cast<const char*>(nb + 15), _MM_HINT_T1);
    __m256 a;
    if constexpr (ROWS > 0) { a = _mm256_broadcast_ss(Ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01); }
    if constexpr (ROWS > 1) { a = _mm256_broadcast_ss(Ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11); }
    if constexpr (ROWS > 2) { a = _mm256_broadcast_ss(Ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21); }
    if constexpr (ROWS > 3) { a = _mm256_broadcast_ss(Ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31); }
    if constexpr (ROWS > 4) { a = _mm256_broadcast_ss(Ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41); }
    if constexpr (ROWS > 5) { a = _mm256_broadcast_ss(Ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51); }
    Ap += 6;
    Bp += 16;
    nb += rsN;
  }
  const __m256 va = _mm256_set1_ps(alpha);
  if constexpr (ROWS > 0) store_row(C + 0 * rsC, csC, c00, c01, va, beta);
  if constexpr (ROWS > 1) store_row(C + 1 * rsC, csC, c10, c11, va, beta);
  if constexpr (ROWS > 2) store_row(C + 2 * rsC, csC, c20, c21, va, beta);
  if constexpr (ROWS > 3) store_row(C + 3 * rsC, csC, c30, c31, va, beta);
  if constexpr (ROWS > 4) store_row(C + 4 * rsC, csC, c40, c41, va, beta);
  if constexpr (ROWS > 5) store_row(C + 5 * rsC, csC, c50, c51, va, beta);
}

TF_INLINE __m256i tail_mask(int64_t count) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), idx);
}

// acc[0..w) += sum over q < R of a[q] * B[q * rsB + j] (R = 1, 2 or 4): R rows of B
// stream through at once, and each pass loads and stores the accumulator chunk (L1) once.
template <int R>
void gemv_pass(int64_t w, const float* a, int64_t inca, const float* b, int64_t rsB, float* acc) {
  __m256 av[R];
  const float* br[R];
  for (int q = 0; q < R; ++q) {
    av[q] = _mm256_set1_ps(a[q * inca]);
    br[q] = b + q * rsB;
  }
  const int64_t wv = w / 8 * 8;
  int64_t j = 0;
  for (; j < wv; j += 8) {
    __m256 s0 = _mm256_fmadd_ps(av[0], _mm256_loadu_ps(br[0] + j), _mm256_load_ps(acc + j));
    if constexpr (R > 1) {
      __m256 s1 = _mm256_mul_ps(av[1], _mm256_loadu_ps(br[1] + j));
      for (int q = 2; q < R; q += 2) {
        s0 = _mm256_fmadd_ps(av[q], _mm256_loadu_ps(br[q] + j), s0);
        s1 = _mm256_fmadd_ps(av[q + 1], _mm256_loadu_ps(br[q + 1] + j), s1);
      }
      s0 = _mm256_add_ps(s0, s1);
    }
    _mm256_store_ps(acc + j, s0);
  }
  if (j < w) {
    const __m256i m = tail_mask(w - j);
    __m256 s = _mm256_load_ps(acc + j);
    for (int q = 0; q < R; ++q) s = _mm256_fmadd_ps(av[q], _mm256_maskload_ps(br[q] + j, m), s);
    _mm256_store_ps(acc + j, s);
  }
}

}  // namespace

// Rows of B are read as runs of up to kChunk columns (4 KB: runs of 2 KB measured ~25%
// slower from L3, the hardware prefetcher restarting on every run), four rows per pass
// over the accumulator chunk (eight measured slightly slower: eight streams a page apart
// fall in the same L1 sets).
void gemv_rowb_f32_avx2(int64_t n, int64_t k, float alpha, const float* a, int64_t inca, const float* B,
                        int64_t rsB, float beta, float* y) {
  constexpr int64_t kChunk = 1024;
  alignas(64) float acc[kChunk];
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  for (int64_t j0 = 0; j0 < n; j0 += kChunk) {
    const int64_t w = n - j0 < kChunk ? n - j0 : kChunk;
    for (int64_t j = 0; j < w; j += 8) _mm256_store_ps(acc + j, _mm256_setzero_ps());
    const float* b = B + j0;
    int64_t p = 0;
    for (; p + 4 <= k; p += 4) gemv_pass<4>(w, a + p * inca, inca, b + p * rsB, rsB, acc);
    for (; p + 2 <= k; p += 2) gemv_pass<2>(w, a + p * inca, inca, b + p * rsB, rsB, acc);
    for (; p < k; ++p) gemv_pass<1>(w, a + p * inca, inca, b + p * rsB, rsB, acc);
    float* yc = y + j0;
    const int64_t wv = w / 8 * 8;
    int64_t j = 0;
    for (; j < wv; j += 8) {
      __m256 r = _mm256_mul_ps(va, _mm256_load_ps(acc + j));
      if (beta != 0.0f) r = _mm256_fmadd_ps(vb, _mm256_loadu_ps(yc + j), r);
      _mm256_storeu_ps(yc + j, r);
    }
    if (j < w) {
      const __m256i m = tail_mask(w - j);
      __m256 r = _mm256_mul_ps(va, _mm256_load_ps(acc + j));
      if (beta != 0.0f) r = _mm256_fmadd_ps(vb, _mm256_maskload_ps(yc + j, m), r);
      _mm256_maskstore_ps(yc + j, m, r);
    }
  }
}

const UKernelPfNextFn kUKernelsF32PfNextAvx2[7] = {nullptr, uk_f32_pfnext<1>, uk_f32_pfnext<2>, uk_f32_pfnext<3>,
                                                   uk_f32_pfnext<4>, uk_f32_pfnext<5>, uk_f32_pfnext<6>};

const UKernelPackBFn kUKernelsF32PackBAvx2[7] = {nullptr, uk_f32_packb<1>, uk_f32_packb<2>, uk_f32_packb<3>,
                                                 uk_f32_packb<4>, uk_f32_packb<5>, uk_f32_packb<6>};

}  // namespace tf
#endif
