// Walks a layout over contiguous runs: inline for small tensors (no std::function, no
// thread pool: this is most of the cost of a 16-element op), in parallel for large ones.
#pragma once
#include "../strided.h"

namespace tf {
namespace ew {

template <int N, typename Fn>
inline void run_layout(const StridedLayout<N>& L, int64_t grain, Fn&& fn) {
  int64_t n = L.numel();
  if (n == 0) return;
  if (L.ndim == 1 && n <= grain) {  // one run (every contiguous tensor): no index arithmetic
    int64_t off[N] = {};
    int64_t st[N];
    for (int a = 0; a < N; ++a) st[a] = L.strides[a][0];
    fn(static_cast<const int64_t*>(off), n, static_cast<const int64_t*>(st));
    return;
  }
  if (n <= grain) for_each_run(L, 0, n, fn);
  else parallel_runs(L, grain, fn);
}

// Transcendental ops cost ~10x an add per element, so they split into smaller tasks.
constexpr int64_t kHeavyGrain = kElementwiseGrain / 8;

}  // namespace ew
}  // namespace tf
