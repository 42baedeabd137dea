// The drivers of the direct convolution kernel (direct.h): when a layer takes it, the
// padded image buffer, the tap offsets and the split over the thread pool, for the
// forward (also used for the input gradient, a convolution itself) and the weight
// gradient. conv.cc picks the algorithm.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../../../runtime/cpu_features.h"
#include "../../../runtime/thread_pool.h"
#include "direct.h"

namespace tf {
namespace {

// Row width of the direct kernel's buffer. Output position q = oh*L + ow reads buffer column
// ow + j*DW of row oh + i*DH, buffer column b holding input column b - PW. With both paddings
// non-negative, a row needs only W + max(PW, PR) columns (PR: the right padding): a read past
// the row's end wraps into the next row's left padding, which is zero as well. (A stride-1
// input gradient pads KW-1 on both sides: rows W + KW-1 wide instead of W + 2*(KW-1).)
// Otherwise (negative padding crops) rows are OW + (KW-1)*DW wide, as the reads span.
int64_t direct_row_width(const ConvGeom& g) {
  const int64_t span = g.ow + (g.kw - 1) * g.dw;  // PW + W + PR
  const int64_t pr = span - g.pw - g.w;
  if (g.pw < 0 || pr < 0) return span;
  return std::max(g.ow, g.w + std::max(g.pw, pr));
}

// Rows [oh0 - ph, oh0 - ph + in_rows) of the C channels of one image x [C, H, W] into the
// buffer xp [C][plane], rows wpad wide, with their padding (zeros; negative padding crops).
void direct_fill(const ConvGeom& g, const float* x, int64_t oh0, int64_t in_rows, int64_t wpad, int64_t plane,
                 float* xp) {
  // Columns [c0, c1) of a buffer row hold input columns [c0 - pw, c1 - pw).
  const int64_t c0 = std::min(wpad, std::max<int64_t>(0, g.pw)), c1 = std::max(c0, std::min(wpad, g.w + g.pw));
  for (int64_t c = 0; c < g.c; ++c) {
    const float* xc = x + c * g.h * g.w;
    for (int64_t r = 0; r < in_rows; ++r) {
      float* dst = xp + c * plane + r * wpad;
      const int64_t ih = oh0 + r - g.ph;
      if (ih < 0 || ih >= g.h || c1 == c0) {
        std::fill(dst, dst + wpad, 0.f);
        continue;
      }
      std::fill(dst, dst + c0, 0.f);
      std::memcpy(dst + c0, xc + ih * g.w + (c0 - g.pw), sizeof(float) * (c1 - c0));
      std::fill(dst + c1, dst + wpad, 0.f);
    }
  }
}

// Tap offsets into a buffer of C planes of `plane` elements, rows wpad wide (direct.h).
std::vector<int64_t> direct_offsets(const ConvGeom& g, int64_t wpad, int64_t plane) {
  std::vector<int64_t> off(static_cast<size_t>(g.c * g.kh * g.kw));
  for (int64_t c = 0, t = 0; c < g.c; ++c)
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) off[t++] = c * plane + i * g.dh * wpad + j * g.dw;
  return off;
}

}  // namespace

// The direct kernel: groups 1, stride 1, a reduction depth C*KH*KW up to 1024, and rows of
// the padded buffer not mostly made of the dropped columns (Wp < 2*OW). Measured on 2-core
// Zen 3 (1 thread), the direct forward beats im2col + GEMM from depth 25 (LeNet: 3.5x) to
// depth 1600 (C64 5x5 on 14x14: 1.7x); 3x3 layers with 16+ channels go to Winograd first.
bool direct_fits(const ConvGeom& g) {
  static const int64_t max_depth = [] {
    const char* v = std::getenv("TF_CONV_DIRECT_DEPTH");  // tuning hook (docs/TUNING.md)
    return v && *v ? std::atol(v) : 1024;
  }();
  const int64_t depth = g.c * g.kh * g.kw;
  return g.groups == 1 && g.sh == 1 && g.sw == 1 && depth > 0 && depth <= max_depth &&
         (g.kw - 1) * g.dw < g.ow;
}

