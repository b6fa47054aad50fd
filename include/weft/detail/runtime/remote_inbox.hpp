#pragma once
// Internal: where wakes from other threads queue a task for an executor thread to pick up.
// Closable: once the executor is gone, push() refuses and the waker drops its reference.

#include <atomic>
#include <mutex>
#include <vector>

#include "weft/detail/task/task_header.hpp"

namespace weft::detail {

class RemoteInbox {
  public:
    /// Any thread. Takes over the task's queue reference; false (reference still the caller's)
    /// once closed.
    bool push(TaskHeader* t) noexcept {
        std::lock_guard lock(mu_);
        if (closed_) return false;
        items_.push_back(t);  // (allocation failure here terminates, as for any queue)
        // seq_cst: a worker about to park reads `pending` after registering as parked.
        pending_.store(true, std::memory_order_seq_cst);
        return true;
    }

    /// Whether push() added something since the last take().
    bool pending() const noexcept { return pending_.load(std::memory_order_seq_cst); }

    /// The executor thread: hands every queued task to `f`. The two vectors trade places, so
    /// capacity is kept on both sides and steady-state wakes never allocate.
    template <class F>
    void take(F&& f) {
        if (!pending()) return;
        {
            std::lock_guard lock(mu_);
            pending_.store(false, std::memory_order_relaxed);
            items_.swap(taken_);
        }
        for (TaskHeader* t : taken_)
            f(t);
        taken_.clear();
    }

    /// Refuses every later push, then hands what was queued to `f`.
    template <class F>
    void close(F&& f) {
        {
            std::lock_guard lock(mu_);
            closed_ = true;
            items_.swap(taken_);
        }
        for (TaskHeader* t : taken_)
            f(t);
        taken_.clear();
    }

  private:
    std::mutex mu_;
    std::vector<TaskHeader*> items_;  // guarded by mu_
    std::vector<TaskHeader*> taken_;  // the executor thread only
    bool closed_ = false;             // guarded by mu_
    std::atomic<bool> pending_{false};
};

}  // namespace weft::detail
