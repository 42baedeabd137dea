// Winograd F(4x4, 3x3) for float32 3x3 stride-1 dilation-1 convolutions with one group
// (conv_plan's kWinograd): 4x fewer multiplies than im2col, at float32 accuracy (errors
// of a few 1e-6 relative to the largest output). Layouts as conv2d_forward.
#pragma once
#include "conv.h"

namespace tf {

void winograd_conv3x3(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);

}  // namespace tf
