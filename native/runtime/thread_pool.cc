#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sched.h>
#endif

namespace tf {
namespace {

struct Job {
  const RangeFn* fn;
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
    job->n = n;
    job->chunk = (n + num_chunks - 1) / num_chunks;
    job->num_chunks = (n + job->chunk - 1) / job->chunk;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(job);
    }
    cv_.notify_all();
    t_inside_job = true;
    job->run_chunks();
    t_inside_job = false;
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

  void worker_loop() {
    t_inside_job = true;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] {
          if (stopping_) return true;
          for (auto& j : jobs_)
            if (j->has_work()) return true;
          return false;
        });
        if (stopping_) return;
        for (auto& j : jobs_) {
          if (j->has_work()) {
            job = j;
            break;
          }
        }
      }
      if (job) job->run_chunks();
    }
  }

  std::atomic<int> target_threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> jobs_;
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
