// Strided copy with dtype conversion: contiguous(), clone(), to(dtype), and reading a
// view out into a typed array all come here.
#pragma once
#include "../dtype.h"
#include "../strided.h"

namespace tf {

// Copies src into dst element by element over layout L (operand 0 = dst, 1 = src),
// converting from src_dtype to dst_dtype. Float to int truncates toward zero; to bool
// is (x != 0). The pointers point at the element at offset 0 of each view.
void copy_strided(DType dst_dtype, void* dst, DType src_dtype, const void* src,
                  const StridedLayout<2>& L);

// Fills n contiguous elements with value (converted like copy_strided).
void fill_contiguous(DType dtype, void* dst, int64_t n, double value);

// dst[i] = start + i * step, in the dtype's arithmetic.
void arange_fill(DType dtype, void* dst, int64_t n, double start, double step);

// n points from start to end inclusive; the upper half counts back from end so both
// ends are exact.
void linspace_fill(DType dtype, void* dst, int64_t n, double start, double end);

// [rows, cols] identity pattern.
void eye_fill(DType dtype, void* dst, int64_t rows, int64_t cols);

}  // namespace tf
