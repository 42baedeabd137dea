// Entry points for the convolution family (conv1d, conv2d, convTranspose2d all reach
// these: TypeScript checks arguments, works out output sizes and padding, and makes the
// operands contiguous). geom is a Float64Array
//   [n, c, h, w, k, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, groups]
// (see native/kernels/cpu/conv/conv.h).
#include <string>

#include "../kernels/cpu/conv/conv.h"
#include "common.h"

namespace tf {
namespace {

// The geometry at argument i: 16 sizes, none negative.
ConvGeom arg_geom(const EntryArgs& args, size_t i) {
  const double* m = args.numbers(i, 16, "geometry", 0);
  ConvGeom g;
  unpack_int64s(m, {&g.n, &g.c, &g.h, &g.w, &g.k, &g.kh, &g.kw, &g.oh, &g.ow, &g.sh, &g.sw, &g.ph, &g.pw, &g.dh, &g.dw, &g.groups});
  if (g.groups < 1 || g.c % g.groups != 0 || g.k % g.groups != 0 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1)
    throw NativeError("ERR_TF_SHAPE", std::string(args.op()) + ": invalid groups, stride or dilation");
  return g;
}

int64_t x_elems(const ConvGeom& g) { return g.n * g.c * g.h * g.w; }
int64_t w_elems(const ConvGeom& g) { return g.k * (g.c / g.groups) * g.kh * g.kw; }
int64_t y_elems(const ConvGeom& g) { return g.n * g.k * g.oh * g.ow; }

size_t columns_elements(const ConvGeom& g, DType dt) { return conv2d_columns_elements(g, dtype_size(dt)); }

// The optional column buffer at argument i (no offset): null, or checked to hold the
// column matrices of g.
void* arg_columns(const EntryArgs& args, size_t i, DType dt, const ConvGeom& g) {
  Storage* s = args.optional_storage(i);
  return s ? span_in(s, dt, 0, static_cast<int64_t>(columns_elements(g, dt)), args.op(), "column buffer") : nullptr;
}

// conv2d(dtype, x, xOff, w, wOff, bias | null, biasOff, y, yOff, geom, [cols | null]):
// y = conv(x, w) + bias; cols (convColumnsBytes(dtype, geom) bytes) keeps the column
// matrices for conv2dBackwardWeight.
napi_value conv2d_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "conv2d");
  const DType dt = args.float_dtype(0);
  const ConvGeom g = arg_geom(args, 9);
  const void* x = args.operand(1, dt, x_elems(g), "input");
  const void* w = args.operand(3, dt, w_elems(g), "weight");
  const void* bias = args.optional_operand(5, dt, g.k, "bias");
  void* y = args.operand(7, dt, y_elems(g), "output");
  void* cols = arg_columns(args, 10, dt, g);
  dispatch_float(dt, args.op(), [&](auto zero) {
    using T = decltype(zero);
    conv2d_forward<T>(g, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias),
                      static_cast<T*>(y), static_cast<T*>(cols));
  });
  return nullptr;
}

// conv2dBackwardInput(dtype, gy, gyOff, w, wOff, gx, gxOff, geom): gx = dL/dx.
napi_value conv2d_backward_input_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "conv2dBackwardInput");
  const DType dt = args.float_dtype(0);
  const ConvGeom g = arg_geom(args, 7);
  const void* gy = args.operand(1, dt, y_elems(g), "output gradient");
  const void* w = args.operand(3, dt, w_elems(g), "weight");
  void* gx = args.operand(5, dt, x_elems(g), "input gradient");
  dispatch_float(dt, args.op(), [&](auto zero) {
    using T = decltype(zero);
    conv2d_backward_input<T>(g, static_cast<const T*>(gy), static_cast<const T*>(w), static_cast<T*>(gx));
  });
  return nullptr;
}

// conv2dBackwardWeight(dtype, x, xOff, gy, gyOff, gw, gwOff, gb | null, gbOff, geom,
// [cols | null]): gw = dL/dw and gb = dL/dbias; cols: filled by conv2d for this x and geom.
napi_value conv2d_backward_weight_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "conv2dBackwardWeight");
  const DType dt = args.float_dtype(0);
  const ConvGeom g = arg_geom(args, 9);
  const void* x = args.operand(1, dt, x_elems(g), "input");
  const void* gy = args.operand(3, dt, y_elems(g), "output gradient");
  void* gw = args.operand(5, dt, w_elems(g), "weight gradient");
  void* gb = args.optional_operand(7, dt, g.k, "bias gradient");
  const void* cols = arg_columns(args, 10, dt, g);
  dispatch_float(dt, args.op(), [&](auto zero) {
    using T = decltype(zero);
    conv2d_backward_weight<T>(g, static_cast<const T*>(x), static_cast<const T*>(gy), static_cast<T*>(gw),
                              static_cast<T*>(gb), static_cast<const T*>(cols));
  });
  return nullptr;
}

// convPlan(geom): the algorithm conv2d picks (0 im2col, 1 GEMM 1x1, 2 depthwise).
napi_value conv_plan_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "convPlan");
  const ConvGeom g = arg_geom(args, 0);
  return js_number(env, static_cast<double>(conv_plan(g)));
}

// convColumnsBytes(dtype, geom): the bytes conv2d's cols argument needs (0: none kept).
napi_value conv_columns_bytes_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "convColumnsBytes");
  const DType dt = args.dtype(0);
  const ConvGeom g = arg_geom(args, 1);
  return js_number(env, static_cast<double>(columns_elements(g, dt) * dtype_size(dt)));
}

}  // namespace

void register_conv_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "conv2d", guarded<conv2d_entry>);
  export_fn(env, exports, "conv2dBackwardInput", guarded<conv2d_backward_input_entry>);
  export_fn(env, exports, "conv2dBackwardWeight", guarded<conv2d_backward_weight_entry>);
  export_fn(env, exports, "convPlan", guarded<conv_plan_entry>);
  export_fn(env, exports, "convColumnsBytes", guarded<conv_columns_bytes_entry>);
}

}  // namespace tf
