#pragma once
// Internal: wakes that a runtime's worker holds back until it has looked at its drivers.
//
// `yield_now()` means "let the others run", and the others include the tasks whose timers are
// due and whose sockets are ready. Woken at once, a yielding task would be queued straight
// behind the ready ones and polled again before the worker next checks its timers and I/O (the
// current-thread runtime does so after a batch of 128 polls, a worker after 61): a loop that
// yields between slices of work would still hold a ticking timer back for the whole batch.
// So, as Tokio's `yield_now` does (its "defer"), a runtime's worker registers one of these for
// its thread (RuntimeContext::deferred) and, when its queue runs dry, fires its due timers,
// polls I/O without waiting, and only then wakes the deferred tasks. It also wakes them at its
// periodic look at the drivers (each full batch of polls, every 61 ticks on a worker), so that
// a queue that never runs dry cannot starve a task that yielded.
//
// Owned and touched by the one thread driving the executor (no synchronisation). An executor
// that registers none (block_on, LocalExecutor) gets the plain immediate wake.

#include <new>
#include <utility>
#include <vector>

#include "weft/task/waker.hpp"

namespace weft::detail {

class DeferredWakes {
  public:
    // Holds a wake back. False (the caller then wakes at once) if there is no memory for it.
    bool defer(const Waker& w) noexcept {
        // A task yielding twice between two drains is queued once (its second wake would be a
        // no-op anyway).
        if (!wakers_.empty() && wakers_.back().will_wake(w)) return true;
        try {
            wakers_.push_back(w);
        } catch (const std::bad_alloc&) {
            return false;
        }
        return true;
    }

    bool empty() const noexcept { return wakers_.empty(); }

    // Wakes every deferred task, in the order they yielded. A wake may yield again (a woken
    // task is only queued here, not run), so the list is swapped out first.
    void wake_all() noexcept {
        std::vector<Waker> now;
        now.swap(wakers_);
        for (Waker& w : now)
            std::move(w).wake();
        if (wakers_.empty()) {
            now.clear();
            wakers_.swap(now);  // keep the capacity: the next yield allocates nothing
        }
    }

    // Drops the deferred wakes unwoken: the executor is shutting down and cancels its tasks.
    void clear() noexcept { wakers_.clear(); }

  private:
    std::vector<Waker> wakers_;
};

}  // namespace weft::detail
