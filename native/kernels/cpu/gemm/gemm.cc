// The GEMM driver: BLIS's five loops around a micro-kernel.
//   jc over N in steps of NC   (a panel of B stays in L3)
//     pc over K in steps of KC (B's kc x nc block is packed once per pc)
//       ic over M in steps of MC (A's mc x kc block is packed, stays in L2)
//         jr over nc in steps of NR, ir over mc in steps of MR: micro-kernel
// Threads take whole sub-products (batch entries, row blocks, column blocks), each with
// its own packing buffers, so no two threads ever write the same element of C.
#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "../../../runtime/cpu_features.h"
#include "../../../runtime/thread_pool.h"
#include "pack.h"
#include "ukernel.h"

namespace tf {
namespace {

template <typename T>
struct Blocking;
// KC x NR panels of B (16 KB) stay in L1, MC x KC blocks of A (~150 KB) in L2.
template <> struct Blocking<float> { static constexpr int64_t MC = 144, KC = 256, NC = 4080; };
template <> struct Blocking<double> { static constexpr int64_t MC = 72, KC = 256, NC = 2040; };
template <> struct Blocking<int32_t> { static constexpr int64_t MC = 144, KC = 256, NC = 4080; };

template <typename T>
UKernel<T> pick_kernel();

template <>
UKernel<float> pick_kernel<float>() {
#ifdef TF_HAVE_AVX2_KERNELS
  if (use_avx2()) return {6, 16, ukernel_6x16_f32_avx2, "6x16-avx2"};
#endif
  return {4, 8, ukernel_ref<float, 4, 8>, "4x8-ref"};
}
template <>
UKernel<double> pick_kernel<double>() {
#ifdef TF_HAVE_AVX2_KERNELS
  if (use_avx2()) return {6, 8, ukernel_6x8_f64_avx2, "6x8-avx2"};
#endif
  return {4, 4, ukernel_ref<double, 4, 4>, "4x4-ref"};
}
template <>
UKernel<int32_t> pick_kernel<int32_t>() {
  return {4, 8, ukernel_ref<int32_t, 4, 8>, "4x8-ref"};
}

// Per-thread packing buffers, grown on demand and kept for the thread's lifetime.
struct PackBuffers {
  std::unique_ptr<char[]> a_raw, b_raw;
  size_t a_cap = 0, b_cap = 0;
  static void* aligned(std::unique_ptr<char[]>& raw, size_t& cap, size_t bytes) {
    if (bytes + 64 > cap) {
      raw.reset(new char[bytes + 64]);
      cap = bytes + 64;
    }
    uintptr_t p = reinterpret_cast<uintptr_t>(raw.get());
    return reinterpret_cast<void*>((p + 63) & ~uintptr_t(63));
  }
};
thread_local PackBuffers t_buffers;

// C = beta * C over an m x n block (beta == 0 writes zeros without reading C).
template <typename T>
void scale_c(int64_t m, int64_t n, T beta, T* C, int64_t rsC, int64_t csC) {
  for (int64_t i = 0; i < m; ++i) {
    T* c = C + i * rsC;
    if (beta == T(0)) {
      for (int64_t j = 0; j < n; ++j) c[j * csC] = T(0);
    } else if (beta != T(1)) {
      for (int64_t j = 0; j < n; ++j) c[j * csC] *= beta;
    }
  }
}

// One mc x nc block of C from packed panels.
template <typename T>
void macro_kernel(const UKernel<T>& uk, int64_t mc, int64_t nc, int64_t kc, T alpha, const T* Ap,
                  const T* Bp, T beta, T* C, int64_t rsC, int64_t csC) {
  alignas(64) T edge[16 * 16];
  const int mr = uk.mr, nr = uk.nr;
  for (int64_t jr = 0; jr < nc; jr += nr) {
    const int64_t cols = std::min<int64_t>(nr, nc - jr);
    const T* bp = Bp + jr * kc;
    for (int64_t ir = 0; ir < mc; ir += mr) {
      const int64_t rows = std::min<int64_t>(mr, mc - ir);
      const T* ap = Ap + ir * kc;
      T* c = C + ir * rsC + jr * csC;
      if (rows == mr && cols == nr) {
        uk.fn(kc, alpha, ap, bp, beta, c, rsC, csC);
        continue;
      }
      uk.fn(kc, alpha, ap, bp, T(0), edge, nr, 1);
      for (int64_t i = 0; i < rows; ++i) {
        T* ci = c + i * rsC;
        const T* e = edge + i * nr;
        if (beta == T(0)) {
          for (int64_t j = 0; j < cols; ++j) ci[j * csC] = e[j];
        } else {
          for (int64_t j = 0; j < cols; ++j) ci[j * csC] = e[j] + beta * ci[j * csC];
        }
      }
    }
  }
}

// One product on the calling thread.
template <typename T>
void gemm_serial(const UKernel<T>& uk, int64_t m, int64_t n, int64_t k, T alpha, const T* A,
                 int64_t rsA, int64_t csA, const T* B, int64_t rsB, int64_t csB, T beta, T* C,
                 int64_t rsC, int64_t csC) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) {
    scale_c(m, n, beta, C, rsC, csC);
    return;
  }
  using Bk = Blocking<T>;
  const int mr = uk.mr, nr = uk.nr;
  const int64_t MC = Bk::MC / mr * mr;
  const int64_t NC = Bk::NC / nr * nr;
  const int64_t kc_max = std::min<int64_t>(Bk::KC, k);
  const int64_t mc_max = std::min<int64_t>(MC, (m + mr - 1) / mr * mr);
  const int64_t nc_max = std::min<int64_t>(NC, (n + nr - 1) / nr * nr);
  T* Ap = static_cast<T*>(PackBuffers::aligned(t_buffers.a_raw, t_buffers.a_cap,
                                               sizeof(T) * static_cast<size_t>(mc_max * kc_max)));
  T* Bp = static_cast<T*>(PackBuffers::aligned(t_buffers.b_raw, t_buffers.b_cap,
                                               sizeof(T) * static_cast<size_t>(nc_max * kc_max)));
  for (int64_t jc = 0; jc < n; jc += NC) {
    const int64_t nc = std::min(NC, n - jc);
    for (int64_t pc = 0; pc < k; pc += Bk::KC) {
      const int64_t kc = std::min<int64_t>(Bk::KC, k - pc);
      pack_b(nr, kc, nc, B + pc * rsB + jc * csB, rsB, csB, Bp);
      const T beta_now = pc == 0 ? beta : T(1);
      for (int64_t ic = 0; ic < m; ic += MC) {
        const int64_t mc = std::min(MC, m - ic);
        pack_a(mr, mc, kc, A + ic * rsA + pc * csA, rsA, csA, Ap);
        macro_kernel(uk, mc, nc, kc, alpha, Ap, Bp, beta_now, C + ic * rsC + jc * csC, rsC, csC);
      }
    }
  }
}

