// Entry points for the reduce op family.
#include "common.h"

namespace tf {

void register_reduce_entries(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
}

}  // namespace tf
