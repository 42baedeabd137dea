// The micro-kernel contract, shared by the portable reference and the SIMD kernels.
//
// A micro-kernel computes the first ROWS rows of one MR x NR tile:
//   C = alpha * Ap·Bp + beta * C, where
//   Ap is a packed panel of kc steps of MR values (Ap[p * MR + i] = A[i][p]),
//   Bp is a packed panel of kc steps of NR values (Bp[p * NR + j] = B[p][j]),
//   C is addressed as C[i * rsC + j * csC], i < ROWS, j < NR.
// beta == 0 overwrites C without reading it. kc may be 0 (then C = beta * C, or 0).
// Panels are 64-byte aligned and padded with zeros. The driver gives the kernel a scratch
// tile only when C's edge has fewer than NR columns; short row edges go straight to C.
#pragma once
#include <cstdint>
#include <type_traits>

#include "gemm.h"

namespace tf {

template <typename T>
using UKernelFn = void (*)(int64_t kc, T alpha, const T* Ap, const T* Bp, T beta, T* C,
                           int64_t rsC, int64_t csC);

// Every kernel set of one dtype shares MR and NR, so packed buffers (prepacked weights
// included) stay valid whichever set runs.
template <typename T>
struct UKernel {
  int mr;
  int nr;
  UKernelFn<T> rows[7];  // rows[r] computes r rows (1 <= r <= mr)
  const char* name;
};

template <typename T>
struct SameType {
  using type = T;
};

// The obviously-correct reference: a ROWS x NR accumulator in plain C++, which compilers
// vectorise with whatever the baseline ISA offers. Integers accumulate in unsigned
// arithmetic so overflow wraps (as in PyTorch) instead of being undefined behaviour.
template <typename T, int MR, int NR, int ROWS>
void ukernel_ref(int64_t kc, T alpha, const T* Ap, const T* Bp, T beta, T* C, int64_t rsC,
                 int64_t csC) {
  using Acc = typename std::conditional_t<std::is_integral_v<T>, std::make_unsigned<T>,
                                          SameType<T>>::type;
  Acc acc[ROWS][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    const T* a = Ap + p * MR;
    const T* b = Bp + p * NR;
    for (int i = 0; i < ROWS; ++i) {
      Acc ai = static_cast<Acc>(a[i]);
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * static_cast<Acc>(b[j]);
    }
  }
  const Acc al = static_cast<Acc>(alpha), be = static_cast<Acc>(beta);
  for (int i = 0; i < ROWS; ++i) {
    T* c = C + i * rsC;
    if (beta == T(0)) {
      for (int j = 0; j < NR; ++j) c[j * csC] = static_cast<T>(al * acc[i][j]);
    } else {
      for (int j = 0; j < NR; ++j)
        c[j * csC] = static_cast<T>(al * acc[i][j] + be * static_cast<Acc>(c[j * csC]));
    }
  }
}

// The scalar epilogue (see GemmEpilogue) over a rows x cols block of C whose first
// element is product element (i0, j0).
template <typename T>
void epilogue_ref(const GemmEpilogue<T>& e, int64_t rows, int64_t cols, T* C, int64_t rsC,
                  int64_t csC, int64_t i0, int64_t j0);

// AVX2+FMA kernels (ukernel_avx2.cc, compiled with -mavx2 -mfma): call only when
// tf::use_avx2() is true. ROWS = 1..6 of a 6x16 (float) or 6x8 (double) tile.
extern const UKernelFn<float> kUKernelsF32Avx2[7];
extern const UKernelFn<double> kUKernelsF64Avx2[7];

// The 6x16 float32 kernel reading its B panel from row-major B (B[p * rsB + j], 16
// columns) instead of a packed panel, storing the packed copy to Bp (32-byte aligned) as
// it goes; prefetches B `pf` rows ahead (ukernel_small_avx2.cc).
using UKernelPackBFn = void (*)(int64_t kc, float alpha, const float* Ap, const float* B, int64_t rsB,
                                float* Bp, int64_t pf, float beta, float* C, int64_t rsC, int64_t csC);
extern const UKernelPackBFn kUKernelsF32PackBAvx2[7];
// The packed 6x16 float32 kernel that also prefetches into L2 one line per step: nb,
// nb + rsN, ... (the panel a later fused tile reads from B).
using UKernelPfNextFn = void (*)(int64_t kc, float alpha, const float* Ap, const float* Bp, const float* nb,
                                 int64_t rsN, float beta, float* C, int64_t rsC, int64_t csC);
extern const UKernelPfNextFn kUKernelsF32PfNextAvx2[7];

// Vectorised epilogue for float32 (falls back to the scalar one when csC != 1).
void epilogue_f32_avx2(const GemmEpilogue<float>& e, int64_t rows, int64_t cols, float* C,
                       int64_t rsC, int64_t csC, int64_t i0, int64_t j0);

// Unpacked kernels for few rows, reading A and B in place (float32, csC == 1).
// C[rows x cols] = alpha * A·B + beta * C with rows <= 4, cols <= 24, B's rows contiguous
// (csB == 1).
void direct_rowb_f32_avx2(int rows, int64_t cols, int64_t kc, float alpha, const float* A,
                          int64_t rsA, int64_t csA, const float* B, int64_t rsB, float beta,
                          float* C, int64_t rsC);
// The same with B's columns contiguous (rsB == 1, as a [N, K] weight read transposed) and
// A's rows contiguous (csA == 1): rows <= 3, cols <= 4; C's column stride is csC.
void direct_colb_f32_avx2(int rows, int64_t cols, int64_t kc, float alpha, const float* A,
                          int64_t rsA, const float* B, int64_t csB, float beta, float* C,
                          int64_t rsC, int64_t csC);
// One packed 6-row panel of A whose rows are contiguous (csA == 1):
// Ap[p * 6 + i] = A[i * rsA + p]. Writes up to 2 floats past the panel's 6 * kc.
void pack_a6_rows_f32_avx2(int64_t kc, const float* A, int64_t rsA, float* Ap);
// One packed panel of 16 columns of B whose columns are contiguous (rsB == 1, as a [N, K]
// weight read transposed): Bp[p * 16 + j] = B[j * csB + p], Bp 32-byte aligned.
void pack_b16_cols_f32_avx2(int64_t kc, const float* B, int64_t csB, float* Bp);
// y[0..n) = alpha * a·B + beta * y for one row a (a[p * inca]), B's rows contiguous:
// streams through B row by row.
void gemv_rowb_f32_avx2(int64_t n, int64_t k, float alpha, const float* a, int64_t inca,
                        const float* B, int64_t rsB, float beta, float* y);

}  // namespace tf
