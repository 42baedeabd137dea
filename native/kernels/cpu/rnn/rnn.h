// Fused recurrent layers (RNN with tanh or relu, LSTM with optional projection, GRU) over
// a whole sequence: every layer and both directions in one forward call, and
// backpropagation through time in one backward call. Plain C++ over raw pointers.
//
// Layout (all contiguous, time-major): input x [T, B, I], output [T, B, D*P], states
// h [L*D, B, P] and c [L*D, B, H], with P = projSize (LSTM) or H. Weights per layer l and
// direction d, in PyTorch's layouts and gate order (LSTM i,f,g,o; GRU r,z,n):
//   w_ih [G*H, I_l], w_hh [G*H, P], b_ih [G*H], b_hh [G*H], w_hr [P, H] (projection)
// with G = 1 (RNN), 4 (LSTM), 3 (GRU) and I_l = I for l = 0, D*P above.
// lengths (optional, one per batch row, 0 <= len <= T): steps t >= len neither change the
// state nor produce output (the output there is 0), as a packed sequence in PyTorch.
// Between layers, in training, the output of layer l is multiplied by mask[l] (dropout,
// already scaled by 1 / (1 - p)) before it feeds layer l + 1.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tf {

enum class RnnMode : int { RnnTanh = 0, RnnRelu = 1, Lstm = 2, Gru = 3 };

struct RnnConfig {
  RnnMode mode = RnnMode::Lstm;
  int64_t layers = 1, dirs = 1, T = 0, B = 0, I = 0, H = 0, P = 0;
  bool has_bias = true;
  // False for inference: the cell states of past steps are not kept (the workspace then
  // holds one step of them), and the workspace cannot feed a backward.
  bool save = true;
  int gates() const { return mode == RnnMode::Lstm ? 4 : mode == RnnMode::Gru ? 3 : 1; }
  bool proj() const { return mode == RnnMode::Lstm && P != H; }
  int64_t input_size(int64_t l) const { return l == 0 ? I : dirs * P; }
};

// The weights of one layer and direction (biases and w_hr may be null).
template <typename T>
struct RnnWeights {
  const T* w_ih = nullptr;
  const T* w_hh = nullptr;
  const T* b_ih = nullptr;
  const T* b_hh = nullptr;
  const T* w_hr = nullptr;
};

// Their gradients (written, not accumulated; null slots are skipped).
template <typename T>
struct RnnWeightGrads {
  T* w_ih = nullptr;
  T* w_hh = nullptr;
  T* b_ih = nullptr;
  T* b_hh = nullptr;
  T* w_hr = nullptr;
};

// Where each saved quantity lives in the workspace the forward fills and the backward
// reads (element offsets; the layout depends on the config only).
struct RnnWorkspaceLayout {
  int64_t per_dir = 0;   // elements saved per (layer, direction)
  int64_t gates = 0;     // activated gates [T, B, G*H]
  int64_t cell = 0;      // LSTM: c [T, B, H];  GRU: W_hn h + b_hn [T, B, H]  ([B, H] unless save)
  int64_t tanh_c = 0;    // LSTM: tanh(c) [T, B, H]  ([B, H] unless save)
  int64_t outputs = 0;   // per layer: its output before dropout [T, B, D*P]
  int64_t inputs = 0;    // per layer l >= 1: its input (the output after dropout)
  int64_t total = 0;
};
RnnWorkspaceLayout rnn_workspace_layout(const RnnConfig& cfg);

template <typename T>
struct RnnForwardArgs {
  RnnConfig cfg;
  const T* x = nullptr;
  const T* h0 = nullptr;        // null: zeros
  const T* c0 = nullptr;        // LSTM; null: zeros
  const int64_t* lengths = nullptr;  // null: every row has T steps
  const T* mask = nullptr;      // [L-1, T, B, D*P] or null (no dropout)
  const RnnWeights<T>* w = nullptr;  // [L*D]
  T* out = nullptr;
  T* hN = nullptr;
  T* cN = nullptr;              // LSTM
  T* ws = nullptr;              // rnn_workspace_layout(cfg).total elements
};

template <typename T>
struct RnnBackwardArgs {
  RnnConfig cfg;
  const T* x = nullptr;
  const T* h0 = nullptr;
  const T* c0 = nullptr;
  const int64_t* lengths = nullptr;
  const T* mask = nullptr;
  const RnnWeights<T>* w = nullptr;
  const T* ws = nullptr;        // filled by rnn_forward with the same arguments
  const T* d_out = nullptr;     // gradient of out (null: zeros)
  const T* d_hN = nullptr;      // null: zeros
  const T* d_cN = nullptr;      // null: zeros
  T* d_x = nullptr;             // null: not wanted
  T* d_h0 = nullptr;            // null: not wanted
  T* d_c0 = nullptr;
  RnnWeightGrads<T>* dw = nullptr;  // [L*D]
};

template <typename T>
void rnn_forward(const RnnForwardArgs<T>& a);
template <typename T>
void rnn_backward(const RnnBackwardArgs<T>& a);

// Gate nonlinearities and state update of one step for one batch row. Portable versions are templates in rnn_cells.h; the
// AVX2 float versions are in rnn_avx2.cc.
//   LSTM: g [rows, 4H] pre-activations in, activated i,f,g,o out; c = f c_prev + i g;
//         tc = tanh(c); h = o tc.
//   GRU:  g [rows, 3H] x-part in (r,z,n pre-activations), activated out; rec [rows, 3H]
//         = W_hh h_prev + b_hh; n = tanh(x_n + r rec_n); h = (1 - z) n + z h_prev;
//         recn = rec_n saved.
//   RNN:  h = act(g) (tanh or relu), written to g and h.
#if defined(TF_HAVE_AVX2_KERNELS)
void lstm_cell_f32_avx2(int64_t H, float* g, const float* c_prev, float* c, float* tc, float* h);
void gru_cell_f32_avx2(int64_t H, float* g, const float* rec, const float* h_prev, float* recn, float* h);
void rnn_cell_f32_avx2(int64_t H, bool relu, float* g, float* h);
#endif

}  // namespace tf
