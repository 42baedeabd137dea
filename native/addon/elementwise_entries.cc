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

// Checks that `count` elements from `offset` lie inside the storage.
void check_span(const Storage* s, DType dt, int64_t offset, int64_t count) {
  int64_t size = static_cast<int64_t>(dtype_size(dt));
  if (offset < 0 || count < 0 || (offset + count) * size > static_cast<int64_t>(s->nbytes))
    throw NativeError("ERR_TF_INTERNAL", "elementwise operand lies outside its storage");
}

// Checks that every element operand a of layout L reaches lies inside its storage.
template <int N>
void check_layout(const StridedLayout<N>& L, int a, const Storage* s, DType dt, int64_t offset) {
  if (L.numel() == 0) return;
  int64_t lo = offset, hi = offset;
  for (int d = 0; d < L.ndim; ++d) {
    int64_t reach = (L.shape[d] - 1) * L.strides[a][d];
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  check_span(s, dt, lo, hi - lo + 1);
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

DType out_dtype(BinaryOp op, DType dt) { return writes_bool(op) ? DType::Bool : dt; }

// The output of a fast entry: a new storage of n elements (its handle goes to *result),
// or, when the optional (handle, offset) pair is given, n elements of that storage (the
// in-place forms of contiguous tensors; *result stays undefined).
void* fast_output(napi_env env, napi_value handle_arg, napi_value offset_arg, DType dt, int64_t n, napi_value* result) {
  napi_valuetype type;
  check(napi_typeof(env, handle_arg, &type), "typeof");
  if (type == napi_external) {
    Storage* s = storage_of(env, handle_arg);
    int64_t off = arg_int(env, offset_arg);
    check_span(s, dt, off, n);
    *result = nullptr;
    return byte_ptr(s, dt, off);
  }
  *result = new_storage(env, static_cast<size_t>(n) * dtype_size(dt));
  return storage_of(env, *result)->data;
}

// ewBinaryFast(kind, ha, offa, hb, offb, n[, hout, offout]) -> new handle of n outputs
napi_value binary_fast(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  get_args(env, info, argv);
  Kind k = arg_kind(env, argv[0]);
  BinaryOp op = binary_op(k);
  Storage* sa = storage_of(env, argv[1]);
  int64_t oa = arg_int(env, argv[2]);
  Storage* sb = storage_of(env, argv[3]);
  int64_t ob = arg_int(env, argv[4]);
  int64_t n = arg_int(env, argv[5]);
  check_span(sa, k.dt, oa, n);
  check_span(sb, k.dt, ob, n);
  napi_value h;
  void* out = fast_output(env, argv[6], argv[7], out_dtype(op, k.dt), n, &h);
  run_binary(op, k.dt, out, byte_ptr(sa, k.dt, oa), byte_ptr(sb, k.dt, ob), flat3(n, 1, 1), 1.0);
  return h;
}

// ewScalarFast(kind, ha, offa, scalar, reversed, n[, hout, offout]) -> new handle: a op s, or s op a
napi_value scalar_fast(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  get_args(env, info, argv);
  Kind k = arg_kind(env, argv[0]);
  BinaryOp op = binary_op(k);
  Storage* sa = storage_of(env, argv[1]);
  int64_t oa = arg_int(env, argv[2]);
  double s = arg_double(env, argv[3]);
  bool reversed = arg_int(env, argv[4]) != 0;
  int64_t n = arg_int(env, argv[5]);
  check_span(sa, k.dt, oa, n);
  double slot;
  const void* sp = scalar_as(k.dt, s, &slot);
  napi_value h;
  void* out = fast_output(env, argv[6], argv[7], out_dtype(op, k.dt), n, &h);
  const void* pa = byte_ptr(sa, k.dt, oa);
  if (reversed) run_binary(op, k.dt, out, sp, pa, flat3(n, 0, 1), 1.0);
  else run_binary(op, k.dt, out, pa, sp, flat3(n, 1, 0), 1.0);
  return h;
}

// ewUnaryFast(kind, hx, offx, n, p0, p1[, hout, offout]) -> new handle
napi_value unary_fast(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  get_args(env, info, argv);
  Kind k = arg_kind(env, argv[0]);
  UnaryOp op = unary_op(k);
  Storage* sx = storage_of(env, argv[1]);
  int64_t ox = arg_int(env, argv[2]);
  int64_t n = arg_int(env, argv[3]);
  double p0 = arg_double(env, argv[4]);
  double p1 = arg_double(env, argv[5]);
  check_span(sx, k.dt, ox, n);
  napi_value h;
  void* out = fast_output(env, argv[6], argv[7], k.dt, n, &h);
  StridedLayout<2> L;
  L.ndim = 1;
  L.shape[0] = n;
  L.strides[0][0] = L.strides[1][0] = 1;
  unary_strided(op, k.dt, out, byte_ptr(sx, k.dt, ox), L, p0, p1);
  return h;
}

// ewBinary(kind, hout, offout, ha, offa, hb, offb, meta, alpha); meta holds out, a, b strides
napi_value binary(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  get_args(env, info, argv);
  Kind k = arg_kind(env, argv[0]);
  BinaryOp op = binary_op(k);
  DType odt = out_dtype(op, k.dt);
  Storage* so = storage_of(env, argv[1]);
  int64_t oo = arg_int(env, argv[2]);
  Storage* sa = storage_of(env, argv[3]);
  int64_t oa = arg_int(env, argv[4]);
  Storage* sb = storage_of(env, argv[5]);
  int64_t ob = arg_int(env, argv[6]);
  StridedLayout<3> L = arg_layout<3>(env, argv[7]);
  double alpha = arg_double(env, argv[8]);
  check_layout(L, 0, so, odt, oo);
  check_layout(L, 1, sa, k.dt, oa);
  check_layout(L, 2, sb, k.dt, ob);
  L.coalesce();
  run_binary(op, k.dt, byte_ptr(so, odt, oo), byte_ptr(sa, k.dt, oa), byte_ptr(sb, k.dt, ob), L, alpha);
  return nullptr;
}

// ewScalar(kind, hout, offout, ha, offa, scalar, reversed, meta); meta holds out, a strides
napi_value scalar(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  get_args(env, info, argv);
  Kind k = arg_kind(env, argv[0]);
  BinaryOp op = binary_op(k);
  DType odt = out_dtype(op, k.dt);
  Storage* so = storage_of(env, argv[1]);
  int64_t oo = arg_int(env, argv[2]);
  Storage* sa = storage_of(env, argv[3]);
  int64_t oa = arg_int(env, argv[4]);
  double s = arg_double(env, argv[5]);
  bool reversed = arg_int(env, argv[6]) != 0;
  StridedLayout<2> L2 = arg_layout<2>(env, argv[7]);
  check_layout(L2, 0, so, odt, oo);
  check_layout(L2, 1, sa, k.dt, oa);
  StridedLayout<3> L;
  L.ndim = L2.ndim;
  for (int d = 0; d < L2.ndim; ++d) {
    L.shape[d] = L2.shape[d];
    L.strides[0][d] = L2.strides[0][d];
    L.strides[reversed ? 2 : 1][d] = L2.strides[1][d];
    L.strides[reversed ? 1 : 2][d] = 0;
  }
  L.coalesce();
  double slot;
  const void* sp = scalar_as(k.dt, s, &slot);
  const void* pa = byte_ptr(sa, k.dt, oa);
  void* out = byte_ptr(so, odt, oo);
  if (reversed) run_binary(op, k.dt, out, sp, pa, L, 1.0);
  else run_binary(op, k.dt, out, pa, sp, L, 1.0);
  return nullptr;
}

// ewUnary(kind, hout, offout, hx, offx, meta, p0, p1); meta holds out, x strides
napi_value unary(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  get_args(env, info, argv);
  Kind k = arg_kind(env, argv[0]);
  UnaryOp op = unary_op(k);
  Storage* so = storage_of(env, argv[1]);
  int64_t oo = arg_int(env, argv[2]);
  Storage* sx = storage_of(env, argv[3]);
  int64_t ox = arg_int(env, argv[4]);
  StridedLayout<2> L = arg_layout<2>(env, argv[5]);
  double p0 = arg_double(env, argv[6]);
  double p1 = arg_double(env, argv[7]);
  check_layout(L, 0, so, k.dt, oo);
  check_layout(L, 1, sx, k.dt, ox);
  L.coalesce();
  unary_strided(op, k.dt, byte_ptr(so, k.dt, oo), byte_ptr(sx, k.dt, ox), L, p0, p1);
  return nullptr;
}

// ewWhere(dtype, hout, offout, hcond, offcond, ha, offa, hb, offb, meta); meta: out, cond, a, b
napi_value where(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  get_args(env, info, argv);
  DType dt = arg_dtype(env, argv[0]);
  Storage* so = storage_of(env, argv[1]);
  int64_t oo = arg_int(env, argv[2]);
  Storage* sc = storage_of(env, argv[3]);
  int64_t oc = arg_int(env, argv[4]);
  Storage* sa = storage_of(env, argv[5]);
  int64_t oa = arg_int(env, argv[6]);
  Storage* sb = storage_of(env, argv[7]);
  int64_t ob = arg_int(env, argv[8]);
  StridedLayout<4> L = arg_layout<4>(env, argv[9]);
  check_layout(L, 0, so, dt, oo);
  check_layout(L, 1, sc, DType::Bool, oc);
  check_layout(L, 2, sa, dt, oa);
  check_layout(L, 3, sb, dt, ob);
  L.coalesce();
  where_strided(dt, byte_ptr(so, dt, oo), static_cast<const uint8_t*>(byte_ptr(sc, DType::Bool, oc)),
                byte_ptr(sa, dt, oa), byte_ptr(sb, dt, ob), L);
  return nullptr;
}

// ewMaskedFill(dtype, hout, offout, hx, offx, hmask, offmask, meta, value); meta: out, x, mask
napi_value masked_fill(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  get_args(env, info, argv);
  DType dt = arg_dtype(env, argv[0]);
  Storage* so = storage_of(env, argv[1]);
  int64_t oo = arg_int(env, argv[2]);
  Storage* sx = storage_of(env, argv[3]);
  int64_t ox = arg_int(env, argv[4]);
  Storage* sm = storage_of(env, argv[5]);
  int64_t om = arg_int(env, argv[6]);
  StridedLayout<3> L = arg_layout<3>(env, argv[7]);
  double value = arg_double(env, argv[8]);
  check_layout(L, 0, so, dt, oo);
  check_layout(L, 1, sx, dt, ox);
  check_layout(L, 2, sm, DType::Bool, om);
  L.coalesce();
  masked_fill_strided(dt, byte_ptr(so, dt, oo), byte_ptr(sx, dt, ox),
                      static_cast<const uint8_t*>(byte_ptr(sm, DType::Bool, om)), L, value);
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
