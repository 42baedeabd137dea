// Entry points for the index op family: one entry for the indexed reads and writes
// (gather, indexSelect, scatter, scatterAdd, indexAdd). Joining ops (cat, stack) reuse
// the strided copy; split, chunk and unbind are views.
#include "../kernels/cpu/index/index.h"
#include "common.h"

namespace tf {
namespace {

// indexOp(mode, dtype, targetHandle, targetOffset, indexHandle, indexOffset,
//         sourceHandle, sourceOffset, meta, dimInfo, alpha)
// meta = [ndim, outer shape..., target strides..., index strides..., source strides...]
// over every dim but the indexed one; dimInfo = [len, targetStep, indexStep,
// sourceStep, bound, dim]. See IndexMode for what each mode does.
napi_value index_entry(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "indexOp");
  const IndexMode mode = static_cast<IndexMode>(args.code(0, 3, "index mode"));
  const DType dt = args.dtype(1);
  IndexArgs a;
  a.outer = args.layout<3>(8);
  const double* di = args.numbers(9, 6, "dimInfo");
  unpack_int64s(di, {&a.len, &a.target_step, &a.index_step, &a.source_step, &a.bound});
  a.dim = static_cast<int>(di[5]);
  if (a.len < 0 || a.bound < 0) throw NativeError("ERR_TF_SHAPE", "index: negative size");
  const double alpha = args.number(10);

  // Each operand reaches its outer dims and, along the indexed dim, len or bound elements.
  const bool reads_indexed = mode == IndexMode::kGather;
  void* target = args.strided_operand(2, dt, a.outer, 0, "index target", {reads_indexed ? a.len : a.bound, a.target_step});
  auto* index = static_cast<const int32_t*>(args.strided_operand(4, DType::I32, a.outer, 1, "index", {a.len, a.index_step}));
  const void* source = args.strided_operand(6, dt, a.outer, 2, "index source", {reads_indexed ? a.bound : a.len, a.source_step});

  a.outer.coalesce();
  try {
    index_op(mode, dt, target, index, source, a, alpha);
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
