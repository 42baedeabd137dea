#include "index.h"

#include <algorithm>
#include <type_traits>

#include "../../../runtime/thread_pool.h"

namespace tf {
namespace {

[[noreturn]] void throw_range(int32_t v, const IndexArgs& a) {
  throw IndexRangeError("index " + std::to_string(v) + " is out of bounds for dim " + std::to_string(a.dim) +
                        " with size " + std::to_string(a.bound));
}

inline bool out_of_range(int32_t v, int64_t bound) {
  return v < 0 || static_cast<int64_t>(v) >= bound;
}

// Visits (j, c) for j in [j0, j1), c in [0, count): rows of the run innermost when the
// run is contiguous in the target (row copies, as in indexSelect along dim 0), steps j
// innermost otherwise (gather along the last dim). Either way each c sees j ascending.
template <typename Fn>
inline void visit(int64_t count, int64_t run_stride, int64_t j0, int64_t j1, Fn&& fn) {
  if (run_stride == 1 || count == 1) {
    for (int64_t j = j0; j < j1; ++j)
      for (int64_t c = 0; c < count; ++c) fn(j, c);
  } else {
    for (int64_t c = 0; c < count; ++c)
      for (int64_t j = j0; j < j1; ++j) fn(j, c);
  }
}

// Calls fn(offsets, count, strides, j0, j1) for each run of the outer walk and the
// range of steps j in [j0, j1) that this task owns. Tasks split the outer positions, or,
// for reads when there are few outer positions, the steps along the dim.
template <typename Fn>
void walk(const IndexArgs& a, bool may_split_steps, Fn&& fn) {
  const int64_t outer_n = a.outer.numel();
  if (outer_n == 0 || a.len == 0) return;
  constexpr int64_t kGrain = 32768;
  if (may_split_steps && outer_n < num_threads() && a.len >= 2 * kGrain) {
    const int64_t grain = std::max<int64_t>(1, kGrain / outer_n);
    parallel_for(a.len, grain, [&](int64_t j0, int64_t j1) {
      for_each_run(a.outer, 0, outer_n, [&](const int64_t* off, int64_t count, const int64_t* st) {
        fn(off, count, st, j0, j1);
      });
    });
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kGrain / a.len);
  parallel_for(outer_n, grain, [&](int64_t b, int64_t e) {
    for_each_run(a.outer, b, e, [&](const int64_t* off, int64_t count, const int64_t* st) {
      fn(off, count, st, int64_t(0), a.len);
    });
  });
}

template <typename T>
void run(IndexMode mode, T* target, const int32_t* index, const T* source, const IndexArgs& a,
         double alpha) {
  const int64_t ts = a.target_step, is = a.index_step, ss = a.source_step, bound = a.bound;
  if (mode == IndexMode::kGather) {
    walk(a, true, [&](const int64_t* off, int64_t count, const int64_t* st, int64_t j0, int64_t j1) {
      T* t = target + off[0];
      const int32_t* ix = index + off[1];
      const T* s = source + off[2];
      visit(count, st[0], j0, j1, [&](int64_t j, int64_t c) {
        const int32_t v = ix[j * is + c * st[1]];
        if (out_of_range(v, bound)) throw_range(v, a);
        t[j * ts + c * st[0]] = s[v * ss + c * st[2]];
      });
    });
    return;
  }
  // Writes: check every index first, so a bad one leaves the target as it was.
  walk(a, true, [&](const int64_t* off, int64_t count, const int64_t* st, int64_t j0, int64_t j1) {
    const int32_t* ix = index + off[1];
    visit(count, st[1], j0, j1, [&](int64_t j, int64_t c) {
      const int32_t v = ix[j * is + c * st[1]];
      if (out_of_range(v, bound)) throw_range(v, a);
    });
  });
  // Steps j run in order inside one task, so with repeated indices the last write wins
  // (scatter) and sums are deterministic (scatterAdd).
  const T al = static_cast<T>(alpha);
  walk(a, false, [&](const int64_t* off, int64_t count, const int64_t* st, int64_t j0, int64_t j1) {
    T* t = target + off[0];
    const int32_t* ix = index + off[1];
    const T* s = source + off[2];
    visit(count, st[0], j0, j1, [&](int64_t j, int64_t c) {
      const int64_t v = ix[j * is + c * st[1]];
      if (mode == IndexMode::kScatter) {
        t[v * ts + c * st[0]] = s[j * ss + c * st[2]];
      } else if (alpha == 1.0) {
        t[v * ts + c * st[0]] += s[j * ss + c * st[2]];
      } else {
        t[v * ts + c * st[0]] += al * s[j * ss + c * st[2]];
      }
    });
  });
}

}  // namespace

void index_op(IndexMode mode, DType dtype, void* target, const int32_t* index, const void* source,
              const IndexArgs& args, double alpha) {
  dispatch_dtype(dtype, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, uint8_t>) {
      if (mode == IndexMode::kScatterAdd) throw std::invalid_argument("index add is not defined for bool");
    }
    run<T>(mode, static_cast<T*>(target), index, static_cast<const T*>(source), args, alpha);
  });
}

}  // namespace tf
