// The reduce ops (sum, prod, max/min with and without indices, all/any, mean, var/std,
// norms, logsumexp) as accumulator structs fed to reduce_engine.h's driver. Float32
// sums accumulate in double, so long reductions do not drift; float64 sums use 8 lanes
// in blocks of 4096 (the error grows with 512 + n / 4096, not with n).
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../../../runtime/cpu_features.h"
#include "reduce.h"
#include "reduce_avx2.h"
#include "reduce_engine.h"

namespace tf {
namespace {

using namespace reduce_detail;

template <typename T>
constexpr bool is_float_v = std::is_floating_point_v<T>;
// Sums and products of int32/bool wrap like int32 arithmetic: accumulate in uint64 (no
// undefined overflow) and keep the low 32 bits.
template <typename T>
using SumAcc = std::conditional_t<is_float_v<T>, double, uint64_t>;
template <typename T>
using SumOut = std::conditional_t<is_float_v<T>, T, int32_t>;

template <typename T>
inline bool is_nan(T x) {
  if constexpr (is_float_v<T>) return x != x;
  else return false;
}

template <typename Out, typename Acc>
inline Out to_out(Acc a) {
  if constexpr (std::is_same_v<Out, int32_t> && std::is_same_v<Acc, uint64_t>)
    return static_cast<int32_t>(static_cast<uint32_t>(a));
  else return static_cast<Out>(a);
}

template <typename T>
double sum_contig(const T* p, int64_t n) {
  double total = 0;
  for (int64_t b = 0; b < n; b += 4096) {
    const int64_t e = std::min<int64_t>(n, b + 4096);
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = b;
    for (; i + 8 <= e; i += 8)
      for (int k = 0; k < 8; ++k) acc[k] += static_cast<double>(p[i + k]);
    double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < e; ++i) s += static_cast<double>(p[i]);
    total += s;
  }
  return total;
}

// sum of f(p[i * s]) over 8 double lanes: independent chains, so the loop is not bound
// by the latency of one add.
template <typename T, typename F>
double lanes_sum(const T* p, int64_t n, int64_t s, F f) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  if (s == 1) {
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; ++k) acc[k] += f(p[i + k]);
  }
  double r = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) r += f(p[i * s]);
  return r;
}

// Sum and mean (mean = true divides by the reduced count; 0 / 0 gives NaN when empty).
// With `tmp` set, the result goes to tmp[out_linear] as double (var's first pass).
template <typename T>
struct SumOp {
  using Acc = SumAcc<T>;
  using Out = SumOut<T>;
  Out* out;
  double* tmp;
  bool mean;
  double n;
  bool avx2;
  Acc init(int64_t) const { return Acc(0); }
  void step(Acc& a, T x, int64_t) const { a += static_cast<Acc>(x); }
  void run(Acc& a, const T* p, int64_t cnt, int64_t s, int64_t) const {
    if constexpr (std::is_same_v<T, float>) {
      if (s == 1 && avx2) {
        a += sum_f32_avx2(p, cnt);
        return;
      }
    }
    if constexpr (is_float_v<T>) {
      if (s == 1) {
        a += sum_contig(p, cnt);
        return;
      }
    }
    for (int64_t i = 0; i < cnt; ++i) a += static_cast<Acc>(p[i * s]);
  }
  void combine(Acc& a, const Acc& b) const { a += b; }
  void write(const Acc& a, int64_t lin, int64_t off) const {
    if (tmp) tmp[lin] = static_cast<double>(a) / n;
    else if (mean) out[off] = static_cast<Out>(static_cast<double>(a) / n);
    else out[off] = to_out<Out>(a);
  }
};

template <typename T>
struct ProdOp {
  using Acc = SumAcc<T>;
  using Out = SumOut<T>;
  Out* out;
  Acc init(int64_t) const { return Acc(1); }
  void step(Acc& a, T x, int64_t) const { a *= static_cast<Acc>(x); }
  void run(Acc& a, const T* p, int64_t n, int64_t s, int64_t pos) const {
    for (int64_t i = 0; i < n; ++i) a *= static_cast<Acc>(p[i * s]);
  }
  void combine(Acc& a, const Acc& b) const { a *= b; }
  void write(const Acc& a, int64_t, int64_t off) const { out[off] = to_out<Out>(a); }
};

template <typename T, bool IsMax>
constexpr T worst_value() {
  if constexpr (is_float_v<T>) return IsMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  else return IsMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
}

template <bool IsMax, typename T>
inline bool better(T x, T a) {
  return IsMax ? x > a : x < a;
}

