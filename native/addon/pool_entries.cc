// Entry points of the pooling family (native/kernels/cpu/pool/pool.h) and of the fused
// batch norm (native/kernels/cpu/norm/batch_norm.h). TypeScript checks shapes, computes
// output sizes and makes every operand contiguous; here each buffer is checked against
// its storage before a kernel sees it.
#include <string>

#include "../kernels/cpu/norm/batch_norm.h"
#include "../kernels/cpu/pool/pool.h"
#include "common.h"

namespace tf {
namespace {

bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  check(napi_typeof(env, v, &t), "typeof");
  return t == napi_null || t == napi_undefined;
}

// n contiguous elements of size `elem` at element offset `off` of a storage (null for a
// JS null when optional), checked against the storage's size.
void* buffer(napi_env env, const char* op, napi_value handle, napi_value offset, size_t elem, int64_t n, bool optional) {
  if (is_nullish(env, handle)) {
    if (optional) return nullptr;
    throw NativeError("ERR_TF_INTERNAL", std::string(op) + ": a required buffer is missing");
  }
  Storage* s = storage_of(env, handle);
  const int64_t off = arg_int(env, offset);
  if (off < 0 || n < 0 || static_cast<size_t>(off + n) * elem > s->nbytes)
    throw NativeError("ERR_TF_INTERNAL", std::string(op) + ": a buffer is smaller than its shape needs");
  return static_cast<char*>(s->data) + static_cast<size_t>(off) * elem;
}

DType float_dtype(napi_env env, napi_value v, const char* op) {
  DType dt = arg_dtype(env, v);
  if (dt != DType::F32 && dt != DType::F64)
    throw NativeError("ERR_TF_DTYPE", std::string(op) + ": needs float32 or float64, got " + dtype_name(dt));
  return dt;
}

const double* meta_arg(napi_env env, napi_value v, size_t need, const char* op) {
  void* data;
  size_t bytes;
  arg_typed(env, v, &data, &bytes);
  if (bytes / sizeof(double) < need) throw NativeError("ERR_TF_INTERNAL", std::string(op) + ": metadata is too short");
  const double* m = static_cast<const double*>(data);
  for (size_t i = 0; i < need; ++i)
    if (!(m[i] >= -9.0e15 && m[i] <= 9.0e15)) throw NativeError("ERR_TF_SHAPE", std::string(op) + ": impossible size");
  return m;
}

// pool2d(kind, dtype, in, inOff, out, outOff, indices | null, indicesOff, params)
// params = [planes, ih, iw, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad,
//           divisorOverride, scaleH, scaleW]
napi_value pool2d_entry(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  get_args(env, info, argv);
  const char* op = "pool2d";
  const int kind = static_cast<int>(arg_int(env, argv[0]));
  if (kind < 0 || kind > 7) throw NativeError("ERR_TF_INTERNAL", "pool2d: unknown kind");
  const DType dt = float_dtype(env, argv[1], op);
  const double* m = meta_arg(env, argv[8], 17, op);
  Pool2dParams p;
  int64_t* f[] = {&p.planes, &p.ih, &p.iw, &p.oh, &p.ow, &p.kh, &p.kw, &p.sh, &p.sw, &p.ph, &p.pw, &p.dh, &p.dw};
  for (int i = 0; i < 13; ++i) {
    if (m[i] < 0) throw NativeError("ERR_TF_SHAPE", "pool2d: negative size");
    *f[i] = static_cast<int64_t>(m[i]);
  }
  if (p.kh < 1 || p.kw < 1 || p.sh < 1 || p.sw < 1 || p.dh < 1 || p.dw < 1)
    throw NativeError("ERR_TF_SHAPE", "pool2d: kernel, stride and dilation must be positive");
  p.count_include_pad = m[13] != 0;
  p.divisor_override = static_cast<int64_t>(m[14]);
  p.scale_h = m[15];
  p.scale_w = m[16];
  const PoolKind k = static_cast<PoolKind>(kind);
  const bool fwd = kind % 2 == 0;
  const size_t es = dtype_size(dt);
  const int64_t nin = p.planes * p.ih * p.iw, nout = p.planes * p.oh * p.ow;
  void* in = buffer(env, op, argv[2], argv[3], es, fwd ? nin : nout, false);
  void* out = buffer(env, op, argv[4], argv[5], es, fwd ? nout : nin, false);
  const bool is_max = k == PoolKind::MaxForward || k == PoolKind::MaxBackward;
  int32_t* idx = static_cast<int32_t*>(buffer(env, op, argv[6], argv[7], sizeof(int32_t), nout, !is_max));
  if (is_max && p.ih * p.iw > 2147483647LL)
    throw NativeError("ERR_TF_SHAPE", "maxPool: a plane has more elements than int32 indices can address");
  pool2d(k, dt, in, out, idx, p);
  return nullptr;
}

// batchNormForward(dtype, meta = [n, c, s, eps, momentum, training], x, xOff, y, yOff,
//   weight, wOff, bias, bOff, saveMean, smOff, saveInvstd, siOff, runningMean, rmOff,
//   runningVar, rvOff) — null handles for what is absent.
napi_value batch_norm_forward_entry(napi_env env, napi_callback_info info) {
  napi_value argv[20];
  get_args(env, info, argv);
  const char* op = "batchNorm";
  const DType dt = float_dtype(env, argv[0], op);
  const double* m = meta_arg(env, argv[1], 6, op);
  BatchNormArgs a;
  a.n = static_cast<int64_t>(m[0]);
  a.c = static_cast<int64_t>(m[1]);
  a.s = static_cast<int64_t>(m[2]);
  if (a.n < 0 || a.c < 0 || a.s < 0) throw NativeError("ERR_TF_SHAPE", "batchNorm: negative size");
  a.eps = m[3];
  a.momentum = m[4];
  a.training = m[5] != 0;
  const size_t es = dtype_size(dt);
  const int64_t total = a.n * a.c * a.s;
  a.x = buffer(env, op, argv[2], argv[3], es, total, false);
  a.y = buffer(env, op, argv[4], argv[5], es, total, false);
  a.weight = buffer(env, op, argv[6], argv[7], es, a.c, true);
  a.bias = buffer(env, op, argv[8], argv[9], es, a.c, true);
  a.save_mean = buffer(env, op, argv[10], argv[11], es, a.c, true);
  a.save_invstd = buffer(env, op, argv[12], argv[13], es, a.c, true);
  a.rmean = buffer(env, op, argv[14], argv[15], es, a.c, true);
  a.rvar = buffer(env, op, argv[16], argv[17], es, a.c, true);
  if ((a.rmean == nullptr) != (a.rvar == nullptr) || (!a.training && a.rmean == nullptr))
    throw NativeError("ERR_TF_INTERNAL", "batchNorm: running statistics are missing");
  batch_norm_forward(dt, a);
  return nullptr;
}

// batchNormBackward(dtype, meta = [n, c, s, training], gy, gyOff, x, xOff, weight, wOff,
//   saveMean, smOff, saveInvstd, siOff, gx, gxOff, gweight, gwOff, gbias, gbOff)
napi_value batch_norm_backward_entry(napi_env env, napi_callback_info info) {
  napi_value argv[20];
  get_args(env, info, argv);
  const char* op = "batchNorm backward";
  const DType dt = float_dtype(env, argv[0], op);
  const double* m = meta_arg(env, argv[1], 4, op);
  BatchNormGradArgs a;
  a.n = static_cast<int64_t>(m[0]);
  a.c = static_cast<int64_t>(m[1]);
  a.s = static_cast<int64_t>(m[2]);
  if (a.n < 0 || a.c < 0 || a.s < 0) throw NativeError("ERR_TF_SHAPE", "batchNorm: negative size");
  a.training = m[3] != 0;
  const size_t es = dtype_size(dt);
  const int64_t total = a.n * a.c * a.s;
  a.gy = buffer(env, op, argv[2], argv[3], es, total, false);
  a.x = buffer(env, op, argv[4], argv[5], es, total, false);
  a.weight = buffer(env, op, argv[6], argv[7], es, a.c, true);
  a.save_mean = buffer(env, op, argv[8], argv[9], es, a.c, false);
  a.save_invstd = buffer(env, op, argv[10], argv[11], es, a.c, false);
  a.gx = buffer(env, op, argv[12], argv[13], es, total, true);
  a.gweight = buffer(env, op, argv[14], argv[15], es, a.c, true);
  a.gbias = buffer(env, op, argv[16], argv[17], es, a.c, true);
  batch_norm_backward(dt, a);
  return nullptr;
}

}  // namespace

void register_pool_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "pool2d", guarded<pool2d_entry>);
  export_fn(env, exports, "batchNormForward", guarded<batch_norm_forward_entry>);
  export_fn(env, exports, "batchNormBackward", guarded<batch_norm_backward_entry>);
}

}  // namespace tf
