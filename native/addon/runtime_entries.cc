// Entry points about the runtime itself: threads, CPU features, memory statistics.
#include "../runtime/cpu_features.h"
#include "../runtime/thread_pool.h"
#include "common.h"

namespace tf {

int64_t live_storage_count();
int64_t live_storage_bytes();

namespace {

void set(napi_env env, napi_value obj, const char* key, napi_value v) {
  check(napi_set_named_property(env, obj, key, v), "set_named_property");
}
napi_value boolean(napi_env env, bool b) {
  napi_value r;
  check(napi_get_boolean(env, b, &r), "get_boolean");
  return r;
}
napi_value str(napi_env env, const char* s) {
  napi_value r;
  check(napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r), "create_string");
  return r;
}

// backendInfo() -> { simd, threads, hardwareThreads, cpu: {...}, forcedPortable }
napi_value backend_info(napi_env env, napi_callback_info) {
  const CpuFeatures& f = cpu_features();
  napi_value o, cpu;
  check(napi_create_object(env, &o), "create_object");
  check(napi_create_object(env, &cpu), "create_object");
  set(env, o, "simd", str(env, use_avx2() ? "avx2-fma" : "portable"));
  set(env, o, "threads", js_number(env, num_threads()));
  set(env, o, "hardwareThreads", js_number(env, hardware_threads()));
  set(env, o, "forcedPortable", boolean(env, force_portable()));
  set(env, cpu, "avx2", boolean(env, f.avx2));
  set(env, cpu, "fma", boolean(env, f.fma));
  set(env, cpu, "avx512f", boolean(env, f.avx512f));
  set(env, cpu, "l1d", js_number(env, static_cast<double>(f.l1d)));
  set(env, cpu, "l2", js_number(env, static_cast<double>(f.l2)));
  set(env, cpu, "l3", js_number(env, static_cast<double>(f.l3)));
  set(env, o, "cpu", cpu);
#if defined(__x86_64__) || defined(_M_X64)
  set(env, o, "arch", str(env, "x64"));
#elif defined(__aarch64__)
  set(env, o, "arch", str(env, "arm64"));
#else
  set(env, o, "arch", str(env, "other"));
#endif
  return o;
}

napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, argv);
  set_num_threads(static_cast<int>(arg_int(env, argv[0])));
  return nullptr;
}

napi_value get_threads(napi_env env, napi_callback_info) { return js_number(env, num_threads()); }

napi_value set_portable(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, argv);
  bool b = false;
  check(napi_get_value_bool(env, argv[0], &b), "get_value_bool");
  set_force_portable(b);
  return nullptr;
}

// memoryStats() -> { storages, bytes, allocatorInUse, allocatorCached, cacheLimit }
napi_value memory_stats(napi_env env, napi_callback_info) {
  AllocatorStats a = allocator_stats();
  napi_value o;
  check(napi_create_object(env, &o), "create_object");
  set(env, o, "storages", js_number(env, static_cast<double>(live_storage_count())));
  set(env, o, "bytes", js_number(env, static_cast<double>(live_storage_bytes())));
  set(env, o, "allocatorInUse", js_number(env, static_cast<double>(a.bytes_in_use)));
  set(env, o, "allocatorCached", js_number(env, static_cast<double>(a.bytes_cached)));
  set(env, o, "cacheLimit", js_number(env, static_cast<double>(a.cache_limit)));
  return o;
}

napi_value set_cache(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, argv);
  set_cache_limit(arg_int(env, argv[0]));
  return nullptr;
}

napi_value empty(napi_env, napi_callback_info) {
  empty_cache();
  return nullptr;
}

}  // namespace

void register_runtime_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "backendInfo", guarded<backend_info>);
  export_fn(env, exports, "setNumThreads", guarded<set_threads>);
  export_fn(env, exports, "getNumThreads", guarded<get_threads>);
  export_fn(env, exports, "setPortableKernels", guarded<set_portable>);
  export_fn(env, exports, "memoryStats", guarded<memory_stats>);
  export_fn(env, exports, "setCacheLimit", guarded<set_cache>);
  export_fn(env, exports, "emptyCache", guarded<empty>);
}

}  // namespace tf
