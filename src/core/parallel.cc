#include "core/parallel.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace kda {
namespace {

thread_local bool in_pool_body = false;

// One job at a time (parallel_chunks holds `submit` for its whole run); workers take chunk
// numbers from an atomic counter, so a slow chunk never holds up the others' workers.
class Pool {
 public:
  // A thread that cannot be created (a pids or thread limit) leaves the pool with those that
  // could; with none, every job runs on its caller.
  explicit Pool(size_t threads) {
    try {
      for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
    }
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }
  size_t workers() const { return workers_.size(); }

  void run(size_t n, size_t chunks, const std::function<void(size_t, size_t, size_t)>& body) {
    std::lock_guard<std::mutex> one_job(submit_);
    std::vector<std::exception_ptr> errors(chunks);
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = Job{&body, n, chunks, &errors};
      next_.store(0);
      done_ = 0;
      ++generation_;
    }
    wake_.notify_all();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++active_;
    }
    take_chunks();
    {
      // Every chunk has run and every worker that joined this job has left it: none can touch
      // its body, its errors or the counter after this returns.
      std::unique_lock<std::mutex> lock(mu_);
      finished_.wait(lock, [&] { return done_ == job_.chunks && active_ == 0; });
      job_ = Job{};
    }
    for (std::exception_ptr& e : errors)
      if (e) std::rethrow_exception(e);
  }

 private:
  struct Job {
    const std::function<void(size_t, size_t, size_t)>* body = nullptr;
    size_t n = 0, chunks = 0;
    std::vector<std::exception_ptr>* errors = nullptr;
  };

  // Runs chunks of the current job until none is left, then leaves it (active_ was raised for
  // this thread under the lock, while the job was still open).
  void take_chunks() {
    size_t ran = 0;
    for (size_t c; (c = next_.fetch_add(1)) < job_.chunks; ++ran) {
      const size_t begin = c * job_.n / job_.chunks, end = (c + 1) * job_.n / job_.chunks;
      in_pool_body = true;
      try {
        (*job_.body)(c, begin, end);
      } catch (...) {
        (*job_.errors)[c] = std::current_exception();
      }
      in_pool_body = false;
    }
    std::lock_guard<std::mutex> lock(mu_);
    done_ += ran;
    --active_;
    if (done_ == job_.chunks && active_ == 0) finished_.notify_all();
  }

  void work() {
    uint64_t seen = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return quit_ || (generation_ != seen && job_.body); });
        if (quit_) return;
        seen = generation_;
        ++active_;
      }
      take_chunks();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex submit_, mu_;
  std::condition_variable wake_, finished_;
  Job job_;
  std::atomic<size_t> next_{0};
  size_t done_ = 0;    ///< chunks of the current job that have run
  size_t active_ = 0;  ///< threads inside take_chunks() for the current job
  uint64_t generation_ = 0;
  bool quit_ = false;
};

Pool& pool() {
  // Never destroyed: a job may still be submitted from a static destructor, and the workers
  // end with the process.
  static Pool* p = new Pool(parallel_workers() - 1);
  return *p;
}

}  // namespace

size_t parallel_workers() {
  static const size_t n = [] {
    if (const char* v = std::getenv("KDA_JUDGE_THREADS")) {
      const long k = std::strtol(v, nullptr, 10);
      if (k >= 1) return static_cast<size_t>(std::min<long>(k, 256));
    }
    // The CPUs this process may run on (a container's cpuset), not the host's count.
    cpu_set_t set;
    CPU_ZERO(&set);
    const long usable = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                                     : static_cast<long>(std::thread::hardware_concurrency());
    return static_cast<size_t>(std::clamp<long>(usable, 1, 16));
  }();
  return n;
}

size_t chunk_count(size_t n, size_t grain) {
  return std::clamp<size_t>(n / std::max<size_t>(grain, 1), 1, parallel_workers());
}

void parallel_chunks(size_t n, size_t chunks, const std::function<void(size_t, size_t, size_t)>& body) {
  if (chunks == 0) return;
  if (chunks == 1 || in_pool_body || parallel_workers() == 1 || pool().workers() == 0) {
    for (size_t c = 0; c < chunks; ++c) body(c, c * n / chunks, (c + 1) * n / chunks);
    return;
  }
  pool().run(n, chunks, body);
}

}  // namespace kda
