// Iteration over strided N-d views for elementwise kernels. Strides are in elements,
// may be zero (broadcast) or negative. Dims are coalesced first, so a contiguous tensor
// of any shape is walked as one flat run.
#pragma once
#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "../../runtime/thread_pool.h"

namespace tf {

constexpr int kMaxDims = 16;

template <int NArgs>
struct StridedLayout {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[NArgs][kMaxDims];

  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < ndim; ++d) n *= shape[d];
    return n;
  }

  // Merges neighbouring dims that every operand walks as one, drops size-1 dims.
  void coalesce() {
    int out = 0;
    for (int d = 0; d < ndim; ++d) {
      if (shape[d] == 1) continue;
      if (out > 0) {
        bool mergeable = true;
        for (int a = 0; a < NArgs; ++a)
          if (strides[a][out - 1] != strides[a][d] * shape[d]) mergeable = false;
        if (mergeable) {
          shape[out - 1] *= shape[d];
          for (int a = 0; a < NArgs; ++a) strides[a][out - 1] = strides[a][d];
          continue;
        }
      }
      shape[out] = shape[d];
      for (int a = 0; a < NArgs; ++a) strides[a][out] = strides[a][d];
      ++out;
    }
    ndim = out;
    if (ndim == 0) {  // a scalar, or all dims of size 1
      ndim = 1;
      shape[0] = 1;
      for (int a = 0; a < NArgs; ++a) strides[a][0] = 1;
    }
  }
};

// Every dim of L but the innermost, for kernels that process whole rows along the last
// dim (softmax, scans): one entry of the result is the start of one row.
template <int NArgs>
StridedLayout<NArgs> outer_layout(const StridedLayout<NArgs>& L) {
  StridedLayout<NArgs> outer;
  outer.ndim = L.ndim - 1;
  for (int d = 0; d < L.ndim - 1; ++d) {
    outer.shape[d] = L.shape[d];
    for (int a = 0; a < NArgs; ++a) outer.strides[a][d] = L.strides[a][d];
  }
  return outer;
}

// Calls fn(offsets, count, inner_strides) for each run along the innermost dim that
// lies in linear range [begin, end). offsets[a] is the element offset of operand a.
template <int NArgs, typename Fn>
void for_each_run(const StridedLayout<NArgs>& L, int64_t begin, int64_t end, Fn&& fn) {
  const int nd = L.ndim;
  const int64_t inner = L.shape[nd - 1];
  int64_t idx[kMaxDims];
  int64_t rem = begin;
  for (int d = nd - 1; d >= 0; --d) {
    idx[d] = rem % L.shape[d];
    rem /= L.shape[d];
  }
  int64_t off[NArgs];
  for (int a = 0; a < NArgs; ++a) {
    off[a] = 0;
    for (int d = 0; d < nd; ++d) off[a] += idx[d] * L.strides[a][d];
  }
  int64_t inner_strides[NArgs];
  for (int a = 0; a < NArgs; ++a) inner_strides[a] = L.strides[a][nd - 1];
  int64_t pos = begin;
  while (pos < end) {
    int64_t count = std::min(inner - idx[nd - 1], end - pos);
    fn(off, count, inner_strides);
    pos += count;
    for (int a = 0; a < NArgs; ++a) off[a] += count * inner_strides[a];
    idx[nd - 1] += count;
    // carry into outer dims
    for (int d = nd - 1; d > 0 && idx[d] == L.shape[d]; --d) {
      for (int a = 0; a < NArgs; ++a) off[a] -= L.shape[d] * L.strides[a][d];
      idx[d] = 0;
      ++idx[d - 1];
      for (int a = 0; a < NArgs; ++a) off[a] += L.strides[a][d - 1];
    }
  }
}

// Parallel walk over the whole layout; `grain` is the least number of elements per task.
template <int NArgs, typename Fn>
void parallel_runs(const StridedLayout<NArgs>& L, int64_t grain, Fn&& fn) {
  int64_t n = L.numel();
  if (n == 0) return;
  parallel_for(n, grain, [&](int64_t b, int64_t e) { for_each_run(L, b, e, fn); });
}

// Elements per task below which a parallel split costs more than it saves.
constexpr int64_t kElementwiseGrain = 32768;

}  // namespace tf
