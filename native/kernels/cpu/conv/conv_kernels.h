// The memory-bound pieces of convolution (im2col, col2im and the direct depthwise
// kernels). Their bodies live in conv_kernels.inc, compiled twice: portably in
// conv_kernels.cc (namespace conv_portable) and with -mavx2 -mfma in conv_kernels_avx2.cc
// (namespace conv_avx2), where the compiler vectorizes the unit-stride loops 8 wide.
// conv.cc picks one set per call from tf::use_avx2().
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "conv.h"

#if defined(__x86_64__) || defined(_M_X64)
#define TF_CONV_AVX2 1
#endif

namespace tf {

#define TF_CONV_KERNEL_DECLS                                                                    \
  /* cols [cg*KH*KW, pn] (row stride ld): output positions [p0, p0+pn) of the column */      \
  /* matrix of cg channels of one image x [cg, H, W] (zeros in the padding) */                \
  template <typename T>                                                                        \
  void im2col(const ConvGeom& g, int64_t cg, const T* x, int64_t p0, int64_t pn, T* cols,     \
              int64_t ld);                                                                     \
  /* gx [cg, H, W] += those columns scattered back (the adjoint of im2col) */                 \
  template <typename T>                                                                        \
  void col2im(const ConvGeom& g, int64_t cg, const T* cols, int64_t ld, int64_t p0,           \
              int64_t pn, T* gx);                                                              \
  /* y [OH, OW] = bias + the KHxKW window of one channel x [H, W] with weights wk [KH, KW] */  \
  template <typename T>                                                                        \
  void dw_forward_plane(const ConvGeom& g, const T* x, const T* wk, T bias, T* y);            \
  /* gx [H, W] += the adjoint of dw_forward_plane for gy [OH, OW] */                          \
  template <typename T>                                                                        \
  void dw_backward_input_plane(const ConvGeom& g, const T* gy, const T* wk, T* gx);           \
  /* gw [KH, KW] += correlation of x [H, W] with gy [OH, OW] */                               \
  template <typename T>                                                                        \
  void dw_backward_weight_plane(const ConvGeom& g, const T* x, const T* gy, T* gw);            \
  /* Winograd F(4x4,3x3) input transform of c channels of one image, tile rows [ty0, ty1) */  \
  /* (tw tiles each): V[xi * ld_xi + ci * tb + tile], xi = 0..35, tb = tiles in the rows */    \
  template <typename T>                                                                        \
  void wino_input(const ConvGeom& g, int64_t c, const T* x, int64_t ty0, int64_t ty1,          \
                  int64_t tw, T* V, int64_t ld_xi);                                            \
  /* Output transform of M[xi * ld_xi + k * tb + tile] into y [K, OH, OW] of one image */     \
  template <typename T>                                                                        \
  void wino_output(const ConvGeom& g, const T* M, int64_t ld_xi, int64_t ty0, int64_t ty1,     \
                   int64_t tw, const T* bias, T* y);

namespace conv_portable {
TF_CONV_KERNEL_DECLS
}
#ifdef TF_CONV_AVX2
namespace conv_avx2 {
TF_CONV_KERNEL_DECLS
}
#endif
#undef TF_CONV_KERNEL_DECLS

}  // namespace tf
