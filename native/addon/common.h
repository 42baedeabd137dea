// Shared helpers for the N-API layer: storage handles, argument readers, and the
// wrapper that turns every C++ exception into a JS exception (native code never aborts).
#pragma once
#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>

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

// A JS number, for entries that return one.
napi_value js_number(napi_env env, double v);

// True for a JS null or undefined: an absent optional argument.
bool is_nullish(napi_env env, napi_value v);

// ---------------------------------------------------------------------------------------
// Operands. An entry receives a tensor as a storage handle and an element offset; before a
// kernel sees a pointer, the elements the kernel will touch are checked to lie inside the
// storage, so a wrong call throws ERR_TF_INTERNAL "<op>: <what> reaches outside its
// storage" instead of reading or writing memory it does not own.

[[noreturn]] void throw_outside_storage(const char* op, const char* what);
[[noreturn]] void throw_missing_operand(const char* op, const char* what);
[[noreturn]] void throw_not_float(const char* op, DType dt);
[[noreturn]] void throw_unknown_code(const char* op, const char* what, int64_t code);

// The address of element `offset` of s, after checking that elements [offset, offset +
// count) of elem_size bytes lie inside it.
inline void* elements_in(Storage* s, size_t elem_size, int64_t offset, int64_t count, const char* op, const char* what) {
  const uint64_t held = s->nbytes / elem_size;
  if (offset < 0 || count < 0 || static_cast<uint64_t>(offset) > held ||
      static_cast<uint64_t>(count) > held - static_cast<uint64_t>(offset))
    throw_outside_storage(op, what);
  return static_cast<char*>(s->data) + static_cast<size_t>(offset) * elem_size;
}

// The same for `count` elements of dt.
inline void* span_in(Storage* s, DType dt, int64_t offset, int64_t count, const char* op, const char* what) {
  return elements_in(s, dtype_size(dt), offset, count, op, what);
}

// The elements a strided view reaches from its offset, dim by dim (strides in elements,
// of any sign): [lowest, highest], or nothing when a dim has size 0.
struct Reach {
  int64_t offset, lowest, highest;
  bool empty = false;       // some dim has size 0: no element is touched
  bool impossible = false;  // a negative size, or a reach past int64

  explicit Reach(int64_t element_offset) : offset(element_offset), lowest(element_offset), highest(element_offset) {}

  Reach& dim(int64_t size, int64_t stride) {
    if (size <= 0) {
      if (size == 0) empty = true;
      else impossible = true;
      return *this;
    }
    int64_t span;
    if (__builtin_mul_overflow(size - 1, stride, &span)) {
      impossible = true;
      return *this;
    }
    int64_t& end = span < 0 ? lowest : highest;
    if (__builtin_add_overflow(end, span, &end)) impossible = true;
    return *this;
  }

  // The dims of L as operand `operand` walks them.
  template <int N>
  Reach& dims(const StridedLayout<N>& L, int operand) {
    for (int d = 0; d < L.ndim; ++d) dim(L.shape[d], L.strides[operand][d]);
    return *this;
  }
};

// The address of element r.offset of s, after checking that every element r reaches lies
// inside it (nothing is checked when r reaches no element).
inline void* reach_in(Storage* s, DType dt, const Reach& r, const char* op, const char* what) {
  const uint64_t held = s->nbytes / dtype_size(dt);
  if (r.impossible || (!r.empty && (r.lowest < 0 || static_cast<uint64_t>(r.highest) >= held)))
    throw_outside_storage(op, what);
  return byte_ptr(s, dt, r.offset);
}

// Calls fn(float{}) or fn(double{}) for a floating dtype; throws ERR_TF_DTYPE otherwise.
template <typename F>
void dispatch_float(DType dt, const char* op, F&& fn) {
  switch (dt) {
    case DType::F32: fn(float{}); break;
    case DType::F64: fn(double{}); break;
    default: throw_not_float(op, dt);
  }
}

// The numbers of a Float64Array argument: exactly `count`, each inside [lowest, highest]
// (NaN is not). Otherwise throws, naming op and what.
const double* arg_numbers(napi_env env, napi_value v, size_t count, const char* op, const char* what,
                          double lowest = -9.0e15, double highest = 9.0e15);