// max / min of a contiguous run, NaN if any element is NaN (n >= 1).
template <bool IsMax, typename T>
T extreme_contig(const T* p, int64_t n, bool avx2) {
  if constexpr (std::is_same_v<T, float>) {
    if (avx2) return IsMax ? max_f32_avx2(p, n) : min_f32_avx2(p, n);
  }
  T lanes[8];
  bool nan = false;
  for (int k = 0; k < 8; ++k) lanes[k] = worst_value<T, IsMax>();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) {
      T x = p[i + k];
      nan |= is_nan(x);
      lanes[k] = better<IsMax>(x, lanes[k]) ? x : lanes[k];
    }
  T m = worst_value<T, IsMax>();
  for (int k = 0; k < 8; ++k) m = better<IsMax>(lanes[k], m) ? lanes[k] : m;
  for (; i < n; ++i) {
    nan |= is_nan(p[i]);
    m = better<IsMax>(p[i], m) ? p[i] : m;
  }
  if constexpr (is_float_v<T>) {
    if (nan) return std::numeric_limits<T>::quiet_NaN();
  }
  return m;
}

// amax / amin (value only). With `tmp`, writes tmp[out_linear] as double (logsumexp).
template <typename T, bool IsMax>
struct ExtremeOp {
  using Acc = T;
  T* out;
  double* tmp;
  bool avx2;
  Acc init(int64_t) const { return worst_value<T, IsMax>(); }
  void step(Acc& a, T x, int64_t) const {
    if (is_nan(a)) return;
    if (is_nan(x) || better<IsMax>(x, a)) a = x;
  }
  void run(Acc& a, const T* p, int64_t n, int64_t s, int64_t pos) const {
    if (s == 1) {
      step(a, extreme_contig<IsMax>(p, n, avx2), pos);
      return;
    }
    for (int64_t i = 0; i < n; ++i) step(a, p[i * s], pos + i);
  }
  void combine(Acc& a, const Acc& b) const { step(a, b, 0); }
  void write(const Acc& a, int64_t lin, int64_t off) const {
    if (tmp) tmp[lin] = static_cast<double>(a);
    else out[off] = a;
  }
};

// max / min with the index of its first occurrence (of the first NaN when there is one).
template <typename T>
struct ValIdx {
  T v;
  int64_t i;
};
template <typename T, bool IsMax>
struct ExtremeIdxOp {
  using Acc = ValIdx<T>;
  T* out;  // may be null (argmax)
  int32_t* idx;
  bool avx2;
  Acc init(int64_t) const { return {worst_value<T, IsMax>(), -1}; }
  void step(Acc& a, T x, int64_t pos) const {
    if (a.i >= 0 && (is_nan(a.v) || !(is_nan(x) || better<IsMax>(x, a.v)))) return;
    a.v = x;
    a.i = pos;
  }
  void run(Acc& a, const T* p, int64_t n, int64_t s, int64_t pos) const {
    if (s == 1 && n > 0) {
      // Find the value with the fast kernel, then its first position.
      const T m = extreme_contig<IsMax>(p, n, avx2);
      int64_t k = 0;
      if (is_nan(m)) {
        while (!is_nan(p[k])) ++k;
      } else {
        while (p[k] != m) ++k;
      }
      step(a, p[k], pos + k);  // the element itself: max(0.0, -0.0) may not be p[k]
      return;
    }
    for (int64_t i = 0; i < n; ++i) step(a, p[i * s], pos + i);
  }
  void combine(Acc& a, const Acc& b) const {
    if (b.i >= 0) step(a, b.v, b.i);
  }
  void write(const Acc& a, int64_t, int64_t off) const {
    if (out) out[off] = a.v;
    idx[off] = static_cast<int32_t>(a.i);
  }
};

template <typename T, bool IsAll>
struct LogicalOp {
  using Acc = uint8_t;
  uint8_t* out;
  Acc init(int64_t) const { return IsAll ? 1 : 0; }
  void step(Acc& a, T x, int64_t) const {
    if (IsAll) a &= (x != T(0));
    else a |= (x != T(0));
  }
  void run(Acc& a, const T* p, int64_t n, int64_t s, int64_t) const {
    if (IsAll ? !a : a) return;
    for (int64_t i = 0; i < n; ++i)
      if ((p[i * s] != T(0)) != IsAll) {
        a = IsAll ? 0 : 1;
        return;
      }
  }
  void combine(Acc& a, const Acc& b) const {
    if (IsAll) a &= b;
    else a |= b;
  }
  void write(const Acc& a, int64_t, int64_t off) const { out[off] = a; }
};

