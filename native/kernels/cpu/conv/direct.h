// Direct float32 convolution for few input channels (small C*KH*KW, stride 1), where
// im2col would spend more time building the column matrix than the GEMM spends on it.
//
// The image is copied with its zero padding into a buffer of rows Wp = OW + (KW-1)*DW
// wide, so that output position q = oh*Wp + ow reads input element q + off[t] for tap
// t = (c, i, j), off[t] = c*plane + i*DH*Wp + j*DW: a constant shift per tap. A tile of
// output positions is then a sum over taps of a shifted contiguous run of the buffer times
// one weight per output channel, vectorised along q and register-blocked over a few output
// channels (the columns ow >= OW of each row are computed and dropped).
// Bodies in direct.inc, compiled portably (direct.cc) and with AVX2+FMA (direct_avx2.cc).
#pragma once
#include <cstdint>

#include "conv.h"

#if defined(__x86_64__) || defined(_M_X64)
#define TF_DIRECT_AVX2 1
#endif

namespace tf {

#define TF_DIRECT_KERNEL_DECLS                                                                  \
  /* ot[kk*ldo + q] = bias[kk] + sum_t wq[t*kr + kk] * xp[off[t] + q], kk < kr, q < qn. */      \
  /* kr is 4 (qn a multiple of 24) or 6 (qn a multiple of 16); xp is readable up to */          \
  /* max(off) + qn. wq is [depth][kr], bias [kr]. */                                            \
  void direct_tile(const float* xp, const int64_t* off, int64_t depth, const float* wq,         \
                   const float* bias, int kr, int64_t qn, float* ot, int64_t ldo);             \
  /* y[kk*ldy + r*ow + j] = ot[kk*ldo + r*wpad + j] for kk < k, r < rows, j < ow */             \
  void direct_copy_out(const float* ot, int64_t ldo, int64_t wpad, int64_t k, int64_t rows,     \
                       int64_t ow, float* y, int64_t ldy);                                      \
  /* gw[kk*ldg + t] += sum_{i < m} sum_{q < qn} gq[i*gs + kk*ldq + q] * xp[i*xs + off[t] + q] */ \
  /* for kk < 4, t < depth; qn a multiple of 8 (the weight gradient over m images: gq is */     \
  /* gy on the buffer's grid) */                                                                \
  void direct_wgrad(const float* xp, int64_t xs, const int64_t* off, int64_t depth,             \
                    const float* gq, int64_t gs, int64_t ldq, int64_t m, int64_t qn, float* gw,  \
                    int64_t ldg);

namespace conv_portable {
TF_DIRECT_KERNEL_DECLS
}
#ifdef TF_DIRECT_AVX2
namespace conv_avx2 {
TF_DIRECT_KERNEL_DECLS
}
#endif
#undef TF_DIRECT_KERNEL_DECLS

// Positions per tile for a register block of kr output channels (see direct_tile).
inline int64_t direct_tile_width(int kr) { return kr == 4 ? 24 : 16; }

// The drivers (direct_driver.cc), float32 only.
// Whether a layer fits the direct kernel (groups 1, stride 1, depth C*KH*KW within bounds).
bool direct_fits(const ConvGeom& g);
// Largest depth K*KH*KW for which a direct layer's input gradient also runs direct.
int64_t direct_backward_depth();
// y = conv(x, w) + bias (bias may be null) for a layer that direct_fits.
void direct_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);
// gw += dL/dw for a layer that direct_fits (gw [K, C, KH, KW]).
void direct_backward_weight(const ConvGeom& g, const float* x, const float* gy, float* gw);

}  // namespace tf
