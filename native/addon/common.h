// Shared helpers for the N-API layer: storage handles, argument readers, and the
// wrapper that turns every C++ exception into a JS exception (native code never aborts).
#pragma once
#include <napi.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "../kernels/cpu/dtype.h"
#include "../kernels/cpu/strided.h"
#include "../runtime/allocator.h"

namespace tf {

// A JS-visible error raised from native code. `code` becomes error.code in JS
// (for example "ERR_TF_SHAPE"), so lib/errors.ts can map it to a typed error.
struct NativeError : std::runtime_error {
  std::string code;
  NativeError(std::string c, const std::string& msg) : std::runtime_error(msg), code(std::move(c)) {}
};

// Creates a JS handle that owns a new Storage of nbytes on the CPU.
napi_value new_storage(napi_env env, size_t nbytes);
// The Storage behind a handle; throws if it is not one or its memory was freed.
Storage* storage_of(napi_env env, napi_value handle);
// Frees a storage's memory now (dispose()); the handle stays valid but empty.
void release_storage(Storage* s);

template <typename T>
inline T* data_at(Storage* s, int64_t element_offset) {
  return static_cast<T*>(s->data) + element_offset;
}
inline void* byte_ptr(Storage* s, DType dt, int64_t element_offset) {
  return static_cast<char*>(s->data) + element_offset * static_cast<int64_t>(dtype_size(dt));
}

// Argument readers (raw N-API: node-addon-api's checks cost more than the ops they guard
// for small tensors; TypeScript has already validated types and shapes).
double arg_double(napi_env env, napi_value v);
int64_t arg_int(napi_env env, napi_value v);
DType arg_dtype(napi_env env, napi_value v);
// A Float64Array (or any typed array): pointer and length.
void arg_typed(napi_env env, napi_value v, void** data, size_t* byte_length);

// Reads a layout from meta = [ndim, shape..., strides of operand 0..., operand 1...].
template <int N>
StridedLayout<N> read_layout(const double* meta, size_t meta_len) {
  StridedLayout<N> L;
  if (meta_len < 1) throw NativeError("ERR_TF_INTERNAL", "layout metadata is empty");
  int nd = static_cast<int>(meta[0]);
  if (nd < 0 || nd > kMaxDims || meta_len < static_cast<size_t>(1 + nd * (N + 1)))
    throw NativeError("ERR_TF_INTERNAL", "layout metadata has the wrong length");
  L.ndim = nd;
  for (int d = 0; d < nd; ++d) {
    double v = meta[1 + d];
    if (v < 0 || v > 9.0e15) throw NativeError("ERR_TF_SHAPE", "impossible dimension size");
    L.shape[d] = static_cast<int64_t>(v);
  }
  for (int a = 0; a < N; ++a)
    for (int d = 0; d < nd; ++d) L.strides[a][d] = static_cast<int64_t>(meta[1 + nd * (1 + a) + d]);
  return L;
}

template <int N>
StridedLayout<N> arg_layout(napi_env env, napi_value v) {
  void* data;
  size_t bytes;
  arg_typed(env, v, &data, &bytes);
  return read_layout<N>(static_cast<const double*>(data), bytes / sizeof(double));
}

// Wraps an entry point so any C++ exception becomes a pending JS exception.
using RawEntry = napi_value (*)(napi_env, napi_callback_info);
template <RawEntry F>
napi_value guarded(napi_env env, napi_callback_info info) {
  try {
    return F(env, info);
  } catch (const NativeError& e) {
    napi_throw_error(env, e.code.c_str(), e.what());
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, "ERR_TF_OUT_OF_MEMORY", "tensorforge: out of memory");
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_TF_NATIVE", e.what());
  } catch (...) {
    napi_throw_error(env, "ERR_TF_NATIVE", "tensorforge: unknown native error");
  }
  return nullptr;
}

// Reads up to N arguments into argv; missing ones are undefined.
template <size_t N>
inline void get_args(napi_env env, napi_callback_info info, napi_value (&argv)[N]) {
  size_t argc = N;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok)
    throw NativeError("ERR_TF_INTERNAL", "could not read arguments");
}

void check(napi_status status, const char* what);

// Registers an entry under `name` on exports.
void export_fn(napi_env env, napi_value exports, const char* name, napi_callback fn);

// Each file of entry points registers itself with one of these.
void register_storage_entries(napi_env env, napi_value exports);
void register_runtime_entries(napi_env env, napi_value exports);
void register_elementwise_entries(napi_env env, napi_value exports);
void register_reduce_entries(napi_env env, napi_value exports);
void register_index_entries(napi_env env, napi_value exports);
void register_matmul_entries(napi_env env, napi_value exports);
void register_optim_entries(napi_env env, napi_value exports);
void register_io_entries(napi_env env, napi_value exports);
void register_rnn_entries(napi_env env, napi_value exports);
void register_loss_entries(napi_env env, napi_value exports);
void register_pool_entries(napi_env env, napi_value exports);
void register_conv_entries(napi_env env, napi_value exports);
void register_json_entries(napi_env env, napi_value exports);

}  // namespace tf
