// The GEMM driver, after BLIS: B is packed into panels of NR columns (per KC-row block),
// A into panels of MR rows (an MC x KC block that stays in L2), and a register-blocked
// micro-kernel computes each MR x NR tile:
//   pc over K in steps of KC
//     ic over the item's rows in steps of MC: pack A's mc x kc block
//       jr over the item's columns in steps of NR (B's kc x NR panel stays in L1)
//         ir over mc in steps of MR: micro-kernel, then the epilogue on the hot tile
// B is packed once per call (in parallel) and shared by every thread, or taken prepacked;
// threads then take items (batch entry x row range x column range), each with its own A
// buffer, so no two threads write the same element of C.
//
// Few rows (M <= kDirectRows, float32 with AVX2) skip packing: packing B would cost as
// much as the product. Such products read B in place: row by row for M = 1 (a GEMV that
// streams B), in 4-row x 24-column register tiles otherwise, or as dot products along K
// when B's columns are contiguous (a [N, K] weight read transposed). Threads split N.
#include "gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "../../../runtime/cpu_features.h"
#include "../../../runtime/thread_pool.h"
#include "ukernel.h"

namespace tf {

// ---- epilogue (scalar reference) -------------------------------------------------------

namespace {
template <typename T>
inline T act_ref(int act, T v) {
  switch (act) {
    case kActRelu: return v > T(0) || v != v ? v : T(0);
    case kActGelu: return T(0.5) * v * (T(1) + std::erf(v * T(0.70710678118654752440)));
    case kActSigmoid: return T(1) / (T(1) + std::exp(-v));
    case kActTanh: return std::tanh(v);
    default: return v;
  }
}
template <>
inline int32_t act_ref<int32_t>(int, int32_t v) {
  return v;
}
}  // namespace

template <typename T>
void epilogue_ref(const GemmEpilogue<T>& e, int64_t rows, int64_t cols, T* C, int64_t rsC,
                  int64_t csC, int64_t i0, int64_t j0) {
  const bool has_bias = e.bias != nullptr && e.bias_scale != T(0);
  for (int64_t i = 0; i < rows; ++i) {
    T* c = C + i * rsC;
    const T* b = has_bias ? e.bias + (i0 + i) * e.bias_rs + j0 * e.bias_cs : nullptr;
    for (int64_t j = 0; j < cols; ++j) {
      T v = c[j * csC];
      if (has_bias) {
        if constexpr (std::is_integral_v<T>) {
          using U = std::make_unsigned_t<T>;
          v = static_cast<T>(static_cast<U>(v) + static_cast<U>(e.bias_scale) * static_cast<U>(b[j * e.bias_cs]));
        } else {
          v += e.bias_scale * b[j * e.bias_cs];
        }
      }
      c[j * csC] = act_ref<T>(e.act, v);
    }
  }
}
template void epilogue_ref<float>(const GemmEpilogue<float>&, int64_t, int64_t, float*, int64_t,
                                  int64_t, int64_t, int64_t);
template void epilogue_ref<double>(const GemmEpilogue<double>&, int64_t, int64_t, double*,
                                   int64_t, int64_t, int64_t, int64_t);
template void epilogue_ref<int32_t>(const GemmEpilogue<int32_t>&, int64_t, int64_t, int32_t*,
                                    int64_t, int64_t, int64_t, int64_t);

namespace {

// ---- kernels and blocking ----------------------------------------------------------------

constexpr int kMR = 6;
template <typename T> struct Tile;
template <> struct Tile<float> { static constexpr int NR = 16; };
template <> struct Tile<double> { static constexpr int NR = 8; };
template <> struct Tile<int32_t> { static constexpr int NR = 16; };

template <typename T, int NR>
UKernel<T> ref_kernel(const char* name) {
  return {kMR, NR,
          {nullptr, ukernel_ref<T, kMR, NR, 1>, ukernel_ref<T, kMR, NR, 2>, ukernel_ref<T, kMR, NR, 3>,
           ukernel_ref<T, kMR, NR, 4>, ukernel_ref<T, kMR, NR, 5>, ukernel_ref<T, kMR, NR, 6>},
          name};
}

template <typename T>
UKernel<T> pick_kernel();
template <>
UKernel<float> pick_kernel<float>() {
#ifdef TF_HAVE_AVX2_KERNELS
  if (use_avx2()) {
    UKernel<float> k{kMR, 16, {}, "6x16-avx2"};
    for (int r = 0; r <= kMR; ++r) k.rows[r] = kUKernelsF32Avx2[r];
    return k;
  }
#endif
  return ref_kernel<float, 16>("6x16-ref");
}
template <>
UKernel<double> pick_kernel<double>() {
#ifdef TF_HAVE_AVX2_KERNELS
  if (use_avx2()) {
    UKernel<double> k{kMR, 8, {}, "6x8-avx2"};
    for (int r = 0; r <= kMR; ++r) k.rows[r] = kUKernelsF64Avx2[r];
    return k;
  }
#endif
  return ref_kernel<double, 8>("6x8-ref");
}
template <>
UKernel<int32_t> pick_kernel<int32_t>() {
  return ref_kernel<int32_t, 16>("6x16-ref");
}

// KC: a kc x NR panel of B fills half of L1. MC: an mc x kc block of A fills ~40% of L2.
struct Blocking {
  int64_t kc, mc;
};
long env_or(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atol(v) : fallback;
}
template <typename T>
const Blocking& blocking() {
  static const Blocking b = [] {
    const CpuFeatures& f = cpu_features();
    const long l1 = f.l1d > 0 ? f.l1d : 32 * 1024;
    const long l2 = f.l2 > 0 ? f.l2 : 512 * 1024;
    int64_t kc = l1 / 2 / (Tile<T>::NR * static_cast<long>(sizeof(T)));
    kc = std::clamp<int64_t>(kc / 8 * 8, 64, 512);
    int64_t mc = static_cast<int64_t>(0.4 * static_cast<double>(l2)) / (kc * static_cast<int64_t>(sizeof(T)));
    mc = std::clamp<int64_t>(mc / kMR * kMR, 4 * kMR, 64 * kMR);
    // Tuning hooks (undocumented): TF_GEMM_KC, TF_GEMM_MC.
    kc = std::clamp<int64_t>(env_or("TF_GEMM_KC", kc), 8, 4096);
    mc = std::clamp<int64_t>(env_or("TF_GEMM_MC", mc) / kMR * kMR, kMR, 4096);
    return Blocking{kc, mc};
  }();
  return b;
}

// ---- packing -----------------------------------------------------------------------------

// Rows [0, rows) of an mc x kc block of A into panels of MR rows, zero-padded:
// Ap[panel * MR * kc + p * MR + i] = A[(panel * MR + i) * rsA + p * csA]. Ap needs 16
// elements of slack after the block (the AVX2 panel packer's stores run 2 past a panel).
template <typename T>
void pack_a(int64_t mc, int64_t kc, const T* A, int64_t rsA, int64_t csA, T* Ap) {
  for (int64_t i0 = 0; i0 < mc; i0 += kMR) {
    const int64_t rows = std::min<int64_t>(kMR, mc - i0);
    const T* a = A + i0 * rsA;
#ifdef TF_HAVE_AVX2_KERNELS
    if constexpr (std::is_same_v<T, float>) {
      if (rows == kMR && csA == 1 && use_avx2()) {
        pack_a6_rows_f32_avx2(kc, a, rsA, Ap);
        Ap += kMR * kc;
        continue;
      }
    }
#endif
    if (rows == kMR && csA == 1) {
      const T* r0 = a; const T* r1 = a + rsA; const T* r2 = a + 2 * rsA;
      const T* r3 = a + 3 * rsA; const T* r4 = a + 4 * rsA; const T* r5 = a + 5 * rsA;
      for (int64_t p = 0; p < kc; ++p) {
        T* d = Ap + p * kMR;
        d[0] = r0[p]; d[1] = r1[p]; d[2] = r2[p]; d[3] = r3[p]; d[4] = r4[p]; d[5] = r5[p];
      }
    } else if (rows == kMR) {
      for (int64_t p = 0; p < kc; ++p)
        for (int i = 0; i < kMR; ++i) Ap[p * kMR + i] = a[i * rsA + p * csA];
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        for (int64_t i = 0; i < rows; ++i) Ap[p * kMR + i] = a[i * rsA + p * csA];
        for (int64_t i = rows; i < kMR; ++i) Ap[p * kMR + i] = T(0);
      }
    }
    Ap += kMR * kc;
  }
}

// One panel: columns [0, cols) of a kc-row slice of B, zero-padded to NR:
// Bp[p * NR + j] = B[p * rsB + j * csB].
template <typename T, int NR>
void pack_b_panel(int64_t kc, int64_t cols, const T* B, int64_t rsB, int64_t csB, T* Bp) {
  if (cols == NR && csB == 1) {
    for (int64_t p = 0; p < kc; ++p) std::memcpy(Bp + p * NR, B + p * rsB, NR * sizeof(T));
  } else if (rsB == 1) {
#ifdef TF_HAVE_AVX2_KERNELS
    if constexpr (std::is_same_v<T, float> && NR == 16) {
      if (cols == NR && use_avx2()) {
        pack_b16_cols_f32_avx2(kc, B, csB, Bp);
        return;
      }
    }
#endif
    // Columns contiguous (a transposed operand): read each column as a stream.
    for (int64_t j = 0; j < cols; ++j) {
      const T* src = B + j * csB;
      for (int64_t p = 0; p < kc; ++p) Bp[p * NR + j] = src[p];
    }
    for (int64_t j = cols; j < NR; ++j)
      for (int64_t p = 0; p < kc; ++p) Bp[p * NR + j] = T(0);
  } else {
    for (int64_t p = 0; p < kc; ++p) {
      for (int64_t j = 0; j < cols; ++j) Bp[p * NR + j] = B[p * rsB + j * csB];
      for (int64_t j = cols; j < NR; ++j) Bp[p * NR + j] = T(0);
    }
  }
}

// The layout of a packed k x n matrix: KC-row blocks one after another, each holding
// ceil(n / NR) panels of kc_block x NR. Block pc (first row pc) starts at pc * n_pad.
template <typename T>
struct PackedLayout {
  int64_t k, n, n_pad, kc, panels, blocks;
  PackedLayout(int64_t k_, int64_t n_) : k(k_), n(n_) {
    constexpr int NR = Tile<T>::NR;
    panels = (n + NR - 1) / NR;
    n_pad = panels * NR;
    // K blocks of equal depth (K = 784 gives 4 x 196, not 3 x 256 + 16): a thin last
    // block would load and store every C tile for a few steps of work.
    const int64_t kc_max = blocking<T>().kc;
    blocks = k > 0 ? (k + kc_max - 1) / kc_max : 0;
    kc = blocks > 0 ? std::min(kc_max, ((k + blocks - 1) / blocks + 3) / 4 * 4) : kc_max;
    if (blocks > 0) blocks = (k + kc - 1) / kc;
  }
  size_t elements() const { return static_cast<size_t>(std::max<int64_t>(k, 1) * n_pad); }
};

// Packs panels [p0, p1) of every block (p0, p1 count over blocks x panels).
template <typename T>
void pack_b_range(const PackedLayout<T>& L, const T* B, int64_t rsB, int64_t csB, T* Bp,
                  int64_t begin, int64_t end) {
  constexpr int NR = Tile<T>::NR;
  for (int64_t it = begin; it < end; ++it) {
    const int64_t blk = it / L.panels, panel = it % L.panels;
    const int64_t pc = blk * L.kc;
    const int64_t kc = std::min(L.kc, L.k - pc);
    const int64_t j0 = panel * NR;
    pack_b_panel<T, NR>(kc, std::min<int64_t>(NR, L.n - j0), B + pc * rsB + j0 * csB, rsB, csB,
                        Bp + pc * L.n_pad + j0 * kc);
  }
}

// ---- buffers -----------------------------------------------------------------------------

// A 64-byte aligned buffer, grown on demand and kept (up to kKeepBytes) for reuse.
struct Buffer {
  std::unique_ptr<char[]> raw;
  size_t cap = 0;
  static constexpr size_t kKeepBytes = size_t(64) << 20;
  void* get(size_t bytes) {
    if (bytes + 64 > cap) {
      raw.reset();
      raw.reset(new char[bytes + 64]);
      cap = bytes + 64;
    }
    uintptr_t p = reinterpret_cast<uintptr_t>(raw.get());
    return reinterpret_cast<void*>((p + 63) & ~uintptr_t(63));
  }
  void trim() {
    if (cap > kKeepBytes) {
      raw.reset();
      cap = 0;
    }
  }
};
thread_local Buffer t_pack_a;   // a thread's A block
thread_local Buffer t_pack_b;   // B packed by the calling thread for the whole call
thread_local Buffer t_item_b;   // B packed by a thread for its own items

// ---- the packed path -----------------------------------------------------------------------

template <typename T>
void run_epilogue(const GemmEpilogue<T>& e, int64_t rows, int64_t cols, T* C, int64_t rsC,
                  int64_t csC, int64_t i0, int64_t j0) {
#ifdef TF_HAVE_AVX2_KERNELS
  if constexpr (std::is_same_v<T, float>) {
    if (use_avx2()) {
      epilogue_f32_avx2(e, rows, cols, C, rsC, csC, i0, j0);
      return;
    }
  }
#endif
  epilogue_ref<T>(e, rows, cols, C, rsC, csC, i0, j0);
}

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

// The tiles of rows [0, mc) x columns [j0, j1) (j0 a multiple of NR) of one K block of
// depth kc: Ap holds the rows packed (pack_a), Bblock + jr * kc the panel of column jr.
// C points at row 0 of the block; (ci0, 0) is that row's place in the product (for the
// epilogue's bias). beta_now scales C; the epilogue runs on each tile when has_epi.
template <typename T>
void macro_tiles(const UKernel<T>& uk, int64_t kc, int64_t mc, int64_t j0, int64_t j1, T alpha,
                 const T* Ap, const T* Bblock, T beta_now, T* C, int64_t rsC, int64_t csC,
                 bool has_epi, const GemmEpilogue<T>& epi, int64_t ci0) {
  constexpr int NR = Tile<T>::NR;
  alignas(64) T edge[kMR * NR];
  for (int64_t jr = j0; jr < j1; jr += NR) {
    const int64_t cols = std::min<int64_t>(NR, j1 - jr);
    const T* bp = Bblock + jr * kc;
    for (int64_t ir = 0; ir < mc; ir += kMR) {
      const int rows = static_cast<int>(std::min<int64_t>(kMR, mc - ir));
      const T* ap = Ap + ir * kc;
      T* c = C + ir * rsC + jr * csC;
      if (cols == NR) {
        uk.rows[rows](kc, alpha, ap, bp, beta_now, c, rsC, csC);
      } else {
        uk.rows[rows](kc, alpha, ap, bp, T(0), edge, NR, 1);
        for (int i = 0; i < rows; ++i) {
          T* ci = c + i * rsC;
          const T* e = edge + i * NR;
          if (beta_now == T(0)) {
            for (int64_t j = 0; j < cols; ++j) ci[j * csC] = e[j];
          } else {
            for (int64_t j = 0; j < cols; ++j) ci[j * csC] = e[j] + beta_now * ci[j * csC];
          }
        }
      }
      if (has_epi) run_epilogue(epi, rows, cols, c, rsC, csC, ci0 + ir, jr);
    }
  }
}

// Rows [i0, i1) x columns [j0, j1) (j0 a multiple of NR) of one product, for the K block
// that starts at row pc of B (Bblock: that block, packed). beta applies to the first
// block; the epilogue runs on each tile after the last one.
template <typename T>
void packed_block(const UKernel<T>& uk, const PackedLayout<T>& L, int64_t pc, int64_t i0,
                  int64_t i1, int64_t j0, int64_t j1, T alpha, const T* A, int64_t rsA,
                  int64_t csA, const T* Bblock, T beta, T* C, int64_t rsC, int64_t csC,
                  const GemmEpilogue<T>& epi) {
  const int64_t MC = blocking<T>().mc;
  const int64_t kc = std::min(L.kc, L.k - pc);
  const bool has_epi = epi.active() && pc + kc >= L.k;
  const T beta_now = pc == 0 ? beta : T(1);
  // (+16: pack_a's vector stores may run 2 elements past the last panel)
  T* Ap = static_cast<T*>(t_pack_a.get(sizeof(T) * static_cast<size_t>(MC * L.kc + 16)));
  for (int64_t ic = i0; ic < i1; ic += MC) {
    const int64_t mc = std::min(MC, i1 - ic);
    pack_a(mc, kc, A + ic * rsA + pc * csA, rsA, csA, Ap);
    macro_tiles(uk, kc, mc, j0, j1, alpha, Ap, Bblock, beta_now, C + ic * rsC, rsC, csC, has_epi, epi, ic);
  }
}

// Below this many multiply-adds a task is not worth a thread hop.
constexpr int64_t kMinMacsPerTask = int64_t(1) << 16;
// Up to this many multiply-adds (with one K block) a product runs in one pool dispatch.
constexpr int64_t kSmallMacs = int64_t(1) << 24;
// Products smaller than this run on the calling thread alone (see gemm_run).
constexpr int64_t kSerialMacs = int64_t(1) << 20;

// Splits `batch` products of m x n into items of m_chunk x n_chunk (multiples of mr, nr)
// so that every thread gets work: rows first, columns when there are too few rows.
struct Split {
  int64_t pm, pn, m_chunk, n_chunk;
};
Split split_work(int64_t batch, int64_t m, int64_t n, int64_t k, int mr, int nr, bool prefer_n) {
  const int64_t threads = std::max(1, num_threads());
  int64_t pm = 1, pn = 1;
  if (batch < threads) {
    const int64_t need = (threads + batch - 1) / batch;
    const int64_t mt = (m + mr - 1) / mr, nt = (n + nr - 1) / nr;
    if (prefer_n || mt < need * 4) {
      pn = std::min(need, nt);
      pm = std::min((need + pn - 1) / pn, mt);
    } else {
      pm = std::min(need, mt);
      pn = std::min((need + pm - 1) / pm, nt);
    }
  }
  // Never split below kMinMacsPerTask.
  while ((pm > 1 || pn > 1) && batch * pm * pn > 1 &&
         (m / pm) * (n / pn) * std::max<int64_t>(k, 1) < kMinMacsPerTask) {
    if (pm >= pn) --pm; else --pn;
  }
  Split s;
  s.m_chunk = ((m + pm - 1) / pm + mr - 1) / mr * mr;
  s.n_chunk = ((n + pn - 1) / pn + nr - 1) / nr * nr;
  s.pm = (m + s.m_chunk - 1) / s.m_chunk;
  s.pn = (n + s.n_chunk - 1) / s.n_chunk;
  return s;
}

int64_t grain_for(int64_t macs_per_item) {
  return std::max<int64_t>(1, kMinMacsPerTask / std::max<int64_t>(1, macs_per_item));
}


// Few rows (M <= MC, so all of A's rows fit one packed block) and B not prepacked: packing
// a whole K block of B first would send it through memory twice once it outgrows L2.
// Here A's block is packed once per K block and B one panel (or a few) at a time, right
// before the tiles that use them, while they are still in L1. With float32, AVX2 and B's
// rows contiguous there is no packing pass at all: the first row tile of each panel reads
// B in place and leaves the packed panel behind for the other row tiles (few_rows_fused);
// the next panel's rows are prefetched into L2 meanwhile. Threads split N (each packs its
// own copy of A's small block).
struct FewRowsBlocking {
  int64_t kc, panels;
};
template <typename T>
const FewRowsBlocking& few_rows_blocking() {
  static const FewRowsBlocking b = [] {
    // Tuning hooks (undocumented): TF_GEMM_FR_KC, TF_GEMM_FR_PANELS.
    const int64_t kc = std::clamp<int64_t>(env_or("TF_GEMM_FR_KC", 256), 8, 4096) / 4 * 4;
    const int64_t panels = std::clamp<int64_t>(env_or("TF_GEMM_FR_PANELS", 4), 1, 64);
    return FewRowsBlocking{kc, panels};
  }();
  return b;
}

#ifdef TF_HAVE_AVX2_KERNELS
int64_t few_rows_prefetch() {
  static const int64_t v = env_or("TF_GEMM_FR_PF", -16);
  return v;
}

// The tiles of rows [0, m) x columns [j0, j1) of one K block, B read in place (row-major,
// Brow = row pc of B): for each full panel the first row tile reads B and leaves the packed
// panel in Bg for the others; a short last panel is packed first.
void few_rows_fused(const UKernel<float>& uk, int64_t kc, int64_t m, int64_t j0, int64_t j1, float alpha,
                    const float* Ap, const float* Brow, int64_t rsB, float* Bg, float beta_now, float* C,
                    int64_t rsC, int64_t csC, bool has_epi, const GemmEpilogue<float>& epi) {
  constexpr int NR = 16;
  const int64_t pf = few_rows_prefetch();
  static const bool pfn = env_or("TF_GEMM_FR_PFN", 1) != 0;
  for (int64_t jr = j0; jr < j1; jr += NR) {
    const int64_t cols = std::min<int64_t>(NR, j1 - jr);
    if (cols < NR) {
      pack_b_panel<float, NR>(kc, cols, Brow + jr, rsB, 1, Bg);
      macro_tiles(uk, kc, m, jr, j1, alpha, Ap, Bg - jr * kc, beta_now, C, rsC, csC, has_epi, epi, 0);
      return;
    }
    for (int64_t ir = 0; ir < m; ir += kMR) {
      const int rows = static_cast<int>(std::min<int64_t>(kMR, m - ir));
      float* c = C + ir * rsC + jr * csC;
      if (ir == 0) {
        kUKernelsF32PackBAvx2[rows](kc, alpha, Ap, Brow + jr, rsB, Bg, pf, beta_now, c, rsC, csC);
      } else if (ir == kMR && pfn && jr + NR < j1) {
        kUKernelsF32PfNextAvx2[rows](kc, alpha, Ap + ir * kc, Bg, Brow + jr + NR, rsB, beta_now, c, rsC, csC);
      } else {
        uk.rows[rows](kc, alpha, Ap + ir * kc, Bg, beta_now, c, rsC, csC);
      }
      if (has_epi) run_epilogue(epi, rows, NR, c, rsC, csC, ir, jr);
    }
  }
}
#endif

template <typename T>
void run_few_rows(const GemmArgs<T>& g, const UKernel<T>& uk) {
  constexpr int NR = Tile<T>::NR;
  const FewRowsBlocking& fb = few_rows_blocking<T>();
  // K blocks of equal depth, at most fb.kc deep.
  const int64_t kblocks = (g.k + fb.kc - 1) / fb.kc;
  const int64_t KC = ((g.k + kblocks - 1) / kblocks + 3) / 4 * 4;
  const int64_t group = fb.panels * NR;
  const Split s = split_work(g.batch, g.m, g.n, g.k, static_cast<int>(g.m), NR, true);
  const int64_t items = g.batch * s.pn;
  // B read in place by the first row tile of each panel (float32, AVX2, B's rows contiguous).
  bool fused = false;
#ifdef TF_HAVE_AVX2_KERNELS
  fused = std::is_same_v<T, float> && use_avx2() && g.csB == 1 && env_or("TF_GEMM_FR_FUSED", 1) != 0;
#endif
  parallel_for(items, grain_for(g.m * s.n_chunk * g.k), [&](int64_t begin, int64_t end) {
    T* Ap = static_cast<T*>(t_pack_a.get(sizeof(T) * static_cast<size_t>(((g.m + kMR - 1) / kMR) * kMR * KC + 16)));
    T* Bg = static_cast<T*>(t_item_b.get(sizeof(T) * static_cast<size_t>(group * KC)));
    for (int64_t it = begin; it < end; ++it) {
      const int64_t b = it / s.pn;
      const int64_t j0 = (it % s.pn) * s.n_chunk, j1 = std::min(g.n, j0 + s.n_chunk);
      const T* A = g.A + (g.a_offsets ? g.a_offsets[b] : 0);
      const T* B = g.B + (g.b_offsets ? g.b_offsets[b] : 0);
      T* C = g.C + (g.c_offsets ? g.c_offsets[b] : 0);
      for (int64_t pc = 0; pc < g.k; pc += KC) {
        const int64_t kc = std::min(KC, g.k - pc);
        const bool has_epi = g.epi.active() && pc + kc >= g.k;
        const T beta_now = pc == 0 ? g.beta : T(1);
        pack_a(g.m, kc, A + pc * g.csA, g.rsA, g.csA, Ap);
        for (int64_t jg = j0; jg < j1; jg += group) {
          const int64_t jg1 = std::min(j1, jg + group);
#ifdef TF_HAVE_AVX2_KERNELS
          if constexpr (std::is_same_v<T, float>) {
            if (fused) {
              few_rows_fused(uk, kc, g.m, jg, jg1, g.alpha, Ap, B + pc * g.rsB, g.rsB, Bg, beta_now, C, g.rsC,
                             g.csC, has_epi, g.epi);
              continue;
            }
          }
#endif
          for (int64_t jr = jg; jr < jg1; jr += NR)
            pack_b_panel<T, NR>(kc, std::min<int64_t>(NR, jg1 - jr), B + pc * g.rsB + jr * g.csB, g.rsB, g.csB,
                                Bg + (jr - jg) * kc);
          macro_tiles(uk, kc, g.m, jg, jg1, g.alpha, Ap, Bg - jg * kc, beta_now, C, g.rsC, g.csC, has_epi, g.epi, 0);
        }
      }
    }
    t_item_b.trim();
  });
}

long few_rows_limit() {
  static const long v = env_or("TF_GEMM_FEW_ROWS_M", -1);
  return v;
}

template <typename T>
bool b_shared(const GemmArgs<T>& g) {
  if (g.Bp || !g.b_offsets) return true;
  for (int64_t b = 1; b < g.batch; ++b)
    if (g.b_offsets[b] != g.b_offsets[0]) return false;
  return true;
}

template <typename T>
void run_packed(const GemmArgs<T>& g, const UKernel<T>& uk) {
  constexpr int NR = Tile<T>::NR;
  const PackedLayout<T> L(g.k, g.n);
  const int64_t threads = std::max(1, num_threads());
  const bool shared = b_shared(g);
  {
    const long lim = few_rows_limit();
    const int64_t few = lim >= 0 ? lim : blocking<T>().mc;
    // Worth it when B is big next to A (N > M) and not shared by a batch (packed once then).
    if (!g.Bp && g.m <= few && g.n >= 2 * g.m && g.n * g.k >= (int64_t(1) << 16) && (g.batch == 1 || !shared)) {
      run_few_rows(g, uk);
      return;
    }
  }
  auto a_of = [&](int64_t b) { return g.A + (g.a_offsets ? g.a_offsets[b] : 0); };
  auto b_of = [&](int64_t b) { return g.B + (g.b_offsets ? g.b_offsets[b] : 0); };
  auto c_of = [&](int64_t b) { return g.C + (g.c_offsets ? g.c_offsets[b] : 0); };
  const size_t block_elems = static_cast<size_t>(L.kc * L.n_pad);

  if (g.batch == 1 && !g.Bp && threads > 1 && L.blocks == 1 && g.m * g.n * g.k <= kSmallMacs) {
    // A small product (one K block): one pool dispatch instead of two. Items split N
    // first; each packs the B panels of its own columns, then computes them.
    const Split s = split_work(1, g.m, g.n, g.k, kMR, NR, true);
    parallel_for(s.pm * s.pn, 1, [&](int64_t begin, int64_t end) {
      for (int64_t it = begin; it < end; ++it) {
        const int64_t i0 = (it / s.pn) * s.m_chunk, j0 = (it % s.pn) * s.n_chunk;
        const int64_t i1 = std::min(g.m, i0 + s.m_chunk), j1 = std::min(g.n, j0 + s.n_chunk);
        const int64_t p0 = j0 / NR, p1 = (j1 + NR - 1) / NR;
        const int64_t kc = std::min(L.kc, L.k);  // the depth of the one block
        T* Bb = static_cast<T*>(t_item_b.get(sizeof(T) * static_cast<size_t>((p1 - p0) * NR * kc)));
        // pack_b_range writes panel p at p * NR * kc: shift so panel p0 lands at Bb.
        pack_b_range(L, g.B, g.rsB, g.csB, Bb - p0 * NR * kc, p0, p1);
        packed_block(uk, L, 0, i0, i1, j0, j1, g.alpha, g.A, g.rsA, g.csA, Bb - p0 * NR * kc, g.beta, g.C,
                     g.rsC, g.csC, g.epi);
      }
    });
    return;
  }

  if (!shared && g.batch >= threads) {
    // Many distinct products: each thread packs B's blocks for the products it takes.
    parallel_for(g.batch, grain_for(g.m * g.n * g.k), [&](int64_t begin, int64_t end) {
      T* Bb = static_cast<T*>(t_item_b.get(sizeof(T) * block_elems));
      for (int64_t b = begin; b < end; ++b) {
        for (int64_t blk = 0; blk < L.blocks; ++blk) {
          const int64_t pc = blk * L.kc;
          pack_b_range(L, b_of(b), g.rsB, g.csB, Bb - pc * L.n_pad, blk * L.panels, (blk + 1) * L.panels);
          packed_block(uk, L, pc, 0, g.m, 0, g.n, g.alpha, a_of(b), g.rsA, g.csA, Bb, g.beta, c_of(b),
                       g.rsC, g.csC, g.epi);
        }
      }
      t_item_b.trim();
    });
    return;
  }

  // One K block at a time: B's block is packed by all threads (or read prepacked), then
  // all threads compute with it while it is in the shared cache.
  const int64_t distinct = shared ? 1 : g.batch;
  T* buf = g.Bp ? nullptr : static_cast<T*>(t_pack_b.get(sizeof(T) * block_elems * static_cast<size_t>(distinct)));
  Split s = split_work(g.batch, g.m, g.n, g.k, kMR, NR, false);
  if (g.batch < threads && s.pn == 1 && threads > 1) {
    // Items of one MC block each (at least the split above): a thread that starts late on
    // a busy machine leaves its share to the others instead of holding up the call.
    const int64_t MC = blocking<T>().mc;
    if (g.m / MC > s.pm) {
      s.pm = ((g.m + MC - 1) / MC + threads - 1) / threads * threads;  // equal shares
      s.m_chunk = ((g.m + s.pm - 1) / s.pm + kMR - 1) / kMR * kMR;
      s.pm = (g.m + s.m_chunk - 1) / s.m_chunk;
    }
  }
  const int64_t items = g.batch * s.pm * s.pn;
  const int64_t panel_grain = std::max<int64_t>(1, (kMinMacsPerTask * 4) / std::max<int64_t>(1, L.kc * NR));
  for (int64_t blk = 0; blk < L.blocks; ++blk) {
    const int64_t pc = blk * L.kc;
    if (buf) {
      parallel_for(distinct * L.panels, panel_grain, [&](int64_t begin, int64_t end) {
        while (begin < end) {
          const int64_t b = begin / L.panels;
          const int64_t stop = std::min(end, (b + 1) * L.panels);
          // pack_b_range addresses blocks by pc * n_pad; shift so block blk lands at buf.
          pack_b_range(L, b_of(b), g.rsB, g.csB, buf + static_cast<size_t>(b) * block_elems - pc * L.n_pad,
                       blk * L.panels + begin - b * L.panels, blk * L.panels + stop - b * L.panels);
          begin = stop;
        }
      });
    }
    parallel_for(items, grain_for(s.m_chunk * s.n_chunk * L.kc), [&](int64_t begin, int64_t end) {
      for (int64_t it = begin; it < end; ++it) {
        const int64_t b = it / (s.pm * s.pn);
        const int64_t rest = it % (s.pm * s.pn);
        const int64_t i0 = (rest / s.pn) * s.m_chunk;
        const int64_t j0 = (rest % s.pn) * s.n_chunk;
        const T* bblock = buf ? buf + (shared ? 0 : static_cast<size_t>(b) * block_elems) : g.Bp + pc * L.n_pad;
        packed_block(uk, L, pc, i0, std::min(g.m, i0 + s.m_chunk), j0, std::min(g.n, j0 + s.n_chunk),
                     g.alpha, a_of(b), g.rsA, g.csA, bblock, g.beta, c_of(b), g.rsC, g.csC, g.epi);
      }
    });
  }
  if (buf) t_pack_b.trim();
}

// ---- the unpacked path for few rows (float32, AVX2) ------------------------------------------

long direct_rows_limit() {
  static const long v = env_or("TF_GEMM_DIRECT_M", 16);
  return v;
}

// Row-major B: register tiles over B in place pay up to 4 rows; from 5 rows on the
// few-rows path (B read in place once, then from L1 for every row tile) is faster
// (M = 16, K = N = 1024: 450 against 600 µs on one core).
long direct_rowb_limit() {
  static const long v = env_or("TF_GEMM_DIRECT_ROWB_M", 4);
  return v;
}

#ifdef TF_HAVE_AVX2_KERNELS
// A GEMV whose columns, split between the threads, would leave each thread runs shorter
// than the GEMV's 1024-column chunk: the threads split K instead (each streams whole
// 4 KB runs of its own rows of B into a partial y), then the calling thread adds the
// partial results. Returns false when splitting N is as good.
bool gemv_split_k(const GemmArgs<float>& g) {
  const int64_t threads = std::max(1, num_threads());
  if (threads < 2 || g.batch != 1 || g.n >= 1024 * threads || g.n < 64 || g.k < 64 * threads) return false;
  if (g.n * g.k < kMinMacsPerTask * threads) return false;
  const int64_t parts = threads;
  const int64_t kpart = (g.k + parts - 1) / parts;
  std::vector<float> partial(static_cast<size_t>(parts * g.n));
  parallel_for(parts, 1, [&](int64_t begin, int64_t end) {
    for (int64_t q = begin; q < end; ++q) {
      const int64_t k0 = q * kpart, k1 = std::min(g.k, k0 + kpart);
      float* y = partial.data() + q * g.n;
      if (k1 <= k0) {
        std::fill(y, y + g.n, 0.0f);
        continue;
      }
      gemv_rowb_f32_avx2(g.n, k1 - k0, 1.0f, g.A + k0 * g.csA, g.csA, g.B + k0 * g.rsB, g.rsB, 0.0f, y);
    }
  });
  float* C = g.C;
  for (int64_t j = 0; j < g.n; ++j) {
    float sum = partial[static_cast<size_t>(j)];
    for (int64_t q = 1; q < parts; ++q) sum += partial[static_cast<size_t>(q * g.n + j)];
    C[j] = g.beta == 0.0f ? g.alpha * sum : g.alpha * sum + g.beta * C[j];
  }
  if (g.epi.active()) run_epilogue(g.epi, 1, g.n, C, g.rsC, 1, 0, 0);
  return true;
}

bool try_direct(const GemmArgs<float>& g) {
  if (!use_avx2() || g.Bp || g.csC != 1 || g.m > direct_rows_limit() || g.k < 1) return false;
  enum { kRowB, kColB, kGemv } kind;
  if (g.csB == 1 && g.m == 1) kind = kGemv;
  else if (g.csB == 1 && g.m <= direct_rowb_limit()) kind = kRowB;
  else if (g.rsB == 1 && g.csA == 1) kind = kColB;
  else return false;
  if (kind == kGemv && gemv_split_k(g)) return true;
  const int nr = kind == kColB ? 4 : kind == kRowB ? 24 : 8;
  const Split s = split_work(g.batch, g.m, g.n, g.k, static_cast<int>(g.m), nr, true);
  const int64_t items = g.batch * s.pn;
  const int64_t kcd = g.m <= 4 ? g.k : std::max<int64_t>(8, env_or("TF_GEMM_DIRECT_KC", 128));
  parallel_for(items, grain_for(g.m * s.n_chunk * g.k), [&](int64_t begin, int64_t end) {
    for (int64_t it = begin; it < end; ++it) {
      const int64_t b = it / s.pn;
      const int64_t j0 = (it % s.pn) * s.n_chunk;
      const int64_t j1 = std::min(g.n, j0 + s.n_chunk);
      const float* A = g.A + (g.a_offsets ? g.a_offsets[b] : 0);
      const float* B = g.B + (g.b_offsets ? g.b_offsets[b] : 0);
      float* C = g.C + (g.c_offsets ? g.c_offsets[b] : 0);
      if (kind == kGemv) {
        gemv_rowb_f32_avx2(j1 - j0, g.k, g.alpha, A, g.csA, B + j0, g.rsB, g.beta, C + j0);
        if (g.epi.active()) run_epilogue(g.epi, 1, j1 - j0, C + j0, g.rsC, 1, 0, j0);
      } else if (kind == kRowB) {
        for (int64_t pc = 0; pc < g.k; pc += kcd) {
          const int64_t kc = std::min(kcd, g.k - pc);
          const float beta_now = pc == 0 ? g.beta : 1.0f;
          const bool last = pc + kc >= g.k;
          for (int64_t jt = j0; jt < j1; jt += 24) {
            const int64_t cols = std::min<int64_t>(24, j1 - jt);
            for (int64_t i = 0; i < g.m; i += 4) {
              const int rows = static_cast<int>(std::min<int64_t>(4, g.m - i));
              float* c = C + i * g.rsC + jt;
              direct_rowb_f32_avx2(rows, cols, kc, g.alpha, A + i * g.rsA + pc * g.csA, g.rsA, g.csA,
                                   B + pc * g.rsB + jt, g.rsB, beta_now, c, g.rsC);
              if (last && g.epi.active()) run_epilogue(g.epi, rows, cols, c, g.rsC, 1, i, jt);
            }
          }
        }
      } else {
        for (int64_t jt = j0; jt < j1; jt += 4) {
          const int64_t cols = std::min<int64_t>(4, j1 - jt);
          for (int64_t i = 0; i < g.m; i += 3) {
            const int rows = static_cast<int>(std::min<int64_t>(3, g.m - i));
            float* c = C + i * g.rsC + jt;
            direct_colb_f32_avx2(rows, cols, g.k, g.alpha, A + i * g.rsA, g.rsA, B + jt * g.csB, g.csB,
                                 g.beta, c, g.rsC, 1);
            if (g.epi.active()) run_epilogue(g.epi, rows, cols, c, g.rsC, 1, i, jt);
          }
        }
      }
    }
  });
  return true;
}
#endif

template <typename T>
bool try_direct(const GemmArgs<T>&) {
  return false;
}

}  // namespace

