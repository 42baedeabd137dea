#include "allocator.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace tf {
namespace {

// Size classes: multiples of 64 bytes up to 1 KiB, then four classes per power of two,
// so a block wastes at most a quarter of its size.
size_t size_class(size_t n) {
  if (n <= 1024) return n == 0 ? kAlignment : (n + kAlignment - 1) & ~(kAlignment - 1);
  size_t p = 1;
  while (p * 2 <= n) p *= 2;
  size_t step = p / 4;
  return (n + step - 1) / step * step;
}

constexpr size_t kLargestCachedBlock = size_t(1) << 30;

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;
  int64_t in_use = 0;
  int64_t cached = 0;
  int64_t limit = int64_t(512) << 20;
};

Cache& cache() {
  static Cache* c = new Cache();  // leaked: outlives every addon instance
  return *c;
}

// Blocks of at least this size start on a 2 MiB boundary and ask for huge pages.
constexpr size_t kHugePageBytes = size_t(2) << 20;

void* system_alloc(size_t bytes) {
#ifdef __linux__
  if (bytes >= kHugePageBytes) {
    // Large blocks start on a 2 MiB boundary and ask for transparent huge pages (where
    // the system grants them only on request, as numpy does for its arrays): a GEMM that
    // walks a large matrix by rows 4 KiB apart otherwise misses the TLB on every row.
    void* p = nullptr;
    if (posix_memalign(&p, kHugePageBytes, bytes) != 0 || !p) throw std::bad_alloc();
    madvise(p, bytes & ~(kHugePageBytes - 1), MADV_HUGEPAGE);  // advice: a refusal is harmless
    return p;
  }
#endif
  void* p = std::aligned_alloc(kAlignment, bytes);
  if (!p) throw std::bad_alloc();
  return p;
}

void trim_locked(Cache& c, int64_t target) {
  for (auto it = c.free_blocks.begin(); it != c.free_blocks.end() && c.cached > target; ++it) {
    auto& blocks = it->second;
    while (!blocks.empty() && c.cached > target) {
      std::free(blocks.back());
      blocks.pop_back();
      c.cached -= static_cast<int64_t>(it->first);
    }
  }
}

}  // namespace

void* host_alloc(size_t nbytes) {
  size_t cls = size_class(nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    c.in_use += static_cast<int64_t>(cls);
    auto it = c.free_blocks.find(cls);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached -= static_cast<int64_t>(cls);
      return p;
    }
  }
  try {
    return system_alloc(cls);
  } catch (...) {
    std::lock_guard<std::mutex> lock(c.mutex);
    // Out of memory: give the cache back and try once more.
    trim_locked(c, 0);
    c.in_use -= static_cast<int64_t>(cls);
  }
  void* p = system_alloc(cls);
  std::lock_guard<std::mutex> lock(c.mutex);
  c.in_use += static_cast<int64_t>(cls);
  return p;
}

void host_free(void* ptr, size_t nbytes) {
  if (!ptr) return;
  size_t cls = size_class(nbytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.in_use -= static_cast<int64_t>(cls);
  if (cls <= kLargestCachedBlock && c.cached + static_cast<int64_t>(cls) <= c.limit) {
    c.free_blocks[cls].push_back(ptr);
    c.cached += static_cast<int64_t>(cls);
  } else {
    std::free(ptr);
  }
}

AllocatorStats allocator_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return {c.in_use, c.cached, c.limit};
}

void set_cache_limit(int64_t bytes) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.limit = bytes < 0 ? 0 : bytes;
  trim_locked(c, c.limit);
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  trim_locked(c, 0);
}

}  // namespace tf
