// Softmax and log-softmax over the last dim of a layout: max, sum of exp(x - max) and
// the scaling in one native call. Rows contiguous in input and output use the fused row
// kernel (AVX2 for float32 when available); other rows walk their strides in double.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "../../../runtime/cpu_features.h"
#include "reduce.h"
#include "reduce_avx2.h"

namespace tf {
namespace {

constexpr int64_t kSoftmaxGrain = 16384;

// One row with strides (sx, sy). Float32 rows compute exp in float (contiguous, the
// portable twin of the AVX2 kernel) or double (strided); sums are always double.
template <typename T>
void softmax_row(const T* x, int64_t sx, T* y, int64_t sy, int64_t n, bool log) {
  if (n <= 0) return;
  T m = x[0];
  for (int64_t i = 1; i < n && m == m; ++i) {
    const T v = x[i * sx];
    if (v != v || v > m) m = v;
  }
  if (!std::isfinite(m)) {  // a NaN, or an infinite max: every output is NaN (as in PyTorch)
    for (int64_t i = 0; i < n; ++i) y[i * sy] = std::numeric_limits<T>::quiet_NaN();
    return;
  }
  const bool contiguous = sx == 1 && sy == 1;
  double sum = 0;
  if (contiguous) {
    for (int64_t i = 0; i < n; ++i) {
      const T e = std::exp(x[i] - m);
      if (!log) y[i] = e;
      sum += static_cast<double>(e);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const double e = std::exp(static_cast<double>(x[i * sx]) - static_cast<double>(m));
      if (!log) y[i * sy] = static_cast<T>(e);
      sum += e;
    }
  }
  if (!log) {
    const double inv = 1.0 / sum;
    if (contiguous && std::is_same_v<T, float>) {
      const T invf = static_cast<T>(inv);
      for (int64_t i = 0; i < n; ++i) y[i] *= invf;
    } else {
      for (int64_t i = 0; i < n; ++i) y[i * sy] = static_cast<T>(static_cast<double>(y[i * sy]) * inv);
    }
  } else {
    const double ls = std::log(sum);
    for (int64_t i = 0; i < n; ++i)
      y[i * sy] = static_cast<T>((static_cast<double>(x[i * sx]) - static_cast<double>(m)) - ls);
  }
}

}  // namespace

void softmax_strided(bool log, DType dtype, const void* src, void* out, const StridedLayout<2>& L) {
  if (L.ndim < 1) throw std::invalid_argument("softmax: layout needs the softmax dim");
  const int nd = L.ndim;
  const int64_t n = L.shape[nd - 1];
  const int64_t sy = L.strides[0][nd - 1];
  const int64_t sx = L.strides[1][nd - 1];
  StridedLayout<2> outer = outer_layout(L);
  const int64_t rows = outer.numel();
  if (rows == 0 || n == 0) return;
  outer.coalesce();
  const bool avx2 = use_avx2();
  const int64_t grain = std::max<int64_t>(1, kSoftmaxGrain / n);
  auto go = [&](auto zero) {
    using T = decltype(zero);
    const T* x = static_cast<const T*>(src);
    T* y = static_cast<T*>(out);
    parallel_for(rows, grain, [&](int64_t b, int64_t e) {
      for_each_run(outer, b, e, [&](const int64_t* off, int64_t cnt, const int64_t* st) {
        for (int64_t j = 0; j < cnt; ++j) {
          const T* xr = x + off[1] + j * st[1];
          T* yr = y + off[0] + j * st[0];
          if constexpr (std::is_same_v<T, float>) {
            if (avx2 && sx == 1 && sy == 1) {
              softmax_row_f32_avx2(xr, yr, n, log);
              continue;
            }
          }
          softmax_row(xr, sx, yr, sy, n, log);
        }
      });
    });
  };
  if (dtype == DType::F32) go(float{});
  else if (dtype == DType::F64) go(double{});
  else throw std::invalid_argument(std::string("softmax: needs a float dtype, got ") + dtype_name(dtype));
}

}  // namespace tf
