// A fast path for the request bodies of model servers: `{"key": <array>}` where the
// array is rectangular and nested (up to kMaxJsonRank deep) and holds only plain JSON
// numbers. Such bodies are most of what a predict endpoint receives, and general JSON
// parsing (objects and boxed numbers) dominated the cost of serving a small model.
//
// The parser declines (returns false) anything it does not fully handle, so the caller
// falls back to a general JSON parser that gives the same values or the error:
// escapes in the key, other keys, empty or ragged arrays, non-numbers (true, null,
// strings, objects), invalid numbers, and numbers outside the exact fast path.
// A number is accepted when its decimal digits form an integer w <= 2^53 and its
// decimal exponent e satisfies |e| <= 22: then w and 10^|e| are exact doubles and one
// IEEE multiplication or division gives the correctly rounded value (Clinger 1990),
// the same double as JSON.parse. Everything else declines.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tf {

constexpr int kMaxJsonRank = 8;
constexpr size_t kJsonPadding = 8;  // zero bytes the caller puts after the body

struct JsonNumbers {
  const uint8_t* key = nullptr;  // the key's bytes inside the body (no escapes)
  size_t key_len = 0;
  int rank = 0;
  int64_t dims[kMaxJsonRank] = {};
  size_t count = 0;            // values read
  std::vector<double> values;  // row-major, the first `count` (sized for the body, kept between calls)
};

// Parses body[0, n) as `{ "key" : array }` (JSON whitespace anywhere between tokens).
// body[n, n + kJsonPadding) must be readable and 0 (the reader stops at the first zero
// without bounds checks in its inner loops, and reads digits 8 bytes at a time). On success fills out and returns true; otherwise returns
// false (out is unspecified).
bool parse_json_numbers(const uint8_t* body, size_t n, JsonNumbers& out);

}  // namespace tf
