// Host memory for tensors: 64-byte aligned blocks (2 MiB aligned, on huge pages where
// Linux grants them, from 2 MiB up) from a caching allocator that keeps
// freed blocks by size class, so training loops that allocate the same shapes every step
// do not go back to the system allocator. Thread-safe; shared by every JS thread.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tf {

constexpr size_t kAlignment = 64;

// Returns a block of at least nbytes (0 allowed). Throws std::bad_alloc when the system
// has no memory left; never returns null for nbytes > 0.
void* host_alloc(size_t nbytes);
void host_free(void* ptr, size_t nbytes);

struct AllocatorStats {
  int64_t bytes_in_use;    // handed out and not yet freed (by size class)
  int64_t bytes_cached;    // freed blocks kept for reuse
  int64_t cache_limit;
};
AllocatorStats allocator_stats();
void set_cache_limit(int64_t bytes);
// Returns every cached block to the system.
void empty_cache();

// A tensor's memory: data on one device. Views share one Storage; the JS side counts
// the views and frees the data when the last one is disposed or collected.
struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  int device = 0;  // 0 = cpu; CUDA devices come later
};

}  // namespace tf
