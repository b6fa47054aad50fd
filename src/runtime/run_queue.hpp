#pragma once
// Internal: a worker's bounded run queue. One producer (the owning worker), many consumers
// (the owner popping, other workers stealing half), FIFO. Go's runq design:
//   - the owner writes a slot, then publishes it by storing `tail` (release);
//   - consumers claim slots by advancing `head` with a CAS; a thief first copies the slots it
//     wants, then claims them with one CAS, and throws its copies away if the CAS fails;
//   - the owner only reuses a slot once `head` has moved past it, so a slot a thief copied is
//     never overwritten before the thief's CAS succeeds (a failed CAS discards the copy).
// Slots are atomics so the benign race between a thief's stale read and the owner's write is
// defined behaviour (and TSan-clean).

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "weft/detail/task/task_header.hpp"

namespace weft::detail {

template <std::uint32_t Cap>
class RunQueue {
    static_assert((Cap & (Cap - 1)) == 0, "capacity must be a power of two");

  public:
    /// Owner only. False when full (the caller moves half to the shared queue: take_half).
    bool push(TaskHeader* t) noexcept {
        std::uint32_t tail = tail_.load(std::memory_order_relaxed);
        std::uint32_t head = head_.load(std::memory_order_acquire);
        if (tail - head >= Cap) return false;
        slots_[tail & (Cap - 1)].store(t, std::memory_order_relaxed);
        tail_.store(tail + 1, std::memory_order_release);
        return true;
    }

    /// Owner only: the oldest task, or null.
    TaskHeader* pop() noexcept {
        std::uint32_t head = head_.load(std::memory_order_acquire);
        for (;;) {
            std::uint32_t tail = tail_.load(std::memory_order_relaxed);
            if (head == tail) return nullptr;
            TaskHeader* t = slots_[head & (Cap - 1)].load(std::memory_order_relaxed);
            if (head_.compare_exchange_weak(head, head + 1, std::memory_order_acq_rel,
                                            std::memory_order_acquire))
                return t;
        }
    }

    /// Owner only, when push failed: claims the older half into `out` (returns the count).
    std::uint32_t take_half(TaskHeader** out) noexcept {
        std::uint32_t head = head_.load(std::memory_order_acquire);
        for (;;) {
            std::uint32_t tail = tail_.load(std::memory_order_relaxed);
            std::uint32_t n = (tail - head) / 2;
            if (n == 0) return 0;
            for (std::uint32_t i = 0; i < n; ++i)
                out[i] = slots_[(head + i) & (Cap - 1)].load(std::memory_order_relaxed);
            if (head_.compare_exchange_weak(head, head + n, std::memory_order_acq_rel,
                                            std::memory_order_acquire))
                return n;
        }
    }

    /// Any thread: moves about half of this queue into `dst` (whose owner calls this) and
    /// returns one of the stolen tasks to run now, or null if there was nothing to steal.
    TaskHeader* steal_into(RunQueue& dst) noexcept {
        std::uint32_t dst_tail = dst.tail_.load(std::memory_order_relaxed);
        std::uint32_t dst_head = dst.head_.load(std::memory_order_acquire);
        std::uint32_t room = Cap - (dst_tail - dst_head);
        for (;;) {
            std::uint32_t head = head_.load(std::memory_order_acquire);
            std::uint32_t tail = tail_.load(std::memory_order_acquire);
            std::uint32_t n = tail - head;
            n -= n / 2;
            if (n == 0) return nullptr;
            if (n > Cap / 2) continue;  // head and tail read at different moments: retry
            if (n > room) n = room;
            if (n == 0) return nullptr;
            for (std::uint32_t i = 0; i < n; ++i) {
                TaskHeader* t = slots_[(head + i) & (Cap - 1)].load(std::memory_order_relaxed);
                dst.slots_[(dst_tail + i) & (Cap - 1)].store(t, std::memory_order_relaxed);
            }
            if (head_.compare_exchange_weak(head, head + n, std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
                // Keep the last one to run now; publish the rest in dst.
                --n;
                TaskHeader* run =
                    dst.slots_[(dst_tail + n) & (Cap - 1)].load(std::memory_order_relaxed);
                if (n > 0) dst.tail_.store(dst_tail + n, std::memory_order_release);
                return run;
            }
        }
    }

    bool empty() const noexcept {
        return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
    }
    std::uint32_t len() const noexcept {
        return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
    }

  private:
    alignas(64) std::atomic<std::uint32_t> head_{0};
    alignas(64) std::atomic<std::uint32_t> tail_{0};
    std::array<std::atomic<TaskHeader*>, Cap> slots_{};
};

}  // namespace weft::detail
