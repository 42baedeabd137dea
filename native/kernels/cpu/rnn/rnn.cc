// The fused recurrent forward and backward (contracts in rnn.h). Per layer and direction
// the input projections of all steps are one GEMM (bias in its epilogue); each step is one
// GEMM on the prepacked recurrent weight followed by the gate math; the backward runs the
// steps in reverse, then gets every weight gradient from one GEMM over all steps.
#include "rnn.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "../../../runtime/allocator.h"
#include "../../../runtime/cpu_features.h"
#include "../../../runtime/thread_pool.h"
#include "../gemm/gemm.h"
#include "rnn_cells.h"

namespace tf {
namespace {

// Scratch memory from the caching allocator (uninitialised, freed on scope exit).
template <typename T>
class Scratch {
 public:
  explicit Scratch(int64_t n) : bytes_(static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(T)) {
    p_ = static_cast<T*>(host_alloc(bytes_));
  }
  ~Scratch() { host_free(p_, bytes_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* get() const { return p_; }

 private:
  size_t bytes_;
  T* p_;
};

// A recurrent weight as the B operand of the step GEMMs: element (p, j) at
// B[p * rs + j * cs], k x n, prepacked once per call when the steps have enough rows to
// amortise the packing; with a few rows (serving, batch 1) the GEMV reads it in place,
// which costs less than packing it.
template <typename T>
class StepWeight {
 public:
  StepWeight(int64_t k, int64_t n, const T* B, int64_t rs, int64_t cs, bool pack)
      : B_(B), rs_(rs), cs_(cs), buf_(pack ? static_cast<int64_t>(packed_b_elements<T>(k, n)) : 1), packed_(pack) {
    if (pack && k > 0 && n > 0) pack_b_full<T>(k, n, B, rs, cs, buf_.get());
  }
  const T* B() const { return packed_ ? nullptr : B_; }
  int64_t rs() const { return rs_; }
  int64_t cs() const { return cs_; }
  const T* Bp() const { return packed_ ? buf_.get() : nullptr; }

 private:
  const T* B_;
  int64_t rs_, cs_;
  Scratch<T> buf_;
  bool packed_;
};

// Rows per step from which the recurrent weights are packed.
constexpr int64_t kPackRows = 4;

// C [m, n] (row stride rsC) = A [m, k] (strides rsA, csA) · B + beta C (+ bias row).
template <typename T>
void mm(int64_t m, int64_t n, int64_t k, const T* A, int64_t rsA, int64_t csA, const T* B, int64_t rsB, int64_t csB,
        const T* Bp, T beta, T* C, int64_t rsC, const T* bias = nullptr) {
  if (m == 0 || n == 0) return;
  GemmArgs<T> g;
  g.m = m; g.n = n; g.k = k;
  g.A = A; g.rsA = rsA; g.csA = csA;
  if (Bp) g.Bp = Bp; else { g.B = B; g.rsB = rsB; g.csB = csB; }
  g.beta = beta;
  g.C = C; g.rsC = rsC; g.csC = 1;
  if (bias) { g.epi.bias = bias; g.epi.bias_rs = 0; g.epi.bias_cs = 1; }
  gemm_run<T>(g);
}

// Rows [b0, b1) of elementwise work, split over the pool when there are enough of them to
// pay for it (inline inside a pool job).
template <typename F>
void for_rows(int64_t b0, int64_t b1, int64_t work_per_row, const F& fn) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(work_per_row, 1));
  if (b1 - b0 <= grain) { fn(b0, b1); return; }
  parallel_for(b1 - b0, grain, [&](int64_t b, int64_t e) { fn(b0 + b, b0 + e); });
}

// Runs one time step over rows [0, rows). With enough rows, the rows are split over the
// threads once and each thread runs the whole step (its GEMMs serially) on its share: one
// synchronisation per step instead of one per GEMM and per gate pass, which is what costs
// most on a busy machine. With few rows (serving, batch 1) the step runs on this thread
// and its GEMMs split their columns over the threads instead.
constexpr int64_t kRowsPerThread = 8;
template <typename F>
void step_over_rows(int64_t rows, const F& fn) {
  if (rows <= 0) return;
  if (num_threads() > 1 && rows >= 2 * kRowsPerThread) {
    parallel_for(rows, kRowsPerThread, [&](int64_t b, int64_t e) { fn(b, e); });
  } else {
    fn(0, rows);
  }
}

inline bool valid(const int64_t* lengths, int64_t b, int64_t t) { return lengths == nullptr || t < lengths[b]; }

// Rows [0, active) hold every row still running at step t: the rows after the last valid
// one are skipped by the step's GEMMs and gate math (with lengths sorted longest first, as
// pack_padded_sequence sorts them, that is every finished row).
inline int64_t active_rows(const int64_t* lengths, int64_t B, int64_t t) {
  if (lengths == nullptr) return B;
  int64_t k = B;
  while (k > 0 && t >= lengths[k - 1]) --k;
  return k;
}

template <typename T>
struct CellKernels {
  void (*lstm)(int64_t, T*, const T*, T*, T*, T*) = rnn_cell::lstm_forward<T>;
  void (*gru)(int64_t, T*, const T*, const T*, T*, T*) = rnn_cell::gru_forward<T>;
  void (*rnn)(int64_t, bool, T*, T*) = rnn_cell::rnn_forward<T>;
};

template <typename T>
CellKernels<T> pick_cells() { return CellKernels<T>{}; }

template <>
CellKernels<float> pick_cells<float>() {
  CellKernels<float> k;
#if defined(TF_HAVE_AVX2_KERNELS)
  if (use_avx2()) {
    k.lstm = lstm_cell_f32_avx2;
    k.gru = gru_cell_f32_avx2;
    k.rnn = rnn_cell_f32_avx2;
  }
#endif
  return k;
}

}  // namespace

RnnWorkspaceLayout rnn_workspace_layout(const RnnConfig& c) {
  RnnWorkspaceLayout L;
  const int64_t tb = c.T * c.B, G = c.gates(), kept = c.save ? tb : c.B;
  L.gates = 0;
  L.cell = tb * G * c.H;
  L.tanh_c = L.cell + (c.mode == RnnMode::Lstm || c.mode == RnnMode::Gru ? kept * c.H : 0);
  L.per_dir = L.tanh_c + (c.mode == RnnMode::Lstm ? kept * c.H : 0);
  const int64_t layer_out = tb * c.dirs * c.P;
  L.outputs = L.per_dir * c.layers * c.dirs;
  L.inputs = L.outputs + layer_out * c.layers;
  L.total = L.inputs + layer_out * std::max<int64_t>(c.layers - 1, 0);
  return L;
}

template <typename T>
void rnn_forward(const RnnForwardArgs<T>& a) {
  const RnnConfig& c = a.cfg;
  const int64_t Tn = c.T, B = c.B, H = c.H, P = c.P, D = c.dirs, G = c.gates(), GH = G * H, TB = Tn * B, DP = D * P;
  const RnnWorkspaceLayout lay = rnn_workspace_layout(c);
  const CellKernels<T> cells = pick_cells<T>();
  const bool lstm = c.mode == RnnMode::Lstm, gru = c.mode == RnnMode::Gru, relu = c.mode == RnnMode::RnnRelu;
  Scratch<T> hcur(B * P), ccur(B * H), hbuf(B * H), hproj(c.proj() ? B * P : 1), rec(gru ? B * GH : 1), bias(GH);
  const T* x_l = a.x;
  for (int64_t l = 0; l < c.layers; ++l) {
    const int64_t In = c.input_size(l);
    T* y_l = a.ws + lay.outputs + l * TB * DP;
    for (int64_t d = 0; d < D; ++d) {
      const int64_t ld = l * D + d;
      const RnnWeights<T>& w = a.w[ld];
      T* ws = a.ws + ld * lay.per_dir;
      T* gates = ws + lay.gates;
      T* cell = ws + lay.cell;
      T* tanh_c = ws + lay.tanh_c;
      // Input projections of every step: one GEMM, the biases in its epilogue (GRU keeps
      // b_hh on the recurrent side, where r multiplies its n part).
      const T* bias_x = nullptr;
      if (c.has_bias) {
        for (int64_t j = 0; j < GH; ++j) bias.get()[j] = gru ? w.b_ih[j] : w.b_ih[j] + w.b_hh[j];
        bias_x = bias.get();
      }
      mm<T>(TB, GH, In, x_l, In, 1, w.w_ih, 1, In, nullptr, T(0), gates, GH, bias_x);
      const bool pack = B >= kPackRows;
      StepWeight<T> whh(P, GH, w.w_hh, 1, P, pack);
      std::unique_ptr<StepWeight<T>> whr;
      if (c.proj()) whr.reset(new StepWeight<T>(H, P, w.w_hr, 1, H, pack));
      if (a.h0) std::memcpy(hcur.get(), a.h0 + ld * B * P, sizeof(T) * B * P);
      else std::fill(hcur.get(), hcur.get() + B * P, T(0));
      if (lstm) {
        if (a.c0) std::memcpy(ccur.get(), a.c0 + ld * B * H, sizeof(T) * B * H);
        else std::fill(ccur.get(), ccur.get() + B * H, T(0));
      }
      for (int64_t s = 0; s < Tn; ++s) {
        const int64_t t = d == 0 ? s : Tn - 1 - s;
        T* g_t = gates + t * B * GH;
        T* y_t = y_l + t * B * DP + d * P;
        const int64_t Ba = active_rows(a.lengths, B, t);
        // One step for rows [b0, b1): the recurrent GEMM, the gate math, the projection,
        // the new state. Rows are independent within a step.
        auto rows = [&](int64_t b0, int64_t b1) {
          const int64_t m = b1 - b0;
          T* hc = hcur.get() + b0 * P;
          if (gru) mm<T>(m, GH, P, hc, P, 1, whh.B(), whh.rs(), whh.cs(), whh.Bp(), T(0), rec.get() + b0 * GH, GH, c.has_bias ? w.b_hh : nullptr);
          else mm<T>(m, GH, P, hc, P, 1, whh.B(), whh.rs(), whh.cs(), whh.Bp(), T(1), g_t + b0 * GH, GH);
          // Rows past their length keep their state; what the workspace holds for them is
          // never read (the backward skips them too).
          for_rows(b0, b1, GH * 8, [&](int64_t r0, int64_t r1) {
            for (int64_t b = r0; b < r1; ++b) {
              if (!valid(a.lengths, b, t)) continue;
              T* g = g_t + b * GH;
              T* hb = hbuf.get() + b * H;
              const int64_t row = c.save ? t * B + b : b;
              if (lstm && !c.save) {
                // The state is updated in place (each element is read before it is written).
                cells.lstm(H, g, ccur.get() + b * H, ccur.get() + b * H, tanh_c + row * H, hb);
              } else if (lstm) {
                cells.lstm(H, g, ccur.get() + b * H, cell + row * H, tanh_c + row * H, hb);
                std::memcpy(ccur.get() + b * H, cell + row * H, sizeof(T) * H);
              } else if (gru) {
                cells.gru(H, g, rec.get() + b * GH, hcur.get() + b * P, cell + row * H, hb);
              } else {
                cells.rnn(H, relu, g, hb);
              }
            }
          });
          const T* hnew = hbuf.get();
          int64_t hs = H;
          if (whr) {
            mm<T>(m, P, H, hbuf.get() + b0 * H, H, 1, whr->B(), whr->rs(), whr->cs(), whr->Bp(), T(0), hproj.get() + b0 * P, P);
            hnew = hproj.get();
            hs = P;
          }
          for (int64_t b = b0; b < b1; ++b) {
            if (!valid(a.lengths, b, t)) continue;
            std::memcpy(hcur.get() + b * P, hnew + b * hs, sizeof(T) * P);
            std::memcpy(y_t + b * DP, hnew + b * hs, sizeof(T) * P);
          }
        };
        step_over_rows(Ba, rows);
        for (int64_t b = 0; b < B; ++b)
          if (!valid(a.lengths, b, t)) std::fill(y_t + b * DP, y_t + b * DP + P, T(0));
      }
      std::memcpy(a.hN + ld * B * P, hcur.get(), sizeof(T) * B * P);
      if (lstm) std::memcpy(a.cN + ld * B * H, ccur.get(), sizeof(T) * B * H);
    }
    if (l + 1 < c.layers) {
      if (a.mask) {
        T* x_next = a.ws + lay.inputs + l * TB * DP;
        const T* m = a.mask + l * TB * DP;
        for (int64_t i = 0; i < TB * DP; ++i) x_next[i] = y_l[i] * m[i];
        x_l = x_next;
      } else {
        x_l = y_l;
      }
    } else {
      std::memcpy(a.out, y_l, sizeof(T) * TB * DP);
    }
  }
}

template <typename T>
void rnn_backward(const RnnBackwardArgs<T>& a) {
  const RnnConfig& c = a.cfg;
  const int64_t Tn = c.T, B = c.B, H = c.H, P = c.P, D = c.dirs, G = c.gates(), GH = G * H, TB = Tn * B, DP = D * P;
  const RnnWorkspaceLayout lay = rnn_workspace_layout(c);
  const bool lstm = c.mode == RnnMode::Lstm, gru = c.mode == RnnMode::Gru, relu = c.mode == RnnMode::RnnRelu;
  const bool proj = c.proj();
  int64_t max_in = c.I;
  if (c.layers > 1) max_in = std::max(max_in, DP);
  Scratch<T> dY(TB * DP), dXbuf(TB * max_in), dGi(TB * GH), dGh(gru ? TB * GH : 1), Hprev(TB * P);
  Scratch<T> dh(B * P), dc(B * H), dhp(B * P), dht(B * P), dhpre(B * H), direct(gru ? B * H : 1);
  Scratch<T> dHt(proj ? TB * P : 1), Hpre(proj ? TB * H : 1), ones(TB), zeros(H);
  std::fill(ones.get(), ones.get() + TB, T(1));
  std::fill(zeros.get(), zeros.get() + H, T(0));
  if (a.d_out) std::memcpy(dY.get(), a.d_out, sizeof(T) * TB * DP);
  else std::fill(dY.get(), dY.get() + TB * DP, T(0));

  for (int64_t l = c.layers - 1; l >= 0; --l) {
    const int64_t In = c.input_size(l);
    const T* x_l = l == 0 ? a.x : (a.mask ? a.ws + lay.inputs + (l - 1) * TB * DP : a.ws + lay.outputs + (l - 1) * TB * DP);
    const T* y_l = a.ws + lay.outputs + l * TB * DP;
    T* dX = l == 0 ? a.d_x : dXbuf.get();
    for (int64_t d = 0; d < D; ++d) {
      const int64_t ld = l * D + d;
      const RnnWeights<T>& w = a.w[ld];
      const RnnWeightGrads<T>& dw = a.dw[ld];
      const T* ws = a.ws + ld * lay.per_dir;
      const T* gates = ws + lay.gates;
      const T* cell = ws + lay.cell;
      const T* tanh_c = ws + lay.tanh_c;
      T* dgh_all = gru ? dGh.get() : dGi.get();
      const bool pack = B >= kPackRows;
      StepWeight<T> whh(GH, P, w.w_hh, P, 1, pack);
      std::unique_ptr<StepWeight<T>> whr;
      if (proj) whr.reset(new StepWeight<T>(P, H, w.w_hr, H, 1, pack));
      if (a.d_hN) std::memcpy(dh.get(), a.d_hN + ld * B * P, sizeof(T) * B * P);
      else std::fill(dh.get(), dh.get() + B * P, T(0));
      if (lstm) {
        if (a.d_cN) std::memcpy(dc.get(), a.d_cN + ld * B * H, sizeof(T) * B * H);
        else std::fill(dc.get(), dc.get() + B * H, T(0));
      }
      const T* h0 = a.h0 ? a.h0 + ld * B * P : nullptr;
      const T* c0 = a.c0 ? a.c0 + ld * B * H : nullptr;
      for (int64_t s = Tn - 1; s >= 0; --s) {
        const int64_t t = d == 0 ? s : Tn - 1 - s;
        const int64_t tp = d == 0 ? t - 1 : t + 1;  // the step before t in processing order
        const int64_t Ba = active_rows(a.lengths, B, t);
        const int64_t hs = proj ? H : P;
        T* dgi_t = dGi.get() + t * B * GH;
        T* dgh_t = dgh_all + t * B * GH;
        // One step back for rows [b0, b1) (rows are independent within a step).
        auto rows = [&](int64_t b0, int64_t b1) {
          const int64_t m = std::min(b1, Ba) - b0;  // rows the GEMMs need
          // dht = dh + dY for valid rows (0 elsewhere); h_prev of each row.
          for (int64_t b = b0; b < b1; ++b) {
            T* o = dht.get() + b * P;
            T* hp = Hprev.get() + (t * B + b) * P;
            if (!valid(a.lengths, b, t)) {
              std::fill(o, o + P, T(0));
              std::fill(hp, hp + P, T(0));
              continue;
            }
            const T* dy = dY.get() + (t * B + b) * DP + d * P;
            const T* dhb = dh.get() + b * P;
            for (int64_t j = 0; j < P; ++j) o[j] = dhb[j] + dy[j];
            const bool first = tp < 0 || tp >= Tn || !valid(a.lengths, b, tp);
            const T* src = first ? (h0 ? h0 + b * P : nullptr) : y_l + (tp * B + b) * DP + d * P;
            if (src) std::memcpy(hp, src, sizeof(T) * P); else std::fill(hp, hp + P, T(0));
          }
          const T* dh_cell = dht.get();
          if (proj) {
            std::memcpy(dHt.get() + (t * B + b0) * P, dht.get() + b0 * P, sizeof(T) * (b1 - b0) * P);
            if (m > 0) mm<T>(m, H, P, dht.get() + b0 * P, P, 1, whr->B(), whr->rs(), whr->cs(), whr->Bp(), T(0), dhpre.get() + b0 * H, H);
            dh_cell = dhpre.get();
          }
          for_rows(b0, b1, GH * 2, [&](int64_t r0, int64_t r1) {
            for (int64_t b = r0; b < r1; ++b) {
              const int64_t row = t * B + b;
              if (!valid(a.lengths, b, t)) {
                std::fill(dgi_t + b * GH, dgi_t + b * GH + GH, T(0));
                if (gru) std::fill(dgh_t + b * GH, dgh_t + b * GH + GH, T(0));
                if (proj) std::fill(Hpre.get() + row * H, Hpre.get() + row * H + H, T(0));
                continue;
              }
              const T* g = gates + row * GH;
              if (lstm) {
                const bool first = tp < 0 || tp >= Tn || !valid(a.lengths, b, tp);
                const T* cp = first ? (c0 ? c0 + b * H : zeros.get()) : cell + (tp * B + b) * H;
                rnn_cell::lstm_backward<T>(H, g, cp, tanh_c + row * H, dh_cell + b * hs, dc.get() + b * H, dgi_t + b * GH);
                if (proj) {
                  T* hpre = Hpre.get() + row * H;
                  for (int64_t j = 0; j < H; ++j) hpre[j] = g[3 * H + j] * tanh_c[row * H + j];
                }
              } else if (gru) {
                rnn_cell::gru_backward<T>(H, g, cell + row * H, Hprev.get() + row * P, dh_cell + b * hs, dgi_t + b * GH,
                                          dgh_t + b * GH, direct.get() + b * H);
              } else {
                rnn_cell::rnn_backward<T>(H, relu, g, dh_cell + b * hs, dgi_t + b * GH);
              }
            }
          });
          // dh_prev = dG_h · W_hh (+ z dh for GRU); rows past their length carry dh.
          if (m <= 0) return;
          mm<T>(m, P, GH, dgh_t + b0 * GH, GH, 1, whh.B(), whh.rs(), whh.cs(), whh.Bp(), T(0), dhp.get() + b0 * P, P);
          for (int64_t b = b0; b < b0 + m; ++b) {
            if (!valid(a.lengths, b, t)) continue;
            T* o = dh.get() + b * P;
            const T* src = dhp.get() + b * P;
            if (gru) {
              const T* dr = direct.get() + b * H;
              for (int64_t j = 0; j < P; ++j) o[j] = src[j] + dr[j];
            } else {
              std::memcpy(o, src, sizeof(T) * P);
            }
          }
        };
        step_over_rows(B, rows);
      }
      if (a.d_h0) std::memcpy(a.d_h0 + ld * B * P, dh.get(), sizeof(T) * B * P);
      if (lstm && a.d_c0) std::memcpy(a.d_c0 + ld * B * H, dc.get(), sizeof(T) * B * H);
      // Weight gradients: one GEMM each over all T*B rows.
      if (dw.w_ih) mm<T>(GH, In, TB, dGi.get(), 1, GH, x_l, In, 1, nullptr, T(0), dw.w_ih, In);
      if (dw.w_hh) mm<T>(GH, P, TB, dgh_all, 1, GH, Hprev.get(), P, 1, nullptr, T(0), dw.w_hh, P);
      if (dw.b_ih) mm<T>(1, GH, TB, ones.get(), TB, 1, dGi.get(), GH, 1, nullptr, T(0), dw.b_ih, GH);
      if (dw.b_hh) mm<T>(1, GH, TB, ones.get(), TB, 1, dgh_all, GH, 1, nullptr, T(0), dw.b_hh, GH);
      if (proj && dw.w_hr) mm<T>(P, H, TB, dHt.get(), 1, P, Hpre.get(), H, 1, nullptr, T(0), dw.w_hr, H);
      if (dX) mm<T>(TB, In, GH, dGi.get(), GH, 1, w.w_ih, In, 1, nullptr, d == 0 ? T(0) : T(1), dX, In);
    }
    if (l > 0) {
      // The gradient of layer l-1's output: through the dropout mask when there is one.
      const T* m = a.mask ? a.mask + (l - 1) * TB * DP : nullptr;
      for (int64_t i = 0; i < TB * DP; ++i) dY.get()[i] = m ? dXbuf.get()[i] * m[i] : dXbuf.get()[i];
    }
  }
}

template void rnn_forward<float>(const RnnForwardArgs<float>&);
template void rnn_forward<double>(const RnnForwardArgs<double>&);
template void rnn_backward<float>(const RnnBackwardArgs<float>&);
template void rnn_backward<double>(const RnnBackwardArgs<double>&);

}  // namespace tf
