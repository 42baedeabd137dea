// Entry points of the optim family: fused optimizer steps and the gradient utilities
// behind clipGradNorm_ / clipGradValue_ (native/kernels/cpu/optim/optim.h).
#include <algorithm>

#include "../kernels/cpu/optim/optim.h"
#include "common.h"

namespace tf {
namespace {

// A contiguous run of n elements of dtype dt at element offset `off` of a storage,
// checked against the storage's size; null for a JS null/undefined when optional.
void* buffer_arg(napi_env env, napi_value handle, napi_value offset, DType dt, int64_t n, bool optional) {
  napi_valuetype t;
  check(napi_typeof(env, handle, &t), "optim: argument type");
  if (t == napi_null || t == napi_undefined) {
    if (optional) return nullptr;
    throw NativeError("ERR_TF_INTERNAL", "optim: a required buffer is missing");
  }
  Storage* s = storage_of(env, handle);
  const int64_t off = arg_int(env, offset);
  const int64_t size = static_cast<int64_t>(dtype_size(dt));
  if (off < 0 || n < 0 || (off + n) * size > static_cast<int64_t>(s->nbytes))
    throw NativeError("ERR_TF_INTERNAL", "optim: a buffer is smaller than the parameter");
  return byte_ptr(s, dt, off);
}

DType float_dtype(napi_env env, napi_value v) {
  DType dt = arg_dtype(env, v);
  if (dt != DType::F32 && dt != DType::F64)
    throw NativeError("ERR_TF_DTYPE", std::string("optim kernels need float32 or float64, got ") + dtype_name(dt));
  return dt;
}

// optimStep(kind, dtype, n, hyper: Float64Array, p, pOff, g, gOff, s1, s1Off, s2, s2Off, s3, s3Off)
napi_value optim_step_entry(napi_env env, napi_callback_info info) {
  napi_value argv[14];
  get_args(env, info, argv);
  const int kind = static_cast<int>(arg_int(env, argv[0]));
  if (kind < 0 || kind > 3) throw NativeError("ERR_TF_INTERNAL", "optim: unknown optimizer kind");
  const DType dt = float_dtype(env, argv[1]);
  OptimArgs a;
  a.n = arg_int(env, argv[2]);
  void* hyper;
  size_t hbytes;
  arg_typed(env, argv[3], &hyper, &hbytes);
  const size_t nh = std::min(hbytes / sizeof(double), sizeof(a.h) / sizeof(double));
  for (size_t i = 0; i < nh; ++i) a.h[i] = static_cast<const double*>(hyper)[i];
  a.p = buffer_arg(env, argv[4], argv[5], dt, a.n, false);
  a.g = buffer_arg(env, argv[6], argv[7], dt, a.n, false);
  a.s1 = buffer_arg(env, argv[8], argv[9], dt, a.n, true);
  a.s2 = buffer_arg(env, argv[10], argv[11], dt, a.n, true);
  a.s3 = buffer_arg(env, argv[12], argv[13], dt, a.n, true);
  const OptimKind k = static_cast<OptimKind>(kind);
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
  napi_value argv[6];
  get_args(env, info, argv);
  const int kind = static_cast<int>(arg_int(env, argv[0]));
  if (kind < 0 || kind > 3) throw NativeError("ERR_TF_INTERNAL", "gradUtil: unknown kind");
  const DType dt = float_dtype(env, argv[1]);
  const int64_t n = arg_int(env, argv[4]);
  void* x = buffer_arg(env, argv[2], argv[3], dt, n, false);
  const double r = grad_util(static_cast<GradUtilKind>(kind), dt, x, n, arg_double(env, argv[5]));
  napi_value out;
  check(napi_create_double(env, r, &out), "gradUtil: result");
  return out;
}

}  // namespace

void register_optim_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "optimStep", guarded<optim_step_entry>);
  export_fn(env, exports, "gradUtil", guarded<grad_util_entry>);
}

}  // namespace tf
