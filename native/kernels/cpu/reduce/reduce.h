// Reductions, softmax and scans over strided views. Plain C++ over raw pointers; the
// addon validates shapes and dtypes first, these functions still throw (never abort)
// on a kind/dtype pair they do not implement.
#pragma once
#include <cstdint>

#include "../dtype.h"
#include "../strided.h"

namespace tf {

// Codes shared with lib/ops/reduce_common.ts (ReduceKind there).
enum class ReduceKind : int {
  Sum = 0,         // float -> same float, int32/bool -> int32 (wrapping)
  Prod = 1,        // as Sum
  Max = 2,         // value only, NaN propagates; out dtype = in dtype
  Min = 3,
  ArgMax = 4,      // int32 index of the first max (of the first NaN if any)
  ArgMin = 5,
  MaxIdx = 6,      // value and int32 index
  MinIdx = 7,
  All = 8,         // bool result
  Any = 9,
  Mean = 10,       // float only, from here on
  Var = 11,        // param = correction; divides by max(0, n - correction)
  Std = 12,
  NormP = 13,      // (sum |x|^p)^(1/p), param = p
  NormInf = 14,    // max |x|
  NormNegInf = 15, // min |x|
  Norm0 = 16,      // count of non-zeros
  Norm1 = 17,
  Norm2 = 18,
  LogSumExp = 19,
};
constexpr int kReduceKindCount = 20;

// Reduces src over the trailing `nred` dims of L (operand 0 = out strides, 1 = src
// strides; the kept dims come first and keep their order, the reduced dims follow in
// their logical order, so an index is the row-major position over the reduced dims).
// `out` and `indices` point at element 0 of each output; indices may be null unless the
// kind is ArgMax/ArgMin/MaxIdx/MinIdx (MaxIdx writes both, ArgMax only indices).
void reduce_strided(ReduceKind kind, DType dtype, const void* src, const StridedLayout<2>& L, int nred,
                    void* out, int32_t* indices, double param);

// Softmax (log = false) or log-softmax over the LAST dim of L (operand 0 = out, 1 = src).
// Float dtypes only; rows that are contiguous in both go through a fused row kernel.
void softmax_strided(bool log, DType dtype, const void* src, void* out, const StridedLayout<2>& L);

// Inclusive scan along the LAST dim of L (operand 0 = out, 1 = src): cumsum (prod = false)
// or cumprod. Float in -> same float out; int32/bool in -> int32 out (wrapping).
void scan_strided(bool prod, DType dtype, const void* src, void* out, const StridedLayout<2>& L);

}  // namespace tf
