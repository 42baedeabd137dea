#include "common.h"

#include <atomic>

namespace tf {
namespace {

std::atomic<int64_t> g_live_storages{0};
std::atomic<int64_t> g_live_bytes{0};

// Only blocks of this size or more are reported to V8: reporting costs a call per
// tensor, and small tensors press on the GC through their JS objects anyway.
constexpr size_t kReportThreshold = 1024;

void free_data(Storage* s) {
  if (!s->data && s->nbytes == 0) return;
  host_free(s->data, s->nbytes);
  g_live_storages.fetch_sub(1, std::memory_order_relaxed);
  g_live_bytes.fetch_sub(static_cast<int64_t>(s->nbytes), std::memory_order_relaxed);
  s->data = nullptr;
}

// Runs inside garbage collection (a "basic" finalizer, see binding.gyp's NAPI_EXPERIMENTAL):
// memory is given back during the GC pass itself, so a synchronous loop that never
// disposes still frees what it drops, without waiting for the event loop to turn.
void finalize_storage(node_api_basic_env env, void* data, void* /*hint*/) {
  Storage* s = static_cast<Storage*>(data);
  if (s->data) {
    size_t nbytes = s->nbytes;
    free_data(s);
    if (nbytes >= kReportThreshold) {
      int64_t ignored;
      napi_adjust_external_memory(env, -static_cast<int64_t>(nbytes), &ignored);
    }
  }
  delete s;
}

}  // namespace

void check(napi_status status, const char* what) {
  if (status != napi_ok) throw NativeError("ERR_TF_INTERNAL", std::string("N-API call failed: ") + what);
}

napi_value new_storage(napi_env env, size_t nbytes) {
  Storage* s = new Storage();
  s->nbytes = nbytes;
  try {
    s->data = host_alloc(nbytes);
  } catch (...) {
    delete s;
    throw;
  }
  g_live_storages.fetch_add(1, std::memory_order_relaxed);
  g_live_bytes.fetch_add(static_cast<int64_t>(nbytes), std::memory_order_relaxed);
  napi_value handle;
  napi_status st = napi_create_external(env, s, finalize_storage, nullptr, &handle);
  if (st != napi_ok) {
    free_data(s);
    delete s;
    throw NativeError("ERR_TF_INTERNAL", "could not create a storage handle");
  }
  if (nbytes >= kReportThreshold) {
    int64_t ignored;
    napi_adjust_external_memory(env, static_cast<int64_t>(nbytes), &ignored);
  }
  return handle;
}

Storage* storage_of(napi_env env, napi_value handle) {
  void* p = nullptr;
  if (napi_get_value_external(env, handle, &p) != napi_ok || !p)
    throw NativeError("ERR_TF_INTERNAL", "expected a storage handle");
  Storage* s = static_cast<Storage*>(p);
  if (!s->data) throw NativeError("ERR_TF_DISPOSED", "tensor memory was already freed (disposed)");
  return s;
}

void release_storage(Storage* s) { free_data(s); }

int64_t live_storage_count() { return g_live_storages.load(); }
int64_t live_storage_bytes() { return g_live_bytes.load(); }

double arg_double(napi_env env, napi_value v) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) throw NativeError("ERR_TF_INTERNAL", "expected a number");
  return d;
}

int64_t arg_int(napi_env env, napi_value v) {
  int64_t i;
  if (napi_get_value_int64(env, v, &i) != napi_ok) throw NativeError("ERR_TF_INTERNAL", "expected an integer");
  return i;
}

DType arg_dtype(napi_env env, napi_value v) {
  int64_t d = arg_int(env, v);
  if (d < 0 || d > 3) throw NativeError("ERR_TF_DTYPE", "unknown dtype code " + std::to_string(d));
  return static_cast<DType>(d);
}

void arg_typed(napi_env env, napi_value v, void** data, size_t* byte_length) {
  napi_typedarray_type type;
  size_t length;
  napi_value buffer;
  size_t byte_offset;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &buffer, &byte_offset) != napi_ok)
    throw NativeError("ERR_TF_INTERNAL", "expected a typed array");
  size_t elem = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: elem = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elem = 8; break;
    default: elem = 1;
  }
  *byte_length = length * elem;
}

napi_value js_number(napi_env env, double v) {
  napi_value out;
  check(napi_create_double(env, v, &out), "create_double");
  return out;
}

bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  check(napi_typeof(env, v, &t), "typeof");
  return t == napi_null || t == napi_undefined;
}

void throw_outside_storage(const char* op, const char* what) {
  throw NativeError("ERR_TF_INTERNAL", std::string(op) + ": " + what + " reaches outside its storage");
}

void throw_missing_operand(const char* op, const char* what) {
  throw NativeError("ERR_TF_INTERNAL", std::string(op) + ": " + what + " is missing");
}

void throw_not_float(const char* op, DType dt) {
  throw NativeError("ERR_TF_DTYPE", std::string(op) + ": needs float32 or float64, got " + dtype_name(dt));
}

void throw_unknown_code(const char* op, const char* what, int64_t code) {
  throw NativeError("ERR_TF_INTERNAL", std::string(op) + ": unknown " + what + " " + std::to_string(code));
}

const double* arg_numbers(napi_env env, napi_value v, size_t count, const char* op, const char* what, double lowest,
                          double highest) {
  void* data;
  size_t bytes;
  arg_typed(env, v, &data, &bytes);
  const size_t length = bytes / sizeof(double);
  if (length != count)
    throw NativeError("ERR_TF_INTERNAL", std::string(op) + ": " + what + " holds " + std::to_string(length) +
                                             " numbers, expected " + std::to_string(count));
  const double* m = static_cast<const double*>(data);
  for (size_t i = 0; i < count; ++i)
    if (!(m[i] >= lowest && m[i] <= highest))
      throw NativeError("ERR_TF_SHAPE", std::string(op) + ": impossible " + what + " entry " + std::to_string(m[i]));
  return m;
}

void export_fn(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value f;
  check(napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f), "create_function");
  check(napi_set_named_property(env, exports, name, f), "set_named_property");
}

}  // namespace tf
