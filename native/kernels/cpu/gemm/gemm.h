// General matrix multiply, C = act(alpha * A·B + beta * C + bias), over raw pointers with
// row and column strides (in elements) for every operand, so transposed, sliced or
// broadcast (stride 0) operands need no copy. beta == 0 overwrites C without reading it
// (NaN or garbage in C never leaks into the result). B may instead come prepacked
// (pack_b_full), so a weight matrix used by many calls is packed once.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tf {

// Activations a GEMM can apply to its result while the C tile is still in cache.
enum GemmAct : int { kActNone = 0, kActRelu = 1, kActGelu = 2, kActSigmoid = 3, kActTanh = 4 };

// Applied after alpha·A·B + beta·C, element (i, j) of each product:
//   c = act(c + bias_scale * bias[i * bias_rs + j * bias_cs])   (bias may be null)
// bias_scale == 0 ignores the bias entirely (NaN in it never reaches C).
template <typename T>
struct GemmEpilogue {
  const T* bias = nullptr;
  int64_t bias_rs = 0, bias_cs = 0;
  T bias_scale = T(1);
  int act = kActNone;
  bool active() const { return (bias != nullptr && bias_scale != T(0)) || act != kActNone; }
};

// One call: `batch` products of equal shape. Product b reads A + a_offsets[b],
// B + b_offsets[b] (or the prepacked Bp, the same for every b) and writes C + c_offsets[b]
// (null offsets: 0 for every b). Threads split over the batch, rows and columns.
template <typename T>
struct GemmArgs {
  int64_t batch = 1;
  const int64_t* a_offsets = nullptr;
  const int64_t* b_offsets = nullptr;
  const int64_t* c_offsets = nullptr;
  int64_t m = 0, n = 0, k = 0;
  T alpha = T(1), beta = T(0);
  const T* A = nullptr;
  int64_t rsA = 0, csA = 0;
  const T* B = nullptr;
  int64_t rsB = 0, csB = 0;
  const T* Bp = nullptr;  // when set, B is ignored: Bp holds B packed by pack_b_full(k, n)
  T* C = nullptr;
  int64_t rsC = 0, csC = 0;
  GemmEpilogue<T> epi;
};

// T is float, double or int32_t (int32: no activation).
template <typename T>
void gemm_run(const GemmArgs<T>& args);

// Elements a packed copy of a k x n matrix B needs (the layout is this build's, the same
// for the SIMD and the portable kernels, so setPortableKernels may change in between).
template <typename T>
size_t packed_b_elements(int64_t k, int64_t n);
// Packs B (element (p, j) at B[p * rsB + j * csB]) into Bp (64-byte aligned,
// packed_b_elements(k, n) elements). Multithreaded.
template <typename T>
void pack_b_full(int64_t k, int64_t n, const T* B, int64_t rsB, int64_t csB, T* Bp);

// C[m x n] = alpha * A[m x k] · B[k x n] + beta * C (nested calls from inside a pool job
// run serially).
template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t rsA, int64_t csA,
          const T* B, int64_t rsB, int64_t csB, T beta, T* C, int64_t rsC, int64_t csC);

// A batch of equal-shaped products (see GemmArgs).
template <typename T>
void gemm_batched(int64_t batch, const int64_t* a_offsets, const int64_t* b_offsets,
                  const int64_t* c_offsets, int64_t m, int64_t n, int64_t k, T alpha,
                  const T* A, int64_t rsA, int64_t csA, const T* B, int64_t rsB, int64_t csB,
                  T beta, T* C, int64_t rsC, int64_t csC);

}  // namespace tf
