// Converting file element types that tensors do not have into ones they do, over raw
// little-endian bytes: F16 and BF16 to float32, I64 to int32. Plain C++, no N-API.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tf {

enum class FileConvert : int { None = 0, F16ToF32 = 1, BF16ToF32 = 2, I64ToI32 = 3 };

// Bytes one element takes in the file for this conversion (0 for None).
size_t file_elem_size(FileConvert c);

// IEEE half (little-endian bytes) -> float32, exact for every value (subnormals, inf, nan).
void f16_to_f32(const uint8_t* src, float* dst, int64_t n);
// bfloat16 (the top 16 bits of a float32) -> float32.
void bf16_to_f32(const uint8_t* src, float* dst, int64_t n);
// int64 -> int32. Returns the index of the first value outside int32's range, or -1 when
// all fit (then dst holds every value; otherwise dst's contents are unspecified).
int64_t i64_to_i32(const uint8_t* src, int32_t* dst, int64_t n);

}  // namespace tf
