#pragma once
// Internal: the non-template part of LocalExecutor (src/executor/local_core.cpp).

#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

#include "weft/detail/parker.hpp"
#include "weft/detail/raw_task.hpp"

namespace weft::detail {

// An intrusive FIFO of task headers (through TaskHeader::next); no allocation to push.
class TaskQueue {
  public:
    void push(TaskHeader* t) noexcept {
        t->next = nullptr;
        if (tail_)
            tail_->next = t;
        else
            head_ = t;
        tail_ = t;
    }
    TaskHeader* pop() noexcept {
        TaskHeader* t = head_;
        if (t) {
            head_ = t->next;
            if (!head_) tail_ = nullptr;
        }
        return t;
    }
    void append(TaskQueue& other) noexcept {
        if (!other.head_) return;
        if (tail_)
            tail_->next = other.head_;
        else
            head_ = other.head_;
        tail_ = other.tail_;
        other.head_ = other.tail_ = nullptr;
    }
    bool empty() const noexcept { return head_ == nullptr; }

  private:
    TaskHeader* head_ = nullptr;
    TaskHeader* tail_ = nullptr;
};

// Shared state of one LocalExecutor. Refcounted: every spawned task holds a reference, so a
// waker woken on another thread after the executor is gone still finds a live (closed) core.
class LocalCore final : public Scheduler {
  public:
    static LocalCore* create();
    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept;

    void schedule(TaskHeader* t) noexcept override;
    void task_released() noexcept override { release(); }
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
    void unregister(TaskHeader* t) noexcept;
    void drain_remote() noexcept;

    std::atomic<std::uint32_t> refs_{1};
    TaskQueue local_;                 // executor thread only
    std::vector<TaskHeader*> tasks_;  // every unfinished task (executor thread only)
    std::size_t ticks_ = 0;

    std::mutex remote_mu_;
    TaskQueue remote_;  // wakes from other threads, guarded by remote_mu_
    bool closed_ = false;
    std::atomic<bool> remote_pending_{false};
    std::atomic<bool> main_woken_{true};
    Parker* parker_;
};

}  // namespace weft::detail
