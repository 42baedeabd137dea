// Fused batch normalisation over contiguous [N, C, S] (S = H * W, or L, or 1): one pass
// computes the per-channel statistics, a second writes y; the backward reduces gy and
// gy * x̂ per channel and writes gx in one more pass. Statistics are accumulated in double.
#pragma once
#include <cstdint>

#include "../dtype.h"

namespace tf {

struct BatchNormArgs {
  int64_t n = 0, c = 0, s = 0;
  double eps = 1e-5;
  const void* x = nullptr;
  void* y = nullptr;
  const void* weight = nullptr;  // [C] or null (1)
  const void* bias = nullptr;    // [C] or null (0)
  // Written (when not null) with the mean and 1 / sqrt(var + eps) that were used: the
  // batch's (biased var) in training, the running ones in eval.
  void* save_mean = nullptr;    // [C]
  void* save_invstd = nullptr;  // [C]
  // Running statistics (training with tracking: updated in place with momentum and the
  // unbiased variance; eval: read).
  void* rmean = nullptr;
  void* rvar = nullptr;
  double momentum = 0.1;
  bool training = true;
};

void batch_norm_forward(DType dtype, const BatchNormArgs& a);

struct BatchNormGradArgs {
  int64_t n = 0, c = 0, s = 0;
  const void* gy = nullptr;
  const void* x = nullptr;
  const void* weight = nullptr;       // or null (1)
  const void* save_mean = nullptr;
  const void* save_invstd = nullptr;
  bool training = true;               // false: mean and invstd are constants
  void* gx = nullptr;                 // or null
  void* gweight = nullptr;            // or null
  void* gbias = nullptr;              // or null
};

void batch_norm_backward(DType dtype, const BatchNormGradArgs& a);

}  // namespace tf
