#include "pool.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "../../../runtime/thread_pool.h"

namespace tf {
namespace {

// Planes per task: about 16K elements of work each.
int64_t plane_grain(const Pool2dParams& p) {
  const int64_t work = std::max<int64_t>(1, std::max(p.ih * p.iw, p.oh * p.ow));
  return std::max<int64_t>(1, (1 << 14) / work);
}

// Output columns [lo, hi) whose windows lie wholly inside [0, in) along one dim.
inline void interior(int64_t out, int64_t in, int64_t k, int64_t s, int64_t pad, int64_t d, int64_t* lo, int64_t* hi) {
  *lo = 0;
  while (*lo < out && *lo * s - pad < 0) ++*lo;
  *hi = *lo;
  while (*hi < out && *hi * s - pad + (k - 1) * d < in) ++*hi;
}

// Max of the (clipped) window at (oh, ow), PyTorch's rule: a value is taken when it is
// greater or NaN (so NaN wins); the index starts at the window's first element.
template <typename T>
inline void max_window(const T* xp, const Pool2dParams& p, int64_t oh, int64_t ow, T* y, int32_t* idx) {
  int64_t h0 = oh * p.sh - p.ph;
  const int64_t h1 = std::min(h0 + (p.kh - 1) * p.dh + 1, p.ih);
  while (h0 < 0) h0 += p.dh;
  int64_t w0 = ow * p.sw - p.pw;
  const int64_t w1 = std::min(w0 + (p.kw - 1) * p.dw + 1, p.iw);
  while (w0 < 0) w0 += p.dw;
  int64_t best = h0 * p.iw + w0;
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t h = h0; h < h1; h += p.dh)
    for (int64_t w = w0; w < w1; w += p.dw) {
      const T v = xp[h * p.iw + w];
      if (v > m || std::isnan(v)) {
        m = v;
        best = h * p.iw + w;
      }
    }
  *y = m;
  *idx = static_cast<int32_t>(best);
}

// Interior windows of one output row whose window has K elements (K known at compile
// time: the comparisons unroll into branch-free selects; random data would mispredict a
// branch per comparison). PyTorch's rule: a value is taken when greater or NaN.
template <typename T, int K>
void max_row_fixed(const T* xp, int64_t row0, int64_t sw, const int64_t* offs, int64_t lo, int64_t hi, T* yrow, int32_t* irow) {
  int64_t o[K];
  for (int q = 0; q < K; ++q) o[q] = offs[q];
  for (int64_t ow = lo; ow < hi; ++ow) {
    const int64_t start = row0 + ow * sw;
    const T* base = xp + start;
    T m = base[0];
    int64_t at = 0;
    for (int q = 1; q < K; ++q) {
      const T v = base[o[q]];
      const bool take = (v > m) | (v != v);
      m = take ? v : m;
      at = take ? o[q] : at;
    }
    yrow[ow] = m;
    irow[ow] = static_cast<int32_t>(start + at);
  }
}

// The same for any window size: one window element at a time across the row (branch-free
// selects); irow holds the element number until the end.
template <typename T>
void max_row_any(const T* xp, int64_t row0, int64_t sw, const int64_t* offs, int64_t K, int64_t lo, int64_t hi, T* yrow, int32_t* irow) {
  const T* src0 = xp + row0;
  for (int64_t ow = lo; ow < hi; ++ow) {
    yrow[ow] = src0[ow * sw];
    irow[ow] = 0;
  }
  for (int64_t k = 1; k < K; ++k) {
    const T* src = src0 + offs[k];
    const int32_t kk = static_cast<int32_t>(k);
    for (int64_t ow = lo; ow < hi; ++ow) {
      const T v = src[ow * sw];
      const T m = yrow[ow];
      const bool take = (v > m) | (v != v);
      yrow[ow] = take ? v : m;
      irow[ow] = take ? kk : irow[ow];
    }
  }
  for (int64_t ow = lo; ow < hi; ++ow) irow[ow] = static_cast<int32_t>(row0 + ow * sw + offs[irow[ow]]);
}

// The most common window, 2x2 with stride 2 (no dilation): two input rows per output row,
// with the stride a constant so the compiler vectorises the selects.
template <typename T>
void max_row_2x2s2(const T* xp, int64_t row0, int64_t iw, int64_t lo, int64_t hi, T* yrow, int32_t* irow) {
  const T* r0 = xp + row0;
  const T* r1 = r0 + iw;
  for (int64_t ow = lo; ow < hi; ++ow) {
    const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
    T m = a;
    int32_t at = 0;
    bool take = (b > m) | (b != b);
    m = take ? b : m;
    at = take ? 1 : at;
    take = (c > m) | (c != c);
    m = take ? c : m;
    at = take ? static_cast<int32_t>(iw) : at;
    take = (d > m) | (d != d);
    m = take ? d : m;
    at = take ? static_cast<int32_t>(iw + 1) : at;
    yrow[ow] = m;
    irow[ow] = static_cast<int32_t>(row0 + 2 * ow) + at;
  }
}

template <typename T>
void max_forward(const T* x, T* y, int32_t* idx, const Pool2dParams& p) {
  int64_t hlo, hhi, wlo, whi;
  interior(p.oh, p.ih, p.kh, p.sh, p.ph, p.dh, &hlo, &hhi);
  interior(p.ow, p.iw, p.kw, p.sw, p.pw, p.dw, &wlo, &whi);
  // Offsets of the window's elements from its first one (windows wholly inside the input).
  std::vector<int64_t> off;
  for (int64_t a = 0; a < p.kh; ++a)
    for (int64_t b = 0; b < p.kw; ++b) off.push_back(a * p.dh * p.iw + b * p.dw);
  const int64_t K = static_cast<int64_t>(off.size());
  const int64_t* offs = off.data();
  parallel_for(p.planes, plane_grain(p), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const T* xp = x + c * p.ih * p.iw;
      T* yp = y + c * p.oh * p.ow;
      int32_t* ip = idx + c * p.oh * p.ow;
      for (int64_t oh = 0; oh < p.oh; ++oh) {
        T* yrow = yp + oh * p.ow;
        int32_t* irow = ip + oh * p.ow;
        const bool inside_h = oh >= hlo && oh < hhi;
        for (int64_t ow = 0; ow < p.ow; ++ow)
          if (!inside_h || ow < wlo || ow >= whi) max_window(xp, p, oh, ow, yrow + ow, irow + ow);
        if (!inside_h || wlo >= whi) continue;
        const int64_t row0 = (oh * p.sh - p.ph) * p.iw - p.pw;
        if (K == 4 && p.kw == 2 && p.sw == 2 && p.dw == 1 && p.dh == 1) {
          max_row_2x2s2(xp, row0, p.iw, wlo, whi, yrow, irow);
          continue;
        }
        switch (K) {
          case 2: max_row_fixed<T, 2>(xp, row0, p.sw, offs, wlo, whi, yrow, irow); break;
          case 3: max_row_fixed<T, 3>(xp, row0, p.sw, offs, wlo, whi, yrow, irow); break;
          case 4: max_row_fixed<T, 4>(xp, row0, p.sw, offs, wlo, whi, yrow, irow); break;
          case 9: max_row_fixed<T, 9>(xp, row0, p.sw, offs, wlo, whi, yrow, irow); break;
          default: max_row_any(xp, row0, p.sw, offs, K, wlo, whi, yrow, irow);
        }
      }
    }
  });
}

