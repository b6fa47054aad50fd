#pragma once
// Internal: spawn_blocking's thread pool, shared by both runtime flavours.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

#include "weft/detail/runtime/runtime_core.hpp"
#include "weft/detail/runtime/task_queue.hpp"
#include "weft/detail/task/task_header.hpp"

namespace weft::detail {

// Threads started on demand up to a cap, kept for keep_alive when idle. Each blocking task and
// each thread holds a reference to the runtime (retain/release), so that the runtime's memory
// outlives a blocking call that shutdown_timeout gave up waiting for.
class BlockingPool final : public Scheduler {
  public:
    BlockingPool(RuntimeCore* rt, std::size_t max, std::chrono::milliseconds keep_alive)
        : rt_(rt), max_(max < 1 ? 1 : max), keep_alive_(keep_alive) {}

    // Takes a prepared task (the caller counted it with rt->retain() or equivalent).
    void spawn(TaskHeader* t) noexcept {
        t->scheduler = this;
        push(t);
    }
    void schedule(TaskHeader* t) noexcept override { push(t); }
    void task_released() noexcept override { rt_->release(); }
    void unhandled_exception(TaskHeader* t, const std::exception_ptr& e) noexcept override {
        rt_->unhandled(t, e);
    }

    // Stops taking work, cancels what never started, and waits up to `timeout` (forever if
    // negative) for running blocking tasks. Threads still busy after that are left running.
    void shutdown(std::chrono::nanoseconds timeout) noexcept;

    /// Whether a blocking task is queued or running (a paused clock does not auto-advance
    /// then: the blocking task may be about to wake a timer's owner).
    bool busy() const noexcept { return active_.load(std::memory_order_acquire) != 0; }

    /// Threads, idle threads and queued tasks now (RuntimeMetrics; takes the pool's lock).
    struct Stats {
        std::size_t threads = 0, idle = 0, queued = 0;
    };
    Stats stats() noexcept {
        std::lock_guard lock(mu_);
        return {threads_, idle_, queue_.size()};
    }

  private:
    void push(TaskHeader* t) noexcept;
    void thread_main() noexcept;

    RuntimeCore* rt_;
    std::size_t max_;
    std::chrono::milliseconds keep_alive_;
    std::mutex mu_;
    std::condition_variable work_cv_, exit_cv_;
    TaskQueue queue_;
    std::size_t threads_ = 0, idle_ = 0;
    std::atomic<std::size_t> active_{0};  // queued or running tasks
    bool closed_ = false;
};

}  // namespace weft::detail
