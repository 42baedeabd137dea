// The GEMM's paths for few rows (see gemm.cc for how a path is picked).
//
// Few rows (M up to the MC block, N >= 2M): B packed one panel (or a few) at a time,
// right before the row tiles that use it, or read in place by the first row tile
// (float32, AVX2, B's rows contiguous). Fewer rows still (float32, AVX2): no packing at
// all, register tiles over B in place for M <= 4, dot products along K for a transposed B
// (M <= 16), and the GEMV for M = 1.

#include "gemm_blocks.h"

namespace tf {
namespace gemm_detail {
namespace {

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
    // Tuning hooks (docs/TUNING.md): TF_GEMM_FR_KC, TF_GEMM_FR_PANELS.
    const int64_t kc = std::clamp<int64_t>(env_or("TF_GEMM_FR_KC", 256), 8, 4096) / 4 * 4;
    const int64_t panels = std::clamp<int64_t>(env_or("TF_GEMM_FR_PANELS", 4), 1, 64);
    return FewRowsBlocking{kc, panels};
  }();
  return b;
}

#ifdef TF_HAVE_AVX2_KERNELS
// How far ahead the fused tile prefetches rows of B: v > 0 into L1, v < 0 into L2, |v|
// rows ahead (16 into L2 measured best; into L1 the rows, 4 KB apart at N = 1024, evict
// each other). Tuning hooks (docs/TUNING.md): TF_GEMM_FR_PF, TF_GEMM_FR_PFN (0: the second
// row tile does not prefetch the next panel), TF_GEMM_FR_FUSED (0: pack every panel first).
int64_t few_rows_prefetch() {
  static const int64_t v = env_or("TF_GEMM_FR_PF", -16);
  return v;
}

// The tiles of rows [0, m) x columns [j0, j1) of one K block, B read in place (row-major,
// Brow = row pc of B): for each full panel the first row tile reads B and leaves the packed
// panel in Bg for the others; a short last panel is packed (zero-padded), then computed.
// C points at the block's row 0, which is row ci0 of the product (for the bias).
void few_rows_fused(const UKernel<float>& uk, int64_t kc, int64_t m, int64_t j0, int64_t j1, float alpha,
                    const float* Ap, const float* Brow, int64_t rsB, float* Bg, float beta_now, float* C,
                    int64_t rsC, int64_t csC, bool has_epi, const GemmEpilogue<float>& epi, int64_t ci0 = 0) {
  constexpr int NR = 16;
  const int64_t pf = few_rows_prefetch();
  static const bool pfn = env_or("TF_GEMM_FR_PFN", 1) != 0;
  for (int64_t jr = j0; jr < j1; jr += NR) {
    const int64_t cols = std::min<int64_t>(NR, j1 - jr);
    if (cols < NR) {
      pack_b_panel<float, NR>(kc, cols, Brow + jr, rsB, 1, Bg);
      macro_tiles(uk, kc, m, jr, j1, alpha, Ap, Bg - jr * kc, beta_now, C, rsC, csC, has_epi, epi, ci0);
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
      if (has_epi) run_epilogue(epi, rows, NR, c, rsC, csC, ci0 + ir, jr);
    }
  }
}

// Small products on several threads (float32, AVX2, B's rows contiguous): the threads
// split M in whole micro-tiles, each packs only its own rows of A and reads all of B in
// place through few_rows_fused, so no thread packs anything it does not use and nothing
// is packed in a separate pass (128^3 on 2 threads: 4 of the 8 panels of B and all of A
// packed per thread before).
bool rows_fused(const GemmArgs<float>& g, const UKernel<float>& uk) {
  const int64_t threads = std::max(1, available_threads());
  static const long limit = env_or("TF_GEMM_ROWS_FUSED_MACS", int64_t(1) << 24);
  if (threads < 2 || !use_avx2() || g.batch != 1 || g.Bp || g.csB != 1 || g.n < 2 * 16) return false;
  const int64_t tiles = (g.m + kMR - 1) / kMR;
  const int64_t per = (tiles + threads - 1) / threads;  // row tiles per thread
  // Each thread's rows must fit one packed A block, and give every thread full tiles.
  if (g.m * g.n * g.k > limit || per * kMR > blocking<float>().mc || tiles < 2 * threads) return false;
  const PackedLayout<float> L(g.k, g.n);
  constexpr int NR = 16;
  const int64_t items = (tiles + per - 1) / per;
  parallel_for(items, 1, [&](int64_t begin, int64_t end) {
    float* Ap = static_cast<float*>(t_pack_a.get(sizeof(float) * static_cast<size_t>(per * kMR * L.kc + 16)));
    float* Bg = static_cast<float*>(t_item_b.get(sizeof(float) * static_cast<size_t>(NR * L.kc)));
    for (int64_t it = begin; it < end; ++it) {
      const int64_t i0 = it * per * kMR, i1 = std::min(g.m, i0 + per * kMR);
      for (int64_t pc = 0; pc < g.k; pc += L.kc) {
        const int64_t kc = std::min(L.kc, g.k - pc);
        const bool has_epi = g.epi.active() && pc + kc >= g.k;
        pack_a(i1 - i0, kc, g.A + i0 * g.rsA + pc * g.csA, g.rsA, g.csA, Ap);
        few_rows_fused(uk, kc, i1 - i0, 0, g.n, g.alpha, Ap, g.B + pc * g.rsB, g.rsB, Bg, pc == 0 ? g.beta : 1.0f,
                       g.C + i0 * g.rsC, g.rsC, g.csC, has_epi, g.epi, i0);
      }
    }
    t_item_b.trim();
  });
  return true;
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
  [[maybe_unused]] bool fused = false;
#ifdef TF_HAVE_AVX2_KERNELS
  static const bool fused_on = env_or("TF_GEMM_FR_FUSED", 1) != 0;
  fused = std::is_same_v<T, float> && use_avx2() && g.csB == 1 && fused_on;
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
  const int64_t threads = std::max(1, available_threads());
  if (threads < 2 || g.batch != 1 || g.n >= 1024 * threads || g.n < 64 || g.k < 64 * threads) return false;
  if (g.n * g.k < kMinMacsPerTask * threads) return false;
  const int64_t parts = threads;
  const int64_t kpart = (g.k + parts - 1) / parts;
  float* partial = static_cast<float*>(t_pack_b.get(sizeof(float) * static_cast<size_t>(parts * g.n)));
  parallel_for(parts, 1, [&](int64_t begin, int64_t end) {
    for (int64_t q = begin; q < end; ++q) {
      const int64_t k0 = q * kpart, k1 = std::min(g.k, k0 + kpart);
      float* y = partial + q * g.n;
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
  t_pack_b.trim();
  return true;
}

bool direct_f32(const GemmArgs<float>& g) {
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

}  // namespace

template <typename T>
bool try_few_rows(const GemmArgs<T>& g, const UKernel<T>& uk) {
  const long lim = few_rows_limit();
  const int64_t few = lim >= 0 ? lim : blocking<T>().mc;
  // Worth it when B is big next to A (N > M) and not shared by a batch (packed once then).
  if (g.Bp || g.m > few || g.n < 2 * g.m || g.n * g.k < (int64_t(1) << 16) || (g.batch != 1 && b_shared(g)))
    return false;
  run_few_rows(g, uk);
  return true;
}

template <typename T>
bool try_rows_fused(const GemmArgs<T>& g, const UKernel<T>& uk) {
#ifdef TF_HAVE_AVX2_KERNELS
  if constexpr (std::is_same_v<T, float>) return rows_fused(g, uk);
#endif
  (void)g;
  (void)uk;
  return false;
}

template <typename T>
bool try_direct(const GemmArgs<T>& g) {
#ifdef TF_HAVE_AVX2_KERNELS
  if constexpr (std::is_same_v<T, float>) return direct_f32(g);
#endif
  (void)g;
  return false;
}

template bool try_few_rows<float>(const GemmArgs<float>&, const UKernel<float>&);
template bool try_few_rows<double>(const GemmArgs<double>&, const UKernel<double>&);
template bool try_few_rows<int32_t>(const GemmArgs<int32_t>&, const UKernel<int32_t>&);
template bool try_rows_fused<float>(const GemmArgs<float>&, const UKernel<float>&);
template bool try_rows_fused<double>(const GemmArgs<double>&, const UKernel<double>&);
template bool try_rows_fused<int32_t>(const GemmArgs<int32_t>&, const UKernel<int32_t>&);
template bool try_direct<float>(const GemmArgs<float>&);
template bool try_direct<double>(const GemmArgs<double>&);
template bool try_direct<int32_t>(const GemmArgs<int32_t>&);

}  // namespace gemm_detail
}  // namespace tf
