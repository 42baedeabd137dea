#include "optim.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../../../runtime/cpu_features.h"
#include "../../../runtime/thread_pool.h"

namespace tf {
namespace {

constexpr int64_t kGrain = 1 << 15;

// torch.lerp's two-sided form (exact at both ends): start + w (end - start).
template <typename T>
inline T lerp(T start, T end, T w) {
  return w < T(0.5) ? start + w * (end - start) : end - (end - start) * (T(1) - w);
}

template <typename T>
void sgd_range(const OptimArgs& a, int64_t b, int64_t e) {
  T* p = static_cast<T*>(a.p);
  const T* g = static_cast<const T*>(a.g);
  T* buf = static_cast<T*>(a.s1);
  const T lr = T(a.h[0]), mom = T(a.h[1]), damp1 = T(1 - a.h[2]), wd = T(a.h[3]);
  const bool nesterov = a.h[4] != 0, maximize = a.h[5] != 0, first = a.h[6] != 0;
  for (int64_t i = b; i < e; ++i) {
    T d = maximize ? -g[i] : g[i];
    if (wd != T(0)) d += wd * p[i];
    if (buf) {
      T m = first ? d : mom * buf[i] + damp1 * d;
      buf[i] = m;
      d = nesterov ? d + mom * m : m;
    }
    p[i] -= lr * d;
  }
}

template <typename T>
void adam_range(const OptimArgs& a, int64_t b, int64_t e) {
  T* p = static_cast<T*>(a.p);
  const T* g = static_cast<const T*>(a.g);
  T* m = static_cast<T*>(a.s1);
  T* v = static_cast<T*>(a.s2);
  T* vmax = static_cast<T*>(a.s3);
  const T lr = T(a.h[0]), w1 = T(1 - a.h[1]), beta2 = T(a.h[2]), w2 = T(1 - a.h[2]), eps = T(a.h[3]);
  const T wd = T(a.h[4]);
  const bool amsgrad = a.h[5] != 0, maximize = a.h[6] != 0, decoupled = a.h[7] != 0;
  const T step_size = T(a.h[8]), bc2_sqrt = T(a.h[9]);
  const T decay = T(1) - lr * wd;
  for (int64_t i = b; i < e; ++i) {
    T gi = maximize ? -g[i] : g[i];
    T pi = p[i];
    if (wd != T(0)) {
      if (decoupled) pi *= decay;
      else gi += wd * pi;
    }
    const T mi = lerp(m[i], gi, w1);
    const T vi = beta2 * v[i] + w2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    T vhat = vi;
    if (amsgrad) {
      vhat = std::max(vmax[i], vi);
      vmax[i] = vhat;
    }
    const T denom = std::sqrt(vhat) / bc2_sqrt + eps;
    p[i] = pi - step_size * (mi / denom);
  }
}

template <typename T>
void rmsprop_range(const OptimArgs& a, int64_t b, int64_t e) {
  T* p = static_cast<T*>(a.p);
  const T* g = static_cast<const T*>(a.g);
  T* sq = static_cast<T*>(a.s1);
  T* buf = static_cast<T*>(a.s2);
  T* gavg = static_cast<T*>(a.s3);
  const T lr = T(a.h[0]), alpha = T(a.h[1]), w = T(1 - a.h[1]), eps = T(a.h[2]), wd = T(a.h[3]);
  const T mom = T(a.h[4]);
  const bool centered = a.h[5] != 0, maximize = a.h[6] != 0;
  for (int64_t i = b; i < e; ++i) {
    T gi = maximize ? -g[i] : g[i];
    if (wd != T(0)) gi += wd * p[i];
    const T s = alpha * sq[i] + w * gi * gi;
    sq[i] = s;
    T avg;
    if (centered) {
      const T ga = lerp(gavg[i], gi, w);
      gavg[i] = ga;
      avg = std::sqrt(s - ga * ga) + eps;
    } else {
      avg = std::sqrt(s) + eps;
    }
    if (mom > T(0)) {
      const T bi = mom * buf[i] + gi / avg;
      buf[i] = bi;
      p[i] -= lr * bi;
    } else {
      p[i] -= lr * (gi / avg);
    }
  }
}

template <typename T>
void adagrad_range(const OptimArgs& a, int64_t b, int64_t e) {
  T* p = static_cast<T*>(a.p);
  const T* g = static_cast<const T*>(a.g);
  T* sum = static_cast<T*>(a.s1);
  const T clr = T(a.h[0]), wd = T(a.h[1]), eps = T(a.h[2]);
  const bool maximize = a.h[3] != 0;
  for (int64_t i = b; i < e; ++i) {
    T gi = maximize ? -g[i] : g[i];
    if (wd != T(0)) gi += wd * p[i];
    const T s = sum[i] + gi * gi;
    sum[i] = s;
    p[i] -= clr * (gi / (std::sqrt(s) + eps));
  }
}

template <typename T>
void step_typed(OptimKind kind, const OptimArgs& a) {
  void (*range)(const OptimArgs&, int64_t, int64_t) = nullptr;
  switch (kind) {
    case OptimKind::SGD: range = sgd_range<T>; break;
    case OptimKind::Adam: range = adam_range<T>; break;
    case OptimKind::RMSprop: range = rmsprop_range<T>; break;
    case OptimKind::Adagrad: range = adagrad_range<T>; break;
  }
  if (!range) throw std::invalid_argument("optim: unknown optimizer kind");
#if defined(TF_HAVE_AVX2_KERNELS)
  if constexpr (std::is_same_v<T, float>) {
    if (use_avx2()) {
      if (kind == OptimKind::SGD) range = sgd_f32_avx2;
      if (kind == OptimKind::Adam) range = adam_f32_avx2;
    }
  }
#endif
  if (a.n <= kGrain) {
    range(a, 0, a.n);
    return;
  }
  parallel_for(a.n, kGrain, [&](int64_t b, int64_t e) { range(a, b, e); });
}

template <typename T>
double util_typed(GradUtilKind kind, T* x, int64_t n, double a) {
  if (kind == GradUtilKind::Scale || kind == GradUtilKind::Clamp) {
    const T s = T(a);
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      if (kind == GradUtilKind::Scale) {
        for (int64_t i = b; i < e; ++i) x[i] *= s;
      } else {
        for (int64_t i = b; i < e; ++i) {
          const T v = x[i];
          x[i] = v != v ? v : std::min(std::max(v, -s), s);
        }
      }
    });
    return 0;
  }
  // Fixed blocks, partials combined in order: the same bits for any thread count.
  const int64_t nblocks = (n + kGrain - 1) / kGrain;
  std::vector<double> part(static_cast<size_t>(nblocks), 0.0);
  const bool is_max = kind == GradUtilKind::MaxAbs;
  parallel_for(nblocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      const int64_t b = blk * kGrain, e = std::min(n, b + kGrain);
      double acc = 0;
      if (is_max) {
        for (int64_t i = b; i < e; ++i) {
          const double v = std::fabs(static_cast<double>(x[i]));
          if (v != v) { acc = v; break; }
          acc = std::max(acc, v);
        }
      } else if (a == 2.0) {
        double acc2[4] = {0, 0, 0, 0};
        int64_t i = b;
        for (; i + 4 <= e; i += 4)
          for (int k = 0; k < 4; ++k) {
            const double v = static_cast<double>(x[i + k]);
            acc2[k] += v * v;
          }
        for (; i < e; ++i) acc2[0] += static_cast<double>(x[i]) * static_cast<double>(x[i]);
        acc = (acc2[0] + acc2[1]) + (acc2[2] + acc2[3]);
      } else if (a == 1.0) {
        for (int64_t i = b; i < e; ++i) acc += std::fabs(static_cast<double>(x[i]));
      } else {
        for (int64_t i = b; i < e; ++i) acc += std::pow(std::fabs(static_cast<double>(x[i])), a);
      }
      part[static_cast<size_t>(blk)] = acc;
    }
  });
  double total = 0;
  for (double v : part) {
    if (is_max) {
      if (v != v) return v;
      total = std::max(total, v);
    } else {
      total += v;
    }
  }
  return total;
}

}  // namespace

void optim_step(OptimKind kind, DType dtype, const OptimArgs& a) {
  if (a.n <= 0) return;
  switch (dtype) {
    case DType::F32: step_typed<float>(kind, a); return;
    case DType::F64: step_typed<double>(kind, a); return;
    default: throw std::invalid_argument(std::string("optim: unsupported dtype ") + dtype_name(dtype));
  }
}

double grad_util(GradUtilKind kind, DType dtype, void* x, int64_t n, double a) {
  if (n <= 0) return 0;
  switch (dtype) {
    case DType::F32: return util_typed(kind, static_cast<float*>(x), n, a);
    case DType::F64: return util_typed(kind, static_cast<double*>(x), n, a);
    default: throw std::invalid_argument(std::string("optim: unsupported dtype ") + dtype_name(dtype));
  }
}

}  // namespace tf