// The input gradient of a convolution the direct kernel takes is a convolution with
// K*KH*KW taps, run directly when that stays below this depth. With rows W + KW-1 wide
// (direct_row_width) LeNet-5's conv2 input gradient (depth 400) runs 1.3-1.8x faster than
// im2col + GEMM + col2im (1 thread, 2-core Zen 3).
int64_t direct_backward_depth() {
  static const int64_t depth = [] {
    const char* v = std::getenv("TF_CONV_DIRECT_BWD_DEPTH");  // tuning hook (docs/TUNING.md)
    return v && *v ? std::atol(v) : 512;
  }();
  return depth;
}

// gw = dL/dw with direct_wgrad: per image, gy is laid out on the buffer's grid (rows wpad
// wide, zeros in the dropped columns) and each weight is the dot product of a gy row with
// the image buffer shifted by the weight's tap offset. Images are cut into one fixed chunk
// per thread, each summing into its own copy, added in a fixed order.
void direct_backward_weight(const ConvGeom& g, const float* x, const float* gy, float* gw) {
  using WTile = void (*)(const float*, int64_t, const int64_t*, int64_t, const float*, int64_t, int64_t, int64_t,
                         int64_t, float*, int64_t);
  WTile wtile = conv_portable::direct_wgrad;
#ifdef TF_DIRECT_AVX2
  if (use_avx2()) wtile = conv_avx2::direct_wgrad;
#endif
  const int64_t depth = g.c * g.kh * g.kw;
  const int64_t kpad = (g.k + 3) / 4 * 4;
  const int64_t wpad = direct_row_width(g);
  const int64_t plane = (g.oh + (g.kh - 1) * g.dh) * wpad;
  const int64_t qn = (g.oh * wpad + 7) / 8 * 8;
  // Per-image buffer sizes; reads of the last channel run up to (KW-1)*DW past its plane.
  const int64_t xs = g.c * plane + qn + (g.kw - 1) * g.dw, gs = kpad * qn;
  // Images per pass: the accumulators stay in registers over up to 8 images whose buffers
  // together stay within about 96 KB.
  const int64_t m = std::max<int64_t>(1, std::min<int64_t>(8, 24576 / (xs + gs)));
  const std::vector<int64_t> off = direct_offsets(g, wpad, plane);
  const int64_t chunks = std::min<int64_t>(num_threads(), g.n);
  std::vector<float> partial(static_cast<size_t>(chunks * kpad * depth), 0.f);
  parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
    std::vector<float> xp(static_cast<size_t>(m * xs), 0.f);
    std::vector<float> gq(static_cast<size_t>(m * gs), 0.f);
    for (int64_t ch = cb; ch < ce; ++ch) {
      float* acc = partial.data() + ch * kpad * depth;
      const int64_t n1 = g.n * (ch + 1) / chunks;
      for (int64_t n0 = g.n * ch / chunks; n0 < n1; n0 += m) {
        const int64_t mi = std::min(m, n1 - n0);
        for (int64_t i = 0; i < mi; ++i) {
          const int64_t n = n0 + i;
          direct_fill(g, x + n * g.c * g.h * g.w, 0, g.oh + (g.kh - 1) * g.dh, wpad, plane, xp.data() + i * xs);
          for (int64_t k = 0; k < g.k; ++k)
            for (int64_t r = 0; r < g.oh; ++r)
              std::memcpy(gq.data() + i * gs + k * qn + r * wpad, gy + ((n * g.k + k) * g.oh + r) * g.ow,
                          sizeof(float) * g.ow);
        }
        for (int64_t k0 = 0; k0 < kpad; k0 += 4)
          wtile(xp.data(), xs, off.data(), depth, gq.data() + k0 * qn, gs, qn, mi, qn, acc + k0 * depth, depth);
      }
    }
  });
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const float* p = partial.data() + ch * kpad * depth;
    for (int64_t i = 0; i < g.k * depth; ++i) gw[i] += p[i];
  }
}

