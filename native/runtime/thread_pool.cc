#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace tf {
namespace {

struct Job {
  const RangeFn* fn;
  int caller_cpu = -1;  // the CPU the calling thread ran on when it pushed the job
  int64_t n;
  int64_t chunk;
  int64_t num_chunks;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  std::mutex done_mutex;
  std::condition_variable done_cv;

  // Runs chunks until none are left. Returns true if this call finished the last chunk.
  void run_chunks() {
    for (;;) {
      int64_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= num_chunks) return;
      int64_t begin = c * chunk;
      int64_t end = std::min(n, begin + chunk);
      try {
        (*fn)(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
      if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == num_chunks) {
        std::lock_guard<std::mutex> lock(done_mutex);
        done_cv.notify_all();
      }
    }
  }
  bool has_work() const { return next.load(std::memory_order_relaxed) < num_chunks; }
};

thread_local bool t_inside_job = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// How long a worker keeps polling for the next job after finishing one before it sleeps
// on the condition variable, and how long a caller polls for its job's last chunk before
// it sleeps: waking a sleeping thread costs tens of microseconds here, as much as a
// 128^3 product. Bounded (and yielding), so idle workers do not hold a core others want.
// 100 µs by default; TF_POOL_SPIN_US overrides (0: never poll).
std::chrono::microseconds spin_time() {
  static const long us = [] {
    const char* v = std::getenv("TF_POOL_SPIN_US");
    return v && *v ? std::max(0L, std::atol(v)) : 100L;
  }();
  return std::chrono::microseconds(us);
}

// Polls `ready` for up to spin_time(); true once it holds.
template <typename F>
bool spin_until(F ready) {
  const auto limit = spin_time();
  if (limit.count() == 0) return ready();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0;; ++i) {
    if (ready()) return true;
    cpu_relax();
    if ((i & 63) == 63) {
      if (std::chrono::steady_clock::now() - t0 > limit) return ready();
      std::this_thread::yield();  // another process that wants this core gets it
    }
  }
}

int current_cpu() {
#ifdef __linux__
  return sched_getcpu();
#else
  return -1;
#endif
}

// Linux may wake a worker on its waker's CPU (it judges that cheaper; on this 2-vCPU VM it
// did so with the other CPU idle), and a caller woken by something else may land on a
// polling worker's CPU. The two then share one CPU until the load balancer separates
// them, milliseconds later: a burst of 256^3 products after an idle spell ran at one
// thread's speed that way. So a worker that finds itself on the caller's CPU when it takes
// a job (sched_getcpu: a vDSO read) moves to another allowed CPU: it narrows its affinity
// to exclude that CPU, which migrates it at once, then restores the affinity it had.
void leave_cpu_of(int caller_cpu) {
#ifdef __linux__
  if (caller_cpu < 0 || caller_cpu >= CPU_SETSIZE || sched_getcpu() != caller_cpu) return;
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return;
  cpu_set_t others = allowed;
  CPU_CLR(caller_cpu, &others);
  if (CPU_COUNT(&others) == 0) return;
  if (sched_setaffinity(0, sizeof(others), &others) == 0) sched_setaffinity(0, sizeof(allowed), &allowed);
#else
  (void)caller_cpu;
#endif
}

class Pool {
 public:
  Pool() : target_threads_(std::max(1, hardware_threads())) {}
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  int num_threads() const { return target_threads_.load(); }
  void set_num_threads(int n) { target_threads_.store(std::max(1, n)); }

  void run(int64_t n, int64_t grain, const RangeFn& fn) {
    if (n <= 0) return;
    int threads = target_threads_.load();
    grain = std::max<int64_t>(1, grain);
    int64_t max_chunks = (n + grain - 1) / grain;
    int64_t num_chunks = std::min<int64_t>(threads, max_chunks);
    if (num_chunks <= 1 || t_inside_job) {
      fn(0, n);
      return;
    }
    ensure_workers(threads - 1);
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->caller_cpu = current_cpu();
    job->n = n;
    job->chunk = (n + num_chunks - 1) / num_chunks;
    job->num_chunks = (n + job->chunk - 1) / job->chunk;
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(job);
      epoch_.fetch_add(1, std::memory_order_release);
      wake = sleepers_ > 0;  // polling workers see the new epoch without a wake-up
    }
    if (wake) cv_.notify_all();
    t_inside_job = true;
    job->run_chunks();
    t_inside_job = false;
    spin_until([&] { return job->done.load(std::memory_order_acquire) == job->num_chunks; });
    {
      std::unique_lock<std::mutex> lock(job->done_mutex);
      job->done_cv.wait(lock, [&] { return job->done.load() == job->num_chunks; });
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = std::find(jobs_.begin(), jobs_.end(), job);
      if (it != jobs_.end()) jobs_.erase(it);
    }
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  void ensure_workers(int count) {
    std::lock_guard<std::mutex> lock(mutex_);
    while (static_cast<int>(workers_.size()) < count) {
      workers_.emplace_back([this] { worker_loop(); });
    }
  }

  // A worker polls for a new job, then sleeps until one is pushed. Woken, it goes back to
  // polling even when the job it was woken for is already done: a worker that slept again
  // at once would be woken late for every later job too, since a caller whose job is
  // shorter than the wake-up (tens of µs here) runs all of its chunks itself (128^3 on 2
  // threads ran on one thread in most calls that way).
  void worker_loop() {
    t_inside_job = true;
    uint64_t seen = epoch_.load(std::memory_order_acquire);
    for (;;) {
      std::shared_ptr<Job> job;
      // Poll a while for a job pushed after the last one this worker looked at.
      spin_until([&] { return epoch_.load(std::memory_order_acquire) != seen; });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        auto pick = [&] {
          for (auto& j : jobs_)
            if (j->has_work()) return j;
          return std::shared_ptr<Job>();
        };
        job = pick();
        if (!job && !stopping_ && epoch_.load(std::memory_order_relaxed) == seen) {
          ++sleepers_;
          cv_.wait(lock, [&] { return stopping_ || epoch_.load(std::memory_order_relaxed) != seen; });
          --sleepers_;
          job = pick();
        }
        if (stopping_) return;
        seen = epoch_.load(std::memory_order_relaxed);
      }
      if (job) {
        leave_cpu_of(job->caller_cpu);
        job->run_chunks();
      }
    }
  }

  std::atomic<int> target_threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> jobs_;
  std::atomic<uint64_t> epoch_{0};  // jobs pushed so far
  int sleepers_ = 0;                // workers waiting on cv_ (guarded by mutex_)
  std::vector<std::thread> workers_;
  bool stopping_ = false;
};

Pool& pool() {
  // Leaked on purpose: worker threads must outlive every addon instance (several
  // worker_threads may unload theirs at different times), and joining threads from a
  // static destructor at process exit can deadlock.
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

void parallel_for(int64_t n, int64_t grain, const RangeFn& fn) { pool().run(n, grain, fn); }
void run_serial(const std::function<void()>& fn) {
  struct Restore {
    bool was;
    ~Restore() { t_inside_job = was; }
  } restore{t_inside_job};
  t_inside_job = true;
  fn();
}
int num_threads() { return pool().num_threads(); }
int available_threads() { return t_inside_job ? 1 : pool().num_threads(); }
void set_num_threads(int n) { pool().set_num_threads(n); }
int hardware_threads() {
#ifdef __linux__
  // Containers limit the cores a process may use; hardware_concurrency() ignores that.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
#endif
  unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : static_cast<int>(h);
}

}  // namespace tf
