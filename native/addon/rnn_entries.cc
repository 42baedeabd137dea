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
#include <type_traits>
#include <vector>

#include "../kernels/cpu/rnn/rnn.h"
#include "common.h"

namespace tf {
namespace {

constexpr const char* kOp = "rnn";

RnnConfig read_config(napi_env env, napi_value v) {
  const double* m = arg_numbers(env, v, 10, kOp, "config", 0, 1e9);
  RnnConfig c;
  const int mode = static_cast<int>(m[0]);
  if (mode < 0 || mode > 3) throw NativeError("ERR_TF_INTERNAL", "rnn: unknown mode");
  c.mode = static_cast<RnnMode>(mode);
  unpack_int64s(m + 1, {&c.layers, &c.dirs, &c.T, &c.B, &c.I, &c.H, &c.P});
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
    const double* o = arg_numbers(env, offsets, n, kOp, "offsets");
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

// One set of per-layer, per-direction weights (RnnWeights) or weight gradients
// (RnnWeightGrads), five operands each from `first`: w_ih, w_hh, b_ih, b_hh, w_hr.
template <typename W>
std::vector<W> read_weight_set(const Operands& ops, size_t first, const RnnConfig& c, bool grads) {
  using T = std::remove_const_t<std::remove_pointer_t<decltype(W::w_ih)>>;
  const int64_t GH = c.gates() * c.H;
  std::vector<W> set(c.layers * c.dirs);
  for (int64_t l = 0; l < c.layers; ++l)
    for (int64_t d = 0; d < c.dirs; ++d) {
      const size_t i = first + 5 * (l * c.dirs + d);
      W& x = set[l * c.dirs + d];
      x.w_ih = ops.get<T>(i, GH * c.input_size(l), grads ? "grad weight_ih" : "weight_ih", !grads);
      x.w_hh = ops.get<T>(i + 1, GH * c.P, grads ? "grad weight_hh" : "weight_hh", !grads);
      x.b_ih = ops.get<T>(i + 2, GH, grads ? "grad bias_ih" : "bias_ih", !grads && c.has_bias);
      x.b_hh = ops.get<T>(i + 3, GH, grads ? "grad bias_hh" : "bias_hh", !grads && c.has_bias);
      x.w_hr = ops.get<T>(i + 4, c.P * c.H, grads ? "grad weight_hr" : "weight_hr", !grads && c.proj());
    }
  return set;
}

// What rnnForward and rnnBackward both receive: (dtype, cfg, handles, offsets, lengths).
struct RnnCall {
  DType dt;
  RnnConfig c;
  Operands ops;
  std::vector<int64_t> lengths;

  explicit RnnCall(const EntryArgs& args)
      : dt(args.float_dtype(0)), c(read_config(args.env(), args[1])), ops(args.env(), args[2], args[3]),
        lengths(read_lengths(args.env(), args[4], c)) {}

  int64_t steps() const { return c.T * c.B; }
  int64_t states() const { return c.layers * c.dirs * c.B; }

  // The operands both lead with: x, h0, c0, dropout mask (operands 0 to 3), and the lengths.
  template <typename T, typename A>
  void read_inputs(A& a) const {
    a.cfg = c;
    a.x = ops.get<T>(0, steps() * c.I, "input", true);
    a.h0 = ops.get<T>(1, states() * c.P, "h0", false);
    a.c0 = ops.get<T>(2, states() * c.H, "c0", false);
    a.mask = ops.get<T>(3, (c.layers - 1) * steps() * c.dirs * c.P, "dropout mask", false);
    a.lengths = lengths.empty() ? nullptr : lengths.data();
  }
};

napi_value workspace_size_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "rnnWorkspaceSize");
  return js_number(env, static_cast<double>(rnn_workspace_layout(read_config(env, args[0])).total));
}

napi_value forward_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "rnnForward");
  const RnnCall call(args);
  const RnnConfig& c = call.c;
  const Operands& ops = call.ops;
  if (ops.size() != 8 + 5 * static_cast<size_t>(c.layers * c.dirs)) throw NativeError("ERR_TF_INTERNAL", "rnnForward: wrong number of operands");
  dispatch_float(call.dt, kOp, [&](auto zero) {
    using T = decltype(zero);
    const std::vector<RnnWeights<T>> w = read_weight_set<RnnWeights<T>>(ops, 8, c, false);
    RnnForwardArgs<T> a;
    call.read_inputs<T>(a);
    a.out = ops.get<T>(4, call.steps() * c.dirs * c.P, "output", true);
    a.hN = ops.get<T>(5, call.states() * c.P, "hN", true);
    a.cN = ops.get<T>(6, call.states() * c.H, "cN", c.mode == RnnMode::Lstm);
    a.ws = ops.get<T>(7, rnn_workspace_layout(c).total, "workspace", true);
    a.w = w.data();
    rnn_forward<T>(a);
  });
  return nullptr;
}

napi_value backward_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "rnnBackward");
  const RnnCall call(args);
  const RnnConfig& c = call.c;
  const Operands& ops = call.ops;
  const size_t nw = 5 * static_cast<size_t>(c.layers * c.dirs);
  if (ops.size() != 11 + 2 * nw) throw NativeError("ERR_TF_INTERNAL", "rnnBackward: wrong number of operands");
  if (!c.save) throw NativeError("ERR_TF_INTERNAL", "rnnBackward: the workspace of an inference forward cannot feed a backward");
  dispatch_float(call.dt, kOp, [&](auto zero) {
    using T = decltype(zero);
    const std::vector<RnnWeights<T>> w = read_weight_set<RnnWeights<T>>(ops, 11, c, false);
    std::vector<RnnWeightGrads<T>> dw = read_weight_set<RnnWeightGrads<T>>(ops, 11 + nw, c, true);
    RnnBackwardArgs<T> a;
    call.read_inputs<T>(a);
    a.ws = ops.get<T>(4, rnn_workspace_layout(c).total, "workspace", true);
    a.d_out = ops.get<T>(5, call.steps() * c.dirs * c.P, "grad output", false);
    a.d_hN = ops.get<T>(6, call.states() * c.P, "grad hN", false);
    a.d_cN = ops.get<T>(7, call.states() * c.H, "grad cN", false);
    a.d_x = ops.get<T>(8, call.steps() * c.I, "grad input", false);
    a.d_h0 = ops.get<T>(9, call.states() * c.P, "grad h0", false);
    a.d_c0 = ops.get<T>(10, call.states() * c.H, "grad c0", false);
    a.w = w.data();
    a.dw = dw.data();
    rnn_backward<T>(a);
  });
  return nullptr;
}

}  // namespace

void register_rnn_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "rnnWorkspaceSize", guarded<workspace_size_entry>);
  export_fn(env, exports, "rnnForward", guarded<forward_entry>);
  export_fn(env, exports, "rnnBackward", guarded<backward_entry>);
}

}  // namespace tf
