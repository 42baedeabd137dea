// where(cond, a, b) and maskedFill: selection kernels for every dtype.
#include <type_traits>

#include "elementwise.h"
#include "run.h"

namespace tf {

void where_strided(DType dt, void* out_v, const uint8_t* cond, const void* a_v, const void* b_v,
                   const StridedLayout<4>& L) {
  dispatch_dtype(dt, [&](auto zero) {
    using T = decltype(zero);
    T* out = static_cast<T*>(out_v);
    const T* a = static_cast<const T*>(a_v);
    const T* b = static_cast<const T*>(b_v);
    ew::run_layout(L, kElementwiseGrain, [&](const int64_t* off, int64_t n, const int64_t* st) {
      T* o = out + off[0];
      const uint8_t* c = cond + off[1];
      const T* pa = a + off[2];
      const T* pb = b + off[3];
      // Both operands are read unconditionally so the selection compiles to branch-free
      // selects (a data-dependent branch mispredicts on random conditions: 20x slower).
      if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 1) {
        for (int64_t i = 0; i < n; ++i) {
          const T x = pa[i], y = pb[i];
          o[i] = c[i] ? x : y;
        }
      } else if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 0) {
        const T y = pb[0];  // where(cond, a, scalar): relu's gradient, for one
        for (int64_t i = 0; i < n; ++i) {
          const T x = pa[i];
          o[i] = c[i] ? x : y;
        }
      } else {
        for (int64_t i = 0; i < n; ++i) {
          const T x = pa[i * st[2]], y = pb[i * st[3]];
          o[i * st[0]] = c[i * st[1]] ? x : y;
        }
      }
    });
  });
}

void masked_fill_strided(DType dt, void* out_v, const void* x_v, const uint8_t* mask,
                         const StridedLayout<3>& L, double value) {
  dispatch_dtype(dt, [&](auto zero) {
    using T = decltype(zero);
    T v;
    if constexpr (std::is_same_v<T, uint8_t>) v = value != 0 ? 1 : 0;
    else v = static_cast<T>(value);  // TypeScript checks that value fits T
    T* out = static_cast<T*>(out_v);
    const T* x = static_cast<const T*>(x_v);
    ew::run_layout(L, kElementwiseGrain, [&](const int64_t* off, int64_t n, const int64_t* st) {
      T* o = out + off[0];
      const T* px = x + off[1];
      const uint8_t* m = mask + off[2];
      if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
        for (int64_t i = 0; i < n; ++i) o[i] = m[i] ? v : px[i];
      } else {
        for (int64_t i = 0; i < n; ++i) o[i * st[0]] = m[i * st[2]] ? v : px[i * st[1]];
      }
    });
  });
}

}  // namespace tf
