// Entry points for the index op family: one entry for the indexed reads and writes
// (gather, indexSelect, scatter, scatterAdd, indexAdd). Joining ops (cat, stack) reuse
// the strided copy; split, chunk and unbind are views.
#include <string>

#include "../kernels/cpu/index/index.h"
#include "common.h"

namespace tf {
namespace {

// Throws unless every element a strided view of (outer x [dim_size]) can reach lies
// inside the storage (strides of any sign).
void check_extent(const char* what, Storage* s, DType dt, int64_t offset, const StridedLayout<3>& L,
                  int operand, int64_t dim_size, int64_t dim_stride) {
  if (L.numel() == 0 || dim_size == 0) return;
  int64_t lo = offset, hi = offset;
  auto add = [&](int64_t span) {
    if (span < 0) lo += span; else hi += span;
  };
  for (int d = 0; d < L.ndim; ++d) add((L.shape[d] - 1) * L.strides[operand][d]);
  add((dim_size - 1) * dim_stride);
  if (lo < 0 || static_cast<size_t>(hi + 1) * dtype_size(dt) > s->nbytes)
    throw NativeError("ERR_TF_INTERNAL", std::string(what) + " reaches outside its storage");
}

// indexOp(mode, dtype, targetHandle, targetOffset, indexHandle, indexOffset,
//         sourceHandle, sourceOffset, meta, dimInfo, alpha)
// meta = [ndim, outer shape..., target strides..., index strides..., source strides...]
// over every dim but the indexed one; dimInfo = [len, targetStep, indexStep,
// sourceStep, bound, dim]. See IndexMode for what each mode does.
napi_value index_entry(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  get_args(env, info, argv);
  int64_t mode_code = arg_int(env, argv[0]);
  if (mode_code < 0 || mode_code > 2) throw NativeError("ERR_TF_INTERNAL", "unknown index mode");
  const IndexMode mode = static_cast<IndexMode>(mode_code);
  DType dt = arg_dtype(env, argv[1]);
  Storage* st = storage_of(env, argv[2]);
  int64_t t_off = arg_int(env, argv[3]);
  Storage* si = storage_of(env, argv[4]);
  int64_t i_off = arg_int(env, argv[5]);
  Storage* ss = storage_of(env, argv[6]);
  int64_t s_off = arg_int(env, argv[7]);
  IndexArgs a;
  a.outer = arg_layout<3>(env, argv[8]);
  void* info_data;
  size_t info_bytes;
  arg_typed(env, argv[9], &info_data, &info_bytes);
  if (info_bytes != 6 * sizeof(double)) throw NativeError("ERR_TF_INTERNAL", "index: dimInfo must hold 6 numbers");
  const double* di = static_cast<const double*>(info_data);
  for (int i = 0; i < 5; ++i)
    if (!(di[i] >= -9.0e15 && di[i] <= 9.0e15)) throw NativeError("ERR_TF_SHAPE", "index: impossible size");
  a.len = static_cast<int64_t>(di[0]);
  a.target_step = static_cast<int64_t>(di[1]);
  a.index_step = static_cast<int64_t>(di[2]);
  a.source_step = static_cast<int64_t>(di[3]);
  a.bound = static_cast<int64_t>(di[4]);
  a.dim = static_cast<int>(di[5]);
  if (a.len < 0 || a.bound < 0) throw NativeError("ERR_TF_SHAPE", "index: negative size");
  double alpha = arg_double(env, argv[10]);

  const bool reads_indexed = mode == IndexMode::kGather;
  check_extent("index target", st, dt, t_off, a.outer, 0, reads_indexed ? a.len : a.bound, a.target_step);
  check_extent("index", si, DType::I32, i_off, a.outer, 1, a.len, a.index_step);
  check_extent("index source", ss, dt, s_off, a.outer, 2, reads_indexed ? a.bound : a.len, a.source_step);

  a.outer.coalesce();
  try {
    index_op(mode, dt, byte_ptr(st, dt, t_off), data_at<int32_t>(si, i_off), byte_ptr(ss, dt, s_off), a, alpha);
  } catch (const IndexRangeError& e) {
    throw NativeError("ERR_TF_INDEX", e.what());
  } catch (const std::invalid_argument& e) {
    throw NativeError("ERR_TF_DTYPE", e.what());
  }
  return nullptr;
}

}  // namespace

void register_index_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "indexOp", guarded<index_entry>);
}

}  // namespace tf
