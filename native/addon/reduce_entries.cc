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

void check_fits(Storage* s, int64_t numel, DType dt, const char* what) {
  if (static_cast<uint64_t>(numel) * dtype_size(dt) > s->nbytes)
    throw NativeError("ERR_TF_INTERNAL", std::string(what) + " storage is too small for the result");
}

// reduce(kind, src, dtype, srcOffset, meta, nred, out, indices | null, param)
// meta = [ndim, shape..., out strides..., src strides...]: kept dims first, reduced last
// (out strides of reduced dims are ignored).
napi_value reduce(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  get_args(env, info, argv);
  const int64_t k = arg_int(env, argv[0]);
  if (k < 0 || k >= kReduceKindCount) throw NativeError("ERR_TF_INTERNAL", "unknown reduce kind");
  const ReduceKind kind = static_cast<ReduceKind>(k);
  Storage* src = storage_of(env, argv[1]);
  const DType dt = arg_dtype(env, argv[2]);
  const int64_t off = arg_int(env, argv[3]);
  const StridedLayout<2> L = arg_layout<2>(env, argv[4]);
  const int64_t nred = arg_int(env, argv[5]);
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
  void* out = nullptr;
  if (needs_values) {
    Storage* o = storage_of(env, argv[6]);
    check_fits(o, n_out, reduce_out_dtype(kind, dt), "output");
    out = o->data;
  }
  int32_t* idx = nullptr;
  if (needs_idx) {
    Storage* s = storage_of(env, argv[7]);
    check_fits(s, n_out, DType::I32, "indices");
    idx = static_cast<int32_t*>(s->data);
  }
  reduce_strided(kind, dt, byte_ptr(src, dt, off), L, static_cast<int>(nred), out, idx, arg_double(env, argv[8]));
  return nullptr;
}

// softmax(log, src, dtype, srcOffset, meta, out): meta = [ndim, shape..., out strides...,
// src strides...] with the softmax dim last; out is a fresh tensor of the same dtype.
napi_value softmax(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  get_args(env, info, argv);
  const bool log = arg_int(env, argv[0]) != 0;
  Storage* src = storage_of(env, argv[1]);
  const DType dt = arg_dtype(env, argv[2]);
  if (!is_float(dt)) throw NativeError("ERR_TF_DTYPE", std::string("softmax needs float32 or float64, got ") + dtype_name(dt));
  const int64_t off = arg_int(env, argv[3]);
  const StridedLayout<2> L = arg_layout<2>(env, argv[4]);
  if (L.ndim < 1) throw NativeError("ERR_TF_INTERNAL", "softmax layout needs at least one dim");
  Storage* out = storage_of(env, argv[5]);
  check_fits(out, L.numel(), dt, "output");
  softmax_strided(log, dt, byte_ptr(src, dt, off), out->data, L);
  return nullptr;
}

// scan(prod, src, dtype, srcOffset, meta, out): cumsum (prod = 0) or cumprod along the
// last dim of meta (laid out as for softmax); out is float like src, or int32.
napi_value scan(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  get_args(env, info, argv);
  const bool prod = arg_int(env, argv[0]) != 0;
  Storage* src = storage_of(env, argv[1]);
  const DType dt = arg_dtype(env, argv[2]);
  const int64_t off = arg_int(env, argv[3]);
  const StridedLayout<2> L = arg_layout<2>(env, argv[4]);
  if (L.ndim < 1) throw NativeError("ERR_TF_INTERNAL", "scan layout needs at least one dim");
  Storage* out = storage_of(env, argv[5]);
  check_fits(out, L.numel(), is_float(dt) ? dt : DType::I32, "output");
  scan_strided(prod, dt, byte_ptr(src, dt, off), out->data, L);
  return nullptr;
}

}  // namespace

void register_reduce_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "reduce", guarded<reduce>);
  export_fn(env, exports, "softmax", guarded<softmax>);
  export_fn(env, exports, "scan", guarded<scan>);
}

}  // namespace tf
