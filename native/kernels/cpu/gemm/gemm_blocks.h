// Internal to the GEMM (gemm.cc, gemm_few_rows.cc): tile sizes, cache blocking, packing
// of A and B into panels, per-thread buffers, the macro-kernel over packed panels and the
// split of work between threads. Portable code only (the AVX2 files must not include it).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <type_traits>

#include "../../../runtime/cpu_features.h"
#include "../../../runtime/thread_pool.h"
#include "gemm.h"
#include "ukernel.h"

namespace tf {
namespace gemm_detail {

constexpr int kMR = 6;
template <typename T> struct Tile;
template <> struct Tile<float> { static constexpr int NR = 16; };
template <> struct Tile<double> { static constexpr int NR = 8; };
template <> struct Tile<int32_t> { static constexpr int NR = 16; };

// KC: a kc x NR panel of B fills half of L1. MC: an mc x kc block of A fills ~40% of L2.
struct Blocking {
  int64_t kc, mc;
};
inline long env_or(const char* name, long fallback) {
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
    // Tuning hooks (docs/TUNING.md): TF_GEMM_KC, TF_GEMM_MC.
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

// `count` whole panels side by side from B with contiguous rows (csB == 1): panel g of
// columns [g * NR, g * NR + NR) goes to Bp + g * kc * NR. Four panels are packed together,
// so each row of B is read as four adjacent cache lines, and rows are prefetched 8 ahead:
// B usually comes from memory here, and one 64-byte line per row, rows apart, left the
// loads waiting on memory one at a time (3.6 GB/s against 9 GB/s this way, cold).
template <typename T, int NR>
void pack_b_panels_rows(int64_t kc, int64_t count, const T* B, int64_t rsB, T* Bp) {
  constexpr int kGroup = 4, kAhead = 8;
  for (int64_t g0 = 0; g0 < count; g0 += kGroup) {
    const int group = static_cast<int>(std::min<int64_t>(kGroup, count - g0));
    const T* src = B + g0 * NR;
    T* dst = Bp + g0 * kc * NR;
    for (int64_t p = 0; p < kc; ++p) {
      const T* row = src + p * rsB;
      if (p + kAhead < kc) {
        const char* ahead = reinterpret_cast<const char*>(row + kAhead * rsB);
        for (int g = 0; g < group; ++g) __builtin_prefetch(ahead + g * NR * sizeof(T), 0, 3);
      }
      for (int g = 0; g < group; ++g) std::memcpy(dst + g * kc * NR + p * NR, row + g * NR, NR * sizeof(T));
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
  const int64_t full_panels = L.n / NR;  // panels with all NR columns
  for (int64_t it = begin; it < end;) {
    const int64_t blk = it / L.panels, panel = it % L.panels;
    const int64_t pc = blk * L.kc;
    const int64_t kc = std::min(L.kc, L.k - pc);
    const int64_t j0 = panel * NR;
    if (csB == 1 && panel < full_panels) {
      // A run of whole panels of this block, packed together.
      const int64_t run = std::min(full_panels - panel, end - it);
      pack_b_panels_rows<T, NR>(kc, run, B + pc * rsB + j0, rsB, Bp + pc * L.n_pad + j0 * kc);
      it += run;
      continue;
    }
    pack_b_panel<T, NR>(kc, std::min<int64_t>(NR, L.n - j0), B + pc * rsB + j0 * csB, rsB, csB,
                        Bp + pc * L.n_pad + j0 * kc);
    ++it;
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
inline thread_local Buffer t_pack_a;   // a thread's A block
inline thread_local Buffer t_pack_b;   // B packed by the calling thread for the whole call
inline thread_local Buffer t_item_b;   // B packed by a thread for its own items

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
// Up to this many multiply-adds each thread packs B's panels for its own columns (run_packed).
constexpr int64_t kOwnBMacs = int64_t(1) << 30;
// Products smaller than this run on the calling thread alone (see gemm_run).
constexpr int64_t kSerialMacs = int64_t(1) << 20;

// Splits `batch` products of m x n into items of m_chunk x n_chunk (multiples of mr, nr)
// so that every thread gets work: rows first, columns when there are too few rows.
struct Split {
  int64_t pm, pn, m_chunk, n_chunk;
};
inline Split split_work(int64_t batch, int64_t m, int64_t n, int64_t k, int mr, int nr, bool prefer_n) {
  const int64_t threads = std::max(1, available_threads());
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

inline int64_t grain_for(int64_t macs_per_item) {
  return std::max<int64_t>(1, kMinMacsPerTask / std::max<int64_t>(1, macs_per_item));
}

template <typename T>
bool b_shared(const GemmArgs<T>& g) {
  if (g.Bp || !g.b_offsets) return true;
  for (int64_t b = 1; b < g.batch; ++b)
    if (g.b_offsets[b] != g.b_offsets[0]) return false;
  return true;
}

// The paths for few rows (gemm_few_rows.cc). Each runs the product and returns true when
// it applies to g, else returns false without touching C.
template <typename T>
bool try_few_rows(const GemmArgs<T>& g, const UKernel<T>& uk);  // packed, B packed panel by panel
template <typename T>
bool try_rows_fused(const GemmArgs<T>& g, const UKernel<T>& uk);  // float32 with AVX2: threads split M, B read in place
template <typename T>
bool try_direct(const GemmArgs<T>& g);  // float32 with AVX2: unpacked register tiles and GEMV

}  // namespace gemm_detail
}  // namespace tf
