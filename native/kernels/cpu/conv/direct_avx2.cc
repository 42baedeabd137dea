// AVX2+FMA build of the direct convolution tile (body in direct.inc, intrinsics under
// __AVX2__). Never called unless tf::use_avx2() is true.
#include "direct.h"

#ifdef TF_DIRECT_AVX2
#include <immintrin.h>

#include <cstdlib>

namespace tf {
namespace conv_avx2 {
#include "direct.inc"
}  // namespace conv_avx2
}  // namespace tf
#endif