enum class NormKind { P, Inf, NegInf, Zero, One, Two };

template <typename T, NormKind K>
struct NormOp {
  using Acc = double;
  T* out;
  double p;
  Acc init(int64_t) const {
    if (K == NormKind::NegInf) return std::numeric_limits<double>::infinity();
    return 0.0;
  }
  void step(Acc& a, T x, int64_t) const {
    const double v = std::fabs(static_cast<double>(x));
    switch (K) {
      case NormKind::One: a += v; break;
      case NormKind::Two: a += v * v; break;
      case NormKind::P: a += std::pow(v, p); break;
      case NormKind::Zero: a += (x != T(0)) ? 1.0 : 0.0; break;
      case NormKind::Inf:
        if (a == a && (v != v || v > a)) a = v;
        break;
      case NormKind::NegInf:
        if (a == a && (v != v || v < a)) a = v;
        break;
    }
  }
  void run(Acc& a, const T* p, int64_t n, int64_t s, int64_t pos) const {
    if constexpr (K == NormKind::One) {
      a += lanes_sum(p, n, s, [](T x) { return std::fabs(static_cast<double>(x)); });
    } else if constexpr (K == NormKind::Two) {
      a += lanes_sum(p, n, s, [](T x) { return static_cast<double>(x) * static_cast<double>(x); });
    } else {
      for (int64_t i = 0; i < n; ++i) step(a, p[i * s], pos);
    }
  }
  void combine(Acc& a, const Acc& b) const {
    if (K == NormKind::Inf || K == NormKind::NegInf) step(a, static_cast<T>(b), 0);
    else a += b;
  }
  void write(const Acc& a, int64_t, int64_t off) const {
    double r = a;
    if (K == NormKind::Two) r = std::sqrt(a);
    else if (K == NormKind::P) r = std::pow(a, 1.0 / p);
    out[off] = static_cast<T>(r);
  }
};

// Second pass of var/std: squared deviations from the mean found by the first pass
// (two passes are exact where one-pass formulas cancel catastrophically).
struct ShiftedAcc {
  double s;
  double shift;
};
template <typename T>
struct SqDevOp {
  using Acc = ShiftedAcc;
  T* out;
  const double* mean;
  double divisor;
  bool root;
  Acc init(int64_t lin) const { return {0.0, mean[lin]}; }
  void step(Acc& a, T x, int64_t) const {
    const double d = static_cast<double>(x) - a.shift;
    a.s += d * d;
  }
  void run(Acc& a, const T* p, int64_t n, int64_t s, int64_t) const {
    const double m = a.shift;
    a.s += lanes_sum(p, n, s, [m](T x) {
      const double d = static_cast<double>(x) - m;
      return d * d;
    });
  }
  void combine(Acc& a, const Acc& b) const { a.s += b.s; }
  void write(const Acc& a, int64_t, int64_t off) const {
    const double v = a.s / divisor;
    out[off] = static_cast<T>(root ? std::sqrt(v) : v);
  }
};

// Second pass of logsumexp: sum of exp(x - max); an infinite max shifts by 0 instead, so
// all -inf gives -inf and any +inf gives +inf (as PyTorch does).
// Float32 terms are exp'd in float (as PyTorch does; the sum stays double), with the
// AVX2 kernel on contiguous runs when the max is finite (it expects x - max <= 0).
template <typename T>
struct LseOp {
  using Acc = ShiftedAcc;
  T* out;
  const double* max;
  bool avx2;
  Acc init(int64_t lin) const {
    const double m = max[lin];
    return {0.0, std::isinf(m) ? 0.0 : m};
  }
  void step(Acc& a, T x, int64_t) const { a.s += std::exp(static_cast<double>(x) - a.shift); }
  void run(Acc& a, const T* p, int64_t n, int64_t s, int64_t) const {
    if constexpr (std::is_same_v<T, float>) {
      const float m = static_cast<float>(a.shift);
      if (avx2 && s == 1 && a.shift != 0.0) {
        a.s += sum_exp_f32_avx2(p, n, m);
        return;
      }
      a.s += lanes_sum(p, n, s, [m](float x) { return static_cast<double>(std::exp(x - m)); });
    } else {
      const double m = a.shift;
      a.s += lanes_sum(p, n, s, [m](double x) { return std::exp(x - m); });
    }
  }
  void combine(Acc& a, const Acc& b) const { a.s += b.s; }
  void write(const Acc& a, int64_t, int64_t off) const { out[off] = static_cast<T>(std::log(a.s) + a.shift); }
};

