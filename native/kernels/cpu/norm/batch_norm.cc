#include "batch_norm.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "../../../runtime/thread_pool.h"

namespace tf {
namespace {

int64_t channel_grain(int64_t n, int64_t s) {
  return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, n * s));
}

template <typename T>
void forward(const BatchNormArgs& a) {
  const T* x = static_cast<const T*>(a.x);
  T* y = static_cast<T*>(a.y);
  const T* w = static_cast<const T*>(a.weight);
  const T* b = static_cast<const T*>(a.bias);
  T* sm = static_cast<T*>(a.save_mean);
  T* si = static_cast<T*>(a.save_invstd);
  T* rm = static_cast<T*>(a.rmean);
  T* rv = static_cast<T*>(a.rvar);
  const int64_t count = a.n * a.s;
  parallel_for(a.c, channel_grain(a.n, a.s), [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      double mean, invstd;
      if (a.training) {
        double sum = 0;
        for (int64_t i = 0; i < a.n; ++i) {
          const T* p = x + (i * a.c + c) * a.s;
          for (int64_t k = 0; k < a.s; ++k) sum += p[k];
        }
        mean = sum / static_cast<double>(count);
        double sq = 0;
        for (int64_t i = 0; i < a.n; ++i) {
          const T* p = x + (i * a.c + c) * a.s;
          for (int64_t k = 0; k < a.s; ++k) {
            const double d = p[k] - mean;
            sq += d * d;
          }
        }
        const double var = sq / static_cast<double>(count);
        invstd = 1.0 / std::sqrt(var + a.eps);
        if (rm != nullptr) {
          const double unbiased = count > 1 ? sq / static_cast<double>(count - 1) : var;
          rm[c] = static_cast<T>((1 - a.momentum) * rm[c] + a.momentum * mean);
          rv[c] = static_cast<T>((1 - a.momentum) * rv[c] + a.momentum * unbiased);
        }
      } else {
        mean = rm[c];
        invstd = 1.0 / std::sqrt(static_cast<double>(rv[c]) + a.eps);
      }
      if (sm) sm[c] = static_cast<T>(mean);
      if (si) si[c] = static_cast<T>(invstd);
      // y = x * scale + shift
      const double wc = w ? static_cast<double>(w[c]) : 1.0;
      const T scale = static_cast<T>(wc * invstd);
      const T shift = static_cast<T>((b ? static_cast<double>(b[c]) : 0.0) - mean * wc * invstd);
      for (int64_t i = 0; i < a.n; ++i) {
        const T* p = x + (i * a.c + c) * a.s;
        T* q = y + (i * a.c + c) * a.s;
        for (int64_t k = 0; k < a.s; ++k) q[k] = p[k] * scale + shift;
      }
    }
  });
}

template <typename T>
void backward(const BatchNormGradArgs& a) {
  const T* gy = static_cast<const T*>(a.gy);
  const T* x = static_cast<const T*>(a.x);
  const T* w = static_cast<const T*>(a.weight);
  const T* sm = static_cast<const T*>(a.save_mean);
  const T* si = static_cast<const T*>(a.save_invstd);
  T* gx = static_cast<T*>(a.gx);
  T* gw = static_cast<T*>(a.gweight);
  T* gb = static_cast<T*>(a.gbias);
  const double count = static_cast<double>(a.n * a.s);
  parallel_for(a.c, channel_grain(a.n, a.s), [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      const double mean = sm[c], invstd = si[c];
      double sg = 0, sgx = 0;  // sum gy, sum gy * (x - mean)
      for (int64_t i = 0; i < a.n; ++i) {
        const T* g = gy + (i * a.c + c) * a.s;
        const T* p = x + (i * a.c + c) * a.s;
        double s0 = 0, s1 = 0;
        for (int64_t k = 0; k < a.s; ++k) {
          s0 += g[k];
          s1 += static_cast<double>(g[k]) * (static_cast<double>(p[k]) - mean);
        }
        sg += s0;
        sgx += s1;
      }
      if (gw) gw[c] = static_cast<T>(sgx * invstd);
      if (gb) gb[c] = static_cast<T>(sg);
      if (!gx) continue;
      const double wc = w ? static_cast<double>(w[c]) : 1.0;
      if (a.training) {
        // gx = w invstd (gy - mean(gy) - x̂ mean(gy x̂)), x̂ = (x - mean) invstd
        const double k1 = wc * invstd;
        const double proj = sgx * invstd * invstd / count;  // multiplies (x - mean)
        const double gmean = sg / count;
        const T a1 = static_cast<T>(k1), a2 = static_cast<T>(-k1 * proj);
        const T a0 = static_cast<T>(-k1 * gmean + k1 * proj * mean);
        for (int64_t i = 0; i < a.n; ++i) {
          const T* g = gy + (i * a.c + c) * a.s;
          const T* p = x + (i * a.c + c) * a.s;
          T* q = gx + (i * a.c + c) * a.s;
          for (int64_t k = 0; k < a.s; ++k) q[k] = a1 * g[k] + a2 * p[k] + a0;
        }
      } else {
        const T k1 = static_cast<T>(wc * invstd);
        for (int64_t i = 0; i < a.n; ++i) {
          const T* g = gy + (i * a.c + c) * a.s;
          T* q = gx + (i * a.c + c) * a.s;
          for (int64_t k = 0; k < a.s; ++k) q[k] = k1 * g[k];
        }
      }
    }
  });
}

}  // namespace

void batch_norm_forward(DType dtype, const BatchNormArgs& a) {
  if (a.c == 0) return;
  if (dtype == DType::F32) return forward<float>(a);
  if (dtype == DType::F64) return forward<double>(a);
  throw std::invalid_argument(std::string("batchNorm: dtype ") + dtype_name(dtype) + " is not supported");
}

void batch_norm_backward(DType dtype, const BatchNormGradArgs& a) {
  if (a.c == 0) return;
  if (dtype == DType::F32) return backward<float>(a);
  if (dtype == DType::F64) return backward<double>(a);
  throw std::invalid_argument(std::string("batchNorm: dtype ") + dtype_name(dtype) + " is not supported");
}

}  // namespace tf
