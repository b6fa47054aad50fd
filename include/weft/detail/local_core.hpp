#pragma once
// Internal: the non-template part of LocalExecutor (src/executor/local_core.cpp).

#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

#include "weft/detail/parker.hpp"
#include "weft/detail/raw_task.hpp"

namespace weft::detail {

// A FIFO of task pointers in a power-of-two ring. It grows to the largest number of tasks ready
// at once, after which pushing and popping never allocate; when it drains after a burst larger
// than kKeep it gives the memory back. (A ring rather than a link in every task header keeps
// each task 8 bytes smaller.)
class TaskQueue {
  public:
    TaskQueue() = default;
    TaskQueue(const TaskQueue&) = delete;
    ~TaskQueue() { delete[] buf_; }

    void push(TaskHeader* t) {
        if (len_ == cap_) grow();
        buf_[(head_ + len_++) & (cap_ - 1)] = t;
    }
    TaskHeader* pop() noexcept {
        if (len_ == 0) return nullptr;
        TaskHeader* t = buf_[head_];
        head_ = (head_ + 1) & (cap_ - 1);
        if (--len_ == 0 && cap_ > kKeep) release();
        return t;
    }
    bool empty() const noexcept { return len_ == 0; }
    std::size_t size() const noexcept { return len_; }

  private:
    // Entries kept after draining (32 KiB): covers every steady state seen in the benchmarks.
    static constexpr std::size_t kKeep = 4096;

    void release() noexcept {
        delete[] buf_;
        buf_ = nullptr;
        cap_ = head_ = 0;
    }
    void grow() {
        std::size_t cap = cap_ ? cap_ * 2 : 64;
        auto* buf = new TaskHeader*[cap];
        for (std::size_t i = 0; i < len_; ++i)
            buf[i] = buf_[(head_ + i) & (cap_ - 1)];
        delete[] buf_;
        buf_ = buf;
        cap_ = cap;
        head_ = 0;
    }

    TaskHeader** buf_ = nullptr;
    std::size_t cap_ = 0, head_ = 0, len_ = 0;
};

// Shared state of one LocalExecutor. It must outlive every task header that points at it (a
// waker may fire on another thread after the executor is gone), so it is reference counted:
// the executor, each main-future waker and each spawned task count. Tasks are counted without
// an atomic operation when they are freed on the executor's thread (the common case):
//   refs_        = 1 (executor) + kBias + waker clones - tasks freed on other threads
//   local_tasks_ = tasks spawned - tasks freed on the executor's thread (plain integer)
// The bias keeps refs_ above zero while the executor lives; its destructor folds local_tasks_
// in and removes the bias, after which refs_ is the exact count of what is left.
class LocalCore final : public Scheduler {
  public:
    static LocalCore* create();
    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept { release(1); }
    // Drops the executor's own reference (call once, after shutdown()).
    void release_executor() noexcept { release(kBias + 1 - local_tasks_); }

    void schedule(TaskHeader* t) noexcept override;
    void task_released() noexcept override;
    void spawn(TaskHeader* t);

    // Runs up to `max` ready tasks; returns how many ran.
    std::size_t run_ready(std::size_t max);
    // Sleeps until a task or the main future is woken.
    void park() noexcept { parker_->park(); }

    // The main future of run(): its waker sets a flag instead of queueing a task.
    Waker main_waker() noexcept;
    bool take_main_wake() noexcept {
        return main_woken_.exchange(false, std::memory_order_acquire);
    }
    void set_main_woken() noexcept { main_woken_.store(true, std::memory_order_relaxed); }
    void wake_main() noexcept;

    std::size_t task_count() const noexcept { return tasks_.size(); }
    void shutdown() noexcept;

    // The executor whose tasks this thread is running now (wakes from it queue locally).
    static LocalCore* current() noexcept;
    class Enter {
      public:
        explicit Enter(LocalCore* c) noexcept;
        ~Enter();
        Enter(const Enter&) = delete;

      private:
        LocalCore* prev_;
    };

  private:
    LocalCore();
    ~LocalCore();
    void release(std::int64_t n) noexcept;
    void unregister(TaskHeader* t) noexcept;
    void drain_remote();

    static constexpr std::int64_t kBias = std::int64_t{1} << 40;
    std::atomic<std::int64_t> refs_{1 + kBias};
    std::int64_t local_tasks_ = 0;
    TaskQueue local_;                 // executor thread only
    std::vector<TaskHeader*> tasks_;  // every unfinished task (executor thread only)
    std::size_t ticks_ = 0;

    std::mutex remote_mu_;
    std::vector<TaskHeader*> remote_;   // wakes from other threads, guarded by remote_mu_
    std::vector<TaskHeader*> drained_;  // executor thread: remote_ swapped out (keeps capacity)
    bool closed_ = false;
    std::atomic<bool> remote_pending_{false};
    std::atomic<bool> main_woken_{true};
    Parker* parker_;
};

}  // namespace weft::detail
