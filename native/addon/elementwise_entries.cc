// Entry points for the elementwise op family. Op kinds arrive as one small integer,
// kind = op * 4 + dtype code (see lib/ops/elementwise_common.ts), so the per-call work is
// a handful of integer reads. The *Fast entries serve the common case (contiguous
// operands of one shape): they allocate the output storage, compute, and return its
// handle in one call. The strided entries write into an output the caller allocated (or
// into the tensor itself, for the in-place ops).
#include <string>

#include "../kernels/cpu/elementwise/elementwise.h"
#include "common.h"

namespace tf {
namespace {

struct Kind {
  int op;
  DType dt;
};

Kind arg_kind(napi_env env, napi_value v) {
  int64_t k = arg_int(env, v);
  if (k < 0 || k >= 4 * 64) throw NativeError("ERR_TF_INTERNAL", "bad elementwise op kind");
  return Kind{static_cast<int>(k >> 2), static_cast<DType>(k & 3)};
}

BinaryOp binary_op(Kind k) {
  BinaryOp op = static_cast<BinaryOp>(k.op);
  if (!binary_supports(op, k.dt))
    throw NativeError("ERR_TF_DTYPE", "binary op " + std::to_string(k.op) + " is not defined for " + dtype_name(k.dt));
  return op;
}

UnaryOp unary_op(Kind k) {
  UnaryOp op = static_cast<UnaryOp>(k.op);
  if (!unary_supports(op, k.dt))
    throw NativeError("ERR_TF_DTYPE", "unary op " + std::to_string(k.op) + " is not defined for " + dtype_name(k.dt));
  return op;
}

StridedLayout<3> flat3(int64_t n, int64_t sa, int64_t sb) {
  StridedLayout<3> L;
  L.ndim = 1;
  L.shape[0] = n;
  L.strides[0][0] = 1;
  L.strides[1][0] = sa;
  L.strides[2][0] = sb;
  return L;
}

// A JS number as one element of dtype dt, stored in `slot` (8 bytes, aligned).
const void* scalar_as(DType dt, double v, double* slot) {
  switch (dt) {
    case DType::F32: *reinterpret_cast<float*>(slot) = static_cast<float>(v); break;
    case DType::F64: *slot = v; break;
    case DType::I32: *reinterpret_cast<int32_t*>(slot) = static_cast<int32_t>(v); break;
    case DType::Bool: *reinterpret_cast<uint8_t*>(slot) = v != 0 ? 1 : 0; break;
  }
  return slot;
}

void run_binary(BinaryOp op, DType dt, void* out, const void* a, const void* b, const StridedLayout<3>& L, double alpha) {
  try {
    binary_strided(op, dt, out, a, b, L, alpha);
  } catch (const ZeroDivisionError& e) {
    throw NativeError("ERR_TF_ZERO_DIVISION", e.what());
  }
}

// out = a op s (or s op a when reversed) over L, whose operand 1 (or 2) is the scalar's
// zero-stride slot.
void run_binary_scalar(BinaryOp op, DType dt, void* out, const void* a, double s, bool reversed, const StridedLayout<3>& L) {
  double slot;
  const void* sp = scalar_as(dt, s, &slot);
  if (reversed) run_binary(op, dt, out, sp, a, L, 1.0);
  else run_binary(op, dt, out, a, sp, L, 1.0);
}

DType out_dtype(BinaryOp op, DType dt) { return writes_bool(op) ? DType::Bool : dt; }

// The output of a fast entry: a new storage of n elements (its handle goes to *result),
// or, when the optional (handle, offset) pair at argument i is given, n elements of that
// storage (the in-place forms of contiguous tensors; *result stays undefined).
void* fast_output(const EntryArgs& args, size_t i, DType dt, int64_t n, napi_value* result) {
  napi_valuetype type;
  check(napi_typeof(args.env(), args[i], &type), "typeof");
  if (type == napi_external) {
    *result = nullptr;
    return args.operand(i, dt, n, "output");
  }
  *result = new_storage(args.env(), static_cast<size_t>(n) * dtype_size(dt));
  return storage_of(args.env(), *result)->data;
}

// ewBinaryFast(kind, ha, offa, hb, offb, n[, hout, offout]) -> new handle of n outputs
napi_value binary_fast(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "ewBinaryFast");
  const Kind k = arg_kind(env, args[0]);
  const BinaryOp op = binary_op(k);
  const int64_t n = args.integer(5);
  const void* a = args.operand(1, k.dt, n, "operand a");
  const void* b = args.operand(3, k.dt, n, "operand b");
  napi_value h;
  void* out = fast_output(args, 6, out_dtype(op, k.dt), n, &h);
  run_binary(op, k.dt, out, a, b, flat3(n, 1, 1), 1.0);
  return h;
}

// ewScalarFast(kind, ha, offa, scalar, reversed, n[, hout, offout]) -> new handle: a op s, or s op a
napi_value scalar_fast(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "ewScalarFast");
  const Kind k = arg_kind(env, args[0]);
  const BinaryOp op = binary_op(k);
  const double s = args.number(3);
  const bool reversed = args.flag(4);
  const int64_t n = args.integer(5);
  const void* a = args.operand(1, k.dt, n, "operand a");
  napi_value h;
  void* out = fast_output(args, 6, out_dtype(op, k.dt), n, &h);
  run_binary_scalar(op, k.dt, out, a, s, reversed, reversed ? flat3(n, 0, 1) : flat3(n, 1, 0));
  return h;
}