template <typename T>
void max_backward(const T* gy, T* gx, const int32_t* idx, const Pool2dParams& p) {
  const int64_t in_plane = p.ih * p.iw;
  parallel_for(p.planes, plane_grain(p), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const T* g = gy + c * p.oh * p.ow;
      const int32_t* ip = idx + c * p.oh * p.ow;
      T* dst = gx + c * in_plane;
      for (int64_t o = 0; o < p.oh * p.ow; ++o) {
        const int64_t i = ip[o];
        if (i >= 0 && i < in_plane) dst[i] += g[o];
      }
    }
  });
}

// The clipped window of avg pool for output (oh, ow) and its divisor (0: empty window).
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  double divisor;
};

inline AvgWindow avg_window(const Pool2dParams& p, int64_t oh, int64_t ow) {
  int64_t h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
  int64_t h1 = std::min(h0 + p.kh, p.ih + p.ph), w1 = std::min(w0 + p.kw, p.iw + p.pw);
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, p.ih);
  w1 = std::min(w1, p.iw);
  AvgWindow win{h0, h1, w0, w1, 0};
  if (h0 >= h1 || w0 >= w1) return win;
  if (p.divisor_override != 0) win.divisor = static_cast<double>(p.divisor_override);
  else win.divisor = static_cast<double>(p.count_include_pad ? padded : (h1 - h0) * (w1 - w0));
  return win;
}

