// Winograd F(4x4, 3x3) convolution (Lavin & Gray): per image and block of tile rows, the
// input transform, 36 GEMMs on the packed GEMM and the output transform. The transforms
// are in conv_kernels.inc (compiled portably and for AVX2).
#include "winograd.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "../../../runtime/cpu_features.h"
#include "../../../runtime/thread_pool.h"
#include "../gemm/gemm.h"
#include "conv_kernels.h"

namespace tf {
namespace {

// U[xi][k][c] = (G g Gᵀ)[xi] for every 3x3 kernel g = w[k, c] (F(4x4, 3x3)), eight
// input channels at a time so that the arithmetic vectorizes.
template <typename T>
void wino_weights(const ConvGeom& g, const T* w, T* U) {
  constexpr int L = 8;
  const int64_t KC = g.k * g.c;
  // u[i * us] = (G f)[i] for f[i * fs], i < 3, on L lanes
  auto gt = [](const T (*f)[L], int64_t fs, T (*u)[L], int64_t us) {
    for (int l = 0; l < L; ++l) {
      const T f0 = f[0][l], f1 = f[fs][l], f2 = f[2 * fs][l];
      u[0][l] = f0 * T(0.25);
      u[us][l] = (f0 + f1 + f2) * T(-1.0 / 6);
      u[2 * us][l] = (f0 - f1 + f2) * T(-1.0 / 6);
      u[3 * us][l] = f0 * T(1.0 / 24) + f1 * T(1.0 / 12) + f2 * T(1.0 / 6);
      u[4 * us][l] = f0 * T(1.0 / 24) - f1 * T(1.0 / 12) + f2 * T(1.0 / 6);
      u[5 * us][l] = f2;
    }
  };
  parallel_for(g.k, 4, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      for (int64_t c0 = 0; c0 < g.c; c0 += L) {
        const int64_t n = std::min<int64_t>(L, g.c - c0);
        alignas(32) T f[9][L], gg[18][L], u[36][L];
        for (int i = 0; i < 9; ++i)
          for (int l = 0; l < L; ++l) f[i][l] = l < n ? w[(k * g.c + c0 + l) * 9 + i] : T(0);
        for (int j = 0; j < 3; ++j) gt(f + j, 3, gg + j, 3);        // G f: gg[i*3+j]
        for (int i = 0; i < 6; ++i) gt(gg + i * 3, 1, u + i * 6, 1);  // (G f) Gᵀ: u[i*6+j]
        for (int xi = 0; xi < 36; ++xi)
          for (int64_t l = 0; l < n; ++l) U[xi * KC + k * g.c + c0 + l] = u[xi][l];
      }
    }
  });
}

// Scratch memory per thread, kept between calls (large vectors would otherwise be mapped
// and zeroed by the kernel on every call). Slot 0: the transformed weights (caller only).
template <typename T>
std::vector<T>& scratch_slot(int slot) {
  thread_local std::vector<T> bufs[3];
  return bufs[slot];
}
template <typename T>
T* scratch(int slot, size_t elems) {
  std::vector<T>& v = scratch_slot<T>(slot);
  if (v.size() < elems) {
    v.clear();
    v.shrink_to_fit();
    v.resize(elems);
  }
  return v.data();
}
// Frees a slot that grew past 8 MB (one unusually large layer should not pin its memory).
template <typename T>
void scratch_trim(int slot) {
  std::vector<T>& v = scratch_slot<T>(slot);
  if (v.size() * sizeof(T) > (size_t(8) << 20)) {
    v.clear();
    v.shrink_to_fit();
  }
}

// Winograd F(4x4, 3x3): per image and block of tile rows, the input transform, 36 GEMMs
// M_xi [K, tiles] = U_xi [K, C] · V_xi [C, tiles] (4x fewer multiplies than im2col), and
// the output transform with the bias. Blocks are sized to stay in L2.
template <typename T>
void winograd_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  auto wino_in = conv_portable::wino_input<T>;
  auto wino_out = conv_portable::wino_output<T>;
#ifdef TF_CONV_AVX2
  if (use_avx2()) {
    wino_in = conv_avx2::wino_input<T>;
    wino_out = conv_avx2::wino_output<T>;
  }
#endif
  constexpr int kXi = 36;
  const int64_t C = g.c, K = g.k, th = (g.oh + 3) / 4, tw = (g.ow + 3) / 4, P = g.oh * g.ow, HW = g.h * g.w;
  T* U = scratch<T>(0, static_cast<size_t>(kXi * K * C));
  wino_weights(g, w, U);
  const int64_t row_bytes = kXi * (C + K) * tw * static_cast<int64_t>(sizeof(T));
  static const int64_t block_bytes = [] {
    const char* v = std::getenv("TF_WINO_BLOCK_KB");  // tuning hook (docs/TUNING.md)
    return (v && *v ? std::atol(v) : 2048) * 1024;
  }();
  const int64_t rb = std::clamp<int64_t>(block_bytes / row_bytes, 1, th);
  const int64_t nblk = (th + rb - 1) / rb;
  parallel_for(g.n * nblk, 1, [&](int64_t tb_, int64_t te_) {
    T* V = scratch<T>(1, static_cast<size_t>(kXi * C * rb * tw));
    T* M = scratch<T>(2, static_cast<size_t>(kXi * K * rb * tw));
    int64_t offs[3 * kXi];
    for (int64_t t = tb_; t < te_; ++t) {
      const int64_t n = t / nblk, ty0 = (t % nblk) * rb, ty1 = std::min(th, ty0 + rb);
      const int64_t tiles = (ty1 - ty0) * tw;
      wino_in(g, C, x + n * C * HW, ty0, ty1, tw, V, C * tiles);
      for (int xi = 0; xi < kXi; ++xi) {
        offs[xi] = xi * K * C;
        offs[kXi + xi] = xi * C * tiles;
        offs[2 * kXi + xi] = xi * K * tiles;
      }
      GemmArgs<T> a;
      a.batch = kXi;
      a.a_offsets = offs; a.b_offsets = offs + kXi; a.c_offsets = offs + 2 * kXi;
      a.m = K; a.n = tiles; a.k = C;
      a.A = U; a.rsA = C; a.csA = 1;
      a.B = V; a.rsB = tiles; a.csB = 1;
      a.C = M; a.rsC = tiles; a.csC = 1;
      gemm_run<T>(a);
      wino_out(g, M, K * tiles, ty0, ty1, tw, bias, y + n * K * P);
    }
  });
  scratch_trim<T>(0);
}

}  // namespace

void winograd_conv3x3(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  winograd_forward<float>(g, x, w, bias, y);
}

}  // namespace tf
