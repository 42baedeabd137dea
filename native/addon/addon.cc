// The export table. Each family of entry points lives in its own file and registers
// itself here; nothing else in the addon touches exports.
#include "common.h"

namespace {

napi_value init(napi_env env, napi_value exports) {
  try {
    tf::register_storage_entries(env, exports);
    tf::register_runtime_entries(env, exports);
    tf::register_elementwise_entries(env, exports);
    tf::register_reduce_entries(env, exports);
    tf::register_index_entries(env, exports);
    tf::register_matmul_entries(env, exports);
    tf::register_optim_entries(env, exports);
    tf::register_io_entries(env, exports);
    tf::register_rnn_entries(env, exports);
    tf::register_loss_entries(env, exports);
    tf::register_pool_entries(env, exports);
    tf::register_conv_entries(env, exports);
    tf::register_json_entries(env, exports);
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_TF_LOAD", e.what());
    return nullptr;
  }
  return exports;
}

}  // namespace

// NAPI_MODULE_INIT-style registration is context-aware: the addon loads once per
// JS thread (main thread and each worker_thread), each with its own exports.
NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
