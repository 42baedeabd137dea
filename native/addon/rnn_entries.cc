// Entry points of the fused recurrent layers (native/kernels/cpu/rnn/rnn.h):
//   rnnWorkspaceSize(cfg) -> elements of the workspace the forward fills
//   rnnForward(dtype, cfg, handles, offsets, lengths)
//   rnnBackward(dtype, cfg, handles, offsets, lengths)
// cfg = Float64Array [mode, layers, dirs, T, B, I, H, P, hasBias, save]; lengths: a
// Float64Array of B lengths or null. handles is a JS array of storages (null where an
// operand is absent), offsets a Float64Array of their element offsets, in the order
//   forward:  x, h0, c0, mask, out, hN, cN, ws, then per layer and direction
//             w_ih, w_hh, b_ih, b_hh, w_hr
//   backward: x, h0, c0, mask, ws, dOut, dhN, dcN, dX, dh0, dc0, the weights as above,
//             then their gradients in the same order.
// TypeScript checks shapes and dtypes; this file still checks every extent, so a wrong
// call gives an error, never a read past a storage.
#include <string>
#include <vector>

#include "../kernels/cpu/rnn/rnn.h"
#include "common.h"

namespace tf {
namespace {

constexpr const char* kOp = "rnn";

RnnConfig read_config(napi_env env, napi_value v) {
  const double* m = arg_numbers(env, v, 10, kOp, "config", 0, 1e9, true);
  RnnConfig c;
  const int mode = static_cast<int>(m[0]);
  if (mode < 0 || mode > 3) throw NativeError("ERR_TF_INTERNAL", "rnn: unknown mode");
  c.mode = static_cast<RnnMode>(mode);
  c.layers = static_cast<int64_t>(m[1]);
  c.dirs = static_cast<int64_t>(m[2]);
  c.T = static_cast<int64_t>(m[3]);
  c.B = static_cast<int64_t>(m[4]);
  c.I = static_cast<int64_t>(m[5]);
  c.H = static_cast<int64_t>(m[6]);
  c.P = static_cast<int64_t>(m[7]);
  c.has_bias = m[8] != 0;
  c.save = m[9] != 0;
  if (c.layers < 1 || (c.dirs != 1 && c.dirs != 2) || c.H < 1 || c.P < 1 || c.I < 1)
    throw NativeError("ERR_TF_SHAPE", "rnn: layers, hidden size, input size must be >= 1 and dirs 1 or 2");
  if (c.P != c.H && (c.mode != RnnMode::Lstm || c.P > c.H))
    throw NativeError("ERR_TF_SHAPE", "rnn: projSize needs an LSTM and must be smaller than hiddenSize");
  return c;
}

// The handles and offsets of one call, with extent checks.
struct Operands {
  std::vector<Storage*> st;
  std::vector<int64_t> off;

  Operands(napi_env env, napi_value arr, napi_value offsets) {
    uint32_t n = 0;
    check(napi_get_array_length(env, arr, &n), "array_length");
    const double* o = arg_numbers(env, offsets, n, kOp, "offsets", -9.0e15, 9.0e15, true);
    st.resize(n);
    off.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      napi_value v;
      check(napi_get_element(env, arr, i, &v), "get_element");
      st[i] = is_nullish(env, v) ? nullptr : storage_of(env, v);
      off[i] = static_cast<int64_t>(o[i]);
    }
  }

  size_t size() const { return st.size(); }

  // The operand's pointer, checked to hold `elements`; null when absent and optional.
  template <typename T>
  T* get(size_t i, int64_t elements, const char* what, bool required) const {
    if (i >= st.size()) throw NativeError("ERR_TF_INTERNAL", "rnn: too few operands");
    if (!st[i]) {
      if (required) throw_missing_operand(kOp, what);
      return nullptr;
    }
    return static_cast<T*>(elements_in(st[i], sizeof(T), off[i], elements, kOp, what));
  }
};

std::vector<int64_t> read_lengths(napi_env env, napi_value v, const RnnConfig& c) {
  if (is_nullish(env, v)) return {};
  void* data;
  size_t bytes;
  arg_typed(env, v, &data, &bytes);
  if (bytes != static_cast<size_t>(c.B) * sizeof(double)) throw NativeError("ERR_TF_SHAPE", "rnn: lengths must have one entry per batch row");
  std::vector<int64_t> out(c.B);
  const double* d = static_cast<const double*>(data);
  for (int64_t b = 0; b < c.B; ++b) {
    if (!(d[b] >= 0 && d[b] <= static_cast<double>(c.T))) throw NativeError("ERR_TF_SHAPE", "rnn: a length is outside [0, T]");
    out[b] = static_cast<int64_t>(d[b]);
  }
  return out;
}

template <typename T>
void read_weights(const Operands& ops, size_t first, const RnnConfig& c, std::vector<RnnWeights<T>>& w) {
  const int64_t G = c.gates(), GH = G * c.H;
  w.resize(c.layers * c.dirs);
  for (int64_t l = 0; l < c.layers; ++l)
    for (int64_t d = 0; d < c.dirs; ++d) {
      const size_t i = first + 5 * (l * c.dirs + d);
      RnnWeights<T>& x = w[l * c.dirs + d];
      x.w_ih = ops.get<T>(i, GH * c.input_size(l), "weight_ih", true);
      x.w_hh = ops.get<T>(i + 1, GH * c.P, "weight_hh", true);
      x.b_ih = ops.get<T>(i + 2, GH, "bias_ih", c.has_bias);
      x.b_hh = ops.get<T>(i + 3, GH, "bias_hh", c.has_bias);
      x.w_hr = ops.get<T>(i + 4, c.P * c.H, "weight_hr", c.proj());
    }
}

napi_value workspace_size_entry(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, argv);
  const RnnConfig c = read_config(env, argv[0]);
  napi_value out;
  check(napi_create_double(env, static_cast<double>(rnn_workspace_layout(c).total), &out), "create_double");
  return out;
}

