// Entry points for the index op family.
#include "common.h"

namespace tf {

void register_index_entries(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
}

}  // namespace tf
