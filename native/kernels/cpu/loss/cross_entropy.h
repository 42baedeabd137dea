// Cross entropy of logits with class-index targets, fused: log-softmax, the picked
// log-probability, class weights, ignoreIndex, label smoothing and the reduction in one
// pass over each row, and the gradient in one more. Rows are the N samples of an [N, C]
// input (any row and column strides).
//
// Per row i with target t (w_c = weight[c], or 1 without weights; s = smoothing):
//   lse_i  = log(sum_c exp(x_ic)), kept as m_i = max_c x_ic and log(sum_c exp(x_ic - m_i))
//   loss_i = (1 - s) * w_t * (lse_i - x_it) + s / C * sum_c w_c * (lse_i - x_ic)
// and 0 where t == ignore_index. 'sum' adds the rows, 'mean' divides that by the summed
// w_t of the rows not ignored (0 / 0 = NaN when every row is ignored, as in PyTorch).
// Gradient, with coef_i the incoming gradient of row i (already divided by the weight
// total for 'mean') and p_ic = exp(x_ic - lse_i), W = sum_c w_c:
//   dx_ic = coef_i * ((1 - s) * w_t * (p_ic - [c == t]) + s / C * (W p_ic - w_c)),
// 0 on ignored rows.
#pragma once
#include <cstdint>

namespace tf {

enum class LossReduction : int { kNone = 0, kSum = 1, kMean = 2 };

template <typename T>
struct CrossEntropyArgs {
  int64_t n = 0, c = 0;
  const T* x = nullptr;
  int64_t rs = 0, cs = 1;          // x[i * rs + j * cs]
  const int32_t* target = nullptr;
  int64_t ts = 1;                  // target[i * ts]
  const T* weight = nullptr;       // [C] with stride ws, or null
  int64_t ws = 1;
  int64_t ignore_index = -100;
  double smoothing = 0;
};

// What the forward found: bad_row >= 0 names the first row whose target is neither in
// [0, C) nor ignore_index (nothing is written then); total_weight is sum of w_t over the
// rows not ignored.
struct CrossEntropyResult {
  int64_t bad_row = -1;
  int64_t bad_value = 0;
  double total_weight = 0;
};

// Writes stats[2n] (per row: the max m and log(sum exp(x - m)), so lse = m + that) and
// out: n per-row losses ('none') or one value.
template <typename T>
CrossEntropyResult cross_entropy_forward(const CrossEntropyArgs<T>& a, LossReduction r, T* stats, T* out);

// dx (contiguous [n, c]) from the saved stats; coef[i * coef_stride] * scale is row i's
// incoming gradient (coef_stride 0: one value for every row).
template <typename T>
void cross_entropy_backward(const CrossEntropyArgs<T>& a, const T* stats, const T* coef,
                            int64_t coef_stride, double scale, T* dx);

}  // namespace tf