napi_value forward_entry(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  get_args(env, info, argv);
  const DType dt = arg_dtype(env, argv[0]);
  const RnnConfig c = read_config(env, argv[1]);
  Operands ops(env, argv[2], argv[3]);
  const std::vector<int64_t> lengths = read_lengths(env, argv[4], c);
  if (ops.size() != 8 + 5 * static_cast<size_t>(c.layers * c.dirs)) throw NativeError("ERR_TF_INTERNAL", "rnnForward: wrong number of operands");
  auto run = [&](auto zero) {
    using T = decltype(zero);
    const int64_t TB = c.T * c.B, LD = c.layers * c.dirs;
    std::vector<RnnWeights<T>> w;
    read_weights<T>(ops, 8, c, w);
    RnnForwardArgs<T> a;
    a.cfg = c;
    a.x = ops.get<T>(0, TB * c.I, "input", true);
    a.h0 = ops.get<T>(1, LD * c.B * c.P, "h0", false);
    a.c0 = ops.get<T>(2, LD * c.B * c.H, "c0", false);
    a.mask = ops.get<T>(3, (c.layers - 1) * TB * c.dirs * c.P, "dropout mask", false);
    a.out = ops.get<T>(4, TB * c.dirs * c.P, "output", true);
    a.hN = ops.get<T>(5, LD * c.B * c.P, "hN", true);
    a.cN = ops.get<T>(6, LD * c.B * c.H, "cN", c.mode == RnnMode::Lstm);
    a.ws = ops.get<T>(7, rnn_workspace_layout(c).total, "workspace", true);
    a.lengths = lengths.empty() ? nullptr : lengths.data();
    a.w = w.data();
    rnn_forward<T>(a);
  };
  dispatch_float(dt, kOp, run);
  return nullptr;
}

napi_value backward_entry(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  get_args(env, info, argv);
  const DType dt = arg_dtype(env, argv[0]);
  const RnnConfig c = read_config(env, argv[1]);
  Operands ops(env, argv[2], argv[3]);
  const std::vector<int64_t> lengths = read_lengths(env, argv[4], c);
  const size_t nw = 5 * static_cast<size_t>(c.layers * c.dirs);
  if (ops.size() != 11 + 2 * nw) throw NativeError("ERR_TF_INTERNAL", "rnnBackward: wrong number of operands");
  if (!c.save) throw NativeError("ERR_TF_INTERNAL", "rnnBackward: the workspace of an inference forward cannot feed a backward");
  auto run = [&](auto zero) {
    using T = decltype(zero);
    const int64_t TB = c.T * c.B, LD = c.layers * c.dirs, G = c.gates(), GH = G * c.H;
    std::vector<RnnWeights<T>> w;
    read_weights<T>(ops, 11, c, w);
    std::vector<RnnWeightGrads<T>> dw(LD);
    for (int64_t l = 0; l < c.layers; ++l)
      for (int64_t d = 0; d < c.dirs; ++d) {
        const size_t i = 11 + nw + 5 * (l * c.dirs + d);
        RnnWeightGrads<T>& g = dw[l * c.dirs + d];
        g.w_ih = ops.get<T>(i, GH * c.input_size(l), "grad weight_ih", false);
        g.w_hh = ops.get<T>(i + 1, GH * c.P, "grad weight_hh", false);
        g.b_ih = ops.get<T>(i + 2, GH, "grad bias_ih", false);
        g.b_hh = ops.get<T>(i + 3, GH, "grad bias_hh", false);
        g.w_hr = ops.get<T>(i + 4, c.P * c.H, "grad weight_hr", false);
      }
    RnnBackwardArgs<T> a;
    a.cfg = c;
    a.x = ops.get<T>(0, TB * c.I, "input", true);
    a.h0 = ops.get<T>(1, LD * c.B * c.P, "h0", false);
    a.c0 = ops.get<T>(2, LD * c.B * c.H, "c0", false);
    a.mask = ops.get<T>(3, (c.layers - 1) * TB * c.dirs * c.P, "dropout mask", false);
    a.ws = ops.get<T>(4, rnn_workspace_layout(c).total, "workspace", true);
    a.d_out = ops.get<T>(5, TB * c.dirs * c.P, "grad output", false);
    a.d_hN = ops.get<T>(6, LD * c.B * c.P, "grad hN", false);
    a.d_cN = ops.get<T>(7, LD * c.B * c.H, "grad cN", false);
    a.d_x = ops.get<T>(8, TB * c.I, "grad input", false);
    a.d_h0 = ops.get<T>(9, LD * c.B * c.P, "grad h0", false);
    a.d_c0 = ops.get<T>(10, LD * c.B * c.H, "grad c0", false);
    a.lengths = lengths.empty() ? nullptr : lengths.data();
    a.w = w.data();
    a.dw = dw.data();
    rnn_backward<T>(a);
  };
  dispatch_float(dt, kOp, run);
  return nullptr;
}

}  // namespace

void register_rnn_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "rnnWorkspaceSize", guarded<workspace_size_entry>);
  export_fn(env, exports, "rnnForward", guarded<forward_entry>);
  export_fn(env, exports, "rnnBackward", guarded<backward_entry>);
}

}  // namespace tf
