// Scalar definitions of every elementwise op: the portable kernels loop over these, and
// they state the contract the AVX2 kernels must meet (NaN and infinity handling included).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "elementwise.h"

namespace tf {
namespace ew {

template <typename T>
constexpr bool is_float_v = std::is_floating_point_v<T>;

// Integer + - * wrap around like PyTorch (two's complement) instead of overflowing (UB).
inline int32_t wrap_add(int32_t a, int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b)); }
inline int32_t wrap_sub(int32_t a, int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b)); }
inline int32_t wrap_mul(int32_t a, int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b)); }

inline int32_t int_div_trunc(int32_t a, int32_t b) {
  if (b == 0) throw ZeroDivisionError();
  if (b == -1) return wrap_sub(0, a);  // INT_MIN / -1 traps on x86
  return a / b;
}
inline int32_t int_div_floor(int32_t a, int32_t b) {
  int32_t q = int_div_trunc(a, b);
  if (b != -1 && (a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
inline int32_t int_fmod(int32_t a, int32_t b) {
  if (b == 0) throw ZeroDivisionError();
  if (b == -1) return 0;
  return a % b;
}
inline int32_t int_remainder(int32_t a, int32_t b) {
  int32_t r = int_fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
// Integer powers by squaring; negative exponents give 1, +-1 or 0 as PyTorch does.
inline int32_t int_pow(int32_t base, int32_t e) {
  if (e < 0) {
    if (base == 1) return 1;
    if (base == -1) return (e & 1) ? -1 : 1;
    return 0;
  }
  uint32_t result = 1, b = static_cast<uint32_t>(base);
  while (e) {
    if (e & 1) result *= b;
    b *= b;
    e >>= 1;
  }
  return static_cast<int32_t>(result);
}

// Python's float floor division (what PyTorch's floor_divide does): exact for cases
// like 1 // 0.1 == 9 where floor(1 / 0.1) would give 10.
template <typename T>
inline T float_div_floor(T a, T b) {
  if (b == T(0)) return a / b;
  T mod = std::fmod(a, b);
  T div = (a - mod) / b;
  if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) div -= T(1);
  if (div == T(0)) return std::copysign(T(0), a / b);
  T f = std::floor(div);
  if (div - f > T(0.5)) f += T(1);
  return f;
}
template <typename T>
inline T float_remainder(T a, T b) {
  T r = std::fmod(a, b);
  if (r != T(0) && ((r < T(0)) != (b < T(0)))) r += b;
  return r;
}

template <typename T>
inline T nan_max(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (a != a) return a;
    if (b != b) return b;
  }
  return a > b ? a : b;
}
template <typename T>
inline T nan_min(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (a != a) return a;
    if (b != b) return b;
  }
  return a < b ? a : b;
}

template <BinaryOp OP, typename T>
inline T arith(T a, T b, T alpha) {
  constexpr bool kBool = std::is_same_v<T, uint8_t>;
  if constexpr (kBool) {
    // bool arithmetic as PyTorch: + is or, * is and; max/min on 0/1 are or/and.
    if constexpr (OP == BinaryOp::kAdd) return a | b;
    else if constexpr (OP == BinaryOp::kAddAlpha) return a | (b & alpha);
    else if constexpr (OP == BinaryOp::kMul) return a & b;
    else if constexpr (OP == BinaryOp::kMaximum) return a | b;
    else if constexpr (OP == BinaryOp::kMinimum) return a & b;
    else return 0;
  } else if constexpr (std::is_same_v<T, int32_t>) {
    if constexpr (OP == BinaryOp::kAdd) return wrap_add(a, b);
    else if constexpr (OP == BinaryOp::kAddAlpha) return wrap_add(a, wrap_mul(alpha, b));
    else if constexpr (OP == BinaryOp::kSub) return wrap_sub(a, b);
    else if constexpr (OP == BinaryOp::kMul) return wrap_mul(a, b);
    else if constexpr (OP == BinaryOp::kDivTrunc) return int_div_trunc(a, b);
    else if constexpr (OP == BinaryOp::kDivFloor) return int_div_floor(a, b);
    else if constexpr (OP == BinaryOp::kPow) return int_pow(a, b);
    else if constexpr (OP == BinaryOp::kMaximum) return nan_max(a, b);
    else if constexpr (OP == BinaryOp::kMinimum) return nan_min(a, b);
    else if constexpr (OP == BinaryOp::kRemainder) return int_remainder(a, b);
    else if constexpr (OP == BinaryOp::kFmod) return int_fmod(a, b);
    else if constexpr (OP == BinaryOp::kReluBackward) return b > 0 ? a : 0;
    else return 0;
  } else {
    if constexpr (OP == BinaryOp::kAdd) return a + b;
    else if constexpr (OP == BinaryOp::kAddAlpha) return a + alpha * b;
    else if constexpr (OP == BinaryOp::kSub) return a - b;
    else if constexpr (OP == BinaryOp::kMul) return a * b;
    else if constexpr (OP == BinaryOp::kDiv) return a / b;
    else if constexpr (OP == BinaryOp::kDivTrunc) return std::trunc(a / b);
    else if constexpr (OP == BinaryOp::kDivFloor) return float_div_floor(a, b);
    else if constexpr (OP == BinaryOp::kPow) return std::pow(a, b);
    else if constexpr (OP == BinaryOp::kMaximum) return nan_max(a, b);
    else if constexpr (OP == BinaryOp::kMinimum) return nan_min(a, b);
    else if constexpr (OP == BinaryOp::kRemainder) return float_remainder(a, b);
    else if constexpr (OP == BinaryOp::kFmod) return std::fmod(a, b);
    else if constexpr (OP == BinaryOp::kReluBackward) return b > T(0) ? a : T(0);
    else return 0;
  }
}

template <BinaryOp OP, typename T>
inline uint8_t compare(T a, T b) {
  if constexpr (OP == BinaryOp::kEq) return a == b;
  else if constexpr (OP == BinaryOp::kNe) return a != b;
  else if constexpr (OP == BinaryOp::kLt) return a < b;
  else if constexpr (OP == BinaryOp::kLe) return a <= b;
  else if constexpr (OP == BinaryOp::kGt) return a > b;
  else if constexpr (OP == BinaryOp::kGe) return a >= b;
  else if constexpr (OP == BinaryOp::kLogicalAnd) return (a != T(0)) & (b != T(0));
  else if constexpr (OP == BinaryOp::kLogicalOr) return (a != T(0)) | (b != T(0));
  else return (a != T(0)) ^ (b != T(0));
}

// Float unary math in T's own precision (float ops use the float overloads).
template <UnaryOp OP, typename T>
inline T unary_float(T x, T p0, T p1) {
  if constexpr (OP == UnaryOp::kNeg) return -x;
  else if constexpr (OP == UnaryOp::kAbs) return std::fabs(x);
  else if constexpr (OP == UnaryOp::kExp) return std::exp(x);
  else if constexpr (OP == UnaryOp::kExpm1) return std::expm1(x);
  else if constexpr (OP == UnaryOp::kLog) return std::log(x);
  else if constexpr (OP == UnaryOp::kLog1p) return std::log1p(x);
  else if constexpr (OP == UnaryOp::kSqrt) return std::sqrt(x);
  else if constexpr (OP == UnaryOp::kRsqrt) return T(1) / std::sqrt(x);
  else if constexpr (OP == UnaryOp::kSin) return std::sin(x);
  else if constexpr (OP == UnaryOp::kCos) return std::cos(x);
  else if constexpr (OP == UnaryOp::kTanh) return std::tanh(x);
  else if constexpr (OP == UnaryOp::kSigmoid) return T(1) / (T(1) + std::exp(-x));
  else if constexpr (OP == UnaryOp::kRelu) return x < T(0) ? T(0) : x;  // NaN stays NaN
  else if constexpr (OP == UnaryOp::kGelu) {
    // x * Phi(x) with Phi through erfc: no cancellation in the negative tail. In double:
    // erfc's argument must carry more bits than float has for the tail to stay accurate.
    double xd = x;
    return static_cast<T>(0.5 * xd * std::erfc(xd * -0.70710678118654752440));
  } else if constexpr (OP == UnaryOp::kGeluTanh) {
    // 0.5 x (1 + tanh(u)) == x * sigmoid(2u), the form without cancellation.
    double xd = x;
    double u = 0.79788456080286535588 * (xd + 0.044715 * xd * xd * xd);
    return static_cast<T>(xd / (1.0 + std::exp(-2.0 * u)));
  } else if constexpr (OP == UnaryOp::kSilu) return x / (T(1) + std::exp(-x));
  else if constexpr (OP == UnaryOp::kLeakyRelu) return x > T(0) ? x : x * p0;
  else if constexpr (OP == UnaryOp::kElu) return x > T(0) ? x : p0 * std::expm1(x);
  else if constexpr (OP == UnaryOp::kSoftplus) return x * p0 > p1 ? x : std::log1p(std::exp(x * p0)) / p0;
  else if constexpr (OP == UnaryOp::kClamp) return nan_min(nan_max(x, p0), p1);
  else if constexpr (OP == UnaryOp::kSign) return static_cast<T>((T(0) < x) - (x < T(0)));
  else if constexpr (OP == UnaryOp::kFloor) return std::floor(x);
  else if constexpr (OP == UnaryOp::kCeil) return std::ceil(x);
  else if constexpr (OP == UnaryOp::kRound) return std::nearbyint(x);  // half to even
  else if constexpr (OP == UnaryOp::kSquare) return x * x;
  else if constexpr (OP == UnaryOp::kReciprocal) return T(1) / x;
  else return p0;  // kFill
}

// The ops int32 supports (bool: sign, floor/ceil/round (identity) and fill).
template <UnaryOp OP, typename T>
inline T unary_int(T x, T p0, T p1) {
  if constexpr (std::is_same_v<T, uint8_t>) {
    if constexpr (OP == UnaryOp::kFill) return p0;
    else return x;
  } else {
    if constexpr (OP == UnaryOp::kNeg) return wrap_sub(0, x);
    else if constexpr (OP == UnaryOp::kAbs) return x < 0 ? wrap_sub(0, x) : x;
    else if constexpr (OP == UnaryOp::kRelu) return x < 0 ? 0 : x;
    else if constexpr (OP == UnaryOp::kClamp) return nan_min(nan_max(x, p0), p1);
    else if constexpr (OP == UnaryOp::kSign) return (0 < x) - (x < 0);
    else if constexpr (OP == UnaryOp::kSquare) return wrap_mul(x, x);
    else if constexpr (OP == UnaryOp::kFill) return p0;
    else return x;  // floor, ceil, round
  }
}

}  // namespace ew
}  // namespace tf
