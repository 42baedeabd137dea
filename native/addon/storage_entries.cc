// Entry points that create, fill, copy and read tensor memory.
#include <cstring>

#include "../kernels/cpu/copy/copy.h"
#include "../kernels/cpu/random/philox.h"
#include "common.h"

namespace tf {
namespace {

// alloc(nbytes) -> handle
napi_value alloc(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, argv);
  int64_t nbytes = arg_int(env, argv[0]);
  if (nbytes < 0 || nbytes > (int64_t(1) << 46))
    throw NativeError("ERR_TF_OUT_OF_MEMORY", "cannot allocate " + std::to_string(nbytes) + " bytes");
  return new_storage(env, static_cast<size_t>(nbytes));
}

// free(handle): gives the memory back now; later use of the handle throws.
napi_value free_handle(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, argv);
  void* p = nullptr;
  if (napi_get_value_external(env, argv[0], &p) != napi_ok || !p)
    throw NativeError("ERR_TF_INTERNAL", "expected a storage handle");
  Storage* s = static_cast<Storage*>(p);
  if (s->data) {
    size_t nbytes = s->nbytes;
    release_storage(s);
    if (nbytes >= 1024) {
      int64_t ignored;
      napi_adjust_external_memory(env, -static_cast<int64_t>(nbytes), &ignored);
    }
  }
  return nullptr;
}

// write(handle, byteOffset, typedArray): copies the array's bytes into the storage.
napi_value write(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  get_args(env, info, argv);
  Storage* s = storage_of(env, argv[0]);
  int64_t off = arg_int(env, argv[1]);
  void* src;
  size_t bytes;
  arg_typed(env, argv[2], &src, &bytes);
  if (off < 0 || static_cast<size_t>(off) + bytes > s->nbytes)
    throw NativeError("ERR_TF_INTERNAL", "write past the end of a storage");
  if (bytes) std::memcpy(static_cast<char*>(s->data) + off, src, bytes);
  return nullptr;
}

// read(handle, dtype, elementOffset, meta, typedArray): copies the strided view
// described by meta = [ndim, shape..., strides...] into the contiguous typed array.
napi_value read(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  get_args(env, info, argv);
  Storage* s = storage_of(env, argv[0]);
  DType dt = arg_dtype(env, argv[1]);
  int64_t off = arg_int(env, argv[2]);
  void* meta;
  size_t meta_bytes;
  arg_typed(env, argv[3], &meta, &meta_bytes);
  const double* m = static_cast<const double*>(meta);
  size_t mlen = meta_bytes / sizeof(double);
  int nd = mlen ? static_cast<int>(m[0]) : -1;
  if (nd < 0 || nd > kMaxDims || mlen < static_cast<size_t>(1 + 2 * nd))
    throw NativeError("ERR_TF_INTERNAL", "bad layout metadata");
  StridedLayout<2> L;
  L.ndim = nd;
  int64_t running = 1;
  for (int d = nd - 1; d >= 0; --d) {
    L.shape[d] = static_cast<int64_t>(m[1 + d]);
    L.strides[1][d] = static_cast<int64_t>(m[1 + nd + d]);
    L.strides[0][d] = running;
    running *= L.shape[d];
  }
  void* dst;
  size_t dst_bytes;
  arg_typed(env, argv[4], &dst, &dst_bytes);
  if (static_cast<size_t>(running) * dtype_size(dt) > dst_bytes)
    throw NativeError("ERR_TF_INTERNAL", "read into a typed array that is too small");
  L.coalesce();
  copy_strided(dt, dst, dt, byte_ptr(s, dt, off), L);
  return nullptr;
}

// copy(dstHandle, dstDtype, dstOffset, srcHandle, srcDtype, srcOffset, meta)
// meta = [ndim, shape..., dst strides..., src strides...]
napi_value copy(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  get_args(env, info, argv);
  Storage* dst = storage_of(env, argv[0]);
  DType ddt = arg_dtype(env, argv[1]);
  int64_t doff = arg_int(env, argv[2]);
  Storage* src = storage_of(env, argv[3]);
  DType sdt = arg_dtype(env, argv[4]);
  int64_t soff = arg_int(env, argv[5]);
  StridedLayout<2> L = arg_layout<2>(env, argv[6]);
  L.coalesce();
  copy_strided(ddt, byte_ptr(dst, ddt, doff), sdt, byte_ptr(src, sdt, soff), L);
  return nullptr;
}

// fill(handle, dtype, elementOffset, n, value)
napi_value fill(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  get_args(env, info, argv);
  Storage* s = storage_of(env, argv[0]);
  DType dt = arg_dtype(env, argv[1]);
  int64_t off = arg_int(env, argv[2]);
  int64_t n = arg_int(env, argv[3]);
  fill_contiguous(dt, byte_ptr(s, dt, off), n, arg_double(env, argv[4]));
  return nullptr;
}

// sequence(kind, handle, dtype, n, a, b): kind 0 = arange(start a, step b),
// 1 = linspace(start a, end b), 2 = eye(rows n, cols a)
napi_value sequence(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  get_args(env, info, argv);
  int64_t kind = arg_int(env, argv[0]);
  Storage* s = storage_of(env, argv[1]);
  DType dt = arg_dtype(env, argv[2]);
  int64_t n = arg_int(env, argv[3]);
  double a = arg_double(env, argv[4]);
  double b = arg_double(env, argv[5]);
  if (kind == 0) arange_fill(dt, s->data, n, a, b);
  else if (kind == 1) linspace_fill(dt, s->data, n, a, b);
  else eye_fill(dt, s->data, n, static_cast<int64_t>(a));
  return nullptr;
}

// random(handle, kind, dtype, n, seed, offset, a, b) -> counter blocks used
napi_value random(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  get_args(env, info, argv);
  Storage* s = storage_of(env, argv[0]);
  int64_t kind = arg_int(env, argv[1]);
  DType dt = arg_dtype(env, argv[2]);
  int64_t n = arg_int(env, argv[3]);
  uint64_t seed = static_cast<uint64_t>(arg_double(env, argv[4]));
  uint64_t offset = static_cast<uint64_t>(arg_double(env, argv[5]));
  if (kind < 0 || kind > 3) throw NativeError("ERR_TF_INTERNAL", "unknown random kind");
  random_fill(static_cast<RandomKind>(kind), dt, s->data, n, seed, offset, arg_double(env, argv[6]),
              arg_double(env, argv[7]));
  napi_value used;
  check(napi_create_double(env, static_cast<double>(random_blocks_used(dt, n)), &used), "create_double");
  return used;
}

}  // namespace

void register_storage_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "alloc", guarded<alloc>);
  export_fn(env, exports, "free", guarded<free_handle>);
  export_fn(env, exports, "write", guarded<write>);
  export_fn(env, exports, "read", guarded<read>);
  export_fn(env, exports, "copy", guarded<copy>);
  export_fn(env, exports, "fill", guarded<fill>);
  export_fn(env, exports, "sequence", guarded<sequence>);
  export_fn(env, exports, "random", guarded<random>);
}

}  // namespace tf