// Stores m[0], m[1], ... in the int64 fields given, in order: metadata into a struct.
inline void unpack_int64s(const double* m, std::initializer_list<int64_t*> fields) {
  size_t i = 0;
  for (int64_t* f : fields) *f = static_cast<int64_t>(m[i++]);
}

// The arguments of one entry call (up to kMaxEntryArgs; missing ones read as undefined),
// read by position, with the op's name for errors:
//   EntryArgs args(env, info, "conv2d");
//   const DType dt = args.float_dtype(0);
//   void* x = args.operand(1, dt, n, "input");  // handle: argument 1, offset: argument 2
constexpr size_t kMaxEntryArgs = 20;

class EntryArgs {
 public:
  EntryArgs(napi_env env, napi_callback_info info, const char* op) : env_(env), op_(op) { get_args(env, info, argv_); }

  napi_env env() const { return env_; }
  const char* op() const { return op_; }
  napi_value operator[](size_t i) const { return argv_[i]; }

  int64_t integer(size_t i) const { return arg_int(env_, argv_[i]); }
  double number(size_t i) const { return arg_double(env_, argv_[i]); }
  bool flag(size_t i) const { return arg_int(env_, argv_[i]) != 0; }
  bool is_null(size_t i) const { return is_nullish(env_, argv_[i]); }
  // An enum code in [0, count): throws ERR_TF_INTERNAL "<op>: unknown <what> <code>" otherwise.
  int64_t code(size_t i, int64_t count, const char* what) const {
    const int64_t c = arg_int(env_, argv_[i]);
    if (c < 0 || c >= count) throw_unknown_code(op_, what, c);
    return c;
  }
  DType dtype(size_t i) const { return arg_dtype(env_, argv_[i]); }
  DType float_dtype(size_t i) const {
    const DType dt = arg_dtype(env_, argv_[i]);
    if (dt != DType::F32 && dt != DType::F64) throw_not_float(op_, dt);
    return dt;
  }
  Storage* storage(size_t i) const { return storage_of(env_, argv_[i]); }
  Storage* optional_storage(size_t i) const { return is_null(i) ? nullptr : storage(i); }

  // The numbers of the Float64Array at argument i (see arg_numbers).
  const double* numbers(size_t i, size_t count, const char* what, double lowest = -9.0e15,
                        double highest = 9.0e15) const {
    return arg_numbers(env_, argv_[i], count, op_, what, lowest, highest);
  }

  template <int K>
  StridedLayout<K> layout(size_t i) const { return arg_layout<K>(env_, argv_[i]); }

  // The operand with its handle at argument i and its element offset at i + 1: checked to
  // hold `count` contiguous elements of dt; returns the address of its first element.
  void* operand(size_t i, DType dt, int64_t count, const char* what) const {
    return span_in(storage(i), dt, integer(i + 1), count, op_, what);
  }
  // The same, or null (offset not read) when argument i is null or undefined.
  void* optional_operand(size_t i, DType dt, int64_t count, const char* what) const {
    return is_null(i) ? nullptr : operand(i, dt, count, what);
  }
  // The same, required when `required`: a missing one throws "<op>: <what> is missing".
  void* operand_if(bool required, size_t i, DType dt, int64_t count, const char* what) const {
    if (!is_null(i)) return operand(i, dt, count, what);
    if (required) throw_missing_operand(op_, what);
    return nullptr;
  }
  // The operand at arguments i, i + 1 walked as operand `a` of layout L (and along one
  // more dim, {size, stride}, when given).
  template <int K>
  void* strided_operand(size_t i, DType dt, const StridedLayout<K>& L, int a, const char* what,
                        std::pair<int64_t, int64_t> extra_dim = {1, 0}) const {
    return reach_in(storage(i), dt, Reach(integer(i + 1)).dims(L, a).dim(extra_dim.first, extra_dim.second), op_, what);
  }
  // The operand at arguments i, i + 1 walked over dims given as {size, stride} pairs.
  void* strided_operand(size_t i, DType dt, std::initializer_list<std::pair<int64_t, int64_t>> dims,
                        const char* what) const {
    Reach r(integer(i + 1));
    for (const auto& d : dims) r.dim(d.first, d.second);
    return reach_in(storage(i), dt, r, op_, what);
  }

 private:
  napi_env env_;
  const char* op_;
  napi_value argv_[kMaxEntryArgs];
};

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
