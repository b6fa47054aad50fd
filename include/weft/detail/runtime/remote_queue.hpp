#pragma once
// Internal: the one queue through which other threads hand tasks to an executor's thread(s).
//
// Used by the multi-thread scheduler's injection queue (wakes from outside the pool and the
// overflow of full worker queues), by each worker's queue of worker-local tasks (wakes from
// other threads) and by LocalCore (wakes and spawns from other threads), through LocalQueue.
//
// A FIFO behind a mutex, closable: once closed, push() refuses and hands the task back, so the
// pusher drops its reference (nobody will run it) and nothing is lost or leaked; close() itself
// takes nothing out, the owner drains what was queued (take_all). An atomic length mirror lets
// consumers and parking workers look without the lock.
//
// Memory orders. The length mirror is written under the lock; a consumer that sees it non-zero
// takes the lock, which orders it after the push. A thread about to park reads it after its own
// seq_cst RMW on the idle word (or its parker's token): the producer's matching RMW comes after
// its push (see src/runtime/multi_thread/idle.hpp), so no wake-up is lost.

#include <atomic>
#include <cstddef>
#include <mutex>

#include "weft/detail/runtime/task_queue.hpp"
#include "weft/detail/task/task_header.hpp"

namespace weft::detail {

class RemoteQueue {
  public:
    RemoteQueue() = default;
    RemoteQueue(const RemoteQueue&) = delete;
    RemoteQueue& operator=(const RemoteQueue&) = delete;

    /// Any thread. Takes over the task's queue reference; false (the reference is still the
    /// caller's) once closed.
    [[nodiscard]] bool push(TaskHeader* t) noexcept {
        std::lock_guard lock(mu_);
        if (closed_) return false;
        items_.push(t);  // (allocation failure here terminates, as for any queue)
        publish_len();
        return true;
    }

    /// Any thread: queues `n` tasks in one critical section. Returns how many it took (all, or
    /// none once closed: the references of the others are still the caller's).
    [[nodiscard]] std::size_t push_batch(TaskHeader* const* batch, std::size_t n) noexcept {
        std::lock_guard lock(mu_);
        if (closed_) return 0;
        for (std::size_t i = 0; i < n; ++i)
            items_.push(batch[i]);
        publish_len();
        return n;
    }

    /// Any thread: the oldest task or null, and `share(left)` more of the `left` still queued,
    /// each handed to `more` (under the lock: `more` must only store the task).
    template <class Share, class More>
    TaskHeader* pop_batch(Share&& share, More&& more) noexcept {
        if (len_.load(std::memory_order_acquire) == 0) return nullptr;  // (see the file comment)
        std::lock_guard lock(mu_);
        TaskHeader* first = items_.pop();
        if (first != nullptr) {
            for (std::size_t n = share(items_.size()); n > 0; --n) {
                TaskHeader* t = items_.pop();
                if (t == nullptr) break;
                more(t);
            }
        }
        publish_len();
        return first;
    }

    /// The consumer: hands every queued task to `f`, outside the lock. The two rings trade
    /// places, so capacity is kept on both sides and steady-state pushes never allocate.
    template <class F>
    void take_all(F&& f) {
        if (len_.load(std::memory_order_acquire) == 0) return;
        {
            std::lock_guard lock(mu_);
            items_.swap(taken_);
            publish_len();
        }
        while (TaskHeader* t = taken_.pop())
            f(t);
    }

    /// Refuses every later push. What is queued stays for take_all.
    void close() noexcept {
        std::lock_guard lock(mu_);
        closed_ = true;
    }

    /// How many tasks are queued (a snapshot). seq_cst: a parking worker's re-check after its
    /// RMW on the idle word (a plain load on x86, as acquire).
    std::size_t len() const noexcept { return len_.load(std::memory_order_seq_cst); }
    bool empty() const noexcept { return len() == 0; }

  private:
    // Under mu_. release: pairs with the lock-free acquire looks (the lock orders the rest).
    void publish_len() noexcept { len_.store(items_.size(), std::memory_order_release); }

    std::mutex mu_;
    TaskQueue items_;      // guarded by mu_
    TaskQueue taken_;      // the consumer only (take_all)
    bool closed_ = false;  // guarded by mu_
    std::atomic<std::size_t> len_{0};
};

}  // namespace weft::detail
