// Entry points of the pooling family (native/kernels/cpu/pool/pool.h) and of the fused
// batch norm (native/kernels/cpu/norm/batch_norm.h). TypeScript checks shapes, computes
// output sizes and makes every operand contiguous; here each buffer is checked against
// its storage before a kernel sees it.
#include "../kernels/cpu/norm/batch_norm.h"
#include "../kernels/cpu/pool/pool.h"
#include "common.h"

namespace tf {
namespace {

// pool2d(kind, dtype, in, inOff, out, outOff, indices | null, indicesOff, params)
// params = [planes, ih, iw, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad,
//           divisorOverride, scaleH, scaleW]
napi_value pool2d_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "pool2d");
  const int kind = static_cast<int>(args.code(0, 8, "kind"));
  const DType dt = args.float_dtype(1);
  const double* m = args.numbers(8, 17, "parameters");
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
  const int64_t nin = p.planes * p.ih * p.iw, nout = p.planes * p.oh * p.ow;
  void* in = args.operand(2, dt, fwd ? nin : nout, "input");
  void* out = args.operand(4, dt, fwd ? nout : nin, "output");
  const bool is_max = k == PoolKind::MaxForward || k == PoolKind::MaxBackward;
  auto* idx = static_cast<int32_t*>(args.operand_if(is_max, 6, DType::I32, nout, "indices"));
  if (is_max && p.ih * p.iw > 2147483647LL)
    throw NativeError("ERR_TF_SHAPE", "maxPool: a plane has more elements than int32 indices can address");
  pool2d(k, dt, in, out, idx, p);
  return nullptr;
}

// batchNormForward(dtype, meta = [n, c, s, eps, momentum, training], x, xOff, y, yOff,
//   weight, wOff, bias, bOff, saveMean, smOff, saveInvstd, siOff, runningMean, rmOff,
//   runningVar, rvOff) — null handles for what is absent.
napi_value batch_norm_forward_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "batchNorm");
  const DType dt = args.float_dtype(0);
  const double* m = args.numbers(1, 6, "metadata");
  BatchNormArgs a;
  unpack_int64s(m, {&a.n, &a.c, &a.s});
  if (a.n < 0 || a.c < 0 || a.s < 0) throw NativeError("ERR_TF_SHAPE", "batchNorm: negative size");
  a.eps = m[3];
  a.momentum = m[4];
  a.training = m[5] != 0;
  const int64_t total = a.n * a.c * a.s;
  a.x = args.operand(2, dt, total, "input");
  a.y = args.operand(4, dt, total, "output");
  a.weight = args.optional_operand(6, dt, a.c, "weight");
  a.bias = args.optional_operand(8, dt, a.c, "bias");
  a.save_mean = args.optional_operand(10, dt, a.c, "saved mean");
  a.save_invstd = args.optional_operand(12, dt, a.c, "saved invstd");
  a.rmean = args.optional_operand(14, dt, a.c, "running mean");
  a.rvar = args.optional_operand(16, dt, a.c, "running var");
  if ((a.rmean == nullptr) != (a.rvar == nullptr) || (!a.training && a.rmean == nullptr))
    throw NativeError("ERR_TF_INTERNAL", "batchNorm: running statistics are missing");
  batch_norm_forward(dt, a);
  return nullptr;
}

// batchNormBackward(dtype, meta = [n, c, s, training], gy, gyOff, x, xOff, weight, wOff,
//   saveMean, smOff, saveInvstd, siOff, gx, gxOff, gweight, gwOff, gbias, gbOff)
napi_value batch_norm_backward_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "batchNorm backward");
  const DType dt = args.float_dtype(0);
  const double* m = args.numbers(1, 4, "metadata");
  BatchNormGradArgs a;
  unpack_int64s(m, {&a.n, &a.c, &a.s});
  if (a.n < 0 || a.c < 0 || a.s < 0) throw NativeError("ERR_TF_SHAPE", "batchNorm: negative size");
  a.training = m[3] != 0;
  const int64_t total = a.n * a.c * a.s;
  a.gy = args.operand(2, dt, total, "output gradient");
  a.x = args.operand(4, dt, total, "input");
  a.weight = args.optional_operand(6, dt, a.c, "weight");
  a.save_mean = args.operand(8, dt, a.c, "saved mean");
  a.save_invstd = args.operand(10, dt, a.c, "saved invstd");
  a.gx = args.optional_operand(12, dt, total, "input gradient");
  a.gweight = args.optional_operand(14, dt, a.c, "weight gradient");
  a.gbias = args.optional_operand(16, dt, a.c, "bias gradient");
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
