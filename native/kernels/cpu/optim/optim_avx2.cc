// AVX2+FMA float32 versions of the SGD and Adam/AdamW steps (8 lanes). Same formulas as
// the portable loops in optim.cc; sqrt and div are exact IEEE ops, so the only
// difference is FMA rounding. Compiled with -mavx2 -mfma, called only after use_avx2().
#include "optim.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <algorithm>
#include <cmath>

namespace tf {

void sgd_f32_avx2(const OptimArgs& a, int64_t b, int64_t e) {
  float* p = static_cast<float*>(a.p);
  const float* g = static_cast<const float*>(a.g);
  float* buf = static_cast<float*>(a.s1);
  const float lr = float(a.h[0]), mom = float(a.h[1]), damp1 = float(1 - a.h[2]), wd = float(a.h[3]);
  const bool nesterov = a.h[4] != 0, maximize = a.h[5] != 0, first = a.h[6] != 0;
  const __m256 vlr = _mm256_set1_ps(lr), vmom = _mm256_set1_ps(mom), vdamp = _mm256_set1_ps(damp1);
  const __m256 vwd = _mm256_set1_ps(wd), vsign = _mm256_set1_ps(maximize ? -1.f : 1.f);
  int64_t i = b;
  for (; i + 8 <= e; i += 8) {
    __m256 pv = _mm256_loadu_ps(p + i);
    __m256 d = _mm256_mul_ps(_mm256_loadu_ps(g + i), vsign);
    if (wd != 0.f) d = _mm256_fmadd_ps(vwd, pv, d);
    if (buf) {
      __m256 m = first ? d : _mm256_fmadd_ps(vmom, _mm256_loadu_ps(buf + i), _mm256_mul_ps(vdamp, d));
      _mm256_storeu_ps(buf + i, m);
      d = nesterov ? _mm256_fmadd_ps(vmom, m, d) : m;
    }
    _mm256_storeu_ps(p + i, _mm256_fnmadd_ps(vlr, d, pv));
  }
  for (; i < e; ++i) {
    float d = maximize ? -g[i] : g[i];
    if (wd != 0.f) d += wd * p[i];
    if (buf) {
      float m = first ? d : mom * buf[i] + damp1 * d;
      buf[i] = m;
      d = nesterov ? d + mom * m : m;
    }
    p[i] -= lr * d;
  }
}

void adam_f32_avx2(const OptimArgs& a, int64_t b, int64_t e) {
  float* p = static_cast<float*>(a.p);
  const float* g = static_cast<const float*>(a.g);
  float* m = static_cast<float*>(a.s1);
  float* v = static_cast<float*>(a.s2);
  float* vmax = static_cast<float*>(a.s3);
  const float lr = float(a.h[0]), w1 = float(1 - a.h[1]), beta2 = float(a.h[2]), w2 = float(1 - a.h[2]);
  const float eps = float(a.h[3]), wd = float(a.h[4]);
  const bool amsgrad = a.h[5] != 0, maximize = a.h[6] != 0, decoupled = a.h[7] != 0;
  const float step_size = float(a.h[8]), bc2_sqrt = float(a.h[9]);
  const float decay = 1.f - lr * wd;
  // lerp with w1 = 1 - beta1: the form torch.lerp uses for that weight.
  const bool w1_small = w1 < 0.5f;
  const __m256 vw1 = _mm256_set1_ps(w1), vw1c = _mm256_set1_ps(1.f - w1), vb2 = _mm256_set1_ps(beta2);
  const __m256 vw2 = _mm256_set1_ps(w2), veps = _mm256_set1_ps(eps), vwd = _mm256_set1_ps(wd);
  const __m256 vdecay = _mm256_set1_ps(decay), vstep = _mm256_set1_ps(step_size);
  const __m256 vbc2 = _mm256_set1_ps(bc2_sqrt), vsign = _mm256_set1_ps(maximize ? -1.f : 1.f);
  int64_t i = b;
  for (; i + 8 <= e; i += 8) {
    __m256 gi = _mm256_mul_ps(_mm256_loadu_ps(g + i), vsign);
    __m256 pi = _mm256_loadu_ps(p + i);
    if (wd != 0.f) {
      if (decoupled) pi = _mm256_mul_ps(pi, vdecay);
      else gi = _mm256_fmadd_ps(vwd, pi, gi);
    }
    const __m256 m0 = _mm256_loadu_ps(m + i);
    const __m256 diff = _mm256_sub_ps(gi, m0);
    const __m256 mi = w1_small ? _mm256_fmadd_ps(vw1, diff, m0) : _mm256_fnmadd_ps(diff, vw1c, gi);
    const __m256 vi = _mm256_fmadd_ps(vb2, _mm256_loadu_ps(v + i), _mm256_mul_ps(_mm256_mul_ps(vw2, gi), gi));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    __m256 vhat = vi;
    if (amsgrad) {
      vhat = _mm256_max_ps(_mm256_loadu_ps(vmax + i), vi);
      _mm256_storeu_ps(vmax + i, vhat);
    }
    const __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vhat), vbc2), veps);
    _mm256_storeu_ps(p + i, _mm256_fnmadd_ps(vstep, _mm256_div_ps(mi, denom), pi));
  }
  for (; i < e; ++i) {
    float gv = maximize ? -g[i] : g[i];
    float pv = p[i];
    if (wd != 0.f) {
      if (decoupled) pv *= decay;
      else gv += wd * pv;
    }
    const float mi = w1_small ? m[i] + w1 * (gv - m[i]) : gv - (gv - m[i]) * (1.f - w1);
    const float vi = beta2 * v[i] + w2 * gv * gv;
    m[i] = mi;
    v[i] = vi;
    float vhat = vi;
    if (amsgrad) {
      vhat = std::max(vmax[i], vi);
      vmax[i] = vhat;
    }
    p[i] = pv - step_size * (mi / (std::sqrt(vhat) / bc2_sqrt + eps));
  }
}

}  // namespace tf
#endif