template <typename T>
void avg_forward(const T* x, T* y, const Pool2dParams& p) {
  int64_t hlo, hhi, wlo, whi;
  interior(p.oh, p.ih, p.kh, p.sh, p.ph, 1, &hlo, &hhi);
  interior(p.ow, p.iw, p.kw, p.sw, p.pw, 1, &wlo, &whi);
  // A window wholly inside the input has kh * kw elements, padded or not.
  const double inner_div = p.divisor_override != 0 ? static_cast<double>(p.divisor_override) : static_cast<double>(p.kh * p.kw);
  parallel_for(p.planes, plane_grain(p), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const T* xp = x + c * p.ih * p.iw;
      T* yp = y + c * p.oh * p.ow;
      for (int64_t oh = 0; oh < p.oh; ++oh)
        for (int64_t ow = 0; ow < p.ow; ++ow) {
          if (oh >= hlo && oh < hhi && ow >= wlo && ow < whi) {
            const T* base = xp + (oh * p.sh - p.ph) * p.iw + ow * p.sw - p.pw;
            double s = 0;
            if (p.kh == 2 && p.kw == 2) s = (static_cast<double>(base[0]) + base[1]) + (static_cast<double>(base[p.iw]) + base[p.iw + 1]);
            else
              for (int64_t a = 0; a < p.kh; ++a)
                for (int64_t q = 0; q < p.kw; ++q) s += base[a * p.iw + q];
            yp[oh * p.ow + ow] = static_cast<T>(s / inner_div);
            continue;
          }
          const AvgWindow win = avg_window(p, oh, ow);
          double s = 0;
          for (int64_t h = win.h0; h < win.h1; ++h)
            for (int64_t w = win.w0; w < win.w1; ++w) s += xp[h * p.iw + w];
          yp[oh * p.ow + ow] = win.divisor == 0 ? T(0) : static_cast<T>(s / win.divisor);
        }
    }
  });
}

template <typename T>
void avg_backward(const T* gy, T* gx, const Pool2dParams& p) {
  parallel_for(p.planes, plane_grain(p), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const T* g = gy + c * p.oh * p.ow;
      T* dst = gx + c * p.ih * p.iw;
      for (int64_t oh = 0; oh < p.oh; ++oh)
        for (int64_t ow = 0; ow < p.ow; ++ow) {
          const AvgWindow win = avg_window(p, oh, ow);
          if (win.divisor == 0) continue;
          const T v = static_cast<T>(g[oh * p.ow + ow] / win.divisor);
          for (int64_t h = win.h0; h < win.h1; ++h)
            for (int64_t w = win.w0; w < win.w1; ++w) dst[h * p.iw + w] += v;
        }
    }
  });
}

// Adaptive windows: [floor(o * in / out), ceil((o + 1) * in / out)).
inline int64_t adaptive_start(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
inline int64_t adaptive_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

template <typename T>
void adaptive_forward(const T* x, T* y, const Pool2dParams& p) {
  parallel_for(p.planes, plane_grain(p), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const T* xp = x + c * p.ih * p.iw;
      T* yp = y + c * p.oh * p.ow;
      for (int64_t oh = 0; oh < p.oh; ++oh) {
        const int64_t h0 = adaptive_start(oh, p.ih, p.oh), h1 = adaptive_end(oh, p.ih, p.oh);
        for (int64_t ow = 0; ow < p.ow; ++ow) {
          const int64_t w0 = adaptive_start(ow, p.iw, p.ow), w1 = adaptive_end(ow, p.iw, p.ow);
          double s = 0;
          for (int64_t h = h0; h < h1; ++h)
            for (int64_t w = w0; w < w1; ++w) s += xp[h * p.iw + w];
          yp[oh * p.ow + ow] = static_cast<T>(s / static_cast<double>((h1 - h0) * (w1 - w0)));
        }
      }
    }
  });
}

