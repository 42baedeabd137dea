// Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11). Element i of a
// draw depends only on (seed, offset + i), never on thread count or machine, so
// manualSeed() reproduces every draw everywhere.
#pragma once
#include <cstdint>

#include "../dtype.h"

namespace tf {

enum class RandomKind : int { Uniform = 0, Normal = 1, Integer = 2, Bernoulli = 3 };

// Fills n contiguous elements. Uniform: [a, b). Normal: mean a, std b. Integer:
// integers in [a, b). Bernoulli: 1 with probability a. `offset` is the generator's
// counter position in 4-word blocks; the caller advances it by random_blocks_used(n).
void random_fill(RandomKind kind, DType dtype, void* dst, int64_t n, uint64_t seed,
                 uint64_t offset, double a, double b);

// Counter blocks consumed by a draw of n elements (each block yields four 32-bit words;
// a float64 element uses two).
uint64_t random_blocks_used(DType dtype, int64_t n);

}  // namespace tf