// ewUnaryFast(kind, hx, offx, n, p0, p1[, hout, offout]) -> new handle
napi_value unary_fast(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "ewUnaryFast");
  const Kind k = arg_kind(env, args[0]);
  const UnaryOp op = unary_op(k);
  const int64_t n = args.integer(3);
  const double p0 = args.number(4);
  const double p1 = args.number(5);
  const void* x = args.operand(1, k.dt, n, "input");
  napi_value h;
  void* out = fast_output(args, 6, k.dt, n, &h);
  StridedLayout<2> L;
  L.ndim = 1;
  L.shape[0] = n;
  L.strides[0][0] = L.strides[1][0] = 1;
  unary_strided(op, k.dt, out, x, L, p0, p1);
  return h;
}

// ewBinary(kind, hout, offout, ha, offa, hb, offb, meta, alpha); meta holds out, a, b strides
napi_value binary(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "ewBinary");
  const Kind k = arg_kind(env, args[0]);
  const BinaryOp op = binary_op(k);
  StridedLayout<3> L = args.layout<3>(7);
  const double alpha = args.number(8);
  void* out = args.strided_operand(1, out_dtype(op, k.dt), L, 0, "output");
  const void* a = args.strided_operand(3, k.dt, L, 1, "operand a");
  const void* b = args.strided_operand(5, k.dt, L, 2, "operand b");
  L.coalesce();
  run_binary(op, k.dt, out, a, b, L, alpha);
  return nullptr;
}

// ewScalar(kind, hout, offout, ha, offa, scalar, reversed, meta); meta holds out, a strides
napi_value scalar(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "ewScalar");
  const Kind k = arg_kind(env, args[0]);
  const BinaryOp op = binary_op(k);
  const double s = args.number(5);
  const bool reversed = args.flag(6);
  const StridedLayout<2> L2 = args.layout<2>(7);
  void* out = args.strided_operand(1, out_dtype(op, k.dt), L2, 0, "output");
  const void* a = args.strided_operand(3, k.dt, L2, 1, "operand a");
  StridedLayout<3> L;
  L.ndim = L2.ndim;
  for (int d = 0; d < L2.ndim; ++d) {
    L.shape[d] = L2.shape[d];
    L.strides[0][d] = L2.strides[0][d];
    L.strides[reversed ? 2 : 1][d] = L2.strides[1][d];
    L.strides[reversed ? 1 : 2][d] = 0;
  }
  L.coalesce();
  run_binary_scalar(op, k.dt, out, a, s, reversed, L);
  return nullptr;
}

// ewUnary(kind, hout, offout, hx, offx, meta, p0, p1); meta holds out, x strides
napi_value unary(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "ewUnary");
  const Kind k = arg_kind(env, args[0]);
  const UnaryOp op = unary_op(k);
  StridedLayout<2> L = args.layout<2>(5);
  const double p0 = args.number(6);
  const double p1 = args.number(7);
  void* out = args.strided_operand(1, k.dt, L, 0, "output");
  const void* x = args.strided_operand(3, k.dt, L, 1, "input");
  L.coalesce();
  unary_strided(op, k.dt, out, x, L, p0, p1);
  return nullptr;
}

// ewWhere(dtype, hout, offout, hcond, offcond, ha, offa, hb, offb, meta); meta: out, cond, a, b
napi_value where(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "ewWhere");
  const DType dt = args.dtype(0);
  StridedLayout<4> L = args.layout<4>(9);
  void* out = args.strided_operand(1, dt, L, 0, "output");
  auto* cond = static_cast<const uint8_t*>(args.strided_operand(3, DType::Bool, L, 1, "condition"));
  const void* a = args.strided_operand(5, dt, L, 2, "operand a");
  const void* b = args.strided_operand(7, dt, L, 3, "operand b");
  L.coalesce();
  where_strided(dt, out, cond, a, b, L);
  return nullptr;
}

// ewMaskedFill(dtype, hout, offout, hx, offx, hmask, offmask, meta, value); meta: out, x, mask
napi_value masked_fill(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "ewMaskedFill");
  const DType dt = args.dtype(0);
  StridedLayout<3> L = args.layout<3>(7);
  const double value = args.number(8);
  void* out = args.strided_operand(1, dt, L, 0, "output");
  const void* x = args.strided_operand(3, dt, L, 1, "input");
  auto* mask = static_cast<const uint8_t*>(args.strided_operand(5, DType::Bool, L, 2, "mask"));
  L.coalesce();
  masked_fill_strided(dt, out, x, mask, L, value);
  return nullptr;
}

}  // namespace

void register_elementwise_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "ewBinaryFast", guarded<binary_fast>);
  export_fn(env, exports, "ewScalarFast", guarded<scalar_fast>);
  export_fn(env, exports, "ewUnaryFast", guarded<unary_fast>);
  export_fn(env, exports, "ewBinary", guarded<binary>);
  export_fn(env, exports, "ewScalar", guarded<scalar>);
  export_fn(env, exports, "ewUnary", guarded<unary>);
  export_fn(env, exports, "ewWhere", guarded<where>);
  export_fn(env, exports, "ewMaskedFill", guarded<masked_fill>);
}

}  // namespace tf
