// Packing: copies a block of A (or B) into the panel order the micro-kernels read, so
// the kernel streams through contiguous, aligned memory whatever the operand's strides.
// Rows (columns) past the edge are filled with zeros, so kernels always run full tiles.
#pragma once
#include <algorithm>
#include <cstdint>

namespace tf {

// A block of mc x kc (rows of A from `A`) into panels of mr rows:
// Ap[panel * mr * kc + p * mr + i] = A[(panel * mr + i) * rsA + p * csA].
template <typename T>
void pack_a(int mr, int64_t mc, int64_t kc, const T* A, int64_t rsA, int64_t csA, T* Ap) {
  for (int64_t i0 = 0; i0 < mc; i0 += mr) {
    const int64_t rows = std::min<int64_t>(mr, mc - i0);
    const T* a = A + i0 * rsA;
    if (rows == mr && rsA == 1) {
      for (int64_t p = 0; p < kc; ++p)
        for (int i = 0; i < mr; ++i) Ap[p * mr + i] = a[i + p * csA];
    } else if (rows == mr) {
      for (int64_t p = 0; p < kc; ++p)
        for (int i = 0; i < mr; ++i) Ap[p * mr + i] = a[i * rsA + p * csA];
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        for (int64_t i = 0; i < rows; ++i) Ap[p * mr + i] = a[i * rsA + p * csA];
        for (int64_t i = rows; i < mr; ++i) Ap[p * mr + i] = T(0);
      }
    }
    Ap += mr * kc;
  }
}

// A block of kc x nc (columns of B from `B`) into panels of nr columns:
// Bp[panel * nr * kc + p * nr + j] = B[p * rsB + (panel * nr + j) * csB].
template <typename T>
void pack_b(int nr, int64_t kc, int64_t nc, const T* B, int64_t rsB, int64_t csB, T* Bp) {
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    const int64_t cols = std::min<int64_t>(nr, nc - j0);
    const T* b = B + j0 * csB;
    if (cols == nr && csB == 1) {
      for (int64_t p = 0; p < kc; ++p)
        for (int j = 0; j < nr; ++j) Bp[p * nr + j] = b[p * rsB + j];
    } else if (cols == nr) {
      for (int64_t p = 0; p < kc; ++p)
        for (int j = 0; j < nr; ++j) Bp[p * nr + j] = b[p * rsB + j * csB];
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        for (int64_t j = 0; j < cols; ++j) Bp[p * nr + j] = b[p * rsB + j * csB];
        for (int64_t j = cols; j < nr; ++j) Bp[p * nr + j] = T(0);
      }
    }
    Bp += nr * kc;
  }
}

}  // namespace tf
