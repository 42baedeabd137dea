#include "philox.h"

#include <cmath>
#include <type_traits>

#include "../../../runtime/thread_pool.h"

namespace tf {
namespace {

struct Words {
  uint32_t v[4];
};

inline uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}

Words philox(uint64_t counter, uint64_t seed) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32);
  uint32_t c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mulhilo(0xD2511F53u, c0, &hi0);
    uint32_t lo1 = mulhilo(0xCD9E8D57u, c2, &hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

// Uniform in [0, 1) from 24 or 53 random bits.
inline double unit24(uint32_t w) { return static_cast<double>(w >> 8) * (1.0 / 16777216.0); }
inline double unit53(uint32_t hi, uint32_t lo) {
  uint64_t bits = (static_cast<uint64_t>(hi) << 21) ^ (lo >> 11);
  return static_cast<double>(bits & ((uint64_t(1) << 53) - 1)) * (1.0 / 9007199254740992.0);
}

template <typename T>
void fill_typed(RandomKind kind, T* dst, int64_t n, uint64_t seed, uint64_t offset, double a,
                double b) {
  constexpr bool wide = sizeof(T) == 8;
  // Elements per 4-word block: 4 with one word each, 2 with two words each.
  constexpr int64_t per_block = wide ? 2 : 4;
  int64_t blocks = (n + per_block - 1) / per_block;
  parallel_for(blocks, 4096, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      Words w = philox(offset + static_cast<uint64_t>(blk), seed);
      double u[4];
      if (wide) {
        u[0] = unit53(w.v[0], w.v[1]);
        u[1] = unit53(w.v[2], w.v[3]);
      } else {
        for (int j = 0; j < 4; ++j) u[j] = unit24(w.v[j]);
      }
      double out[4];
      if (kind == RandomKind::Normal) {
        // Box-Muller on pairs of uniforms; 1 - u keeps the log argument in (0, 1].
        for (int j = 0; j + 1 < per_block; j += 2) {
          double r = std::sqrt(-2.0 * std::log(1.0 - u[j]));
          double theta = 2.0 * M_PI * u[j + 1];
          out[j] = a + b * r * std::cos(theta);
          out[j + 1] = a + b * r * std::sin(theta);
        }
      } else {
        for (int j = 0; j < per_block; ++j) {
          if (kind == RandomKind::Uniform) {
            out[j] = a + (b - a) * u[j];
            if (out[j] >= b && b > a) out[j] = std::nextafter(b, a);  // rounding
          } else if (kind == RandomKind::Integer) {
            // 53-bit product for int32 too: the ranges fit, and floor keeps it unbiased
            // to within 2^-53 (a float32 draw would bias ranges above 2^24).
            double uu = wide ? u[j] : unit53(w.v[j], w.v[(j + 1) & 3] ^ 0x5bd1e995u);
            out[j] = a + std::floor(uu * (b - a));
          } else {
            out[j] = u[j] < a ? 1.0 : 0.0;
          }
        }
      }
      int64_t base = blk * per_block;
      for (int j = 0; j < per_block && base + j < n; ++j) {
        if constexpr (std::is_same_v<T, uint8_t>) {
          dst[base + j] = out[j] != 0.0;
        } else {
          T v = static_cast<T>(out[j]);
          // Rounding to float32 can land on the open upper bound of a uniform draw.
          if (kind == RandomKind::Uniform && b > a && static_cast<double>(v) >= b)
            v = std::nextafter(static_cast<T>(b), static_cast<T>(a));
          dst[base + j] = v;
        }
      }
    }
  });
}

}  // namespace

uint64_t random_blocks_used(DType dtype, int64_t n) {
  int64_t per_block = dtype_size(dtype) == 8 ? 2 : 4;
  return static_cast<uint64_t>((n + per_block - 1) / per_block);
}

void random_fill(RandomKind kind, DType dtype, void* dst, int64_t n, uint64_t seed,
                 uint64_t offset, double a, double b) {
  dispatch_dtype(dtype, [&](auto zero) {
    using T = decltype(zero);
    fill_typed<T>(kind, static_cast<T*>(dst), n, seed, offset, a, b);
  });
}

}  // namespace tf