// Below this many multiply-adds a task is not worth a thread hop.
constexpr int64_t kMinMacsPerTask = int64_t(1) << 17;

}  // namespace

template <typename T>
void gemm_batched(int64_t batch, const int64_t* a_offsets, const int64_t* b_offsets,
                  const int64_t* c_offsets, int64_t m, int64_t n, int64_t k, T alpha, const T* A,
                  int64_t rsA, int64_t csA, const T* B, int64_t rsB, int64_t csB, T beta, T* C,
                  int64_t rsC, int64_t csC) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  const UKernel<T> uk = pick_kernel<T>();
  // Split each product into pm x pn blocks when the batch alone has fewer entries than
  // there are threads: rows first, columns when there are too few rows.
  const int64_t threads = std::max(1, num_threads());
  int64_t pm = 1, pn = 1;
  if (batch < threads) {
    const int64_t need = (threads + batch - 1) / batch;
    pm = std::min<int64_t>(need, (m + uk.mr - 1) / uk.mr);
    pn = std::min<int64_t>((need + pm - 1) / pm, (n + uk.nr - 1) / uk.nr);
  }
  const int64_t m_chunk = ((m + pm - 1) / pm + uk.mr - 1) / uk.mr * uk.mr;
  const int64_t n_chunk = ((n + pn - 1) / pn + uk.nr - 1) / uk.nr * uk.nr;
  pm = (m + m_chunk - 1) / m_chunk;
  pn = (n + n_chunk - 1) / n_chunk;
  const int64_t items = batch * pm * pn;
  const int64_t macs_per_item = std::max<int64_t>(1, m_chunk * n_chunk * std::max<int64_t>(k, 1));
  const int64_t grain = std::max<int64_t>(1, kMinMacsPerTask / macs_per_item);
  parallel_for(items, grain, [&](int64_t begin, int64_t end) {
    for (int64_t it = begin; it < end; ++it) {
      const int64_t b = it / (pm * pn);
      const int64_t rest = it % (pm * pn);
      const int64_t i0 = (rest / pn) * m_chunk;
      const int64_t j0 = (rest % pn) * n_chunk;
      const int64_t mm = std::min(m_chunk, m - i0);
      const int64_t nn = std::min(n_chunk, n - j0);
      const int64_t ao = a_offsets ? a_offsets[b] : 0;
      const int64_t bo = b_offsets ? b_offsets[b] : 0;
      const int64_t co = c_offsets ? c_offsets[b] : 0;
      gemm_serial(uk, mm, nn, k, alpha, A + ao + i0 * rsA, rsA, csA, B + bo + j0 * csB, rsB, csB,
                  beta, C + co + i0 * rsC + j0 * csC, rsC, csC);
    }
  });
}

template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t rsA, int64_t csA,
          const T* B, int64_t rsB, int64_t csB, T beta, T* C, int64_t rsC, int64_t csC) {
  gemm_batched<T>(1, nullptr, nullptr, nullptr, m, n, k, alpha, A, rsA, csA, B, rsB, csB, beta, C,
                  rsC, csC);
}

#define TF_INSTANTIATE_GEMM(T)                                                                   \
  template void gemm<T>(int64_t, int64_t, int64_t, T, const T*, int64_t, int64_t, const T*,      \
                        int64_t, int64_t, T, T*, int64_t, int64_t);                              \
  template void gemm_batched<T>(int64_t, const int64_t*, const int64_t*, const int64_t*, int64_t, \
                                int64_t, int64_t, T, const T*, int64_t, int64_t, const T*,       \
                                int64_t, int64_t, T, T*, int64_t, int64_t);
TF_INSTANTIATE_GEMM(float)
TF_INSTANTIATE_GEMM(double)
TF_INSTANTIATE_GEMM(int32_t)

}  // namespace tf
