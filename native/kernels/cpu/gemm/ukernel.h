// The micro-kernel contract, shared by the portable reference and the SIMD kernels.
//
// A micro-kernel computes one MR x NR tile:  C = alpha * Ap·Bp + beta * C, where
//   Ap is a packed panel of kc steps of MR values (Ap[p * MR + i] = A[i][p]),
//   Bp is a packed panel of kc steps of NR values (Bp[p * NR + j] = B[p][j]),
//   C is addressed as C[i * rsC + j * csC].
// beta == 0 overwrites C without reading it. kc may be 0 (then C = beta * C, or 0).
// Panels are 64-byte aligned and padded with zeros, so the kernel always runs full tiles;
// the driver gives it a scratch tile when C's edge is smaller than MR x NR.
#pragma once
#include <cstdint>
#include <type_traits>

namespace tf {

template <typename T>
using UKernelFn = void (*)(int64_t kc, T alpha, const T* Ap, const T* Bp, T beta, T* C,
                           int64_t rsC, int64_t csC);

template <typename T>
struct UKernel {
  int mr;
  int nr;
  UKernelFn<T> fn;
  const char* name;
};

template <typename T>
struct SameType {
  using type = T;
};

// The obviously-correct reference: an MR x NR accumulator in plain C++, which compilers
// vectorise with whatever the baseline ISA offers. Integers accumulate in unsigned
// arithmetic so overflow wraps (as in PyTorch) instead of being undefined behaviour.
template <typename T, int MR, int NR>
void ukernel_ref(int64_t kc, T alpha, const T* Ap, const T* Bp, T beta, T* C, int64_t rsC,
                 int64_t csC) {
  using Acc = typename std::conditional_t<std::is_integral_v<T>, std::make_unsigned<T>,
                                          SameType<T>>::type;
  Acc acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    const T* a = Ap + p * MR;
    const T* b = Bp + p * NR;
    for (int i = 0; i < MR; ++i) {
      Acc ai = static_cast<Acc>(a[i]);
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * static_cast<Acc>(b[j]);
    }
  }
  const Acc al = static_cast<Acc>(alpha), be = static_cast<Acc>(beta);
  for (int i = 0; i < MR; ++i) {
    T* c = C + i * rsC;
    if (beta == T(0)) {
      for (int j = 0; j < NR; ++j) c[j * csC] = static_cast<T>(al * acc[i][j]);
    } else {
      for (int j = 0; j < NR; ++j)
        c[j * csC] = static_cast<T>(al * acc[i][j] + be * static_cast<Acc>(c[j * csC]));
    }
  }
}

// AVX2+FMA kernels (ukernel_avx2.cc, compiled with -mavx2 -mfma): call only when
// tf::use_avx2() is true.
void ukernel_6x16_f32_avx2(int64_t kc, float alpha, const float* Ap, const float* Bp, float beta,
                           float* C, int64_t rsC, int64_t csC);
void ukernel_6x8_f64_avx2(int64_t kc, double alpha, const double* Ap, const double* Bp,
                          double beta, double* C, int64_t rsC, int64_t csC);

}  // namespace tf
