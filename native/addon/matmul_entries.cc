// Entry points for the matmul op family: one batched GEMM entry that matmul, mm, bmm,
// dot, mv, addmm and linear all reach (TypeScript works out shapes, broadcasting and
// strides), with an optional fused epilogue (bias, activation) and an optional prepacked
// B; plus packB / packedBytes for prepacked weights.
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

size_t packed_bytes(DType dt, int64_t k, int64_t n) {
  switch (dt) {
    case DType::F32: return packed_b_elements<float>(k, n) * sizeof(float);
    case DType::F64: return packed_b_elements<double>(k, n) * sizeof(double);
    default: throw NativeError("ERR_TF_DTYPE", std::string("packB: dtype ") + dtype_name(dt) + " is not supported");
  }
}

bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  check(napi_typeof(env, v, &t), "typeof");
  return t == napi_null || t == napi_undefined;
}

// gemm(dtype, aHandle, aOffset, bHandle, bOffset, cHandle, cOffset, meta, alpha, beta,
//      [biasHandle, biasOffset, biasRs, biasCs, biasScale, act, packedHandle])
// C[b] = act(alpha * A[b]·B[b] + beta * C[b] + biasScale * bias) for every batch index b,
// where meta = [nb, batch shape (nb), A batch strides (nb), B batch strides (nb),
//               C batch strides (nb), m, n, k, rsA, csA, rsB, csB, rsC, csC].
// Batch strides may be 0 (broadcast). beta == 0 overwrites C. bias (null: none) is read
// at bias[biasOffset + i * biasRs + j * biasCs] for every product. packedHandle (null:
// none) holds B packed by packB(k, n); B's handle and strides are then ignored.
napi_value gemm_entry(napi_env env, napi_callback_info info) {
  napi_value argv[17];
  get_args(env, info, argv);
  DType dt = arg_dtype(env, argv[0]);
  Storage* sa = storage_of(env, argv[1]);
  int64_t a_off = arg_int(env, argv[2]);
  Storage* sb = is_nullish(env, argv[3]) ? nullptr : storage_of(env, argv[3]);
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
  Storage* sbias = is_nullish(env, argv[10]) ? nullptr : storage_of(env, argv[10]);
  Storage* spacked = is_nullish(env, argv[16]) ? nullptr : storage_of(env, argv[16]);
  int64_t bias_off = 0, bias_rs = 0, bias_cs = 0;
  double bias_scale = 1;
  int act = 0;
  if (sbias) {
    bias_off = arg_int(env, argv[11]);
    bias_rs = arg_int(env, argv[12]);
    bias_cs = arg_int(env, argv[13]);
    bias_scale = arg_double(env, argv[14]);
  }
  if (!is_nullish(env, argv[15])) act = static_cast<int>(arg_int(env, argv[15]));
  if (!sb && !spacked) throw NativeError("ERR_TF_INTERNAL", "matmul: B is missing");
  if (act < kActNone || act > kActTanh) throw NativeError("ERR_TF_INTERNAL", "matmul: unknown activation");
  if (act != kActNone && dt == DType::I32)
    throw NativeError("ERR_TF_DTYPE", "matmul: activations need a floating-point dtype");

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
  if (k > 0 && !spacked) check_extent("B", sb, dt, b_off, nb + 2, shape, sb_str);
  shape[nb] = m; shape[nb + 1] = n;
  sc_str[nb] = rsC; sc_str[nb + 1] = csC;
  check_extent("C", sc, dt, c_off, nb + 2, shape, sc_str);
  if (sbias) {
    const int64_t bshape[2] = {m, n}, bstr[2] = {bias_rs, bias_cs};
    check_extent("bias", sbias, dt, bias_off, 2, bshape, bstr);
  }
  if (spacked && packed_bytes(dt, k, n) > spacked->nbytes)
    throw NativeError("ERR_TF_INTERNAL", "matmul: the packed weight is smaller than its shape needs");

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
    GemmArgs<T> g;
    g.batch = batch;
    g.a_offsets = offsets.data();
    g.b_offsets = offsets.data() + batch;
    g.c_offsets = offsets.data() + 2 * batch;
    g.m = m; g.n = n; g.k = k;
    g.alpha = static_cast<T>(alpha);
    g.beta = static_cast<T>(beta);
    g.A = data_at<T>(sa, a_off); g.rsA = rsA; g.csA = csA;
    if (spacked) {
      g.Bp = static_cast<const T*>(spacked->data);
    } else {
      g.B = data_at<T>(sb, b_off); g.rsB = rsB; g.csB = csB;
    }
    g.C = data_at<T>(sc, c_off); g.rsC = rsC; g.csC = csC;
    if (sbias) {
      g.epi.bias = data_at<T>(sbias, bias_off);
      g.epi.bias_rs = bias_rs;
      g.epi.bias_cs = bias_cs;
      g.epi.bias_scale = static_cast<T>(bias_scale);
    }
    g.epi.act = act;
    gemm_run<T>(g);
  };
  switch (dt) {
    case DType::F32: run(float{}); break;
    case DType::F64: run(double{}); break;
    case DType::I32: run(int32_t{}); break;
    default: throw NativeError("ERR_TF_DTYPE", std::string("matmul: dtype ") + dtype_name(dt) + " is not supported");
  }
  return nullptr;
}

