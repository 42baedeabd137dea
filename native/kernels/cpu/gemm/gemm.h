// General matrix multiply, C = alpha * A·B + beta * C, over raw pointers with row and
// column strides (in elements) for every operand, so transposed, sliced or broadcast
// (stride 0) operands need no copy. beta == 0 overwrites C without reading it (NaN or
// garbage in C never leaks into the result). The interface stays fixed; the packing,
// blocking and micro-kernels behind it may change.
#pragma once
#include <cstdint>

namespace tf {

// C[m x n] = alpha * A[m x k] · B[k x n] + beta * C. Multithreaded over the native pool
// (nested calls from inside a pool job run serially). T is float, double or int32_t.
template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t rsA, int64_t csA,
          const T* B, int64_t rsB, int64_t csB, T beta, T* C, int64_t rsC, int64_t csC);

// A batch of equal-shaped products: product b reads A + a_offsets[b], B + b_offsets[b] and
// writes C + c_offsets[b]. Threads split over the batch, and over M (or N when M is
// small) when the batch alone cannot keep them busy.
template <typename T>
void gemm_batched(int64_t batch, const int64_t* a_offsets, const int64_t* b_offsets,
                  const int64_t* c_offsets, int64_t m, int64_t n, int64_t k, T alpha,
                  const T* A, int64_t rsA, int64_t csA, const T* B, int64_t rsB, int64_t csB,
                  T beta, T* C, int64_t rsC, int64_t csC);

}  // namespace tf
