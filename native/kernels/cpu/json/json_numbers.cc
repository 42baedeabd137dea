// See json_numbers.h. A recursive-descent reader over raw bytes; every read checks the
// end of the buffer, so a truncated body declines instead of reading past it.
#include "json_numbers.h"

namespace tf {
namespace {

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr uint64_t kMaxExact = uint64_t(1) << 53;

struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  JsonNumbers& out;
  bool seen[kMaxJsonRank] = {};

  void skip_ws() {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  }
  bool digit() const { return p < end && static_cast<unsigned>(*p - '0') < 10; }

  // JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(double* v) {
    bool neg = false;
    if (p < end && *p == '-') {
      neg = true;
      ++p;
    }
    if (!digit()) return false;
    uint64_t w = 0;
    int digits = 0;  // significant digits accumulated into w (leading zeros excluded)
    int64_t exp10 = 0;
    if (*p == '0') {
      ++p;
    } else {
      while (digit()) {
        if (digits < 19) {
          w = w * 10 + (*p - '0');
          if (w != 0) ++digits;
        } else {
          return false;  // too many digits for the exact path
        }
        ++p;
      }
    }
    if (p < end && *p == '.') {
      ++p;
      if (!digit()) return false;
      while (digit()) {
        if (digits >= 19) return false;
        w = w * 10 + (*p - '0');
        if (w != 0) ++digits;
        --exp10;
        ++p;
      }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      ++p;
      int64_t sign = 1;
      if (p < end && (*p == '+' || *p == '-')) sign = *p++ == '-' ? -1 : 1;
      if (!digit()) return false;
      int64_t e = 0;
      while (digit()) {
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
      if (p >= end) return false;
      if (numbers) {
        double v;
        if (!number(&v)) return false;
        out.values.push_back(v);
      } else {
        if (*p != '[' || !array(d + 1)) return false;
      }
      ++len;
      skip_ws();
      if (p >= end) return false;
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
  out.values.clear();
  out.rank = 0;
  Reader r{body, body + n, out};
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
  return r.p == r.end;
}

}  // namespace tf
