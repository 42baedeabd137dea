// The one strided reduction driver shared by every reduce op. The reduced dims come last
// and are coalesced apart from the kept ones; then, by shape:
//  - few outputs and long reductions (a full sum): each reduction is split across the
//    threads and the partial accumulators are combined in order;
//  - kept dims contiguous in memory and reduced dims not (sum over dim 0 of [N, M]):
//    tiles of up to kMaxTile neighbouring outputs advance together over the reduced
//    elements, so memory is read in long sequential runs and every line is used whole;
//  - otherwise: parallel over outputs, each reducing its elements run by run.
// An op supplies Acc, init(out_linear), step(acc, x, pos), run(acc, p, n, stride, pos),
// combine(acc, later_acc) and write(acc, out_linear, out_offset). `pos` is the row-major
// position over the reduced dims, visited in increasing order, so "first index" is exact.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>

#include "../strided.h"

namespace tf {
namespace reduce_detail {

constexpr int64_t kReduceGrain = 32768;  // elements per task below which threads do not pay
constexpr int kMaxTile = 512;  // outputs advancing together (their accumulators stay in L1)

struct Geometry {
  StridedLayout<2> outer;  // operand 0 = out, 1 = src, over the kept dims
  StridedLayout<1> inner;  // src over the reduced dims
  int64_t n_out = 0;
  int64_t n_red = 0;
};

inline Geometry split_layout(const StridedLayout<2>& L, int nred) {
  Geometry g;
  const int nkeep = L.ndim - nred;
  g.outer.ndim = nkeep;
  for (int d = 0; d < nkeep; ++d) {
    g.outer.shape[d] = L.shape[d];
    g.outer.strides[0][d] = L.strides[0][d];
    g.outer.strides[1][d] = L.strides[1][d];
  }
  g.inner.ndim = nred;
  for (int d = 0; d < nred; ++d) {
    g.inner.shape[d] = L.shape[nkeep + d];
    g.inner.strides[0][d] = L.strides[1][nkeep + d];
  }
  g.n_out = g.outer.numel();
  g.n_red = g.inner.numel();
  g.outer.coalesce();
  g.inner.coalesce();
  return g;
}

template <int N>
inline void offsets_at(const StridedLayout<N>& L, int nd, int64_t lin, int64_t* off) {
  for (int a = 0; a < N; ++a) off[a] = 0;
  for (int d = nd - 1; d >= 0; --d) {
    int64_t i = lin % L.shape[d];
    lin /= L.shape[d];
    for (int a = 0; a < N; ++a) off[a] += i * L.strides[a][d];
  }
}

// Accumulates reduced positions [lo, hi) of the output whose first element is `base`.
template <typename Op, typename T>
inline void reduce_range(const Op& op, typename Op::Acc& acc, const T* base, const StridedLayout<1>& in,
                         int64_t lo, int64_t hi) {
  if (lo >= hi) return;
  if (in.ndim == 1) {
    op.run(acc, base + lo * in.strides[0][0], hi - lo, in.strides[0][0], lo);
    return;
  }
  int64_t pos = lo;
  for_each_run(in, lo, hi, [&](const int64_t* off, int64_t n, const int64_t* st) {
    op.run(acc, base + off[0], n, st[0], pos);
    pos += n;
  });
}

template <typename T, typename Op>
void run_reduce(const Geometry& g, const T* src, const Op& op) {
  using Acc = typename Op::Acc;
  const int64_t n_out = g.n_out;
  const int64_t n_red = g.n_red;
  if (n_out == 0) return;
  const int threads = num_threads();

  if (threads > 1 && n_out < threads && n_red >= 2 * kReduceGrain) {
    const int64_t chunks = std::min<int64_t>(threads, n_red / kReduceGrain);
    std::unique_ptr<Acc[]> part(new Acc[chunks]);
    int64_t lin = 0;
    for_each_run(g.outer, 0, n_out, [&](const int64_t* off, int64_t cnt, const int64_t* st) {
      for (int64_t j = 0; j < cnt; ++j, ++lin) {
        const T* base = src + off[1] + j * st[1];
        for (int64_t c = 0; c < chunks; ++c) part[c] = op.init(lin);
        parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
          for (int64_t c = b; c < e; ++c)
            reduce_range(op, part[c], base, g.inner, n_red * c / chunks, n_red * (c + 1) / chunks);
        });
        for (int64_t c = 1; c < chunks; ++c) op.combine(part[0], part[c]);
        op.write(part[0], lin, off[0] + j * st[0]);
      }
    });
    return;
  }

  const int nd = g.outer.ndim;
  const int ind = g.inner.ndim;
  const bool tiled = n_red > 1 && g.outer.shape[nd - 1] > 1 && g.outer.strides[1][nd - 1] == 1 &&
                     g.inner.strides[0][ind - 1] != 1;
  if (tiled) {
    const int64_t W = g.outer.shape[nd - 1];
    const int64_t ostride = g.outer.strides[0][nd - 1];
    // wide tiles for sequential reads, but at least one tile per thread when possible
    const int64_t tile = std::min<int64_t>(kMaxTile, std::max<int64_t>(16, (W + threads - 1) / threads));
    const int64_t tiles_per_row = (W + tile - 1) / tile;
    const int64_t items = (n_out / W) * tiles_per_row;
    const int64_t grain = std::max<int64_t>(1, kReduceGrain / (n_red * tile));
    parallel_for(items, grain, [&](int64_t b, int64_t e) {
      Acc acc[kMaxTile];
      for (int64_t it = b; it < e; ++it) {
        const int64_t row = it / tiles_per_row;
        const int64_t j0 = (it % tiles_per_row) * tile;
        const int w = static_cast<int>(std::min<int64_t>(tile, W - j0));
        int64_t off[2];
        offsets_at(g.outer, nd - 1, row, off);
        const T* base = src + off[1] + j0;
        const int64_t lin0 = row * W + j0;
        for (int j = 0; j < w; ++j) acc[j] = op.init(lin0 + j);
        int64_t pos = 0;
        auto body = [&](const int64_t* o, int64_t n, const int64_t* st) {
          for (int64_t i = 0; i < n; ++i) {
            const T* p = base + o[0] + i * st[0];
            for (int j = 0; j < w; ++j) op.step(acc[j], p[j], pos + i);
          }
          pos += n;
        };
        if (ind == 1) {
          const int64_t zero = 0;
          body(&zero, n_red, g.inner.strides[0]);
        } else {
          for_each_run(g.inner, 0, n_red, body);
        }
        for (int j = 0; j < w; ++j) op.write(acc[j], lin0 + j, off[0] + (j0 + j) * ostride);
      }
    });
    return;
  }

  const int64_t grain = std::max<int64_t>(1, kReduceGrain / std::max<int64_t>(n_red, 1));
  parallel_for(n_out, grain, [&](int64_t b, int64_t e) {
    int64_t lin = b;
    for_each_run(g.outer, b, e, [&](const int64_t* off, int64_t cnt, const int64_t* st) {
      for (int64_t j = 0; j < cnt; ++j, ++lin) {
        Acc a = op.init(lin);
        reduce_range(op, a, src + off[1] + j * st[1], g.inner, 0, n_red);
        op.write(a, lin, off[0] + j * st[0]);
      }
    });
  });
}

}  // namespace reduce_detail
}  // namespace tf
