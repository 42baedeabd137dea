// Entry points of the serving layer (lib/serve): the numeric-JSON fast path for
// predict bodies (kernels/cpu/json). Runs on the calling thread; no storage involved.
#include <cstring>
#include <string>

#include "../kernels/cpu/json/json_numbers.h"
#include "common.h"

namespace tf {
namespace {

// parseJsonNumbers(body: Uint8Array, asFloat64: 0 | 1, info: Float64Array) -> values | null
// For a predict body (UTF-8 bytes) `{"instances" | "inputs": <rectangular array of plain
// numbers>}`: values is a Float32Array (each value the float nearest the double JSON.parse
// gives) or, with asFloat64, a Float64Array of those doubles; info receives [key (1
// instances, 2 inputs), rank, dims...] (info holds 2 + kMaxJsonRank numbers). null: any
// other body, or a number outside the exact fast path; the caller then parses it as
// general JSON.
napi_value parse_json_numbers_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "parseJsonNumbers");
  thread_local std::string text;  // both keep their capacity between requests
  thread_local JsonNumbers parsed;
  // One copy of the bytes, followed by the zero padding the reader needs.
  void* body;
  size_t len;
  arg_typed(env, args[0], &body, &len);
  text.resize(len + kJsonPadding);
  if (len > 0) std::memcpy(&text[0], body, len);
  std::memset(&text[len], 0, kJsonPadding);
  const bool as_f64 = args.flag(1);
  void* info_data;
  size_t info_bytes;
  arg_typed(env, args[2], &info_data, &info_bytes);
  if (info_bytes < (2 + kMaxJsonRank) * sizeof(double))
    throw NativeError("ERR_TF_INTERNAL", "parseJsonNumbers: info must be a Float64Array of 10 numbers");
  double* meta = static_cast<double*>(info_data);
  napi_value result;
  const bool ok = parse_json_numbers(reinterpret_cast<const uint8_t*>(text.data()), len, parsed);
  const std::string key = ok ? std::string(reinterpret_cast<const char*>(parsed.key), parsed.key_len) : std::string();
  const int key_code = key == "instances" ? 1 : key == "inputs" ? 2 : 0;
  if (!ok || key_code == 0) {
    check(napi_get_null(env, &result), "get_null");
    return result;
  }
  meta[0] = key_code;
  meta[1] = parsed.rank;
  for (int d = 0; d < parsed.rank; ++d) meta[2 + d] = static_cast<double>(parsed.dims[d]);
  void* out;
  napi_value buffer;
  const size_t n = parsed.count;
  check(napi_create_arraybuffer(env, n * (as_f64 ? sizeof(double) : sizeof(float)), &out, &buffer), "create_arraybuffer");
  if (as_f64) {
    if (n > 0) std::memcpy(out, parsed.values.data(), n * sizeof(double));
  } else {
    float* f = static_cast<float*>(out);
    for (size_t i = 0; i < n; ++i) f[i] = static_cast<float>(parsed.values[i]);
  }
  check(napi_create_typedarray(env, as_f64 ? napi_float64_array : napi_float32_array, n, buffer, 0, &result), "create_typedarray");
  if (parsed.values.capacity() > (size_t(1) << 22)) parsed.values = std::vector<double>();  // do not keep a huge body's buffers
  if (text.capacity() > (size_t(1) << 24)) text = std::string();
  return result;
}

}  // namespace

void register_json_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "parseJsonNumbers", guarded<parse_json_numbers_entry>);
}

}  // namespace tf
