// 2-D convolution over raw pointers, NCHW, forward and the three gradients. conv1d is the
// H = 1 case and conv_transpose2d is conv2d's input gradient (its gradients are conv2d's
// forward and weight gradient), so these four calls serve all three ops.
//
// Every tensor is contiguous: x [N, C, H, W], w [K, C/groups, KH, KW], y [N, K, OH, OW].
// Padding is given as the top/left amount only: the bottom/right amount is whatever
// OH/OW imply, so asymmetric padding ('same' with an even kernel) needs nothing special.
// The algorithm is picked per shape (conv_plan): a direct kernel for depthwise (one input
// channel per group), Winograd for 3x3 stride 1 with enough channels, a plain GEMM for 1x1
// stride-1 unpadded convolutions, the direct kernel of direct.h for few input channels at
// stride 1, and im2col feeding the packed GEMM otherwise. Strided im2col / col2im (no
// dilation) go through the input split once into its stride phases (unit-stride copies per
// tap); with few positions per column block the products run transposed on the weight
// packed once per call, instead of packing it again per block.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tf {

struct ConvGeom {
  int64_t n = 0, c = 0, h = 0, w = 0;  // input
  int64_t k = 0, kh = 0, kw = 0;       // output channels, kernel size
  int64_t oh = 0, ow = 0;              // output size
  int64_t sh = 1, sw = 1;              // stride
  int64_t ph = 0, pw = 0;              // top / left padding
  int64_t dh = 1, dw = 1;              // dilation
  int64_t groups = 1;
};

// kWinograd: F(4x4, 3x3) for float32 forwards and input gradients of 3x3 stride-1
// convolutions with enough channels (float64 and the weight gradient use im2col).
// kDirect: the direct float32 forward of direct.h for few input channels (C*KH*KW small)
// at stride 1; its input gradient (K*KH*KW <= 512, C >= 4) and weight gradient
// (C*KH*KW <= 256) run direct too (float64 uses im2col).
enum class ConvAlgo : int { kIm2col = 0, kGemm1x1 = 1, kDepthwise = 2, kWinograd = 3, kDirect = 4 };

// The algorithm conv2d_* use for g (exposed so tests can cover each one).
ConvAlgo conv_plan(const ConvGeom& g);

// Elements of the column matrices (with the row of ones for the bias) conv2d_forward can
// keep for conv2d_backward_weight
// (0 when the algorithm builds none).
size_t conv2d_columns_elements(const ConvGeom& g, size_t elem_size);

// y = conv(x, w) + bias (bias [K] or null). cols (null: not kept) receives the column
// matrices, conv2d_columns_elements(g) elements, so the weight gradient need not rebuild them.
template <typename T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y, T* cols = nullptr);

// gx = dL/dx from gy = dL/dy (gx is overwritten).
template <typename T>
void conv2d_backward_input(const ConvGeom& g, const T* gy, const T* w, T* gx);

// gw = dL/dw and, when gb is not null, gb = dL/dbias (both overwritten). cols: the column
// matrices kept by conv2d_forward for the same x and g, or null.
template <typename T>
void conv2d_backward_weight(const ConvGeom& g, const T* x, const T* gy, T* gw, T* gb, const T* cols = nullptr);

}  // namespace tf
