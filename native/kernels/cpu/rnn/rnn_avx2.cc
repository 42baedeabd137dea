// AVX2+FMA float32 gate math of one step for one batch row (same formulas as the
// portable rnn_cells.h; exp, tanh and sigmoid from avx2_math.h). Compiled with
// -mavx2 -mfma and called only after use_avx2(). A tail shorter than 8 goes through a
// padded copy, so every element takes the same vector path.
#include "rnn.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cstring>

#include "../elementwise/avx2_math.h"

namespace tf {
namespace {

using namespace avx2;

inline __m256 load(const float* p) { return _mm256_loadu_ps(p); }
inline void store(float* p, __m256 v) { _mm256_storeu_ps(p, v); }

inline void lstm8(float* gi, float* gf, float* gg, float* go, const float* cp, float* c, float* tc, float* h) {
  const __m256 i = sigmoid_ps(load(gi)), f = sigmoid_ps(load(gf)), g = tanh_ps(load(gg)), o = sigmoid_ps(load(go));
  store(gi, i); store(gf, f); store(gg, g); store(go, o);
  const __m256 cv = _mm256_fmadd_ps(f, load(cp), _mm256_mul_ps(i, g));
  const __m256 t = tanh_ps(cv);
  store(c, cv); store(tc, t); store(h, _mm256_mul_ps(o, t));
}

inline void gru8(float* gr, float* gz, float* gn, const float* rr, const float* rz, const float* rn, const float* hp,
                 float* recn, float* h) {
  const __m256 r = sigmoid_ps(_mm256_add_ps(load(gr), load(rr)));
  const __m256 z = sigmoid_ps(_mm256_add_ps(load(gz), load(rz)));
  const __m256 rnv = load(rn);
  const __m256 n = tanh_ps(_mm256_fmadd_ps(r, rnv, load(gn)));
  store(gr, r); store(gz, z); store(gn, n); store(recn, rnv);
  // (1 - z) n + z hp = n + z (hp - n)
  store(h, _mm256_fmadd_ps(z, _mm256_sub_ps(load(hp), n), n));
}

}  // namespace

void lstm_cell_f32_avx2(int64_t H, float* g, const float* c_prev, float* c, float* tc, float* h) {
  int64_t j = 0;
  for (; j + 8 <= H; j += 8) lstm8(g + j, g + H + j, g + 2 * H + j, g + 3 * H + j, c_prev + j, c + j, tc + j, h + j);
  if (j < H) {
    const size_t n = static_cast<size_t>(H - j) * sizeof(float);
    float gi[8] = {0}, gf[8] = {0}, gg[8] = {0}, go[8] = {0}, cp[8] = {0}, cv[8], tv[8], hv[8];
    std::memcpy(gi, g + j, n); std::memcpy(gf, g + H + j, n); std::memcpy(gg, g + 2 * H + j, n);
    std::memcpy(go, g + 3 * H + j, n); std::memcpy(cp, c_prev + j, n);
    lstm8(gi, gf, gg, go, cp, cv, tv, hv);
    std::memcpy(g + j, gi, n); std::memcpy(g + H + j, gf, n); std::memcpy(g + 2 * H + j, gg, n);
    std::memcpy(g + 3 * H + j, go, n); std::memcpy(c + j, cv, n); std::memcpy(tc + j, tv, n); std::memcpy(h + j, hv, n);
  }
}

void gru_cell_f32_avx2(int64_t H, float* g, const float* rec, const float* h_prev, float* recn, float* h) {
  int64_t j = 0;
  for (; j + 8 <= H; j += 8)
    gru8(g + j, g + H + j, g + 2 * H + j, rec + j, rec + H + j, rec + 2 * H + j, h_prev + j, recn + j, h + j);
  if (j < H) {
    const size_t n = static_cast<size_t>(H - j) * sizeof(float);
    float gr[8] = {0}, gz[8] = {0}, gn[8] = {0}, rr[8] = {0}, rz[8] = {0}, rn[8] = {0}, hp[8] = {0}, rv[8], hv[8];
    std::memcpy(gr, g + j, n); std::memcpy(gz, g + H + j, n); std::memcpy(gn, g + 2 * H + j, n);
    std::memcpy(rr, rec + j, n); std::memcpy(rz, rec + H + j, n); std::memcpy(rn, rec + 2 * H + j, n);
    std::memcpy(hp, h_prev + j, n);
    gru8(gr, gz, gn, rr, rz, rn, hp, rv, hv);
    std::memcpy(g + j, gr, n); std::memcpy(g + H + j, gz, n); std::memcpy(g + 2 * H + j, gn, n);
    std::memcpy(recn + j, rv, n); std::memcpy(h + j, hv, n);
  }
}

void rnn_cell_f32_avx2(int64_t H, bool relu, float* g, float* h) {
  int64_t j = 0;
  for (; j + 8 <= H; j += 8) {
    const __m256 v = relu ? _mm256_max_ps(load(g + j), _mm256_setzero_ps()) : tanh_ps(load(g + j));
    store(g + j, v); store(h + j, v);
  }
  if (j < H) {
    const size_t n = static_cast<size_t>(H - j) * sizeof(float);
    float v[8] = {0};
    std::memcpy(v, g + j, n);
    const __m256 r = relu ? _mm256_max_ps(load(v), _mm256_setzero_ps()) : tanh_ps(load(v));
    store(v, r);
    std::memcpy(g + j, v, n); std::memcpy(h + j, v, n);
  }
}

}  // namespace tf
#endif
