// See json_numbers.h. A recursive-descent reader over raw bytes; every read checks the
// end of the buffer, so a truncated body declines instead of reading past it.
#include "json_numbers.h"

#include <cstring>

namespace tf {
namespace {

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr uint64_t kPow10Int[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
constexpr uint64_t kMaxExact = uint64_t(1) << 53;

struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  JsonNumbers& out;
  double* values;  // room for every number the body can hold (one per two bytes)
  size_t count = 0;
  bool seen[kMaxJsonRank] = {};

  // The body ends with zero padding (see json_numbers.h): the first byte is neither
  // whitespace, a digit nor a structural character, so the loops below stop at it
  // without comparing p with end at every byte, and digit runs read 8 bytes at once.
  void skip_ws() {
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') ++p;
  }
  static bool is_digit(uint8_t c) { return static_cast<unsigned>(c - '0') < 10; }

  // The leading run of ASCII digits in the 8 bytes at p (byte 0 first): how many (0..8),
  // and their value as a decimal integer. Bytes after the run are ignored, whatever
  // they are: the body's padding (see json_numbers.h) makes the 8-byte read safe.
  static int digit_run(const uint8_t* q, uint64_t* value) {
    uint64_t x;
    std::memcpy(&x, q, 8);
    // A byte is a digit when its high nibble is 3 and adding 6 keeps it 3 (c <= '9').
    // A carry out of a byte >= 0xFA only disturbs the bytes after it: past the run.
    const uint64_t hi = x & 0xF0F0F0F0F0F0F0F0ull;
    const uint64_t hi6 = ((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4;
    const uint64_t not_digit = (hi | hi6) ^ 0x3333333333333333ull;
    const int n = not_digit == 0 ? 8 : __builtin_ctzll(not_digit) / 8;
    *value = 0;
    if (n == 0) return 0;
    // Digit values, the run moved to the top bytes (zeros before it read as leading
    // zeros); then pairs, quads and the octet combine by multiply-and-add in lanes.
    uint64_t d = (x - 0x3030303030303030ull) << (8 * (8 - n));
    d = (d * 10 + (d >> 8)) & 0x00FF00FF00FF00FFull;
    d = (d * 100 + (d >> 16)) & 0x0000FFFF0000FFFFull;
    d = (d * 10000 + (d >> 32)) & 0xFFFFFFFFull;
    *value = d;
    return n;
  }

  // Reads a run of digits into w (w = w * 10^len + run); returns its length. A run
  // longer than 19 digits leaves w wrapped; the caller declines on the digit count.
  int digits_into(uint64_t* w) {
    int total = 0;
    for (;;) {
      uint64_t v;
      const int n = digit_run(p, &v);
      *w = *w * kPow10Int[n] + v;
      p += n;
      total += n;
      if (n < 8 || total > 19) return total;
    }
  }

  // JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(double* v) {
    const bool neg = *p == '-';
    if (neg) ++p;
    if (!is_digit(*p)) return false;
    uint64_t w = 0;
    int64_t digits;  // digits accumulated into w (a lone "0" included)
    if (*p == '0') {
      ++p;
      digits = 1;
    } else {
      digits = digits_into(&w);
    }
    int64_t exp10 = 0;
    if (*p == '.') {
      ++p;
      const int frac = digits_into(&w);
      if (frac == 0) return false;
      digits += frac;
      exp10 = -frac;
    }
    if (digits > 19) return false;  // w may have wrapped: too long for the exact path
    if (*p == 'e' || *p == 'E') {
      ++p;
      int64_t sign = 1;
      if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
      if (!is_digit(*p)) return false;
      int64_t e = 0;
      while (is_digit(*p)) {
        if (e < 100000) e = e * 10 + (*p - '0');
        ++p;
      }
      exp10 += sign * e;
    }
    double x;
    if (w == 0) {
      x = 0.0;
    } else {
      if (w > kMaxExact || exp10 < -22 || exp10 > 22) return false;
      x = exp10 < 0 ? static_cast<double>(w) / kPow10[-exp10] : static_cast<double>(w) * kPow10[exp10];
    }
    *v = neg ? -x : x;
    return true;
  }

  // The rank: how many '[' open before the first number (p at the outer '[').
  int count_rank() const {
    int rank = 0;
    for (const uint8_t* q = p; q < end; ++q) {
      if (*q == '[') {
        ++rank;
      } else if (!(*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t')) {
        break;
      }
    }
    return rank;
  }

  // An array at depth d (p at '['): arrays of depth d + 1 inside, or numbers at the last
  // depth. Records its length in dims[d] the first time and requires the same after.
  bool array(int d) {
    ++p;  // '['
    const bool numbers = d + 1 == out.rank;
    int64_t len = 0;
    for (;;) {
      skip_ws();
      if (numbers) {
        if (!number(&values[count])) return false;
        ++count;
      } else {
        if (*p != '[' || !array(d + 1)) return false;
      }
      ++len;
      skip_ws();
      if (*p == ',') {
        ++p;
        continue;
      }
      if (*p != ']') return false;
      ++p;
      break;
    }
    if (!seen[d]) {
      seen[d] = true;
      out.dims[d] = len;
      return true;
    }
    return out.dims[d] == len;
  }
};

}  // namespace

bool parse_json_numbers(const uint8_t* body, size_t n, JsonNumbers& out) {
  out.rank = 0;
  out.count = 0;
  // Each number but the last is followed by a separator: at most n / 2 + 1 of them.
  if (out.values.size() < n / 2 + 1) out.values.resize(n / 2 + 1);
  Reader r{body, body + n, out, out.values.data()};
  r.skip_ws();
  if (r.p >= r.end || *r.p != '{') return false;
  ++r.p;
  r.skip_ws();
  if (r.p >= r.end || *r.p != '"') return false;
  ++r.p;
  const uint8_t* key = r.p;
  while (r.p < r.end && *r.p != '"') {
    if (*r.p == '\\' || *r.p < 0x20) return false;
    ++r.p;
  }
  if (r.p >= r.end) return false;
  out.key = key;
  out.key_len = static_cast<size_t>(r.p - key);
  ++r.p;
  r.skip_ws();
  if (r.p >= r.end || *r.p != ':') return false;
  ++r.p;
  r.skip_ws();
  if (r.p >= r.end || *r.p != '[') return false;
  out.rank = r.count_rank();
  if (out.rank < 1 || out.rank > kMaxJsonRank || !r.array(0)) return false;  // empty arrays decline too
  r.skip_ws();
  if (r.p >= r.end || *r.p != '}') return false;
  ++r.p;
  r.skip_ws();
  out.count = r.count;
  return r.p == r.end;
}

}  // namespace tf