// ---- public entry points ---------------------------------------------------------------------

template <typename T>
void gemm_run(const GemmArgs<T>& g) {
  if (g.batch <= 0 || g.m <= 0 || g.n <= 0) return;
  if (g.k <= 0 || g.alpha == T(0)) {
    // No product: C = beta * C, then the epilogue.
    parallel_for(g.batch, grain_for(g.m * g.n), [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        T* C = g.C + (g.c_offsets ? g.c_offsets[b] : 0);
        scale_c(g.m, g.n, g.beta, C, g.rsC, g.csC);
        if (g.epi.active()) epilogue_ref<T>(g.epi, g.m, g.n, C, g.rsC, g.csC, 0, 0);
      }
    });
    return;
  }
  // Below about 1M multiply-adds (20 µs on one core) waking the pool costs more than the
  // second thread gives back: 64^3 took 19 µs on 2 threads against 9 µs on one.
  if (num_threads() > 1 && static_cast<double>(g.batch) * g.m * g.n * g.k < static_cast<double>(kSerialMacs)) {
    run_serial([&] {
      if (!try_direct(g)) run_packed(g, pick_kernel<T>());
    });
    return;
  }
  if (try_direct(g)) return;
  run_packed(g, pick_kernel<T>());
}

template <typename T>
size_t packed_b_elements(int64_t k, int64_t n) {
  return PackedLayout<T>(k, n).elements();
}

