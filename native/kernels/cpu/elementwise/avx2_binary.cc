// AVX2 float32 binary runs: add/sub/mul/div/maximum/minimum with each operand either a
// vector (stride 1) or one broadcast value (stride 0), which covers tensor-tensor,
// tensor-scalar and the common row/column broadcasts. Compiled with -mavx2 -mfma.
// x86-64 only: other architectures build this file empty and use the portable kernels.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "elementwise.h"

namespace tf {
namespace {

// Scalar tails. Local (internal linkage) on purpose: an inline function shared with the
// portable files (ops.h) would be compiled here with AVX2 enabled, and the linker may keep
// this copy for the portable callers too, which would then fault on CPUs without AVX2.
inline float max_nan(float a, float b) { return a != a ? a : b != b ? b : (a > b ? a : b); }
inline float min_nan(float a, float b) { return a != a ? a : b != b ? b : (a < b ? a : b); }

struct AddV { static __m256 v(__m256 a, __m256 b) { return _mm256_add_ps(a, b); } static float s(float a, float b) { return a + b; } };
struct SubV { static __m256 v(__m256 a, __m256 b) { return _mm256_sub_ps(a, b); } static float s(float a, float b) { return a - b; } };
struct MulV { static __m256 v(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); } static float s(float a, float b) { return a * b; } };
struct DivV { static __m256 v(__m256 a, __m256 b) { return _mm256_div_ps(a, b); } static float s(float a, float b) { return a / b; } };
// max/min_ps return the second operand when either is NaN: put a NaN in a back.
struct MaxV {
  static __m256 v(__m256 a, __m256 b) { return _mm256_blendv_ps(_mm256_max_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q)); }
  static float s(float a, float b) { return max_nan(a, b); }
};
struct MinV {
  static __m256 v(__m256 a, __m256 b) { return _mm256_blendv_ps(_mm256_min_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q)); }
  static float s(float a, float b) { return min_nan(a, b); }
};

// relu's gradient: a where b > 0, else 0 (NaN b compares false: 0).
struct ReluBwdV {
  static __m256 v(__m256 a, __m256 b) { return _mm256_and_ps(a, _mm256_cmp_ps(b, _mm256_setzero_ps(), _CMP_GT_OQ)); }
  static float s(float a, float b) { return b > 0.0f ? a : 0.0f; }
};

template <typename Op, bool kVecA, bool kVecB>
void run(float* out, const float* a, const float* b, int64_t n) {
  const __m256 av = kVecA ? _mm256_setzero_ps() : _mm256_set1_ps(*a);
  const __m256 bv = kVecB ? _mm256_setzero_ps() : _mm256_set1_ps(*b);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 a0 = kVecA ? _mm256_loadu_ps(a + i) : av, a1 = kVecA ? _mm256_loadu_ps(a + i + 8) : av;
    __m256 b0 = kVecB ? _mm256_loadu_ps(b + i) : bv, b1 = kVecB ? _mm256_loadu_ps(b + i + 8) : bv;
    _mm256_storeu_ps(out + i, Op::v(a0, b0));
    _mm256_storeu_ps(out + i + 8, Op::v(a1, b1));
  }
  if (i + 8 <= n) {
    _mm256_storeu_ps(out + i, Op::v(kVecA ? _mm256_loadu_ps(a + i) : av, kVecB ? _mm256_loadu_ps(b + i) : bv));
    i += 8;
  }
  for (; i < n; ++i) out[i] = Op::s(kVecA ? a[i] : *a, kVecB ? b[i] : *b);
}

template <typename Op>
void run_strides(float* out, const float* a, int64_t sa, const float* b, int64_t sb, int64_t n) {
  if (sa && sb) run<Op, true, true>(out, a, b, n);
  else if (sa) run<Op, true, false>(out, a, b, n);
  else if (sb) run<Op, false, true>(out, a, b, n);
  else run<Op, false, false>(out, a, b, n);
}

}  // namespace

bool avx2_binary_f32(BinaryOp op, float* out, const float* a, int64_t sa, const float* b, int64_t sb, int64_t n) {
  switch (op) {
    case BinaryOp::kAdd: run_strides<AddV>(out, a, sa, b, sb, n); return true;
    case BinaryOp::kSub: run_strides<SubV>(out, a, sa, b, sb, n); return true;
    case BinaryOp::kMul: run_strides<MulV>(out, a, sa, b, sb, n); return true;
    case BinaryOp::kDiv: run_strides<DivV>(out, a, sa, b, sb, n); return true;
    case BinaryOp::kMaximum: run_strides<MaxV>(out, a, sa, b, sb, n); return true;
    case BinaryOp::kMinimum: run_strides<MinV>(out, a, sa, b, sb, n); return true;
    case BinaryOp::kReluBackward: run_strides<ReluBwdV>(out, a, sa, b, sb, n); return true;
    default: return false;
  }
}

}  // namespace tf

#endif  // x86-64
