// Convolution drivers: pick the algorithm per shape (conv_plan) and split the work over
// the thread pool. im2col and 1x1 convolutions are GEMMs per (image, group, block of
// output positions): each thread takes whole tasks with its own column buffer and runs
// its GEMMs serially (nested GEMM calls inside a pool job do not thread), so there is no
// synchronisation inside a task and even a single image keeps every thread busy.
#include "conv.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../../../runtime/allocator.h"
#include "../../../runtime/cpu_features.h"
#include "../../../runtime/thread_pool.h"
#include "../gemm/gemm.h"
#include "conv_kernels.h"
#include "direct.h"
#include "winograd.h"

namespace tf {
namespace {

template <typename T>
struct Kernels {
  void (*im2col)(const ConvGeom&, int64_t, const T*, int64_t, int64_t, T*, int64_t);
  void (*col2im)(const ConvGeom&, int64_t, const T*, int64_t, int64_t, int64_t, T*);
  void (*dw_forward)(const ConvGeom&, const T*, const T*, T, T*);
  void (*dw_backward_input)(const ConvGeom&, const T*, const T*, T*);
  void (*dw_backward_weight)(const ConvGeom&, const T*, const T*, T*);
};

template <typename T>
Kernels<T> kernels() {
#ifdef TF_CONV_AVX2
  if (use_avx2()) {
    using namespace conv_avx2;
    return {im2col<T>, col2im<T>, dw_forward_plane<T>, dw_backward_input_plane<T>, dw_backward_weight_plane<T>};
  }
#endif
  using namespace conv_portable;
  return {im2col<T>, col2im<T>, dw_forward_plane<T>, dw_backward_input_plane<T>, dw_backward_weight_plane<T>};
}

// Sizes shared by the GEMM paths: per group cg input and kg output channels, R = cg*KH*KW
// rows of the column matrix, P = OH*OW output positions per image.
//
// The column matrix is built one block at a time, a block holding about 160 KB so that it
// stays in L2 between im2col and the GEMM that reads it. Large images are cut into nb
// blocks of pb positions; small images (LeNet's 14x14) are grouped, m whole images per
// block, so that the GEMMs are not tiny. `blocks` counts the blocks of one group.
struct Dims {
  int64_t cg, kg, kk, r, p, hw, pb, nb, m, blocks;
  Dims(const ConvGeom& g, size_t elem)
      : cg(g.c / g.groups), kg(g.k / g.groups), kk(g.kh * g.kw), r(cg * kk), p(g.oh * g.ow),
        hw(g.h * g.w) {
    static const int64_t block_bytes = [] {
      const char* v = std::getenv("TF_CONV_BLOCK_KB");  // tuning hook (docs/TUNING.md)
      return (v && *v ? std::atol(v) : 160) * 1024;
    }();
    const int64_t target = std::max<int64_t>(64, block_bytes / static_cast<int64_t>(elem) / std::max<int64_t>(1, r) / 16 * 16);
    if (p > target) {
      nb = (p + target - 1) / target;
      pb = (p + nb - 1) / nb;  // equal blocks
      m = 1;
      blocks = g.n * nb;
    } else {
      nb = 1;
      pb = std::max<int64_t>(p, 1);
      m = std::max<int64_t>(1, target / pb);
      blocks = (g.n + m - 1) / m;
    }
  }
};

// Block `blk` of a group: images [n0, n0 + imgs), positions [p0, p0 + pn) of each; its
// columns are image-major, width = imgs * pn.
struct Block {
  int64_t n0, imgs, p0, pn;
  int64_t width() const { return imgs * pn; }
};
Block block_of(const ConvGeom& g, const Dims& d, int64_t blk) {
  if (d.nb > 1) {
    const int64_t p0 = (blk % d.nb) * d.pb;
    return {blk / d.nb, 1, p0, std::min(d.pb, d.p - p0)};
  }
  const int64_t n0 = blk * d.m;
  return {n0, std::min(d.m, g.n - n0), 0, d.p};
}

// The column matrix of a block (cg channels of group gi).
template <typename T>
void block_columns(const Kernels<T>& kn, const ConvGeom& g, const Dims& d, int64_t gi, const Block& b, const T* x, T* cols) {
  for (int64_t i = 0; i < b.imgs; ++i)
    kn.im2col(g, d.cg, x + ((b.n0 + i) * g.c + gi * d.cg) * d.hw, b.p0, b.pn, cols + i * b.pn, b.width());
}

// gy's rows of group gi for a block of several whole images, side by side: [kg, width].
template <typename T>
void gather_rows(const ConvGeom& g, const Dims& d, int64_t gi, const Block& b, const T* gy, T* out) {
  for (int64_t i = 0; i < b.imgs; ++i)
    for (int64_t r = 0; r < d.kg; ++r)
      std::memcpy(out + r * b.width() + i * d.p, gy + ((b.n0 + i) * g.k + gi * d.kg + r) * d.p, sizeof(T) * d.p);
}

// C = A·B (+ beta·C) (+ bias per row), run serially when called from inside a pool job.
template <typename T>
void gemm_call(int64_t m, int64_t n, int64_t k, const T* A, int64_t rsA, int64_t csA, const T* B,
               int64_t rsB, int64_t csB, T beta, T* C, int64_t rsC, const T* bias_rows) {
  GemmArgs<T> a;
  a.m = m; a.n = n; a.k = k;
  a.A = A; a.rsA = rsA; a.csA = csA;
  a.B = B; a.rsB = rsB; a.csB = csB;
  a.beta = beta;
  a.C = C; a.rsC = rsC; a.csC = 1;
  if (bias_rows) {
    a.epi.bias = bias_rows;
    a.epi.bias_rs = 1;
    a.epi.bias_cs = 0;
  }
  gemm_run<T>(a);
}

// Positions per block up to which the im2col paths run their products transposed on a
// weight packed once per call (see conv2d_forward).
int64_t transposed_positions() {
  static const int64_t v = [] {
    const char* e = std::getenv("TF_CONV_WT_POSITIONS");  // tuning hook (docs/TUNING.md)
    return e && *e ? std::atol(e) : 256;
  }();
  return v;
}

// One k x n B operand per group, packed (pack_b_full) once: group gi's element (p, j) is
// B0[gi * group_stride + p * rsB + j * csB]. Empty when `pack` is false.
template <typename T>
class PackedGroups {
 public:
  PackedGroups(bool pack, int64_t groups, int64_t k, int64_t n, const T* B0, int64_t group_stride, int64_t rsB,
               int64_t csB)
      : per_(pack ? packed_b_elements<T>(k, n) : 0),
        bytes_(std::max<size_t>(1, per_ * static_cast<size_t>(groups)) * sizeof(T)),
        p_(pack ? static_cast<T*>(host_alloc(bytes_)) : nullptr) {
    if (pack)
      for (int64_t gi = 0; gi < groups; ++gi) pack_b_full<T>(k, n, B0 + gi * group_stride, rsB, csB, p_ + gi * per_);
  }
  ~PackedGroups() {
    if (p_) host_free(p_, bytes_);
  }
  PackedGroups(const PackedGroups&) = delete;
  PackedGroups& operator=(const PackedGroups&) = delete;
  const T* group(int64_t gi) const { return p_ + gi * per_; }

