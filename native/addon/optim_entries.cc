// Entry points of the optim family: fused optimizer steps and the gradient utilities
// behind clipGradNorm_ / clipGradValue_ (native/kernels/cpu/optim/optim.h).
#include <algorithm>

#include "../kernels/cpu/optim/optim.h"
#include "common.h"

namespace tf {
namespace {

// optimStep(kind, dtype, n, hyper: Float64Array, p, pOff, g, gOff, s1, s1Off, s2, s2Off, s3, s3Off)
napi_value optim_step_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "optimStep");
  const OptimKind k = static_cast<OptimKind>(args.code(0, 4, "optimizer kind"));
  const DType dt = args.float_dtype(1);
  OptimArgs a;
  a.n = args.integer(2);
  void* hyper;
  size_t hbytes;
  arg_typed(env, args[3], &hyper, &hbytes);
  const size_t nh = std::min(hbytes / sizeof(double), sizeof(a.h) / sizeof(double));
  for (size_t i = 0; i < nh; ++i) a.h[i] = static_cast<const double*>(hyper)[i];
  a.p = args.operand(4, dt, a.n, "parameter");
  a.g = args.operand(6, dt, a.n, "gradient");
  a.s1 = args.optional_operand(8, dt, a.n, "state 1");
  a.s2 = args.optional_operand(10, dt, a.n, "state 2");
  a.s3 = args.optional_operand(12, dt, a.n, "state 3");
  const bool need2 = k == OptimKind::Adam || k == OptimKind::RMSprop;
  if ((k != OptimKind::SGD && !a.s1) || (need2 && k == OptimKind::Adam && !a.s2) ||
      (k == OptimKind::Adam && a.h[5] != 0 && !a.s3) ||
      (k == OptimKind::RMSprop && ((a.h[4] > 0 && !a.s2) || (a.h[5] != 0 && !a.s3))))
    throw NativeError("ERR_TF_INTERNAL", "optim: a state buffer the options need is missing");
  optim_step(k, dt, a);
  return nullptr;
}

// gradUtil(kind, dtype, handle, offset, n, a) -> number (see GradUtilKind)
napi_value grad_util_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "gradUtil");
  const GradUtilKind kind = static_cast<GradUtilKind>(args.code(0, 4, "kind"));
  const DType dt = args.float_dtype(1);
  const int64_t n = args.integer(4);
  void* x = args.operand(2, dt, n, "gradient");
  return js_number(env, grad_util(kind, dt, x, n, args.number(5)));
}

}  // namespace

void register_optim_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "optimStep", guarded<optim_step_entry>);
  export_fn(env, exports, "gradUtil", guarded<grad_util_entry>);
}

}  // namespace tf