template <typename T>
void reduce_float_kind(ReduceKind kind, const Geometry& g, const T* s, T* out, double param, bool avx2) {
  const double n = static_cast<double>(g.n_red);
  switch (kind) {
    case ReduceKind::Mean:
      run_reduce(g, s, SumOp<T>{out, nullptr, true, n, avx2});
      return;
    case ReduceKind::Var:
    case ReduceKind::Std: {
      std::vector<double> mean(static_cast<size_t>(g.n_out));
      run_reduce(g, s, SumOp<T>{nullptr, mean.data(), true, n, avx2});
      const double divisor = std::max(0.0, n - param);
      run_reduce(g, s, SqDevOp<T>{out, mean.data(), divisor, kind == ReduceKind::Std});
      return;
    }
    case ReduceKind::LogSumExp: {
      std::vector<double> max(static_cast<size_t>(g.n_out));
      run_reduce(g, s, ExtremeOp<T, true>{nullptr, max.data(), avx2});
      run_reduce(g, s, LseOp<T>{out, max.data(), avx2});
      return;
    }
    case ReduceKind::NormP: run_reduce(g, s, NormOp<T, NormKind::P>{out, param}); return;
    case ReduceKind::NormInf: run_reduce(g, s, NormOp<T, NormKind::Inf>{out, param}); return;
    case ReduceKind::NormNegInf: run_reduce(g, s, NormOp<T, NormKind::NegInf>{out, param}); return;
    case ReduceKind::Norm0: run_reduce(g, s, NormOp<T, NormKind::Zero>{out, param}); return;
    case ReduceKind::Norm1: run_reduce(g, s, NormOp<T, NormKind::One>{out, param}); return;
    case ReduceKind::Norm2: run_reduce(g, s, NormOp<T, NormKind::Two>{out, param}); return;
    default: throw std::invalid_argument("reduce: unknown kind");
  }
}

}  // namespace

void reduce_strided(ReduceKind kind, DType dtype, const void* src, const StridedLayout<2>& L, int nred,
                    void* out, int32_t* indices, double param) {
  if (nred < 0 || nred > L.ndim) throw std::invalid_argument("reduce: bad count of reduced dims");
  const Geometry g = split_layout(L, nred);
  const bool avx2 = use_avx2();
  const bool needs_elements = kind == ReduceKind::Max || kind == ReduceKind::Min || kind == ReduceKind::ArgMax ||
                              kind == ReduceKind::ArgMin || kind == ReduceKind::MaxIdx || kind == ReduceKind::MinIdx;
  if (needs_elements && g.n_red == 0 && g.n_out > 0)
    throw std::out_of_range("reduce: max/min/argmax/argmin over an empty dim");
  dispatch_dtype(dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* s = static_cast<const T*>(src);
    T* o = static_cast<T*>(out);
    switch (kind) {
      case ReduceKind::Sum:
        run_reduce(g, s, SumOp<T>{static_cast<SumOut<T>*>(out), nullptr, false, 0.0, avx2});
        return;
      case ReduceKind::Prod: run_reduce(g, s, ProdOp<T>{static_cast<SumOut<T>*>(out)}); return;
      case ReduceKind::Max: run_reduce(g, s, ExtremeOp<T, true>{o, nullptr, avx2}); return;
      case ReduceKind::Min: run_reduce(g, s, ExtremeOp<T, false>{o, nullptr, avx2}); return;
      case ReduceKind::ArgMax: run_reduce(g, s, ExtremeIdxOp<T, true>{nullptr, indices, avx2}); return;
      case ReduceKind::ArgMin: run_reduce(g, s, ExtremeIdxOp<T, false>{nullptr, indices, avx2}); return;
      case ReduceKind::MaxIdx: run_reduce(g, s, ExtremeIdxOp<T, true>{o, indices, avx2}); return;
      case ReduceKind::MinIdx: run_reduce(g, s, ExtremeIdxOp<T, false>{o, indices, avx2}); return;
      case ReduceKind::All: run_reduce(g, s, LogicalOp<T, true>{static_cast<uint8_t*>(out)}); return;
      case ReduceKind::Any: run_reduce(g, s, LogicalOp<T, false>{static_cast<uint8_t*>(out)}); return;
      default:
        if constexpr (is_float_v<T>) {
          reduce_float_kind(kind, g, s, o, param, avx2);
        } else {
          throw std::invalid_argument(std::string("reduce: kind needs a float dtype, got ") + dtype_name(dtype));
        }
    }
  });
}

}  // namespace tf
