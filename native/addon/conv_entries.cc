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

bool nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  check(napi_typeof(env, v, &t), "typeof");
  return t == napi_null || t == napi_undefined;
}

ConvGeom arg_geom(napi_env env, napi_value v, const char* op) {
  void* data;
  size_t bytes;
  arg_typed(env, v, &data, &bytes);
  if (bytes != 16 * sizeof(double)) throw NativeError("ERR_TF_INTERNAL", std::string(op) + ": geometry has the wrong length");
  const double* m = static_cast<const double*>(data);
  for (int i = 0; i < 16; ++i)
    if (!(m[i] >= 0 && m[i] <= 9.0e15)) throw NativeError("ERR_TF_SHAPE", std::string(op) + ": impossible size in the geometry");
  ConvGeom g;
  int64_t* f[16] = {&g.n, &g.c, &g.h, &g.w, &g.k, &g.kh, &g.kw, &g.oh, &g.ow, &g.sh, &g.sw, &g.ph, &g.pw, &g.dh, &g.dw, &g.groups};
  for (int i = 0; i < 16; ++i) *f[i] = static_cast<int64_t>(m[i]);
  if (g.groups < 1 || g.c % g.groups != 0 || g.k % g.groups != 0 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1)
    throw NativeError("ERR_TF_SHAPE", std::string(op) + ": invalid groups, stride or dilation");
  return g;
}

// Throws unless elems elements from offset fit in the storage.
void check_fits(const char* op, const char* what, Storage* s, DType dt, int64_t offset, int64_t elems) {
  if (offset < 0 || static_cast<double>(offset + elems) * dtype_size(dt) > static_cast<double>(s->nbytes))
    throw NativeError("ERR_TF_INTERNAL", std::string(op) + ": " + what + " reaches past the end of its storage");
}

int64_t x_elems(const ConvGeom& g) { return g.n * g.c * g.h * g.w; }
int64_t w_elems(const ConvGeom& g) { return g.k * (g.c / g.groups) * g.kh * g.kw; }
int64_t y_elems(const ConvGeom& g) { return g.n * g.k * g.oh * g.ow; }

size_t columns_bytes(const ConvGeom& g, DType dt) {
  const size_t elem = dtype_size(dt);
  return conv2d_columns_elements(g, elem) * elem;
}

template <typename F>
void by_dtype(const char* op, DType dt, F f) {
  switch (dt) {
    case DType::F32: f(float{}); break;
    case DType::F64: f(double{}); break;
    default: throw NativeError("ERR_TF_DTYPE", std::string(op) + ": dtype " + dtype_name(dt) + " is not supported");
  }
}

// conv2d(dtype, x, xOff, w, wOff, bias | null, biasOff, y, yOff, geom, [cols | null]):
// y = conv(x, w) + bias; cols (convColumnsBytes(dtype, geom) bytes) keeps the column
// matrices for conv2dBackwardWeight.
napi_value conv2d_entry(napi_env env, napi_callback_info info) {
  const char* op = "conv2d";
  napi_value argv[11];
  get_args(env, info, argv);
  DType dt = arg_dtype(env, argv[0]);
  Storage* sx = storage_of(env, argv[1]);
  const int64_t xo = arg_int(env, argv[2]);
  Storage* sw = storage_of(env, argv[3]);
  const int64_t wo = arg_int(env, argv[4]);
  Storage* sb = nullish(env, argv[5]) ? nullptr : storage_of(env, argv[5]);
  const int64_t bo = sb ? arg_int(env, argv[6]) : 0;
  Storage* sy = storage_of(env, argv[7]);
  const int64_t yo = arg_int(env, argv[8]);
  const ConvGeom g = arg_geom(env, argv[9], op);
  check_fits(op, "input", sx, dt, xo, x_elems(g));
  check_fits(op, "weight", sw, dt, wo, w_elems(g));
  if (sb) check_fits(op, "bias", sb, dt, bo, g.k);
  check_fits(op, "output", sy, dt, yo, y_elems(g));
  Storage* sc = nullish(env, argv[10]) ? nullptr : storage_of(env, argv[10]);
  if (sc && sc->nbytes < columns_bytes(g, dt)) throw NativeError("ERR_TF_INTERNAL", "conv2d: the column buffer is too small");
  by_dtype(op, dt, [&](auto zero) {
    using T = decltype(zero);
    conv2d_forward<T>(g, data_at<T>(sx, xo), data_at<T>(sw, wo), sb ? data_at<T>(sb, bo) : nullptr, data_at<T>(sy, yo),
                      sc ? static_cast<T*>(sc->data) : nullptr);
  });
  return nullptr;
}

