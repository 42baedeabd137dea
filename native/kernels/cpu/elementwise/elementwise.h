// Elementwise kernels: binary arithmetic, comparisons and logical ops, unary math,
// where and masked fill, over strided layouts (operand 0 is always the output).
// Every op has a portable C++ version for every dtype; float32 contiguous runs of the
// hot ops go to AVX2+FMA versions (avx2_*.cc) when tf::use_avx2() allows.
#pragma once
#include <cstdint>
#include <stdexcept>

#include "../dtype.h"
#include "../strided.h"

namespace tf {

// Binary ops. Arithmetic ops write the input dtype; comparison and logical ops (kEq and
// after) write bool. The codes match lib/ops/elementwise_common.ts.
enum class BinaryOp : int {
  kAdd = 0, kSub, kMul, kDiv, kDivTrunc, kDivFloor, kPow, kMaximum, kMinimum,
  kRemainder, kFmod, kAddAlpha,  // a + alpha * b
  kReluBackward,  // b > 0 ? a : 0 (relu's gradient a from its output b; NaN b gives 0)
  kEq = 16, kNe, kLt, kLe, kGt, kGe, kLogicalAnd, kLogicalOr, kLogicalXor,
};
constexpr int kBinaryOpCount = 25;
inline bool writes_bool(BinaryOp op) { return static_cast<int>(op) >= static_cast<int>(BinaryOp::kEq); }

// Unary ops; the output has the input's dtype. p0/p1 are op parameters (see each op).
enum class UnaryOp : int {
  kNeg = 0, kAbs, kExp, kLog, kLog1p, kSqrt, kRsqrt, kSin, kCos, kTanh, kSigmoid, kRelu,
  kGelu, kGeluTanh, kSilu,
  kLeakyRelu,  // p0 = negative slope
  kElu,        // p0 = alpha
  kSoftplus,   // p0 = beta, p1 = threshold
  kClamp,      // p0 = min, p1 = max (NaN-free; pass +-inf or int limits for "none")
  kSign, kFloor, kCeil, kRound, kSquare, kReciprocal,
  kFill,       // p0 = value (input ignored)
  kExpm1,
};
constexpr int kUnaryOpCount = 27;
// Ops defined for int32 and bool tensors too (the rest are float-only).
bool unary_supports(UnaryOp op, DType dt);
bool binary_supports(BinaryOp op, DType dt);

// out = a op b over L (operands: 0 out, 1 a, 2 b). a, b have dtype dt; out has dt, or
// bool for comparisons. alpha is used by kAddAlpha only. Integer division or remainder
// by zero throws ZeroDivisionError.
void binary_strided(BinaryOp op, DType dt, void* out, const void* a, const void* b,
                    const StridedLayout<3>& L, double alpha);

// out[i] = op(x[i]) over L (operands: 0 out, 1 x), both of dtype dt.
void unary_strided(UnaryOp op, DType dt, void* out, const void* x, const StridedLayout<2>& L,
                   double p0, double p1);

// out = cond ? a : b over L (operands: 0 out, 1 cond (bool), 2 a, 3 b); a, b, out of dt.
void where_strided(DType dt, void* out, const uint8_t* cond, const void* a, const void* b,
                   const StridedLayout<4>& L);

// out = mask ? value : x over L (operands: 0 out, 1 x, 2 mask (bool)); out may alias x.
void masked_fill_strided(DType dt, void* out, const void* x, const uint8_t* mask,
                         const StridedLayout<3>& L, double value);

// Thrown for integer division or remainder by zero; the addon turns it into
// ERR_TF_ZERO_DIVISION (kernels never see N-API).
struct ZeroDivisionError : std::runtime_error {
  ZeroDivisionError() : std::runtime_error("integer division by zero") {}
};

#ifdef TF_HAVE_AVX2_KERNELS
// AVX2+FMA float32 runs (avx2_binary.cc, avx2_unary.cc). Only called after use_avx2().
// sa/sb are 1 (a vector) or 0 (one value broadcast); return false for an op they lack.
bool avx2_binary_f32(BinaryOp op, float* out, const float* a, int64_t sa, const float* b,
                     int64_t sb, int64_t n);
bool avx2_unary_f32(UnaryOp op, float* out, const float* x, int64_t n);
bool avx2_has_unary(UnaryOp op);
#endif

}  // namespace tf
