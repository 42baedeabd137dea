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
  EntryArgs args(env, info, "write");
  void* src;
  size_t bytes;
  arg_typed(env, args[2], &src, &bytes);
  void* dst = elements_in(args.storage(0), 1, args.integer(1), static_cast<int64_t>(bytes), args.op(), "the written range");
  if (bytes) std::memcpy(dst, src, bytes);
  return nullptr;
}

// read(handle, dtype, elementOffset, meta, typedArray): copies the strided view
// described by meta = [ndim, shape..., strides...] into the contiguous typed array.
napi_value read(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "read");
  Storage* s = args.storage(0);
  const DType dt = args.dtype(1);
  const int64_t off = args.integer(2);
  // meta describes one operand: read it as a layout of two, the destination contiguous.
  const StridedLayout<1> view = args.layout<1>(3);
  StridedLayout<2> L;
  L.ndim = view.ndim;
  int64_t running = 1;
  for (int d = view.ndim - 1; d >= 0; --d) {
    L.shape[d] = view.shape[d];
    L.strides[1][d] = view.strides[0][d];
    L.strides[0][d] = running;
    running *= L.shape[d];
  }
  void* dst;
  size_t dst_bytes;
  arg_typed(env, args[4], &dst, &dst_bytes);
  if (static_cast<size_t>(running) * dtype_size(dt) > dst_bytes)
    throw NativeError("ERR_TF_INTERNAL", "read into a typed array that is too small");
  const void* src = reach_in(s, dt, Reach(off).dims(L, 1), args.op(), "the view");
  L.coalesce();
  copy_strided(dt, dst, dt, src, L);
  return nullptr;
}

// copy(dstHandle, dstDtype, dstOffset, srcHandle, srcDtype, srcOffset, meta)
// meta = [ndim, shape..., dst strides..., src strides...]
napi_value copy(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "copy");
  const DType ddt = args.dtype(1);
  const DType sdt = args.dtype(4);
  StridedLayout<2> L = args.layout<2>(6);
  void* dst = reach_in(args.storage(0), ddt, Reach(args.integer(2)).dims(L, 0), args.op(), "destination");
  const void* src = reach_in(args.storage(3), sdt, Reach(args.integer(5)).dims(L, 1), args.op(), "source");
  L.coalesce();
  copy_strided(ddt, dst, sdt, src, L);
  return nullptr;
}

// fill(handle, dtype, elementOffset, n, value)
napi_value fill(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "fill");
  const DType dt = args.dtype(1);
  const int64_t n = args.integer(3);
  fill_contiguous(dt, span_in(args.storage(0), dt, args.integer(2), n, args.op(), "the filled range"), n, args.number(4));
  return nullptr;
}

// sequence(kind, handle, dtype, n, a, b): kind 0 = arange(start a, step b),
// 1 = linspace(start a, end b), 2 = eye(rows n, cols a)
napi_value sequence(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "sequence");
  const int64_t kind = args.code(0, 3, "sequence kind");
  const DType dt = args.dtype(2);
  const int64_t n = args.integer(3);
  const double a = args.number(4);
  const double b = args.number(5);
  int64_t count = n;  // eye: n rows of a columns
  if (kind == 2 && (!(a >= 0 && a <= 9.0e15) || __builtin_mul_overflow(n, static_cast<int64_t>(a), &count)))
    throw_outside_storage(args.op(), "the sequence");
  void* out = span_in(args.storage(1), dt, 0, count, args.op(), "the sequence");
  if (kind == 0) arange_fill(dt, out, n, a, b);
  else if (kind == 1) linspace_fill(dt, out, n, a, b);
  else eye_fill(dt, out, n, static_cast<int64_t>(a));
  return nullptr;
}

// random(handle, kind, dtype, n, seed, offset, a, b) -> counter blocks used
napi_value random(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "random");
  Storage* s = args.storage(0);
  const auto kind = static_cast<RandomKind>(args.code(1, 4, "random kind"));
  const DType dt = args.dtype(2);
  const int64_t n = args.integer(3);
  const uint64_t seed = static_cast<uint64_t>(args.number(4));
  const uint64_t offset = static_cast<uint64_t>(args.number(5));
  void* out = span_in(s, dt, 0, n, args.op(), "the random values");
  random_fill(kind, dt, out, n, seed, offset, args.number(6), args.number(7));
  return js_number(env, static_cast<double>(random_blocks_used(dt, n)));
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
