// Entry points of the loss family: the fused cross entropy (native/kernels/cpu/loss/).
// lib/nn/losses.ts has checked shapes, dtypes and strides; these check that every
// storage holds what the strides address, so a wrong call cannot read out of bounds.
#include "../kernels/cpu/loss/cross_entropy.h"
#include "common.h"

namespace tf {
namespace {

// The operands crossEntropy and its backward share, at arguments 1..7:
// x, xOff, meta, target, tOff, weight | null, wOff with
// meta = [n, c, rs, cs, ts, ws, ignoreIndex, smoothing, reduction].
struct LossOperands {
  int64_t n, c, rs, cs, ts, ws, ignore_index;
  double smoothing;
  LossReduction reduction;
  const void* x;
  const int32_t* target;
  const void* weight;

  template <typename T>
  CrossEntropyArgs<T> typed() const {
    CrossEntropyArgs<T> a;
    a.n = n;
    a.c = c;
    a.rs = rs;
    a.cs = cs;
    a.ts = ts;
    a.ws = ws;
    a.ignore_index = ignore_index;
    a.smoothing = smoothing;
    a.x = static_cast<const T*>(x);
    a.target = target;
    a.weight = static_cast<const T*>(weight);
    return a;
  }
};

LossOperands read_operands(const EntryArgs& args, DType dt) {
  const double* m = args.numbers(3, 9, "metadata");
  LossOperands o;
  unpack_int64s(m, {&o.n, &o.c, &o.rs, &o.cs, &o.ts, &o.ws, &o.ignore_index});
  o.smoothing = m[7];
  const int r = static_cast<int>(m[8]);
  if (o.n < 0 || o.c < 1 || o.rs < 0 || o.cs < 0 || o.ts < 0 || o.ws < 0 || r < 0 || r > 2)
    throw NativeError("ERR_TF_INTERNAL", "bad metadata");
  o.reduction = static_cast<LossReduction>(r);
  o.x = args.strided_operand(1, dt, {{o.n, o.rs}, {o.c, o.cs}}, "input");
  o.target = static_cast<const int32_t*>(args.strided_operand(4, DType::I32, {{o.n, o.ts}}, "target"));
  o.weight = args.is_null(6) ? nullptr : args.strided_operand(6, dt, {{o.c, o.ws}}, "weight");
  return o;
}

// crossEntropy(dtype, x, xOff, meta, target, tOff, weight|null, wOff, lse, out, result: Float64Array(3))
// result <- [badRow, badValue, totalWeight]
napi_value cross_entropy_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "crossEntropy");
  const DType dt = args.float_dtype(0);
  void* rp;
  size_t rb;
  arg_typed(env, args[10], &rp, &rb);
  if (rb / sizeof(double) < 3) throw NativeError("ERR_TF_INTERNAL", "short result array");
  double* res = static_cast<double*>(rp);
  const LossOperands o = read_operands(args, dt);
  void* lse = span_in(args.storage(8), dt, 0, 2 * o.n, args.op(), "stats");
  void* out = span_in(args.storage(9), dt, 0, o.reduction == LossReduction::kNone ? o.n : 1, args.op(), "out");
  dispatch_float(dt, args.op(), [&](auto zero) {
    using T = decltype(zero);
    const CrossEntropyResult r =
        cross_entropy_forward<T>(o.typed<T>(), o.reduction, static_cast<T*>(lse), static_cast<T*>(out));
    res[0] = static_cast<double>(r.bad_row);
    res[1] = static_cast<double>(r.bad_value);
    res[2] = r.total_weight;
  });
  return nullptr;
}

// crossEntropyBackward(dtype, x, xOff, meta, target, tOff, weight|null, wOff, lse, coef, coefOff,
//                      coefStride, scale, dx)
napi_value cross_entropy_backward_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "crossEntropyBackward");
  const DType dt = args.float_dtype(0);
  const LossOperands o = read_operands(args, dt);
  const void* lse = span_in(args.storage(8), dt, 0, 2 * o.n, args.op(), "stats");
  const int64_t cstride = args.integer(11);
  if (cstride < 0) throw NativeError("ERR_TF_INTERNAL", "bad gradient stride");
  const void* coef = args.strided_operand(9, dt, {{o.n, cstride}}, "gradient");
  void* dx = span_in(args.storage(13), dt, 0, o.n * o.c, args.op(), "input gradient");
  const double scale = args.number(12);
  dispatch_float(dt, args.op(), [&](auto zero) {
    using T = decltype(zero);
    cross_entropy_backward<T>(o.typed<T>(), static_cast<const T*>(lse), static_cast<const T*>(coef), cstride,
                              scale, static_cast<T*>(dx));
  });
  return nullptr;
}

}  // namespace

void register_loss_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "crossEntropy", guarded<cross_entropy_entry>);
  export_fn(env, exports, "crossEntropyBackward", guarded<cross_entropy_backward_entry>);
}

}  // namespace tf
