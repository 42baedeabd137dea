// AVX2+FMA build of the convolution helper kernels (bodies in conv_kernels.inc, vectorized
// by the compiler with -mavx2 -mfma). Never called unless tf::use_avx2() is true.
#include "conv_kernels.h"

#ifdef TF_CONV_AVX2
namespace tf {
namespace conv_avx2 {
#include "conv_kernels.inc"
}  // namespace conv_avx2
}  // namespace tf
#endif
