// AVX2+FMA kernels of the reduce family (compiled with -mavx2 -mfma). Call them only
// after tf::use_avx2() returned true; each has a portable twin in reduce.cc/softmax.cc.
#pragma once
#include <cstdint>

namespace tf {

// Sum of n contiguous floats, accumulated in double (4 x 4 lanes).
double sum_f32_avx2(const float* p, int64_t n);
// Max / min of n >= 1 contiguous floats; NaN if any element is NaN.
float max_f32_avx2(const float* p, int64_t n);
float min_f32_avx2(const float* p, int64_t n);
// Sum over n contiguous floats of exp(p[i] - m), in double; needs p[i] - m <= 0 (m is
// the max), as for logsumexp.
double sum_exp_f32_avx2(const float* p, int64_t n, float m);
// One softmax (log = false) or log-softmax row of n contiguous floats, x and y may alias.
void softmax_row_f32_avx2(const float* x, float* y, int64_t n, bool log);
// y[i] = exp(x[i]) with the kernel's polynomial (for accuracy checks).
void exp_f32_avx2(const float* x, float* y, int64_t n);

}  // namespace tf
