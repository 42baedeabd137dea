#include "convert.h"

#include <atomic>
#include <cstring>

#include "../../../runtime/thread_pool.h"

namespace tf {
namespace {

constexpr int64_t kGrain = 1 << 16;

inline uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

inline float bits_to_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline float half_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  if (exp == 0x1f) return bits_to_float(sign | 0x7f800000u | (man << 13));  // inf, nan (payload kept)
  if (exp != 0) return bits_to_float(sign | ((exp + 112) << 23) | (man << 13));
  if (man == 0) return bits_to_float(sign);  // signed zero
  // Subnormal half: man * 2^-24, exactly representable as a normal float32.
  float v = static_cast<float>(man) * 5.9604644775390625e-8f;
  return sign ? -v : v;
}

}  // namespace

size_t file_elem_size(FileConvert c) {
  switch (c) {
    case FileConvert::F16ToF32:
    case FileConvert::BF16ToF32: return 2;
    case FileConvert::I64ToI32: return 8;
    default: return 0;
  }
}

void f16_to_f32(const uint8_t* src, float* dst, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = half_to_float(load_u16(src + 2 * i));
  });
}

void bf16_to_f32(const uint8_t* src, float* dst, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = bits_to_float(static_cast<uint32_t>(load_u16(src + 2 * i)) << 16);
  });
}

int64_t i64_to_i32(const uint8_t* src, int32_t* dst, int64_t n) {
  std::atomic<int64_t> first_bad{-1};
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      uint64_t u = 0;
      for (int k = 7; k >= 0; --k) u = (u << 8) | src[8 * i + k];
      int64_t v = static_cast<int64_t>(u);
      if (v < INT32_MIN || v > INT32_MAX) {
        int64_t cur = first_bad.load();
        while ((cur < 0 || i < cur) && !first_bad.compare_exchange_weak(cur, i)) {
        }
        return;
      }
      dst[i] = static_cast<int32_t>(v);
    }
  });
  return first_bad.load();
}

}  // namespace tf