 private:
  size_t per_, bytes_;
  T* p_;
};

// C [m x n] (element (i, j) at C[i + j * csC]) = A [m x k] (element (i, p) at A[i + p * csA])
// · the packed B: a product whose rows (positions) are contiguous in A and C.
template <typename T>
void gemm_packed_t(int64_t m, int64_t n, int64_t k, const T* A, int64_t csA, const T* Bp, T* C, int64_t csC) {
  GemmArgs<T> a;
  a.m = m; a.n = n; a.k = k;
  a.A = A; a.rsA = 1; a.csA = csA;
  a.Bp = Bp;
  a.C = C; a.rsC = 1; a.csC = csC;
  gemm_run<T>(a);
}

bool is_1x1(const ConvGeom& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.oh == g.h && g.ow == g.w;
}

// Planes are independent: at least ~32k multiply-adds per chunk of a parallel loop.
int64_t plane_grain(const ConvGeom& g, int64_t planes_per_task) {
  const int64_t work = std::max<int64_t>(1, g.oh * g.ow * g.kh * g.kw * planes_per_task);
  return std::max<int64_t>(1, 32768 / work);
}

}  // namespace

size_t conv2d_columns_elements(const ConvGeom& g, size_t elem_size) {
  const Dims d(g, elem_size);
  const ConvAlgo algo = conv_plan(g);
  if (algo == ConvAlgo::kDepthwise ||
      ((algo == ConvAlgo::kWinograd || algo == ConvAlgo::kDirect) && elem_size == sizeof(float)) || g.n == 0 ||
      d.p == 0 || d.r == 0 || g.k == 0)
    return 0;
  return static_cast<size_t>(g.groups * d.blocks) * static_cast<size_t>((d.r + 1) * d.m * d.pb);
}

ConvAlgo conv_plan(const ConvGeom& g) {
  if (g.groups > 1 && g.c == g.groups) return ConvAlgo::kDepthwise;
  if (g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.groups == 1 && g.c >= 16 &&
      g.k >= 16 && g.oh >= 2 && g.ow >= 2)
    return ConvAlgo::kWinograd;
  if (is_1x1(g)) return ConvAlgo::kGemm1x1;
  if (direct_fits(g)) return ConvAlgo::kDirect;
  return ConvAlgo::kIm2col;
}

template <typename T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y, T* keep) {
  const Dims d(g, sizeof(T));
  if (g.n == 0 || g.k == 0 || d.p == 0) return;
  const ConvAlgo algo = conv_plan(g);
  const Kernels<T> kn = kernels<T>();
  if (algo == ConvAlgo::kDepthwise) {
    parallel_for(g.n * g.k, plane_grain(g, 1), [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        const int64_t kc = t % g.k, n = t / g.k, c = kc / d.kg;
        kn.dw_forward(g, x + (n * g.c + c) * d.hw, w + kc * d.kk, bias ? bias[kc] : T(0), y + t * d.p);
      }
    });
    return;
  }
  if constexpr (std::is_same<T, float>::value) {
    if (algo == ConvAlgo::kWinograd) {
      winograd_conv3x3(g, x, w, bias, y);
      return;
    }
    if (algo == ConvAlgo::kDirect) {
      direct_forward(g, x, w, bias, y);
      return;
    }
  }
  if (d.r == 0) {  // no input channels: the output is the bias
    for (int64_t t = 0; t < g.n * g.k; ++t)
      std::fill(y + t * d.p, y + (t + 1) * d.p, bias ? bias[t % g.k] : T(0));
    return;
  }
  // Tasks are (group, block): y[block] = W_g · cols(block) + bias, each thread with its
  // own buffers, running its GEMMs serially. The bias rides in the GEMM as one more column
  // of the weight against a row of ones under the columns (no separate pass over y, which
  // costs as much as the product when R is small, as in LeNet's first layer).
  const bool gemm1x1 = algo == ConvAlgo::kGemm1x1;
  const int64_t tasks = g.groups * d.blocks;
  const size_t width = static_cast<size_t>(d.m * d.pb);
  const int64_t rows = d.r + 1;  // column buffer rows: R, then ones
  std::vector<T> waug;
  if (bias) {
    waug.resize(static_cast<size_t>(g.k * rows));
    for (int64_t k = 0; k < g.k; ++k) {
      std::memcpy(waug.data() + k * rows, w + k * d.r, sizeof(T) * d.r);
      waug[k * rows + d.r] = bias[k];
    }
  }
  const T* wa = bias ? waug.data() : w;
  const int64_t ldw = bias ? rows : d.r, depth = bias ? rows : d.r;
  // With few positions per image in a block (strided layers on small images: the critic's
  // 8x8 -> 4x4, or large images cut into blocks of a few rows), W · cols would pack the
  // weight again for every image of every block: then the product runs transposed,
  // yᵀ [positions, kg] = colsᵀ · W_gᵀ, on the weight packed once per call (pack_b_full).
  // (Only for deep reductions: with a few taps the weight is cheap to pack and the
  // transposed product's strided stores into y cost more.)
  const bool transposed = !gemm1x1 && d.pb <= transposed_positions() && depth >= 256 && tasks > g.groups;
  const PackedGroups<T> wpk(transposed, g.groups, depth, d.kg, wa, d.kg * ldw, 1, ldw);  // B (r, k) = W_g[k, r]
  parallel_for(tasks, 1, [&](int64_t tb, int64_t te) {
    std::vector<T> cols;
    std::vector<int64_t> offs;
    for (int64_t t = tb; t < te; ++t) {
      const int64_t gi = t % g.groups;
      const Block b = block_of(g, d, t / g.groups);
      T* yb = y + (b.n0 * g.k + gi * d.kg) * d.p + b.p0;
      if (gemm1x1 && b.imgs == 1) {
        gemm_call<T>(d.kg, b.pn, d.r, w + gi * d.kg * d.r, d.r, 1, x + (b.n0 * g.c + gi * d.cg) * d.hw + b.p0, d.hw, 1,
                     T(0), yb, d.p, bias ? bias + gi * d.kg : nullptr);
        continue;
      }
      T* buf;
      if (keep) {
        buf = keep + static_cast<size_t>(t) * rows * width;
      } else {
        cols.resize(static_cast<size_t>(rows) * width);
        buf = cols.data();
      }
      block_columns(kn, g, d, gi, b, x, buf);
      if (bias) std::fill(buf + d.r * b.width(), buf + (d.r + 1) * b.width(), T(1));
      // One product per image of the block, straight into y.
      offs.assign(static_cast<size_t>(3 * b.imgs), 0);
      for (int64_t i = 0; i < b.imgs; ++i) {
        offs[b.imgs + i] = i * b.pn;
        offs[2 * b.imgs + i] = i * g.k * d.p;
      }
      GemmArgs<T> a;
      a.batch = b.imgs;
      if (transposed) {
        a.a_offsets = offs.data() + b.imgs; a.c_offsets = offs.data() + 2 * b.imgs;
        a.m = b.pn; a.n = d.kg; a.k = depth;
        a.A = buf; a.rsA = 1; a.csA = b.width();
        a.Bp = wpk.group(gi);
        a.C = yb; a.rsC = 1; a.csC = d.p;
        gemm_run<T>(a);
        continue;
      }
      a.a_offsets = offs.data(); a.b_offsets = offs.data() + b.imgs; a.c_offsets = offs.data() + 2 * b.imgs;
      a.m = d.kg; a.n = b.pn; a.k = depth;
      a.A = wa + gi * d.kg * ldw; a.rsA = ldw; a.csA = 1;
      a.B = buf; a.rsB = b.width(); a.csB = 1;
      a.C = yb; a.rsC = d.p; a.csC = 1;
      gemm_run<T>(a);
    }
  });
}