template <typename T>
void pack_b_full(int64_t k, int64_t n, const T* B, int64_t rsB, int64_t csB, T* Bp) {
  const PackedLayout<T> L(k, n);
  if (L.blocks == 0) return;
  const int64_t panel_macs = std::max<int64_t>(1, L.kc * Tile<T>::NR);
  parallel_for(L.blocks * L.panels, std::max<int64_t>(1, (kMinMacsPerTask * 4) / panel_macs),
               [&](int64_t begin, int64_t end) { pack_b_range(L, B, rsB, csB, Bp, begin, end); });
}

template <typename T>
void gemm_batched(int64_t batch, const int64_t* a_offsets, const int64_t* b_offsets,
                  const int64_t* c_offsets, int64_t m, int64_t n, int64_t k, T alpha, const T* A,
                  int64_t rsA, int64_t csA, const T* B, int64_t rsB, int64_t csB, T beta, T* C,
                  int64_t rsC, int64_t csC) {
  GemmArgs<T> g;
  g.batch = batch;
  g.a_offsets = a_offsets;
  g.b_offsets = b_offsets;
  g.c_offsets = c_offsets;
  g.m = m; g.n = n; g.k = k;
  g.alpha = alpha; g.beta = beta;
  g.A = A; g.rsA = rsA; g.csA = csA;
  g.B = B; g.rsB = rsB; g.csB = csB;
  g.C = C; g.rsC = rsC; g.csC = csC;
  gemm_run(g);
}

