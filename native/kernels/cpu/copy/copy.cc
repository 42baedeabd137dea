#include "copy.h"

#include <cmath>
#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

namespace tf {
namespace {

template <typename To, typename From>
inline To convert(From v) {
  if constexpr (std::is_same_v<To, uint8_t>) {
    return v != From(0) ? 1 : 0;
  } else if constexpr (std::is_same_v<To, int32_t> && std::is_floating_point_v<From>) {
    // Out-of-range and NaN are undefined in C++; saturate instead of trapping.
    if (!(v == v)) return 0;
    if (v >= From(2147483647.0)) return std::numeric_limits<int32_t>::max();
    if (v <= From(-2147483648.0)) return std::numeric_limits<int32_t>::min();
    return static_cast<int32_t>(v);
  } else {
    return static_cast<To>(v);
  }
}

// Transposing copies (dst walks dim b = innermost with stride 1, src walks dim a with
// stride 1) go tile by tile, so both sides read and write whole cache lines.
template <typename To, typename From>
void copy_tiled(To* dst, const From* src, const StridedLayout<2>& L, int a) {
  constexpr int64_t T = 32;
  const int nd = L.ndim, b = nd - 1;
  int outer_dims[kMaxDims];
  int n_outer = 0;
  int64_t outer = 1;
  for (int d = 0; d < nd; ++d)
    if (d != a && d != b) {
      outer_dims[n_outer++] = d;
      outer *= L.shape[d];
    }
  const int64_t na = L.shape[a], nb = L.shape[b];
  const int64_t ta = (na + T - 1) / T, tb = (nb + T - 1) / T;
  const int64_t dsa = L.strides[0][a], dsb = L.strides[0][b];
  const int64_t ssa = L.strides[1][a], ssb = L.strides[1][b];
  parallel_for(outer * ta * tb, 16, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      int64_t rest = task;
      const int64_t jb = rest % tb;
      rest /= tb;
      const int64_t ib = rest % ta;
      rest /= ta;
      int64_t doff = 0, soff = 0;
      for (int k = n_outer - 1; k >= 0; --k) {
        const int d = outer_dims[k];
        const int64_t idx = rest % L.shape[d];
        rest /= L.shape[d];
        doff += idx * L.strides[0][d];
        soff += idx * L.strides[1][d];
      }
      const int64_t i0 = ib * T, j0 = jb * T;
      const int64_t i1 = std::min(na, i0 + T), j1 = std::min(nb, j0 + T);
      // Through a small buffer: each source line is read whole once, each destination
      // line written whole once. Going straight across would touch 32 lines 4 KiB apart
      // at a time, which alias to one L1 set and thrash it.
      To buf[T * T];
      for (int64_t j = j0; j < j1; ++j) {
        const From* scol = src + soff + j * ssb;
        To* bcol = buf + (j - j0) * T - i0;
        for (int64_t i = i0; i < i1; ++i) bcol[i] = convert<To>(scol[i * ssa]);
      }
      for (int64_t i = i0; i < i1; ++i) {
        To* drow = dst + doff + i * dsa;
        const To* b = buf + (i - i0) - j0 * T;
        for (int64_t j = j0; j < j1; ++j) drow[j * dsb] = b[j * T];
      }
    }
  });
}

template <typename To, typename From>
void copy_typed(To* dst, const From* src, const StridedLayout<2>& L) {
  const int nd = L.ndim;
  if (nd >= 2 && L.strides[0][nd - 1] == 1 && L.strides[1][nd - 1] != 1 && L.shape[nd - 1] >= 8) {
    for (int d = nd - 2; d >= 0; --d) {
      if (L.strides[1][d] == 1 && L.shape[d] >= 8) {
        copy_tiled(dst, src, L, d);
        return;
      }
    }
  }
  parallel_runs(L, kElementwiseGrain, [&](const int64_t* off, int64_t n, const int64_t* st) {
    To* d = dst + off[0];
    const From* s = src + off[1];
    if constexpr (std::is_same_v<To, From>) {
      if (st[0] == 1 && st[1] == 1) {
        std::memcpy(d, s, static_cast<size_t>(n) * sizeof(To));
        return;
      }
    }
    if (st[0] == 1 && st[1] == 1) {
      for (int64_t i = 0; i < n; ++i) d[i] = convert<To>(s[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) d[i * st[0]] = convert<To>(s[i * st[1]]);
    }
  });
}

}  // namespace

void copy_strided(DType dst_dtype, void* dst, DType src_dtype, const void* src,
                  const StridedLayout<2>& L) {
  dispatch_dtype(dst_dtype, [&](auto to) {
    using To = decltype(to);
    dispatch_dtype(src_dtype, [&](auto from) {
      using From = decltype(from);
      copy_typed(static_cast<To*>(dst), static_cast<const From*>(src), L);
    });
  });
}

void fill_contiguous(DType dtype, void* dst, int64_t n, double value) {
  dispatch_dtype(dtype, [&](auto zero) {
    using T = decltype(zero);
    T v = convert<T>(value);
    T* d = static_cast<T*>(dst);
    parallel_for(n, kElementwiseGrain * 4, [&](int64_t b, int64_t e) {
      if (v == T(0) && !std::signbit(static_cast<double>(v))) {
        std::memset(d + b, 0, static_cast<size_t>(e - b) * sizeof(T));
      } else {
        for (int64_t i = b; i < e; ++i) d[i] = v;
      }
    });
  });
}

void arange_fill(DType dtype, void* dst, int64_t n, double start, double step) {
  dispatch_dtype(dtype, [&](auto zero) {
    using T = decltype(zero);
    T* d = static_cast<T*>(dst);
    parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) d[i] = convert<T>(start + static_cast<double>(i) * step);
    });
  });
}

void linspace_fill(DType dtype, void* dst, int64_t n, double start, double end) {
  if (n <= 0) return;
  dispatch_dtype(dtype, [&](auto zero) {
    using T = decltype(zero);
    T* d = static_cast<T*>(dst);
    if (n == 1) {
      d[0] = convert<T>(start);
      return;
    }
    double step = (end - start) / static_cast<double>(n - 1);
    int64_t half = n / 2;
    parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        double v = i < half ? start + step * static_cast<double>(i)
                            : end - step * static_cast<double>(n - 1 - i);
        d[i] = convert<T>(v);
      }
    });
  });
}

void eye_fill(DType dtype, void* dst, int64_t rows, int64_t cols) {
  fill_contiguous(dtype, dst, rows * cols, 0.0);
  dispatch_dtype(dtype, [&](auto zero) {
    using T = decltype(zero);
    T* d = static_cast<T*>(dst);
    int64_t k = rows < cols ? rows : cols;
    for (int64_t i = 0; i < k; ++i) d[i * cols + i] = convert<T>(1.0);
  });
}

}  // namespace tf
