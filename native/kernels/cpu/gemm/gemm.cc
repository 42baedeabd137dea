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
// Few rows take other paths first (gemm_few_rows.cc): float32 with AVX2 and M <= 16 may
// skip packing (register tiles or dot products over B in place, the GEMV for M = 1), and
// M up to the MC block with N >= 2M packs B a panel at a time right before use, or reads
// it in place in the first row tile. The blocks shared by the paths are in gemm_blocks.h.
#include "gemm.h"

#include <algorithm>
#include <cmath>

#include "gemm_blocks.h"

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

using namespace gemm_detail;

namespace {

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

template <typename T>
void run_packed(const GemmArgs<T>& g, const UKernel<T>& uk);

inline thread_local Buffer t_partial_c;  // partial products of split_k

// A tall product (K well over M and N, one product) on several threads: the threads split
// K. Each packs only its own columns of A and rows of B and computes its partial product,
// the first thread straight into C (with beta), the others into a scratch C; the partial
// results are then added and the epilogue applied. Split by M or N, every thread would
// pack all of A or all of B (K = 4096, M = N = 256 on 2 threads: 6 MB packed per thread
// instead of 4). Returns false when the product is not of that kind.
template <typename T>
bool split_k(const GemmArgs<T>& g, const UKernel<T>& uk) {
  const int64_t parts = std::max(1, available_threads());
  if (parts < 2 || g.batch != 1 || g.Bp) return false;
  const int64_t m = g.m, n = g.n, k = g.k, mn = m * n;
  if (k < 4 * std::max(m, n) || k < 2 * blocking<T>().kc * parts || mn * k < kSmallMacs ||
      (parts - 1) * mn > (int64_t(1) << 22))
    return false;
  T* partial = static_cast<T*>(t_partial_c.get(sizeof(T) * static_cast<size_t>((parts - 1) * mn)));
  parallel_for(parts, 1, [&](int64_t begin, int64_t end) {
    for (int64_t q = begin; q < end; ++q) {
      const int64_t k0 = k * q / parts, k1 = k * (q + 1) / parts;
      GemmArgs<T> s = g;
      s.k = k1 - k0;
      s.A = g.A + k0 * g.csA;
      s.B = g.B + k0 * g.rsB;
      s.epi = GemmEpilogue<T>();
      if (q > 0) {
        s.C = partial + (q - 1) * mn;
        s.rsC = n;
        s.csC = 1;
        s.beta = T(0);
      }
      run_packed(s, uk);  // inside the job: one thread's paths
    }
  });
  using Acc = typename std::conditional_t<std::is_integral_v<T>, std::make_unsigned<T>, SameType<T>>::type;
  parallel_for(m, grain_for(n * parts), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      T* c = g.C + i * g.rsC;
      for (int64_t q = 1; q < parts; ++q) {
        const T* p = partial + (q - 1) * mn + i * n;
        for (int64_t j = 0; j < n; ++j)
          c[j * g.csC] = static_cast<T>(static_cast<Acc>(c[j * g.csC]) + static_cast<Acc>(p[j]));
      }
    }
    if (g.epi.active()) run_epilogue(g.epi, i1 - i0, n, g.C + i0 * g.rsC, g.rsC, g.csC, i0, 0);
  });
  t_partial_c.trim();
  return true;
}

template <typename T>
void run_packed(const GemmArgs<T>& g, const UKernel<T>& uk) {
  if (split_k(g, uk)) return;
  if (try_few_rows(g, uk)) return;
  constexpr int NR = Tile<T>::NR;
  const PackedLayout<T> L(g.k, g.n);
  const int64_t threads = std::max(1, available_threads());
  const bool shared = b_shared(g);
  auto a_of = [&](int64_t b) { return g.A + (g.a_offsets ? g.a_offsets[b] : 0); };
  auto b_of = [&](int64_t b) { return g.B + (g.b_offsets ? g.b_offsets[b] : 0); };
  auto c_of = [&](int64_t b) { return g.C + (g.c_offsets ? g.c_offsets[b] : 0); };
  const size_t block_elems = static_cast<size_t>(L.kc * L.n_pad);

  // Up to 1024^3, and with at least 128 columns per thread (every thread packs all of A:
  // about 5% of its share of the product at 128 columns), one pool dispatch instead of two
  // per K block:
  // items split N first; each packs the B panels of its own columns, K block by K
  // block, then computes them. No thread waits for another between K blocks (on 2 threads
  // 256^3 took 199 against 201-218 µs, 512^3 1511 against 1539-1610, K = 4096 with
  // M = N = 256 3.49 against 3.69 ms; 1024^3 and 2048^3 the same).
  const int64_t macs = g.m * g.n * g.k;
  const bool own_b = (L.blocks == 1 && macs <= kSmallMacs) || (macs <= kOwnBMacs && g.n >= 128 * threads);
  if (own_b && try_rows_fused(g, uk)) return;
  if (g.batch == 1 && !g.Bp && threads > 1 && own_b) {
    const Split s = split_work(1, g.m, g.n, g.k, kMR, NR, true);
    parallel_for(s.pm * s.pn, 1, [&](int64_t begin, int64_t end) {
      for (int64_t it = begin; it < end; ++it) {
        const int64_t i0 = (it / s.pn) * s.m_chunk, j0 = (it % s.pn) * s.n_chunk;
        const int64_t i1 = std::min(g.m, i0 + s.m_chunk), j1 = std::min(g.n, j0 + s.n_chunk);
        const int64_t p0 = j0 / NR, p1 = (j1 + NR - 1) / NR;
        T* Bb = static_cast<T*>(t_item_b.get(sizeof(T) * static_cast<size_t>((p1 - p0) * NR * L.kc)));
        for (int64_t blk = 0; blk < L.blocks; ++blk) {
          const int64_t pc = blk * L.kc;
          const int64_t kc = std::min(L.kc, L.k - pc);  // this block's depth
          // pack_b_range writes panel p of block blk at pc * n_pad + p * NR * kc: shift
          // so panel p0 lands at Bb.
          pack_b_range(L, g.B, g.rsB, g.csB, Bb - pc * L.n_pad - p0 * NR * kc, blk * L.panels + p0,
                       blk * L.panels + p1);
          packed_block(uk, L, pc, i0, i1, j0, j1, g.alpha, g.A, g.rsA, g.csA, Bb - p0 * NR * kc, g.beta, g.C,
                       g.rsC, g.csC, g.epi);
        }
      }
      t_item_b.trim();
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
  if (available_threads() > 1 && static_cast<double>(g.batch) * g.m * g.n * g.k < static_cast<double>(kSerialMacs)) {
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