template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t rsA, int64_t csA,
          const T* B, int64_t rsB, int64_t csB, T beta, T* C, int64_t rsC, int64_t csC) {
  gemm_batched<T>(1, nullptr, nullptr, nullptr, m, n, k, alpha, A, rsA, csA, B, rsB, csB, beta, C,
                  rsC, csC);
}

#define TF_INSTANTIATE_GEMM(T)                                                                   \
  template void gemm_run<T>(const GemmArgs<T>&);                                                 \
  template size_t packed_b_elements<T>(int64_t, int64_t);                                        \
  template void pack_b_full<T>(int64_t, int64_t, const T*, int64_t, int64_t, T*);                \
  template void gemm<T>(int64_t, int64_t, int64_t, T, const T*, int64_t, int64_t, const T*,      \
                        int64_t, int64_t, T, T*, int64_t, int64_t);                              \
  template void gemm_batched<T>(int64_t, const int64_t*, const int64_t*, const int64_t*, int64_t, \
                                int64_t, int64_t, T, const T*, int64_t, int64_t, const T*,       \
                                int64_t, int64_t, T, T*, int64_t, int64_t);
TF_INSTANTIATE_GEMM(float)
TF_INSTANTIATE_GEMM(double)
TF_INSTANTIATE_GEMM(int32_t)

}  // namespace tf
