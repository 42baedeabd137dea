// Portable build of the convolution helper kernels (bodies in conv_kernels.inc).
#include "conv_kernels.h"

namespace tf {
namespace conv_portable {
#include "conv_kernels.inc"
}  // namespace conv_portable
}  // namespace tf