// y = conv(x, w) + bias with direct_tile: tasks are (image, block of output rows); each
// thread copies the rows its block reads, with their padding, into its own buffer and
// computes the block for every output channel, kr channels at a time, into a tile whose
// rows are then copied to y without the dropped columns.
void direct_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  using Tile = void (*)(const float*, const int64_t*, int64_t, const float*, const float*, int, int64_t, float*, int64_t);
  using CopyOut = void (*)(const float*, int64_t, int64_t, int64_t, int64_t, int64_t, float*, int64_t);
  Tile tile = conv_portable::direct_tile;
  CopyOut copy_out = conv_portable::direct_copy_out;
#ifdef TF_DIRECT_AVX2
  if (use_avx2()) {
    tile = conv_avx2::direct_tile;
    copy_out = conv_avx2::direct_copy_out;
  }
#endif
  const int64_t depth = g.c * g.kh * g.kw;
  const int kr = (g.k % 4 != 0 && g.k % 6 == 0) || g.k == 5 || g.k == 6 ? 6 : 4;
  const int64_t qb = direct_tile_width(kr);
  const int64_t kgroups = (g.k + kr - 1) / kr, kpad = kgroups * kr;
  // Weights as [k group][tap][kr], bias as [kpad], zero beyond K.
  std::vector<float> wp(static_cast<size_t>(kpad * depth), 0.f), bp(static_cast<size_t>(kpad), 0.f);
  for (int64_t k = 0; k < g.k; ++k) {
    for (int64_t t = 0; t < depth; ++t) wp[((k / kr) * depth + t) * kr + k % kr] = w[k * depth + t];
    if (bias) bp[k] = bias[k];
  }
  const int64_t wpad = direct_row_width(g);                            // buffer row width
  static const int64_t target_q = [] {
    const char* v = std::getenv("TF_CONV_DIRECT_Q");  // tuning hook (docs/TUNING.md)
    return v && *v ? std::atol(v) : 0;
  }();
  // Output rows per block: about 512 positions, fewer with many channels so that the tile
  // (kpad x positions) stays within ~24 KB of L1.
  const int64_t q_want = target_q > 0 ? target_q : std::max<int64_t>(64, std::min<int64_t>(512, 6144 / kpad));
  const int64_t rb = std::min(g.oh, std::max<int64_t>(1, (q_want + wpad - 1) / wpad));
  const int64_t rin = rb + (g.kh - 1) * g.dh;                              // buffer rows per channel
  const int64_t plane = rin * wpad;
  const int64_t qmax = (rb * wpad + qb - 1) / qb * qb;
  const std::vector<int64_t> off = direct_offsets(g, wpad, plane);
  const int64_t blocks = (g.oh + rb - 1) / rb;
  parallel_for(g.n * blocks, 1, [&](int64_t tb, int64_t te) {
    std::vector<float> xp(static_cast<size_t>(g.c * plane + qmax + (g.kw - 1) * g.dw), 0.f);
    std::vector<float> ot(static_cast<size_t>(kpad * qmax));
    for (int64_t task = tb; task < te; ++task) {
      const int64_t n = task / blocks, oh0 = (task % blocks) * rb, rows = std::min(rb, g.oh - oh0);
      const int64_t in_rows = rows + (g.kh - 1) * g.dh;
      direct_fill(g, x + n * g.c * g.h * g.w, oh0, in_rows, wpad, plane, xp.data());
      const int64_t qn = (rows * wpad + qb - 1) / qb * qb;
      for (int64_t kg = 0; kg < kgroups; ++kg)
        tile(xp.data(), off.data(), depth, wp.data() + kg * depth * kr, bp.data() + kg * kr, kr, qn,
             ot.data() + kg * kr * qmax, qmax);
      copy_out(ot.data(), qmax, wpad, g.k, rows, g.ow, y + (n * g.k * g.oh + oh0) * g.ow, g.oh * g.ow);
    }
  });
}

}  // namespace tf
