// Portable gate math of one step for one batch row, forward and backward side by side
// (the contracts are in rnn.h). The backward gets the activated gates the forward saved.
#pragma once
#include <cmath>
#include <cstdint>

namespace tf {
namespace rnn_cell {

template <typename T>
inline T sigmoid(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

template <typename T>
void lstm_forward(int64_t H, T* g, const T* c_prev, T* c, T* tc, T* h) {
  for (int64_t j = 0; j < H; ++j) {
    const T i = sigmoid(g[j]), f = sigmoid(g[H + j]), gg = std::tanh(g[2 * H + j]), o = sigmoid(g[3 * H + j]);
    g[j] = i; g[H + j] = f; g[2 * H + j] = gg; g[3 * H + j] = o;
    const T cj = f * c_prev[j] + i * gg;
    const T t = std::tanh(cj);
    c[j] = cj; tc[j] = t; h[j] = o * t;
  }
}

// dh: gradient of h = o tanh(c) (before any projection); dc: gradient of c, updated in
// place to that of c_prev. dg: the pre-activation gradients [4H].
template <typename T>
void lstm_backward(int64_t H, const T* g, const T* c_prev, const T* tc, const T* dh, T* dc, T* dg) {
  for (int64_t j = 0; j < H; ++j) {
    const T i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j], t = tc[j];
    const T dct = dc[j] + dh[j] * o * (T(1) - t * t);
    dg[j] = dct * gg * i * (T(1) - i);
    dg[H + j] = dct * c_prev[j] * f * (T(1) - f);
    dg[2 * H + j] = dct * i * (T(1) - gg * gg);
    dg[3 * H + j] = dh[j] * t * o * (T(1) - o);
    dc[j] = dct * f;
  }
}

template <typename T>
void gru_forward(int64_t H, T* g, const T* rec, const T* h_prev, T* recn, T* h) {
  for (int64_t j = 0; j < H; ++j) {
    const T r = sigmoid(g[j] + rec[j]), z = sigmoid(g[H + j] + rec[H + j]);
    const T n = std::tanh(g[2 * H + j] + r * rec[2 * H + j]);
    g[j] = r; g[H + j] = z; g[2 * H + j] = n;
    recn[j] = rec[2 * H + j];
    h[j] = (T(1) - z) * n + z * h_prev[j];
  }
}

// dgi: gradients of the x-side pre-activations (x W_ih^T + b_ih) [3H]; dgh: of the
// h-side ones (h W_hh^T + b_hh) [3H]; dh_direct: the part of dh_prev that does not go
// through W_hh (z dh).
template <typename T>
void gru_backward(int64_t H, const T* g, const T* recn, const T* h_prev, const T* dh, T* dgi, T* dgh, T* dh_direct) {
  for (int64_t j = 0; j < H; ++j) {
    const T r = g[j], z = g[H + j], n = g[2 * H + j];
    const T dnp = dh[j] * (T(1) - z) * (T(1) - n * n);
    const T drp = dnp * recn[j] * r * (T(1) - r);
    const T dzp = dh[j] * (h_prev[j] - n) * z * (T(1) - z);
    dgi[j] = drp; dgi[H + j] = dzp; dgi[2 * H + j] = dnp;
    dgh[j] = drp; dgh[H + j] = dzp; dgh[2 * H + j] = dnp * r;
    dh_direct[j] = dh[j] * z;
  }
}

template <typename T>
void rnn_forward(int64_t H, bool relu, T* g, T* h) {
  for (int64_t j = 0; j < H; ++j) {
    const T v = relu ? (g[j] > T(0) ? g[j] : T(0)) : std::tanh(g[j]);
    g[j] = v; h[j] = v;
  }
}

template <typename T>
void rnn_backward(int64_t H, bool relu, const T* g, const T* dh, T* dg) {
  for (int64_t j = 0; j < H; ++j) dg[j] = relu ? (g[j] > T(0) ? dh[j] : T(0)) : dh[j] * (T(1) - g[j] * g[j]);
}

}  // namespace rnn_cell
}  // namespace tf
