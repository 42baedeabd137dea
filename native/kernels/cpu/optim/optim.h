// Fused optimizer steps: one call updates a whole parameter (and its state) in place,
// element by element, with PyTorch's update rules (torch/optim/*.py, single-tensor path).
// All buffers are contiguous and of the parameter's dtype. Scalars that do not depend on
// the element (bias corrections, decayed learning rates) are computed by the caller in
// double and passed in `h`.
#pragma once
#include <cstdint>

#include "../dtype.h"

namespace tf {

enum class OptimKind : int { SGD = 0, Adam = 1, RMSprop = 2, Adagrad = 3 };

// Hyperparameter slots of h[], per kind:
//   SGD:     0 lr, 1 momentum, 2 dampening, 3 weight_decay, 4 nesterov, 5 maximize,
//            6 first (momentum buffer not yet initialised: buf = grad)
//   Adam:    0 lr, 1 beta1, 2 beta2, 3 eps, 4 weight_decay, 5 amsgrad, 6 maximize,
//            7 decoupled (AdamW), 8 step_size = lr / (1 - beta1^t), 9 sqrt(1 - beta2^t)
//   RMSprop: 0 lr, 1 alpha, 2 eps, 3 weight_decay, 4 momentum, 5 centered, 6 maximize
//   Adagrad: 0 clr = lr / (1 + (t - 1) lr_decay), 1 weight_decay, 2 eps, 3 maximize
// State buffers s1..s3, per kind (null when the option is off):
//   SGD: s1 momentum_buffer.  Adam: s1 exp_avg, s2 exp_avg_sq, s3 max_exp_avg_sq.
//   RMSprop: s1 square_avg, s2 momentum_buffer, s3 grad_avg.  Adagrad: s1 sum.
struct OptimArgs {
  int64_t n = 0;
  void* p = nullptr;
  const void* g = nullptr;
  void* s1 = nullptr;
  void* s2 = nullptr;
  void* s3 = nullptr;
  double h[12] = {0};
};

void optim_step(OptimKind kind, DType dtype, const OptimArgs& a);

enum class GradUtilKind : int { SumPow = 0, MaxAbs = 1, Scale = 2, Clamp = 3 };

// SumPow: returns sum |x|^a (a = 2 takes a fast path), accumulated in double in fixed
// blocks so the result does not depend on the thread count. MaxAbs: max |x| (NaN if any
// is NaN). Scale: x *= a. Clamp: x = min(max(x, -a), a) (NaN stays NaN). Returns 0 for
// the in-place kinds.
double grad_util(GradUtilKind kind, DType dtype, void* x, int64_t n, double a);

#if defined(TF_HAVE_AVX2_KERNELS)
// AVX2+FMA versions for float32 over [begin, end) (optim_avx2.cc); only called after
// use_avx2() returned true.
void sgd_f32_avx2(const OptimArgs& a, int64_t begin, int64_t end);
void adam_f32_avx2(const OptimArgs& a, int64_t begin, int64_t end);
#endif

}  // namespace tf
