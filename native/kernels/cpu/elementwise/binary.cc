// Portable binary kernels (arithmetic, comparison, logical) for every dtype, with the
// float32 contiguous runs handed to the AVX2 kernels when the CPU allows.
#include <type_traits>

#include "../../../runtime/cpu_features.h"
#include "elementwise.h"
#include "ops.h"
#include "run.h"

namespace tf {
namespace {

template <BinaryOp OP, typename T, typename Out>
inline Out apply(T a, T b, T alpha) {
  if constexpr (static_cast<int>(OP) >= static_cast<int>(BinaryOp::kEq)) return ew::compare<OP, T>(a, b);
  else return ew::arith<OP, T>(a, b, alpha);
}

template <BinaryOp OP, typename T>
void binary_typed(void* out_v, const T* a, const T* b, const StridedLayout<3>& L, T alpha) {
  constexpr bool kBoolOut = static_cast<int>(OP) >= static_cast<int>(BinaryOp::kEq);
  using Out = std::conditional_t<kBoolOut, uint8_t, T>;
  Out* out = static_cast<Out*>(out_v);
#ifdef TF_HAVE_AVX2_KERNELS
  const bool avx2 = std::is_same_v<T, float> && !kBoolOut && use_avx2();
#endif
  constexpr bool kHeavy = OP == BinaryOp::kPow || OP == BinaryOp::kFmod || OP == BinaryOp::kRemainder ||
                          OP == BinaryOp::kDivFloor;
  ew::run_layout(L, kHeavy ? ew::kHeavyGrain : kElementwiseGrain, [&](const int64_t* off, int64_t n, const int64_t* st) {
    Out* o = out + off[0];
    const T* pa = a + off[1];
    const T* pb = b + off[2];
    const int64_t so = st[0], sa = st[1], sb = st[2];
#ifdef TF_HAVE_AVX2_KERNELS
    if constexpr (std::is_same_v<T, float> && !kBoolOut) {
      if (avx2 && so == 1 && (sa == 0 || sa == 1) && (sb == 0 || sb == 1) &&
          avx2_binary_f32(OP, reinterpret_cast<float*>(o), pa, sa, pb, sb, n))
        return;
    }
#endif
    if (so == 1 && sa == 1 && sb == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = apply<OP, T, Out>(pa[i], pb[i], alpha);
    } else if (so == 1 && sa == 1 && sb == 0) {
      const T bv = *pb;
      for (int64_t i = 0; i < n; ++i) o[i] = apply<OP, T, Out>(pa[i], bv, alpha);
    } else if (so == 1 && sa == 0 && sb == 1) {
      const T av = *pa;
      for (int64_t i = 0; i < n; ++i) o[i] = apply<OP, T, Out>(av, pb[i], alpha);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * so] = apply<OP, T, Out>(pa[i * sa], pb[i * sb], alpha);
    }
  });
}

template <typename T>
void binary_dispatch(BinaryOp op, void* out, const void* av, const void* bv, const StridedLayout<3>& L, double alpha_d) {
  const T* a = static_cast<const T*>(av);
  const T* b = static_cast<const T*>(bv);
  T alpha = static_cast<T>(alpha_d);
#define TF_BINARY_CASE(NAME) \
  case BinaryOp::NAME: return binary_typed<BinaryOp::NAME, T>(out, a, b, L, alpha);
  switch (op) {
    TF_BINARY_CASE(kAdd) TF_BINARY_CASE(kSub) TF_BINARY_CASE(kMul) TF_BINARY_CASE(kDiv)
    TF_BINARY_CASE(kDivTrunc) TF_BINARY_CASE(kDivFloor) TF_BINARY_CASE(kPow)
    TF_BINARY_CASE(kMaximum) TF_BINARY_CASE(kMinimum) TF_BINARY_CASE(kRemainder)
    TF_BINARY_CASE(kFmod) TF_BINARY_CASE(kAddAlpha) TF_BINARY_CASE(kReluBackward)
    TF_BINARY_CASE(kEq) TF_BINARY_CASE(kNe) TF_BINARY_CASE(kLt) TF_BINARY_CASE(kLe)
    TF_BINARY_CASE(kGt) TF_BINARY_CASE(kGe) TF_BINARY_CASE(kLogicalAnd)
    TF_BINARY_CASE(kLogicalOr) TF_BINARY_CASE(kLogicalXor)
  }
#undef TF_BINARY_CASE
  throw std::invalid_argument("unknown binary op");
}

}  // namespace

bool binary_supports(BinaryOp op, DType dt) {
  int code = static_cast<int>(op);
  if (code < 0 || code >= kBinaryOpCount || (code > static_cast<int>(BinaryOp::kReluBackward) && code < 16)) return false;
  if (writes_bool(op)) return true;
  switch (dt) {
    case DType::F32: case DType::F64: return true;
    case DType::I32: return op != BinaryOp::kDiv;
    case DType::Bool:
      if (op == BinaryOp::kReluBackward) return false;
      return op == BinaryOp::kAdd || op == BinaryOp::kAddAlpha || op == BinaryOp::kMul ||
             op == BinaryOp::kMaximum || op == BinaryOp::kMinimum;
  }
  return false;
}

void binary_strided(BinaryOp op, DType dt, void* out, const void* a, const void* b,
                    const StridedLayout<3>& L, double alpha) {
  dispatch_dtype(dt, [&](auto zero) { binary_dispatch<decltype(zero)>(op, out, a, b, L, alpha); });
}

}  // namespace tf
