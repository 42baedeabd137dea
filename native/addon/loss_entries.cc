// Entry points of the loss family: the fused cross entropy (native/kernels/cpu/loss/).
// lib/nn/losses.ts has checked shapes, dtypes and strides; these check that every
// storage holds what the strides address, so a wrong call cannot read out of bounds.
#include "../kernels/cpu/loss/cross_entropy.h"
#include "common.h"

namespace tf {
namespace {

// Meta: [n, c, rs, cs, ts, ws, ignoreIndex, smoothing, reduction].
constexpr size_t kMetaLen = 9;

// The element at offset + (count - 1) * stride (and the first) lies inside the storage.
template <typename T>
T* span_ptr(Storage* s, int64_t offset, int64_t count, int64_t stride, const char* what) {
  const int64_t last = offset + (count > 0 ? (count - 1) * stride : 0);
  if (offset < 0 || last < 0 || (last + 1) * static_cast<int64_t>(sizeof(T)) > static_cast<int64_t>(s->nbytes))
    throw NativeError("ERR_TF_INTERNAL", std::string(what) + " is smaller than its strides address");
  return data_at<T>(s, offset);
}

bool is_null(napi_env env, napi_value v) {
  napi_valuetype t;
  check(napi_typeof(env, v, &t), "crossEntropy: argument type");
  return t == napi_null || t == napi_undefined;
}

template <typename T>
CrossEntropyArgs<T> read_args(napi_env env, napi_value x, napi_value x_off, napi_value meta_v,
                              napi_value target, napi_value t_off, napi_value weight,
                              napi_value w_off, LossReduction* red) {
  void* mp;
  size_t mb;
  arg_typed(env, meta_v, &mp, &mb);
  if (mb / sizeof(double) < kMetaLen) throw NativeError("ERR_TF_INTERNAL", "short metadata");
  const double* m = static_cast<const double*>(mp);
  CrossEntropyArgs<T> a;
  a.n = static_cast<int64_t>(m[0]);
  a.c = static_cast<int64_t>(m[1]);
  a.rs = static_cast<int64_t>(m[2]);
  a.cs = static_cast<int64_t>(m[3]);
  a.ts = static_cast<int64_t>(m[4]);
  a.ws = static_cast<int64_t>(m[5]);
  a.ignore_index = static_cast<int64_t>(m[6]);
  a.smoothing = m[7];
  const int r = static_cast<int>(m[8]);
  if (a.n < 0 || a.c < 1 || a.rs < 0 || a.cs < 0 || a.ts < 0 || a.ws < 0 || r < 0 || r > 2)
    throw NativeError("ERR_TF_INTERNAL", "bad metadata");
  if (red) *red = static_cast<LossReduction>(r);
  const int64_t xo = arg_int(env, x_off);
  Storage* xs = storage_of(env, x);
  span_ptr<T>(xs, xo + (a.n > 0 ? (a.n - 1) * a.rs : 0), a.c, a.cs, "input");
  a.x = data_at<T>(xs, xo);
  a.target = span_ptr<int32_t>(storage_of(env, target), arg_int(env, t_off), a.n, a.ts, "target");
  if (!is_null(env, weight)) a.weight = span_ptr<T>(storage_of(env, weight), arg_int(env, w_off), a.c, a.ws, "weight");
  return a;
}

// crossEntropy(dtype, x, xOff, meta, target, tOff, weight|null, wOff, lse, out, result: Float64Array(3))
// result <- [badRow, badValue, totalWeight]
napi_value cross_entropy_entry(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  get_args(env, info, argv);
  const DType dt = arg_dtype(env, argv[0]);
  void* rp;
  size_t rb;
  arg_typed(env, argv[10], &rp, &rb);
  if (rb / sizeof(double) < 3) throw NativeError("ERR_TF_INTERNAL", "short result array");
  double* res = static_cast<double*>(rp);
  auto run = [&](auto zero) {
    using T = decltype(zero);
    LossReduction red;
    const CrossEntropyArgs<T> a = read_args<T>(env, argv[1], argv[2], argv[3], argv[4], argv[5], argv[6], argv[7], &red);
    T* lse = span_ptr<T>(storage_of(env, argv[8]), 0, 2 * a.n, 1, "stats");
    T* out = span_ptr<T>(storage_of(env, argv[9]), 0, red == LossReduction::kNone ? a.n : 1, 1, "out");
    const CrossEntropyResult r = cross_entropy_forward<T>(a, red, lse, out);
    res[0] = static_cast<double>(r.bad_row);
    res[1] = static_cast<double>(r.bad_value);
    res[2] = r.total_weight;
  };
  if (dt == DType::F32) run(float{});
  else if (dt == DType::F64) run(double{});
  else throw NativeError("ERR_TF_DTYPE", std::string("input must be float32 or float64, got ") + dtype_name(dt));
  return nullptr;
}

// crossEntropyBackward(dtype, x, xOff, meta, target, tOff, weight|null, wOff, lse, coef, coefOff,
//                      coefStride, scale, dx)
napi_value cross_entropy_backward_entry(napi_env env, napi_callback_info info) {
  napi_value argv[14];
  get_args(env, info, argv);
  const DType dt = arg_dtype(env, argv[0]);
  auto run = [&](auto zero) {
    using T = decltype(zero);
    const CrossEntropyArgs<T> a = read_args<T>(env, argv[1], argv[2], argv[3], argv[4], argv[5], argv[6], argv[7], nullptr);
    const T* lse = span_ptr<T>(storage_of(env, argv[8]), 0, 2 * a.n, 1, "stats");
    const int64_t cstride = arg_int(env, argv[11]);
    if (cstride < 0) throw NativeError("ERR_TF_INTERNAL", "bad gradient stride");
    const T* coef = span_ptr<T>(storage_of(env, argv[9]), arg_int(env, argv[10]), a.n, cstride, "gradient");
    T* dx = span_ptr<T>(storage_of(env, argv[13]), 0, a.n * a.c, 1, "input gradient");
    cross_entropy_backward<T>(a, lse, coef, cstride, arg_double(env, argv[12]), dx);
  };
  if (dt == DType::F32) run(float{});
  else if (dt == DType::F64) run(double{});
  else throw NativeError("ERR_TF_DTYPE", std::string("input must be float32 or float64, got ") + dtype_name(dt));
  return nullptr;
}

}  // namespace

void register_loss_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "crossEntropy", guarded<cross_entropy_entry>);
  export_fn(env, exports, "crossEntropyBackward", guarded<cross_entropy_backward_entry>);
}

}  // namespace tf
