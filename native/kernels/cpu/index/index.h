// Indexed reads and writes along one dim: gather, indexSelect, scatter, scatterAdd,
// indexAdd. Every index is checked against the size of the dim it indexes while the
// kernel runs; an index out of range throws tf::IndexRangeError and nothing outside the
// tensors is ever read or written.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../dtype.h"
#include "../strided.h"

namespace tf {

enum class IndexMode : int {
  kGather = 0,      // target[.., j, ..] = source[.., index, ..]     (gather, indexSelect)
  kScatter = 1,     // target[.., index, ..] = source[.., j, ..]     (scatter, scatter value)
  kScatterAdd = 2,  // target[.., index, ..] += alpha * source[.., j, ..] (scatterAdd, indexAdd)
};

// The op as a walk over every dim but the indexed one (`outer`, operands 0 = target,
// 1 = index, 2 = source; strides may be 0, e.g. indexSelect's index is the same for every
// outer position) and, for each outer position, `len` steps j along the indexed dim.
struct IndexArgs {
  StridedLayout<3> outer;
  int64_t len = 0;
  int64_t target_step = 0, index_step = 0, source_step = 0;  // strides along the dim
  int64_t bound = 0;  // size of the dim that index values address
  int dim = 0;        // the user's dim, for the error message
};

struct IndexRangeError : std::out_of_range {
  explicit IndexRangeError(const std::string& m) : std::out_of_range(m) {}
};

// Pointers are at element 0 of each view. Write modes check every index before writing
// anything, so an in-place op that throws leaves its target unchanged. Distinct outer
// positions go to distinct threads, so the write modes need no atomics; the target must
// not overlap itself (the caller checks).
void index_op(IndexMode mode, DType dtype, void* target, const int32_t* index, const void* source,
              const IndexArgs& args, double alpha);

}  // namespace tf
