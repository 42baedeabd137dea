// Entry points for the reduce op family: reduce (sum, mean, max, argmax, var, norm, ...
// chosen by a ReduceKind code), softmax / log-softmax, and cumsum / cumprod.
// TypeScript checks dims and dtypes and allocates the outputs; these entries re-check
// what would corrupt memory (kinds, dtypes, output sizes) and throw instead.
#include "../kernels/cpu/reduce/reduce.h"
#include "common.h"

namespace tf {
namespace {

bool is_float(DType d) { return d == DType::F32 || d == DType::F64; }

DType reduce_out_dtype(ReduceKind kind, DType in) {
  switch (kind) {
    case ReduceKind::Sum:
    case ReduceKind::Prod: return is_float(in) ? in : DType::I32;
    case ReduceKind::All:
    case ReduceKind::Any: return DType::Bool;
    case ReduceKind::ArgMax:
    case ReduceKind::ArgMin: return DType::I32;
    default: return in;
  }
}

// The layout of softmax and scan (argument 4): rows along the last dim.
StridedLayout<2> row_layout(const EntryArgs& args) {
  const StridedLayout<2> L = args.layout<2>(4);
  if (L.ndim < 1) throw NativeError("ERR_TF_INTERNAL", std::string(args.op()) + " layout needs at least one dim");
  return L;
}

// The source of every entry here: its handle at argument 1, element offset at argument 3,
// walked as operand 1 of L.
const void* arg_source(const EntryArgs& args, DType dt, const StridedLayout<2>& L) {
  return reach_in(args.storage(1), dt, Reach(args.integer(3)).dims(L, 1), args.op(), "input");
}

// reduce(kind, src, dtype, srcOffset, meta, nred, out, indices | null, param)
// meta = [ndim, shape..., out strides..., src strides...]: kept dims first, reduced last
// (out strides of reduced dims are ignored).
napi_value reduce(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "reduce");
  const int64_t k = args.code(0, kReduceKindCount, "reduce kind");
  const ReduceKind kind = static_cast<ReduceKind>(k);
  const DType dt = args.dtype(2);
  const StridedLayout<2> L = args.layout<2>(4);
  const int64_t nred = args.integer(5);
  if (nred < 0 || nred > L.ndim) throw NativeError("ERR_TF_INTERNAL", "bad count of reduced dims");
  if (k >= static_cast<int64_t>(ReduceKind::Mean) && !is_float(dt))
    throw NativeError("ERR_TF_DTYPE", std::string("this reduction needs float32 or float64, got ") + dtype_name(dt));
  int64_t n_out = 1, n_red = 1;
  for (int d = 0; d < L.ndim; ++d) (d < L.ndim - nred ? n_out : n_red) *= L.shape[d];
  const bool needs_idx = kind == ReduceKind::ArgMax || kind == ReduceKind::ArgMin || kind == ReduceKind::MaxIdx ||
                         kind == ReduceKind::MinIdx;
  const bool needs_values = !(kind == ReduceKind::ArgMax || kind == ReduceKind::ArgMin);
  const bool needs_elements = needs_idx || kind == ReduceKind::Max || kind == ReduceKind::Min ||
                              kind == ReduceKind::NormInf || kind == ReduceKind::NormNegInf;
  if (needs_elements && n_red == 0 && n_out > 0)
    throw NativeError("ERR_TF_INDEX", "cannot reduce over a dim of size 0 with this reduction");
  void* out = needs_values ? span_in(args.storage(6), reduce_out_dtype(kind, dt), 0, n_out, args.op(), "output") : nullptr;
  void* idx = needs_idx ? span_in(args.storage(7), DType::I32, 0, n_out, args.op(), "indices") : nullptr;
  reduce_strided(kind, dt, arg_source(args, dt, L), L, static_cast<int>(nred), out, static_cast<int32_t*>(idx), args.number(8));
  return nullptr;
}

// softmax(log, src, dtype, srcOffset, meta, out): meta = [ndim, shape..., out strides...,
// src strides...] with the softmax dim last; out is a fresh tensor of the same dtype.
napi_value softmax(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "softmax");
  const bool log = args.flag(0);
  const DType dt = args.dtype(2);
  if (!is_float(dt)) throw NativeError("ERR_TF_DTYPE", std::string("softmax needs float32 or float64, got ") + dtype_name(dt));
  const StridedLayout<2> L = row_layout(args);
  void* out = span_in(args.storage(5), dt, 0, L.numel(), args.op(), "output");
  softmax_strided(log, dt, arg_source(args, dt, L), out, L);
  return nullptr;
}

// scan(prod, src, dtype, srcOffset, meta, out): cumsum (prod = 0) or cumprod along the
// last dim of meta (laid out as for softmax); out is float like src, or int32.
napi_value scan(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "scan");
  const bool prod = args.flag(0);
  const DType dt = args.dtype(2);
  const StridedLayout<2> L = row_layout(args);
  void* out = span_in(args.storage(5), is_float(dt) ? dt : DType::I32, 0, L.numel(), args.op(), "output");
  scan_strided(prod, dt, arg_source(args, dt, L), out, L);
  return nullptr;
}

}  // namespace

void register_reduce_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "reduce", guarded<reduce>);
  export_fn(env, exports, "softmax", guarded<softmax>);
  export_fn(env, exports, "scan", guarded<scan>);
}

}  // namespace tf