template <typename T>
void conv2d_backward_input(const ConvGeom& g, const T* gy, const T* w, T* gx) {
  const Dims d(g, sizeof(T));
  if (g.n == 0 || g.c == 0 || d.hw == 0) return;
  const ConvAlgo algo = conv_plan(g);
  const Kernels<T> kn = kernels<T>();
  if (algo == ConvAlgo::kDepthwise) {
    parallel_for(g.n * g.c, plane_grain(g, d.kg), [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        const int64_t c = t % g.c, n = t / g.c;
        T* plane = gx + t * d.hw;
        std::fill(plane, plane + d.hw, T(0));
        for (int64_t m = 0; m < d.kg; ++m) {
          const int64_t kc = c * d.kg + m;
          kn.dw_backward_input(g, gy + (n * g.k + kc) * d.p, w + kc * d.kk, plane);
        }
      }
    });
    return;
  }
  if constexpr (std::is_same<T, float>::value) {
    if (algo == ConvAlgo::kWinograd && g.ph <= 2 && g.pw <= 2) {
      // The input gradient of a 3x3 stride-1 convolution is the 3x3 stride-1 convolution of
      // gy with the kernels flipped and input/output channels swapped, padded 2 - p on top
      // and left (the output size fixes the rest): Winograd again.
      ConvGeom t = g;
      t.c = g.k; t.h = g.oh; t.w = g.ow;
      t.k = g.c; t.oh = g.h; t.ow = g.w;
      t.ph = 2 - g.ph; t.pw = 2 - g.pw;
      std::vector<float> wt(static_cast<size_t>(g.k * g.c * 9));  // [C, K, 3, 3]
      for (int64_t k = 0; k < g.k; ++k)
        for (int64_t c = 0; c < g.c; ++c)
          for (int i = 0; i < 9; ++i) wt[(c * g.k + k) * 9 + (8 - i)] = w[(k * g.c + c) * 9 + i];
      winograd_conv3x3(t, gy, wt.data(), nullptr, gx);
      return;
    }
  }
  if constexpr (std::is_same<T, float>::value) {
    if (algo == ConvAlgo::kDirect && g.c >= 4 && g.k * g.kh * g.kw <= direct_backward_depth()) {
      // At stride 1 the input gradient is the correlation of gy with the kernels flipped
      // and input/output channels swapped, padded (KH-1)*DH - PH on top ((KW-1)*DW - PW on
      // the left; negative amounts crop): the direct kernel again.
      ConvGeom t = g;
      t.c = g.k; t.h = g.oh; t.w = g.ow;
      t.k = g.c; t.oh = g.h; t.ow = g.w;
      t.ph = (g.kh - 1) * g.dh - g.ph; t.pw = (g.kw - 1) * g.dw - g.pw;
      const int64_t kk = g.kh * g.kw;
      std::vector<float> wt(static_cast<size_t>(g.k * g.c * kk));  // [C, K, KH, KW], flipped
      for (int64_t k = 0; k < g.k; ++k)
        for (int64_t c = 0; c < g.c; ++c)
          for (int64_t i = 0; i < kk; ++i) wt[(c * g.k + k) * kk + (kk - 1 - i)] = w[(k * g.c + c) * kk + i];
      direct_forward(t, gy, wt.data(), nullptr, gx);
      return;
    }
  }
  if (d.kg == 0 || d.p == 0) {
    std::fill(gx, gx + g.n * g.c * d.hw, T(0));
    return;
  }
  const bool gemm1x1 = algo == ConvAlgo::kGemm1x1;
  const int threads = num_threads();
  const size_t width = static_cast<size_t>(d.m * d.pb);
  // dcols [R, width] = W_gᵀ [R, kg] · gy(block) [kg, width], then scattered back (col2im).
  // With few positions per block, W_gᵀ would be packed again for every block: then
  // dcolsᵀ = gy(block)ᵀ · W_g runs on W_g packed once (as in the forward).
  const bool transposed = !gemm1x1 && d.pb <= transposed_positions() && d.kg >= 64 && d.blocks > 1;
  const PackedGroups<T> wpk(transposed, g.groups, d.kg, d.r, w, d.kg * d.r, d.r, 1);  // B (k, r) = W_g[k, r]
  if (d.nb == 1) {
    // Blocks of whole images touch disjoint parts of gx: threads split over blocks.
    parallel_for(g.groups * d.blocks, 1, [&](int64_t tb, int64_t te) {
      std::vector<T> cols, gbuf;
      for (int64_t t = tb; t < te; ++t) {
        const int64_t gi = t % g.groups;
        const Block b = block_of(g, d, t / g.groups);
        const T* wg = w + gi * d.kg * d.r;
        const T* A = gy + (b.n0 * g.k + gi * d.kg) * d.p;
        int64_t rsA = d.p;
        if (b.imgs > 1) {
          gbuf.resize(static_cast<size_t>(d.kg) * width);
          gather_rows(g, d, gi, b, gy, gbuf.data());
          A = gbuf.data();
          rsA = b.width();
        }
        if (gemm1x1 && b.imgs == 1) {
          gemm_call<T>(d.r, d.p, d.kg, wg, 1, d.r, A, rsA, 1, T(0), gx + (b.n0 * g.c + gi * d.cg) * d.hw, d.hw, nullptr);
          continue;
        }
        cols.resize(static_cast<size_t>(d.r) * width);
        if (transposed)
          gemm_packed_t<T>(b.width(), d.r, d.kg, A, rsA, wpk.group(gi), cols.data(), b.width());
        else
          gemm_call<T>(d.r, b.width(), d.kg, wg, 1, d.r, A, rsA, 1, T(0), cols.data(), b.width(), nullptr);
        for (int64_t i = 0; i < b.imgs; ++i) {
          T* gxg = gx + ((b.n0 + i) * g.c + gi * d.cg) * d.hw;
          std::fill(gxg, gxg + d.cg * d.hw, T(0));
          kn.col2im(g, d.cg, cols.data() + i * d.p, b.width(), 0, d.p, gxg);
        }
      }
    });
    return;
  }
  // Large images: column blocks of one image overlap in gx, so threads split over
  // (image, group) and run the blocks in order ...
  if (gemm1x1 || threads == 1 || g.n * g.groups >= threads) {
    parallel_for(g.n * g.groups, 1, [&](int64_t tb, int64_t te) {
      std::vector<T> cols(gemm1x1 ? 0 : static_cast<size_t>(d.r * d.pb));
      for (int64_t t = tb; t < te; ++t) {
        const int64_t n = t / g.groups, gi = t % g.groups;
        T* gxg = gx + (n * g.c + gi * d.cg) * d.hw;
        const T* gyg = gy + (n * g.k + gi * d.kg) * d.p;
        const T* wg = w + gi * d.kg * d.r;
        if (gemm1x1) {
          gemm_call<T>(d.r, d.p, d.kg, wg, 1, d.r, gyg, d.p, 1, T(0), gxg, d.hw, nullptr);
          continue;
        }
        std::fill(gxg, gxg + d.cg * d.hw, T(0));
        for (int64_t p0 = 0; p0 < d.p; p0 += d.pb) {
          const int64_t pn = std::min(d.pb, d.p - p0);
          if (transposed)
            gemm_packed_t<T>(pn, d.r, d.kg, gyg + p0, d.p, wpk.group(gi), cols.data(), pn);
          else
            gemm_call<T>(d.r, pn, d.kg, wg, 1, d.r, gyg + p0, d.p, 1, T(0), cols.data(), pn, nullptr);
          kn.col2im(g, d.cg, cols.data(), pn, p0, pn, gxg);
        }
      }
    });
    return;
  }
  // ... or, with fewer images than threads, the GEMM threads itself over a whole image's
  // columns and col2im splits over channels (disjoint planes of gx).
  std::vector<T> cols(static_cast<size_t>(d.r * d.p));
  for (int64_t t = 0; t < g.n * g.groups; ++t) {
    const int64_t n = t / g.groups, gi = t % g.groups;
    T* gxg = gx + (n * g.c + gi * d.cg) * d.hw;
    gemm_call<T>(d.r, d.p, d.kg, w + gi * d.kg * d.r, 1, d.r, gy + (n * g.k + gi * d.kg) * d.p, d.p, 1, T(0),
                 cols.data(), d.p, nullptr);
    parallel_for(d.cg, 1, [&](int64_t b, int64_t e) {
      std::fill(gxg + b * d.hw, gxg + e * d.hw, T(0));
      kn.col2im(g, e - b, cols.data() + b * d.kk * d.p, d.p, 0, d.p, gxg + b * d.hw);
    });
  }
}

