// Portable build of the direct convolution tile (body in direct.inc).
#include "direct.h"

namespace tf {
namespace conv_portable {
#include "direct.inc"
}  // namespace conv_portable
}  // namespace tf
