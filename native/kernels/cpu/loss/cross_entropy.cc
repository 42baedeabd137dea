// The fused cross entropy (see cross_entropy.h): plain C++, rows split over the pool.
#include "cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../../../runtime/thread_pool.h"

namespace tf {
namespace {

// Rows per task: below ~16k elements a thread hop costs more than the row work.
int64_t row_grain(int64_t c) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, c)); }

template <typename T>
inline T class_weight(const CrossEntropyArgs<T>& a, int64_t j) {
  return a.weight ? a.weight[j * a.ws] : T(1);
}

// A row's max m and log(sum_c exp(x_c - m)): log-probabilities are (x_c - m) - ls, which
// keeps the log-sum's digits when m is huge (a float32 m = 1e38 would swallow log 2).
// A NaN gives NaN; an all -inf (or any +inf) row gives NaN through x - m.
template <typename T>
inline void row_stats(const T* x, int64_t c, int64_t cs, T* m_out, T* ls_out) {
  T m = -std::numeric_limits<T>::infinity();
  bool nan = false;
  for (int64_t j = 0; j < c; ++j) {
    const T v = x[j * cs];
    if (v != v) nan = true;
    if (v > m) m = v;
  }
  if (nan) m = std::numeric_limits<T>::quiet_NaN();
  T s = 0;
  for (int64_t j = 0; j < c; ++j) s += std::exp(x[j * cs] - m);
  *m_out = m;
  *ls_out = std::log(s);
}

}  // namespace

template <typename T>
CrossEntropyResult cross_entropy_forward(const CrossEntropyArgs<T>& a, LossReduction r, T* stats, T* out) {
  CrossEntropyResult res;
  // Targets first, so that a bad one leaves every output untouched.
  for (int64_t i = 0; i < a.n; ++i) {
    const int64_t t = a.target[i * a.ts];
    if (t == a.ignore_index) continue;
    if (t < 0 || t >= a.c) {
      res.bad_row = i;
      res.bad_value = t;
      return res;
    }
  }
  const T s = static_cast<T>(a.smoothing);
  std::vector<T> rows(r == LossReduction::kNone ? 0 : static_cast<size_t>(a.n));
  std::vector<T> wts(static_cast<size_t>(a.n));
  T* loss = r == LossReduction::kNone ? out : rows.data();
  parallel_for(a.n, row_grain(a.c), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T* x = a.x + i * a.rs;
      T m, ls;
      row_stats(x, a.c, a.cs, &m, &ls);
      stats[2 * i] = m;
      stats[2 * i + 1] = ls;
      const int64_t t = a.target[i * a.ts];
      if (t == a.ignore_index) {
        loss[i] = T(0);
        wts[i] = T(0);
        continue;
      }
      const T wt = class_weight(a, t);
      T v = (T(1) - s) * wt * ((m - x[t * a.cs]) + ls);
      if (s != T(0)) {
        T sm = 0;
        for (int64_t j = 0; j < a.c; ++j) sm += class_weight(a, j) * ((m - x[j * a.cs]) + ls);
        v += s / static_cast<T>(a.c) * sm;
      }
      loss[i] = v;
      wts[i] = wt;
    }
  });
  double total = 0, sum = 0;
  for (int64_t i = 0; i < a.n; ++i) total += static_cast<double>(wts[i]);
  res.total_weight = total;
  if (r == LossReduction::kNone) return res;
  for (int64_t i = 0; i < a.n; ++i) sum += static_cast<double>(loss[i]);
  out[0] = static_cast<T>(r == LossReduction::kSum ? sum : sum / total);
  return res;
}

template <typename T>
void cross_entropy_backward(const CrossEntropyArgs<T>& a, const T* stats, const T* coef,
                            int64_t coef_stride, double scale, T* dx) {
  const T s = static_cast<T>(a.smoothing);
  const T sc = s / static_cast<T>(a.c);
  T wsum = static_cast<T>(a.c);
  if (a.weight && s != T(0)) {
    wsum = 0;
    for (int64_t j = 0; j < a.c; ++j) wsum += a.weight[j * a.ws];
  }
  parallel_for(a.n, row_grain(a.c), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T* d = dx + i * a.c;
      const int64_t t = a.target[i * a.ts];
      if (t == a.ignore_index) {
        for (int64_t j = 0; j < a.c; ++j) d[j] = T(0);
        continue;
      }
      const T* x = a.x + i * a.rs;
      const T g = static_cast<T>(static_cast<double>(coef[i * coef_stride]) * scale);
      const T m = stats[2 * i], ls = stats[2 * i + 1];
      const T hard = g * (T(1) - s) * class_weight(a, t);  // weight of (p - onehot)
      if (s == T(0)) {
        for (int64_t j = 0; j < a.c; ++j) d[j] = hard * std::exp((x[j * a.cs] - m) - ls);
      } else {
        const T pw = hard + g * sc * wsum;  // weight of p
        for (int64_t j = 0; j < a.c; ++j) d[j] = pw * std::exp((x[j * a.cs] - m) - ls) - g * sc * class_weight(a, j);
      }
      d[t] -= hard;
    }
  });
}

template CrossEntropyResult cross_entropy_forward<float>(const CrossEntropyArgs<float>&, LossReduction, float*, float*);
template CrossEntropyResult cross_entropy_forward<double>(const CrossEntropyArgs<double>&, LossReduction, double*, double*);
template void cross_entropy_backward<float>(const CrossEntropyArgs<float>&, const float*, const float*, int64_t, double, float*);
template void cross_entropy_backward<double>(const CrossEntropyArgs<double>&, const double*, const double*, int64_t, double, double*);

}  // namespace tf