template <typename T>
void adaptive_backward(const T* gy, T* gx, const Pool2dParams& p) {
  parallel_for(p.planes, plane_grain(p), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const T* g = gy + c * p.oh * p.ow;
      T* dst = gx + c * p.ih * p.iw;
      for (int64_t oh = 0; oh < p.oh; ++oh) {
        const int64_t h0 = adaptive_start(oh, p.ih, p.oh), h1 = adaptive_end(oh, p.ih, p.oh);
        for (int64_t ow = 0; ow < p.ow; ++ow) {
          const int64_t w0 = adaptive_start(ow, p.iw, p.ow), w1 = adaptive_end(ow, p.iw, p.ow);
          const T v = static_cast<T>(g[oh * p.ow + ow] / static_cast<double>((h1 - h0) * (w1 - w0)));
          for (int64_t h = h0; h < h1; ++h)
            for (int64_t w = w0; w < w1; ++w) dst[h * p.iw + w] += v;
        }
      }
    }
  });
}

// PyTorch's nearest_idx: the scale is a float, 1 / scale_factor when one was given.
std::vector<int64_t> nearest_sources(int64_t in, int64_t out, double scale_factor) {
  std::vector<int64_t> src(static_cast<size_t>(out));
  const float scale = scale_factor > 0 ? static_cast<float>(1.0 / scale_factor)
                                       : static_cast<float>(in) / static_cast<float>(out);
  for (int64_t o = 0; o < out; ++o) {
    if (out == in) src[o] = o;
    else if (out == 2 * in) src[o] = o >> 1;
    else src[o] = std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * scale)), in - 1);
  }
  return src;
}

template <typename T>
void nearest(bool forward, const T* in, T* out, const Pool2dParams& p) {
  const std::vector<int64_t> sh = nearest_sources(p.ih, p.oh, p.scale_h);
  const std::vector<int64_t> sw = nearest_sources(p.iw, p.ow, p.scale_w);
  parallel_for(p.planes, plane_grain(p), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      if (forward) {
        const T* xp = in + c * p.ih * p.iw;
        T* yp = out + c * p.oh * p.ow;
        for (int64_t oh = 0; oh < p.oh; ++oh) {
          const T* row = xp + sh[oh] * p.iw;
          for (int64_t ow = 0; ow < p.ow; ++ow) yp[oh * p.ow + ow] = row[sw[ow]];
        }
      } else {
        const T* g = in + c * p.oh * p.ow;
        T* gx = out + c * p.ih * p.iw;
        for (int64_t oh = 0; oh < p.oh; ++oh) {
          T* row = gx + sh[oh] * p.iw;
          for (int64_t ow = 0; ow < p.ow; ++ow) row[sw[ow]] += g[oh * p.ow + ow];
        }
      }
    }
  });
}

template <typename T>
void run(PoolKind kind, const T* in, T* out, int32_t* idx, const Pool2dParams& p) {
  switch (kind) {
    case PoolKind::MaxForward: return max_forward(in, out, idx, p);
    case PoolKind::MaxBackward: return max_backward(in, out, idx, p);
    case PoolKind::AvgForward: return avg_forward(in, out, p);
    case PoolKind::AvgBackward: return avg_backward(in, out, p);
    case PoolKind::AdaptiveAvgForward: return adaptive_forward(in, out, p);
    case PoolKind::AdaptiveAvgBackward: return adaptive_backward(in, out, p);
    case PoolKind::NearestForward: return nearest(true, in, out, p);
    case PoolKind::NearestBackward: return nearest(false, in, out, p);
  }
  throw std::invalid_argument("pool2d: unknown kind");
}

}  // namespace

void pool2d(PoolKind kind, DType dtype, const void* in, void* out, int32_t* indices, const Pool2dParams& p) {
  if (p.planes == 0 || p.oh == 0 || p.ow == 0 || p.ih == 0 || p.iw == 0) return;
  if (dtype == DType::F32) return run(kind, static_cast<const float*>(in), static_cast<float*>(out), indices, p);
  if (dtype == DType::F64) return run(kind, static_cast<const double*>(in), static_cast<double*>(out), indices, p);
  throw std::invalid_argument(std::string("pool2d: dtype ") + dtype_name(dtype) + " is not supported");
}

}  // namespace tf
