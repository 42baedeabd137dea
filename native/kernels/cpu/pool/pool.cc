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

template <typename T>
void max_forward(const T* x, T* y, int32_t* idx, const Pool2dParams& p) {
  parallel_for(p.planes, plane_grain(p), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const T* xp = x + c * p.ih * p.iw;
      T* yp = y + c * p.oh * p.ow;
      int32_t* ip = idx + c * p.oh * p.ow;
      for (int64_t oh = 0; oh < p.oh; ++oh) {
        int64_t h0 = oh * p.sh - p.ph;
        const int64_t h1 = std::min(h0 + (p.kh - 1) * p.dh + 1, p.ih);
        while (h0 < 0) h0 += p.dh;
        for (int64_t ow = 0; ow < p.ow; ++ow) {
          int64_t w0 = ow * p.sw - p.pw;
          const int64_t w1 = std::min(w0 + (p.kw - 1) * p.dw + 1, p.iw);
          while (w0 < 0) w0 += p.dw;
          // PyTorch's rule: NaN wins; the index starts at the first element in the window.
          int64_t best = h0 * p.iw + w0;
          T m = -std::numeric_limits<T>::infinity();
          for (int64_t h = h0; h < h1; h += p.dh) {
            const T* row = xp + h * p.iw;
            for (int64_t w = w0; w < w1; w += p.dw) {
              const T v = row[w];
              if (v > m || std::isnan(v)) {
                m = v;
                best = h * p.iw + w;
                if (std::isnan(v)) goto done;
              }
            }
          }
        done:
          yp[oh * p.ow + ow] = m;
          ip[oh * p.ow + ow] = static_cast<int32_t>(best);
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
  parallel_for(p.planes, plane_grain(p), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const T* xp = x + c * p.ih * p.iw;
      T* yp = y + c * p.oh * p.ow;
      for (int64_t oh = 0; oh < p.oh; ++oh)
        for (int64_t ow = 0; ow < p.ow; ++ow) {
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
