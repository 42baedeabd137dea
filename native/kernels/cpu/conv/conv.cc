// Convolution drivers: pick the algorithm per shape (conv_plan) and split the work over
// the thread pool. im2col and 1x1 convolutions are GEMMs per (image, group): when there
// are at least as many of those as threads, each thread takes whole images with its own
// column buffer and runs its GEMMs serially (no synchronisation inside an image);
// otherwise (batch 1) the images run one after another and the GEMM threads itself.
#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "../../../runtime/cpu_features.h"
#include "../../../runtime/thread_pool.h"
#include "../gemm/gemm.h"
#include "conv_kernels.h"

namespace tf {
namespace {

template <typename T>
struct Kernels {
  void (*im2col)(const ConvGeom&, int64_t, const T*, T*);
  void (*col2im)(const ConvGeom&, int64_t, const T*, T*);
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
// rows of the column matrix, P = OH*OW output positions.
struct Dims {
  int64_t cg, kg, kk, r, p, hw, tasks;
  explicit Dims(const ConvGeom& g)
      : cg(g.c / g.groups), kg(g.k / g.groups), kk(g.kh * g.kw), r(cg * kk), p(g.oh * g.ow),
        hw(g.h * g.w), tasks(g.n * g.groups) {}
};

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

// Runs task(t, scratch) for t in [0, tasks): spread over threads (each with its own
// scratch of `scratch_elems`) when there are enough tasks, else in order on this thread.
template <typename T, typename F>
void for_each_task(int64_t tasks, size_t scratch_elems, F task) {
  const int threads = num_threads();
  if (threads > 1 && tasks >= threads) {
    parallel_for(tasks, 1, [&](int64_t b, int64_t e) {
      std::vector<T> scratch(scratch_elems);
      for (int64_t t = b; t < e; ++t) task(t, scratch.data());
    });
  } else {
    std::vector<T> scratch(scratch_elems);
    for (int64_t t = 0; t < tasks; ++t) task(t, scratch.data());
  }
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

ConvAlgo conv_plan(const ConvGeom& g) {
  if (g.groups > 1 && g.c == g.groups) return ConvAlgo::kDepthwise;
  if (is_1x1(g)) return ConvAlgo::kGemm1x1;
  return ConvAlgo::kIm2col;
}

template <typename T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  const Dims d(g);
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
  if (d.r == 0) {  // no input channels: the output is the bias
    for (int64_t t = 0; t < g.n * g.k; ++t)
      std::fill(y + t * d.p, y + (t + 1) * d.p, bias ? bias[t % g.k] : T(0));
    return;
  }
  const bool direct = algo == ConvAlgo::kGemm1x1;
  for_each_task<T>(d.tasks, direct ? 0 : static_cast<size_t>(d.r * d.p), [&](int64_t t, T* cols) {
    const int64_t n = t / g.groups, gi = t % g.groups;
    const T* xg = x + (n * g.c + gi * d.cg) * d.hw;
    const T* B = xg;
    if (!direct) {
      kn.im2col(g, d.cg, xg, cols);
      B = cols;
    }
    gemm_call<T>(d.kg, d.p, d.r, w + gi * d.kg * d.r, d.r, 1, B, d.p, 1, T(0),
                 y + (n * g.k + gi * d.kg) * d.p, d.p, bias ? bias + gi * d.kg : nullptr);
  });
}

template <typename T>
void conv2d_backward_input(const ConvGeom& g, const T* gy, const T* w, T* gx) {
  const Dims d(g);
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
  if (d.kg == 0 || d.p == 0) {
    std::fill(gx, gx + g.n * g.c * d.hw, T(0));
    return;
  }
  const bool direct = algo == ConvAlgo::kGemm1x1;
  for_each_task<T>(d.tasks, direct ? 0 : static_cast<size_t>(d.r * d.p), [&](int64_t t, T* cols) {
    const int64_t n = t / g.groups, gi = t % g.groups;
    T* gxg = gx + (n * g.c + gi * d.cg) * d.hw;
    // dcols [R, P] = W_gᵀ [R, kg] · gy_g [kg, P]
    T* C = direct ? gxg : cols;
    gemm_call<T>(d.r, d.p, d.kg, w + gi * d.kg * d.r, 1, d.r, gy + (n * g.k + gi * d.kg) * d.p, d.p, 1, T(0),
                 C, d.p, nullptr);
    if (!direct) {
      std::fill(gxg, gxg + d.cg * d.hw, T(0));
      kn.col2im(g, d.cg, cols, gxg);
    }
  });
}

template <typename T>
void conv2d_backward_weight(const ConvGeom& g, const T* x, const T* gy, T* gw, T* gb) {
  const Dims d(g);
  const int64_t wsize = g.k * d.r;
  if (gb) {
    parallel_for(g.k, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, g.n * d.p)), [&](int64_t b, int64_t e) {
      for (int64_t kc = b; kc < e; ++kc) {
        double s = 0;
        for (int64_t n = 0; n < g.n; ++n) {
          const T* p = gy + (n * g.k + kc) * d.p;
          T part = T(0);
          for (int64_t i = 0; i < d.p; ++i) part += p[i];
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
  const bool direct = algo == ConvAlgo::kGemm1x1;
  // dW_g [kg, R] += gy_g [kg, P] · cols_gᵀ [P, R], summed over images. Threads sum into
  // their own copy of gw (fixed chunks, added in a fixed order: results do not depend on
  // timing).
  const int threads = num_threads();
  const int64_t chunks = (threads > 1 && d.tasks >= threads) ? threads : 1;
  std::vector<T> partial(static_cast<size_t>((chunks - 1) * wsize));
  auto run_chunk = [&](int64_t chunk, T* acc) {
    const int64_t b = d.tasks * chunk / chunks, e = d.tasks * (chunk + 1) / chunks;
    std::vector<T> cols(direct ? 0 : static_cast<size_t>(d.r * d.p));
    for (int64_t t = b; t < e; ++t) {
      const int64_t n = t / g.groups, gi = t % g.groups;
      const T* xg = x + (n * g.c + gi * d.cg) * d.hw;
      const T* B = xg;
      if (!direct) {
        kn.im2col(g, d.cg, xg, cols.data());
        B = cols.data();
      }
      gemm_call<T>(d.kg, d.r, d.p, gy + (n * g.k + gi * d.kg) * d.p, d.p, 1, B, 1, d.p, T(1),
                   acc + gi * d.kg * d.r, d.r, nullptr);
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
  template void conv2d_forward<T>(const ConvGeom&, const T*, const T*, const T*, T*);     \
  template void conv2d_backward_input<T>(const ConvGeom&, const T*, const T*, T*);        \
  template void conv2d_backward_weight<T>(const ConvGeom&, const T*, const T*, T*, T*);
TF_CONV_INSTANTIATE(float)
TF_CONV_INSTANTIATE(double)
#undef TF_CONV_INSTANTIATE

}  // namespace tf
