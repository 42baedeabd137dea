// AVX2+FMA kernels of the reduce family (compiled with -mavx2 -mfma). Call them only
// after tf::use_avx2() returned true; each has a portable twin in reduce.cc/softmax.cc.
#pragma once
#include <cstdint>
#include <stdexcept>

#if defined(__x86_64__) || defined(_M_X64)
#define TF_REDUCE_AVX2 1
#endif

namespace tf {

#ifdef TF_REDUCE_AVX2

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
#else
// Other CPUs: use_avx2() is false, so these are never reached; they keep the callers
// free of #ifdefs.
[[noreturn]] inline void no_avx2() { throw std::logic_error("AVX2 kernel called on a CPU without AVX2"); }
inline double sum_f32_avx2(const float*, int64_t) { no_avx2(); }
inline float max_f32_avx2(const float*, int64_t) { no_avx2(); }
inline float min_f32_avx2(const float*, int64_t) { no_avx2(); }
inline double sum_exp_f32_avx2(const float*, int64_t, float) { no_avx2(); }
inline void softmax_row_f32_avx2(const float*, float*, int64_t, bool) { no_avx2(); }
inline void exp_f32_avx2(const float*, float*, int64_t) { no_avx2(); }
#endif

}  // namespace tf
