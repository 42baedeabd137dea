// Process-wide native thread pool. One pool serves every JS thread (main thread and
// worker_threads): parallel regions from different callers are queued as separate jobs,
// and the calling thread always takes part in its own job, so a job never waits for a
// worker that is busy elsewhere. Nested calls from inside a job run inline.
#pragma once
#include <cstdint>
#include <functional>

namespace tf {

using RangeFn = std::function<void(int64_t begin, int64_t end)>;

// Splits [0, n) into at most num_threads() chunks of at least `grain` items and runs
// fn on each chunk; returns when all are done. Exceptions thrown by fn are rethrown here.
void parallel_for(int64_t n, int64_t grain, const RangeFn& fn);

// Runs fn on the calling thread with every parallel_for inside it running inline: for work
// too small to pay for waking the pool (tens of microseconds on a busy machine).
void run_serial(const std::function<void()>& fn);

int num_threads();
// The threads a parallel_for called from this thread would use: 1 inside a pool job or
// run_serial (nested calls run inline), else num_threads(). Kernels that shape their
// work by the thread count ask this one.
int available_threads();
void set_num_threads(int n);
int hardware_threads();

}  // namespace tf