// packedBytes(dtype, k, n): the bytes packB needs for a k x n matrix.
napi_value packed_bytes_entry(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  get_args(env, info, argv);
  DType dt = arg_dtype(env, argv[0]);
  const int64_t k = arg_int(env, argv[1]), n = arg_int(env, argv[2]);
  if (k < 0 || n < 0 || k > (int64_t(1) << 40) || n > (int64_t(1) << 40))
    throw NativeError("ERR_TF_SHAPE", "packB: impossible matrix size");
  napi_value out;
  check(napi_create_double(env, static_cast<double>(packed_bytes(dt, k, n)), &out), "create_double");
  return out;
}

// packB(dtype, bHandle, bOffset, meta = [k, n, rsB, csB], dstHandle): packs B (element
// (p, j) at B[bOffset + p * rsB + j * csB]) into dst for gemm's packedHandle.
napi_value pack_b_entry(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  get_args(env, info, argv);
  DType dt = arg_dtype(env, argv[0]);
  Storage* sb = storage_of(env, argv[1]);
  const int64_t b_off = arg_int(env, argv[2]);
  void* meta_data;
  size_t meta_bytes;
  arg_typed(env, argv[3], &meta_data, &meta_bytes);
  if (meta_bytes != 4 * sizeof(double)) throw NativeError("ERR_TF_INTERNAL", "packB: metadata has the wrong length");
  const double* meta = static_cast<const double*>(meta_data);
  if (meta[0] < 0 || meta[1] < 0 || meta[0] > 9.0e15 || meta[1] > 9.0e15)
    throw NativeError("ERR_TF_SHAPE", "packB: impossible matrix size");
  const int64_t k = static_cast<int64_t>(meta[0]), n = static_cast<int64_t>(meta[1]);
  const int64_t rsB = static_cast<int64_t>(meta[2]), csB = static_cast<int64_t>(meta[3]);
  Storage* dst = storage_of(env, argv[4]);
  if (packed_bytes(dt, k, n) > dst->nbytes) throw NativeError("ERR_TF_INTERNAL", "packB: destination too small");
  if (k == 0 || n == 0) return nullptr;
  const int64_t shape[2] = {k, n}, str[2] = {rsB, csB};
  check_extent("B", sb, dt, b_off, 2, shape, str);
  switch (dt) {
    case DType::F32: pack_b_full<float>(k, n, data_at<float>(sb, b_off), rsB, csB, static_cast<float*>(dst->data)); break;
    case DType::F64: pack_b_full<double>(k, n, data_at<double>(sb, b_off), rsB, csB, static_cast<double*>(dst->data)); break;
    default: throw NativeError("ERR_TF_DTYPE", std::string("packB: dtype ") + dtype_name(dt) + " is not supported");
  }
  return nullptr;
}

}  // namespace

void register_matmul_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "gemm", guarded<gemm_entry>);
  export_fn(env, exports, "packB", guarded<pack_b_entry>);
  export_fn(env, exports, "packedBytes", guarded<packed_bytes_entry>);
}

}  // namespace tf