// conv2dBackwardInput(dtype, gy, gyOff, w, wOff, gx, gxOff, geom): gx = dL/dx.
napi_value conv2d_backward_input_entry(napi_env env, napi_callback_info info) {
  const char* op = "conv2dBackwardInput";
  napi_value argv[8];
  get_args(env, info, argv);
  DType dt = arg_dtype(env, argv[0]);
  Storage* sgy = storage_of(env, argv[1]);
  const int64_t gyo = arg_int(env, argv[2]);
  Storage* sw = storage_of(env, argv[3]);
  const int64_t wo = arg_int(env, argv[4]);
  Storage* sgx = storage_of(env, argv[5]);
  const int64_t gxo = arg_int(env, argv[6]);
  const ConvGeom g = arg_geom(env, argv[7], op);
  check_fits(op, "output gradient", sgy, dt, gyo, y_elems(g));
  check_fits(op, "weight", sw, dt, wo, w_elems(g));
  check_fits(op, "input gradient", sgx, dt, gxo, x_elems(g));
  by_dtype(op, dt, [&](auto zero) {
    using T = decltype(zero);
    conv2d_backward_input<T>(g, data_at<T>(sgy, gyo), data_at<T>(sw, wo), data_at<T>(sgx, gxo));
  });
  return nullptr;
}

// conv2dBackwardWeight(dtype, x, xOff, gy, gyOff, gw, gwOff, gb | null, gbOff, geom,
// [cols | null]): gw = dL/dw and gb = dL/dbias; cols: filled by conv2d for this x and geom.
napi_value conv2d_backward_weight_entry(napi_env env, napi_callback_info info) {
  const char* op = "conv2dBackwardWeight";
  napi_value argv[11];
  get_args(env, info, argv);
  DType dt = arg_dtype(env, argv[0]);
  Storage* sx = storage_of(env, argv[1]);
  const int64_t xo = arg_int(env, argv[2]);
  Storage* sgy = storage_of(env, argv[3]);
  const int64_t gyo = arg_int(env, argv[4]);
  Storage* sgw = storage_of(env, argv[5]);
  const int64_t gwo = arg_int(env, argv[6]);
  Storage* sgb = nullish(env, argv[7]) ? nullptr : storage_of(env, argv[7]);
  const int64_t gbo = sgb ? arg_int(env, argv[8]) : 0;
  const ConvGeom g = arg_geom(env, argv[9], op);
  check_fits(op, "input", sx, dt, xo, x_elems(g));
  check_fits(op, "output gradient", sgy, dt, gyo, y_elems(g));
  check_fits(op, "weight gradient", sgw, dt, gwo, w_elems(g));
  if (sgb) check_fits(op, "bias gradient", sgb, dt, gbo, g.k);
  Storage* sc = nullish(env, argv[10]) ? nullptr : storage_of(env, argv[10]);
  if (sc && sc->nbytes < columns_bytes(g, dt)) throw NativeError("ERR_TF_INTERNAL", "conv2dBackwardWeight: the column buffer is too small");
  by_dtype(op, dt, [&](auto zero) {
    using T = decltype(zero);
    conv2d_backward_weight<T>(g, data_at<T>(sx, xo), data_at<T>(sgy, gyo), data_at<T>(sgw, gwo),
                              sgb ? data_at<T>(sgb, gbo) : nullptr, sc ? static_cast<const T*>(sc->data) : nullptr);
  });
  return nullptr;
}

// convPlan(geom): the algorithm conv2d picks (0 im2col, 1 GEMM 1x1, 2 depthwise).
napi_value conv_plan_entry(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, argv);
  const ConvGeom g = arg_geom(env, argv[0], "convPlan");
  napi_value out;
  check(napi_create_int32(env, static_cast<int>(conv_plan(g)), &out), "create_int32");
  return out;
}

// convColumnsBytes(dtype, geom): the bytes conv2d's cols argument needs (0: none kept).
napi_value conv_columns_bytes_entry(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  get_args(env, info, argv);
  DType dt = arg_dtype(env, argv[0]);
  const ConvGeom g = arg_geom(env, argv[1], "convColumnsBytes");
  napi_value out;
  check(napi_create_double(env, static_cast<double>(columns_bytes(g, dt)), &out), "create_double");
  return out;
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
