// AVX2 float32 unary runs for the hot activations and transcendental functions.
// The tail (n % 8) goes through the same vector code on a padded copy, so every element
// of a tensor gets the same approximation whatever its position.
// x86-64 only: other architectures build this file empty and use the portable kernels.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cstring>

#include "avx2_math.h"
#include "elementwise.h"

namespace tf {
namespace {

struct ReluV { static __m256 v(__m256 x) { return _mm256_blendv_ps(_mm256_max_ps(x, _mm256_setzero_ps()), x, avx2::is_nan(x)); } };
struct ExpV { static __m256 v(__m256 x) { return avx2::exp_ps(x); } };
struct LogV { static __m256 v(__m256 x) { return avx2::log_ps(x); } };
struct TanhV { static __m256 v(__m256 x) { return avx2::tanh_ps(x); } };
struct SigmoidV { static __m256 v(__m256 x) { return avx2::sigmoid_ps(x); } };
struct SiluV { static __m256 v(__m256 x) { return avx2::silu_ps(x); } };
struct GeluV { static __m256 v(__m256 x) { return avx2::gelu_ps(x); } };
struct GeluTanhV { static __m256 v(__m256 x) { return avx2::gelu_tanh_ps(x); } };

template <typename Op>
void run(float* out, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, Op::v(_mm256_loadu_ps(x + i)));
  if (i < n) {
    alignas(32) float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(buf, x + i, static_cast<size_t>(n - i) * sizeof(float));
    _mm256_store_ps(buf, Op::v(_mm256_load_ps(buf)));
    std::memcpy(out + i, buf, static_cast<size_t>(n - i) * sizeof(float));
  }
}

}  // namespace

bool avx2_has_unary(UnaryOp op) {
  switch (op) {
    case UnaryOp::kRelu: case UnaryOp::kExp: case UnaryOp::kLog: case UnaryOp::kTanh:
    case UnaryOp::kSigmoid: case UnaryOp::kSilu: case UnaryOp::kGelu: case UnaryOp::kGeluTanh:
      return true;
    default:
      return false;
  }
}

bool avx2_unary_f32(UnaryOp op, float* out, const float* x, int64_t n) {
  switch (op) {
    case UnaryOp::kRelu: run<ReluV>(out, x, n); return true;
    case UnaryOp::kExp: run<ExpV>(out, x, n); return true;
    case UnaryOp::kLog: run<LogV>(out, x, n); return true;
    case UnaryOp::kTanh: run<TanhV>(out, x, n); return true;
    case UnaryOp::kSigmoid: run<SigmoidV>(out, x, n); return true;
    case UnaryOp::kSilu: run<SiluV>(out, x, n); return true;
    case UnaryOp::kGelu: run<GeluV>(out, x, n); return true;
    case UnaryOp::kGeluTanh: run<GeluTanhV>(out, x, n); return true;
    default: return false;
  }
}

}  // namespace tf

#endif  // x86-64
