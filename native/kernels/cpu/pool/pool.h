// Pooling and nearest upsampling over contiguous planes (NCHW with N*C = planes;
// 1-d ops use ih = 1). Each forward has a backward beside it that accumulates into a
// zeroed input gradient. Window rules and output sizes are PyTorch's (the caller computes
// the output size; the kernels only trust what they are given).
#pragma once
#include <cstdint>

#include "../dtype.h"

namespace tf {

struct Pool2dParams {
  int64_t planes = 0, ih = 0, iw = 0, oh = 0, ow = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  // avg pool only
  bool count_include_pad = true;
  int64_t divisor_override = 0;  // 0: none
  // nearest upsampling only: source = min(floor(dst * scale), in - 1) (scale in float, as PyTorch)
  double scale_h = 0, scale_w = 0;  // <= 0: in / out
};

enum class PoolKind : int {
  MaxForward = 0,       // y, indices (int32, flat h * iw + w in the plane) from x
  MaxBackward = 1,      // gx += scatter of gy at indices
  AvgForward = 2,
  AvgBackward = 3,
  AdaptiveAvgForward = 4,
  AdaptiveAvgBackward = 5,
  NearestForward = 6,
  NearestBackward = 7,
};

// Forward kinds read `in` (x) and write `out` (y); backward kinds read `in` (gy) and
// accumulate into `out` (gx, zeroed by the caller). `indices` is used by the max kinds.
void pool2d(PoolKind kind, DType dtype, const void* in, void* out, int32_t* indices, const Pool2dParams& p);

}  // namespace tf