template <typename T>
void conv2d_backward_weight(const ConvGeom& g, const T* x, const T* gy, T* gw, T* gb, const T* kept) {
  const Dims d(g, sizeof(T));
  const int64_t wsize = g.k * d.r;
  if (gb) {
    parallel_for(g.k, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, g.n * d.p)), [&](int64_t b, int64_t e) {
      for (int64_t kc = b; kc < e; ++kc) {
        double s = 0;
        for (int64_t n = 0; n < g.n; ++n) {
          // Eight independent partial sums: the compiler vectorizes this, whereas one
          // running sum waits on the latency of every add (it cost as much as the weight
          // gradient itself for LeNet's first layer).
          const T* p = gy + (n * g.k + kc) * d.p;
          T lanes[8] = {};
          int64_t i = 0;
          for (; i + 8 <= d.p; i += 8)
            for (int l = 0; l < 8; ++l) lanes[l] += p[i + l];
          T part = T(0);
          for (; i < d.p; ++i) part += p[i];
          for (int l = 0; l < 8; ++l) part += lanes[l];
          s += part;
        }
        gb[kc] = static_cast<T>(s);
      }
    });
  }
  std::fill(gw, gw + wsize, T(0));
  if (g.n == 0 || d.p == 0 || wsize == 0) return;
  const ConvAlgo algo = conv_plan(g);
  const Kernels<T> kn = kernels<T>();
  if (algo == ConvAlgo::kDepthwise) {
    parallel_for(g.k, plane_grain(g, g.n), [&](int64_t b, int64_t e) {
      for (int64_t kc = b; kc < e; ++kc) {
        const int64_t c = kc / d.kg;
        for (int64_t n = 0; n < g.n; ++n)
          kn.dw_backward_weight(g, x + (n * g.c + c) * d.hw, gy + (n * g.k + kc) * d.p, gw + kc * d.kk);
      }
    });
    return;
  }
  if constexpr (std::is_same<T, float>::value) {
    // The direct weight gradient wins for small depths only (LeNet-5's first layer: 1.4x;
    // at depth 600 im2col + GEMM is faster).
    if (algo == ConvAlgo::kDirect && g.c * g.kh * g.kw <= 256) {
      direct_backward_weight(g, x, gy, gw);
      return;
    }
  }
  const bool gemm1x1 = algo == ConvAlgo::kGemm1x1;
  // dW_g [kg, R] += gy(block) [kg, width] · cols(block)ᵀ [width, R] over every block. The
  // tasks are cut into one fixed chunk per thread; each chunk sums into its own copy of
  // gw and the copies are added in a fixed order (results do not depend on timing).
  const int threads = num_threads();
  const int64_t tasks = g.groups * d.blocks;
  const int64_t chunks = std::min<int64_t>(threads, tasks);
  const size_t width = static_cast<size_t>(d.m * d.pb);
  std::vector<T> partial(static_cast<size_t>((chunks - 1) * wsize));
  auto run_chunk = [&](int64_t chunk, T* acc) {
    const int64_t tb = tasks * chunk / chunks, te = tasks * (chunk + 1) / chunks;
    std::vector<T> cols, gbuf;
    for (int64_t t = tb; t < te; ++t) {
      const int64_t gi = t % g.groups;
      const Block b = block_of(g, d, t / g.groups);
      const T* A = gy + (b.n0 * g.k + gi * d.kg) * d.p + b.p0;
      int64_t rsA = d.p;
      if (b.imgs > 1) {
        gbuf.resize(static_cast<size_t>(d.kg) * width);
        gather_rows(g, d, gi, b, gy, gbuf.data());
        A = gbuf.data();
        rsA = b.width();
      }
      const T* B;
      int64_t csB;
      if (gemm1x1 && b.imgs == 1) {
        B = x + (b.n0 * g.c + gi * d.cg) * d.hw + b.p0;
        csB = d.hw;
      } else if (kept) {
        B = kept + static_cast<size_t>(t) * (d.r + 1) * width;
        csB = b.width();
      } else {
        cols.resize(static_cast<size_t>(d.r) * width);
        block_columns(kn, g, d, gi, b, x, cols.data());
        B = cols.data();
        csB = b.width();
      }
      gemm_call<T>(d.kg, d.r, b.width(), A, rsA, 1, B, 1, csB, T(1), acc + gi * d.kg * d.r, d.r, nullptr);
    }
  };
  if (chunks == 1) {
    run_chunk(0, gw);
    return;
  }
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t ch = b; ch < e; ++ch) run_chunk(ch, ch == 0 ? gw : partial.data() + (ch - 1) * wsize);
  });
  for (int64_t ch = 1; ch < chunks; ++ch) {
    const T* p = partial.data() + (ch - 1) * wsize;
    for (int64_t i = 0; i < wsize; ++i) gw[i] += p[i];
  }
}

#define TF_CONV_INSTANTIATE(T)                                                            \
  template void conv2d_forward<T>(const ConvGeom&, const T*, const T*, const T*, T*, T*); \
  template void conv2d_backward_input<T>(const ConvGeom&, const T*, const T*, T*);        \
  template void conv2d_backward_weight<T>(const ConvGeom&, const T*, const T*, T*, T*, const T*);
TF_CONV_INSTANTIATE(float)
TF_CONV_INSTANTIATE(double)
#undef TF_CONV_INSTANTIATE

}  // namespace tf
