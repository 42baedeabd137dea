// Portable unary kernels for every dtype; float32 contiguous runs of the ops the AVX2
// file implements go there when the CPU allows.
#include <type_traits>

#include "../../../runtime/cpu_features.h"
#include "elementwise.h"
#include "ops.h"
#include "run.h"

namespace tf {
namespace {

constexpr bool is_heavy(UnaryOp op) {
  switch (op) {
    case UnaryOp::kExp: case UnaryOp::kExpm1: case UnaryOp::kLog: case UnaryOp::kLog1p:
    case UnaryOp::kSin: case UnaryOp::kCos: case UnaryOp::kTanh: case UnaryOp::kSigmoid:
    case UnaryOp::kGelu: case UnaryOp::kGeluTanh: case UnaryOp::kSilu: case UnaryOp::kElu:
    case UnaryOp::kSoftplus:
      return true;
    default:
      return false;
  }
}

template <UnaryOp OP, typename T>
void unary_typed(T* out, const T* x, const StridedLayout<2>& L, T p0, T p1) {
#ifdef TF_HAVE_AVX2_KERNELS
  const bool avx2 = std::is_same_v<T, float> && avx2_has_unary(OP) && use_avx2();
#endif
  ew::run_layout(L, is_heavy(OP) ? ew::kHeavyGrain : kElementwiseGrain, [&](const int64_t* off, int64_t n, const int64_t* st) {
    T* o = out + off[0];
    const T* px = x + off[1];
    const int64_t so = st[0], sx = st[1];
    if constexpr (std::is_floating_point_v<T>) {
#ifdef TF_HAVE_AVX2_KERNELS
      if constexpr (std::is_same_v<T, float>) {
        if (avx2 && so == 1 && sx == 1 && avx2_unary_f32(OP, o, px, n)) return;
      }
#endif
      if (so == 1 && sx == 1) {
        for (int64_t i = 0; i < n; ++i) o[i] = ew::unary_float<OP, T>(px[i], p0, p1);
      } else {
        for (int64_t i = 0; i < n; ++i) o[i * so] = ew::unary_float<OP, T>(px[i * sx], p0, p1);
      }
    } else {
      if (so == 1 && sx == 1) {
        for (int64_t i = 0; i < n; ++i) o[i] = ew::unary_int<OP, T>(px[i], p0, p1);
      } else {
        for (int64_t i = 0; i < n; ++i) o[i * so] = ew::unary_int<OP, T>(px[i * sx], p0, p1);
      }
    }
  });
}

template <typename T>
T param(double v) {
  if constexpr (std::is_same_v<T, uint8_t>) return v != 0 ? 1 : 0;
  else return static_cast<T>(v);  // TypeScript sends ints in range for int32
}

template <typename T>
void unary_dispatch(UnaryOp op, void* out_v, const void* x_v, const StridedLayout<2>& L, double p0d, double p1d) {
  T* out = static_cast<T*>(out_v);
  const T* x = static_cast<const T*>(x_v);
  T p0 = param<T>(p0d), p1 = param<T>(p1d);
#define TF_UNARY_CASE(NAME) \
  case UnaryOp::NAME: return unary_typed<UnaryOp::NAME, T>(out, x, L, p0, p1);
  switch (op) {
    TF_UNARY_CASE(kNeg) TF_UNARY_CASE(kAbs) TF_UNARY_CASE(kExp) TF_UNARY_CASE(kLog)
    TF_UNARY_CASE(kLog1p) TF_UNARY_CASE(kSqrt) TF_UNARY_CASE(kRsqrt) TF_UNARY_CASE(kSin)
    TF_UNARY_CASE(kCos) TF_UNARY_CASE(kTanh) TF_UNARY_CASE(kSigmoid) TF_UNARY_CASE(kRelu)
    TF_UNARY_CASE(kGelu) TF_UNARY_CASE(kGeluTanh) TF_UNARY_CASE(kSilu) TF_UNARY_CASE(kLeakyRelu)
    TF_UNARY_CASE(kElu) TF_UNARY_CASE(kSoftplus) TF_UNARY_CASE(kClamp) TF_UNARY_CASE(kSign)
    TF_UNARY_CASE(kFloor) TF_UNARY_CASE(kCeil) TF_UNARY_CASE(kRound) TF_UNARY_CASE(kSquare)
    TF_UNARY_CASE(kReciprocal) TF_UNARY_CASE(kFill) TF_UNARY_CASE(kExpm1)
  }
#undef TF_UNARY_CASE
  throw std::invalid_argument("unknown unary op");
}

}  // namespace

bool unary_supports(UnaryOp op, DType dt) {
  int code = static_cast<int>(op);
  if (code < 0 || code >= kUnaryOpCount) return false;
  if (dt == DType::F32 || dt == DType::F64) return true;
  switch (op) {
    case UnaryOp::kSign: case UnaryOp::kFloor: case UnaryOp::kCeil: case UnaryOp::kRound: case UnaryOp::kFill:
      return true;
    case UnaryOp::kNeg: case UnaryOp::kAbs: case UnaryOp::kRelu: case UnaryOp::kClamp: case UnaryOp::kSquare:
      return dt == DType::I32;
    default:
      return false;
  }
}

void unary_strided(UnaryOp op, DType dt, void* out, const void* x, const StridedLayout<2>& L,
                   double p0, double p1) {
  dispatch_dtype(dt, [&](auto zero) { unary_dispatch<decltype(zero)>(op, out, x, L, p0, p1); });
}

}  // namespace tf
