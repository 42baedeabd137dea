// cumsum / cumprod along the last dim of a layout. Float32 scans carry a double running
// value (each output is the correctly rounded prefix up to double error, no drift);
// int32/bool scans wrap like int32 arithmetic.
#include <stdexcept>
#include <type_traits>

#include "reduce.h"

namespace tf {
namespace {

constexpr int64_t kScanGrain = 32768;

template <typename T, bool Prod>
void scan_typed(const T* x, void* out, const StridedLayout<2>& L) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;
  using Out = std::conditional_t<std::is_floating_point_v<T>, T, int32_t>;
  Out* y = static_cast<Out*>(out);
  const int nd = L.ndim;
  const int64_t n = L.shape[nd - 1];
  const int64_t sy = L.strides[0][nd - 1];
  const int64_t sx = L.strides[1][nd - 1];
  StridedLayout<2> outer = outer_layout(L);
  const int64_t rows = outer.numel();
  if (rows == 0 || n == 0) return;
  outer.coalesce();
  parallel_for(rows, std::max<int64_t>(1, kScanGrain / n), [&](int64_t b, int64_t e) {
    for_each_run(outer, b, e, [&](const int64_t* off, int64_t cnt, const int64_t* st) {
      for (int64_t j = 0; j < cnt; ++j) {
        const T* xr = x + off[1] + j * st[1];
        Out* yr = y + off[0] + j * st[0];
        Acc a = Prod ? Acc(1) : Acc(0);
        for (int64_t i = 0; i < n; ++i) {
          if (Prod) a *= static_cast<Acc>(xr[i * sx]);
          else a += static_cast<Acc>(xr[i * sx]);
          if constexpr (std::is_same_v<Acc, uint64_t>) yr[i * sy] = static_cast<int32_t>(static_cast<uint32_t>(a));
          else yr[i * sy] = static_cast<Out>(a);
        }
      }
    });
  });
}

}  // namespace

void scan_strided(bool prod, DType dtype, const void* src, void* out, const StridedLayout<2>& L) {
  if (L.ndim < 1) throw std::invalid_argument("scan: layout needs the scan dim");
  dispatch_dtype(dtype, [&](auto zero) {
    using T = decltype(zero);
    if (prod) scan_typed<T, true>(static_cast<const T*>(src), out, L);
    else scan_typed<T, false>(static_cast<const T*>(src), out, L);
  });
}

}  // namespace tf
