// Entry points for the matmul op family: one batched GEMM entry that matmul, mm, bmm,
// dot, mv and addmm all reach (TypeScript works out shapes, broadcasting and strides).
#include <string>
#include <vector>

#include "../kernels/cpu/gemm/gemm.h"
#include "common.h"

namespace tf {
namespace {

// Throws unless every element a strided operand reaches (sizes all > 0, strides of
// any sign) lies inside its storage.
void check_extent(const char* what, Storage* s, DType dt, int64_t offset, int nd,
                  const int64_t* shape, const int64_t* strides) {
  int64_t lo = offset, hi = offset;
  for (int d = 0; d < nd; ++d) {
    const int64_t span = (shape[d] - 1) * strides[d];
    if (span < 0) lo += span; else hi += span;
  }
  if (lo < 0 || static_cast<size_t>(hi + 1) * dtype_size(dt) > s->nbytes)
    throw NativeError("ERR_TF_INTERNAL", std::string("matmul: ") + what + " reaches past the end of its storage");
}

// gemm(dtype, aHandle, aOffset, bHandle, bOffset, cHandle, cOffset, meta, alpha, beta)
// C[b] = alpha * A[b]·B[b] + beta * C[b] for every batch index b, where
// meta = [nb, batch shape (nb), A batch strides (nb), B batch strides (nb),
//         C batch strides (nb), m, n, k, rsA, csA, rsB, csB, rsC, csC].
// Batch strides may be 0 (broadcast). beta == 0 overwrites C.
napi_value gemm_entry(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  get_args(env, info, argv);
  DType dt = arg_dtype(env, argv[0]);
  Storage* sa = storage_of(env, argv[1]);
  int64_t a_off = arg_int(env, argv[2]);
  Storage* sb = storage_of(env, argv[3]);
  int64_t b_off = arg_int(env, argv[4]);
  Storage* sc = storage_of(env, argv[5]);
  int64_t c_off = arg_int(env, argv[6]);
  void* meta_data;
  size_t meta_bytes;
  arg_typed(env, argv[7], &meta_data, &meta_bytes);
  const double* meta = static_cast<const double*>(meta_data);
  const size_t mlen = meta_bytes / sizeof(double);
  double alpha = arg_double(env, argv[8]);
  double beta = arg_double(env, argv[9]);

  if (mlen < 1) throw NativeError("ERR_TF_INTERNAL", "matmul: empty metadata");
  const int nb = static_cast<int>(meta[0]);
  if (nb < 0 || nb > kMaxDims || mlen != static_cast<size_t>(1 + 4 * nb + 9))
    throw NativeError("ERR_TF_INTERNAL", "matmul: metadata has the wrong length");
  int64_t shape[kMaxDims + 2], sa_str[kMaxDims + 2], sb_str[kMaxDims + 2], sc_str[kMaxDims + 2];
  int64_t batch = 1;
  for (int d = 0; d < nb; ++d) {
    double v = meta[1 + d];
    if (v < 0 || v > 9.0e15) throw NativeError("ERR_TF_SHAPE", "matmul: impossible batch size");
    shape[d] = static_cast<int64_t>(v);
    sa_str[d] = static_cast<int64_t>(meta[1 + nb + d]);
    sb_str[d] = static_cast<int64_t>(meta[1 + 2 * nb + d]);
    sc_str[d] = static_cast<int64_t>(meta[1 + 3 * nb + d]);
    batch *= shape[d];
  }
  const double* mk = meta + 1 + 4 * nb;
  for (int i = 0; i < 3; ++i)
    if (mk[i] < 0 || mk[i] > 9.0e15) throw NativeError("ERR_TF_SHAPE", "matmul: impossible matrix size");
  const int64_t m = static_cast<int64_t>(mk[0]), n = static_cast<int64_t>(mk[1]), k = static_cast<int64_t>(mk[2]);
  const int64_t rsA = static_cast<int64_t>(mk[3]), csA = static_cast<int64_t>(mk[4]);
  const int64_t rsB = static_cast<int64_t>(mk[5]), csB = static_cast<int64_t>(mk[6]);
  const int64_t rsC = static_cast<int64_t>(mk[7]), csC = static_cast<int64_t>(mk[8]);
  if (batch == 0 || m == 0 || n == 0) return nullptr;

  // Native code never reads or writes outside a storage, whatever it is told.
  shape[nb] = m; shape[nb + 1] = k;
  sa_str[nb] = rsA; sa_str[nb + 1] = csA;
  if (k > 0) check_extent("A", sa, dt, a_off, nb + 2, shape, sa_str);
  shape[nb] = k; shape[nb + 1] = n;
  sb_str[nb] = rsB; sb_str[nb + 1] = csB;
  if (k > 0) check_extent("B", sb, dt, b_off, nb + 2, shape, sb_str);
  shape[nb] = m; shape[nb + 1] = n;
  sc_str[nb] = rsC; sc_str[nb + 1] = csC;
  check_extent("C", sc, dt, c_off, nb + 2, shape, sc_str);

  std::vector<int64_t> offsets(static_cast<size_t>(3 * batch));
  int64_t idx[kMaxDims] = {0};
  int64_t oa = 0, ob = 0, oc = 0;
  for (int64_t b = 0; b < batch; ++b) {
    offsets[b] = oa;
    offsets[batch + b] = ob;
    offsets[2 * batch + b] = oc;
    for (int d = nb - 1; d >= 0; --d) {
      oa += sa_str[d]; ob += sb_str[d]; oc += sc_str[d];
      if (++idx[d] < shape[d]) break;
      oa -= shape[d] * sa_str[d]; ob -= shape[d] * sb_str[d]; oc -= shape[d] * sc_str[d];
      idx[d] = 0;
    }
  }
  // shape[] was overwritten above for the extent checks only past nb; batch dims intact.
  auto run = [&](auto zero) {
    using T = decltype(zero);
    gemm_batched<T>(batch, offsets.data(), offsets.data() + batch, offsets.data() + 2 * batch, m, n, k,
                    static_cast<T>(alpha), data_at<T>(sa, a_off), rsA, csA, data_at<T>(sb, b_off), rsB, csB,
                    static_cast<T>(beta), data_at<T>(sc, c_off), rsC, csC);
  };
  switch (dt) {
    case DType::F32: run(float{}); break;
    case DType::F64: run(double{}); break;
    case DType::I32: run(int32_t{}); break;
    default: throw NativeError("ERR_TF_DTYPE", std::string("matmul: dtype ") + dtype_name(dt) + " is not supported");
  }
  return nullptr;
}

}  // namespace

void register_matmul_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "gemm", guarded<gemm_entry>);
}

}  // namespace tf
