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
//
// Two handles, as Tokio's Local and Steal: RunQueue<Cap>::Local is the queue itself and has
// the owner-only operations (push, pop, take_half); RunQueue<Cap>::Steal, taken from it, is
// what other threads get: steal_into and a look at the length. The owner works on its queue
// with no indirection; a thief goes through the Steal handle's pointer.
// tests/runtime/run_queue_model_test.cpp drives a tiny queue from several threads.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "weft/detail/task/task_header.hpp"

namespace weft::detail {

template <std::uint32_t Cap>
class RunQueue {
    static_assert((Cap & (Cap - 1)) == 0, "capacity must be a power of two");

    struct State {
        alignas(64) std::atomic<std::uint32_t> head{0};
        alignas(64) std::atomic<std::uint32_t> tail{0};
        std::array<std::atomic<TaskHeader*>, Cap> slots{};

        std::uint32_t len() const noexcept {
            return tail.load(std::memory_order_acquire) - head.load(std::memory_order_acquire);
        }
    };

  public:
    static constexpr std::uint32_t kCapacity = Cap;
    class Steal;

    /// The owning worker's handle (and the queue's storage). Not movable: Steal points into it.
    class Local {
      public:
        Local() = default;
        Local(const Local&) = delete;
        Local& operator=(const Local&) = delete;

        /// False when full (the caller moves half to the shared queue: take_half).
        bool push(TaskHeader* t) noexcept {
            std::uint32_t tail = s_.tail.load(std::memory_order_relaxed);  // (only we write it)
            // acquire: a slot is reused only after the consumer that claimed it has read it.
            std::uint32_t head = s_.head.load(std::memory_order_acquire);
            if (tail - head >= Cap) return false;
            s_.slots[tail & (Cap - 1)].store(t, std::memory_order_relaxed);
            // release: publishes the slot to consumers that acquire tail.
            s_.tail.store(tail + 1, std::memory_order_release);
            return true;
        }

        /// The oldest task, or null.
        TaskHeader* pop() noexcept {
            std::uint32_t head = s_.head.load(std::memory_order_acquire);
            for (;;) {
                std::uint32_t tail = s_.tail.load(std::memory_order_relaxed);  // (only we write it)
                if (head == tail) return nullptr;
                TaskHeader* t = s_.slots[head & (Cap - 1)].load(std::memory_order_relaxed);
                // acq_rel: claims the slot against thieves (one order on head).
                if (s_.head.compare_exchange_weak(head, head + 1, std::memory_order_acq_rel,
                                                  std::memory_order_acquire))
                    return t;
            }
        }

        /// When push failed: claims the older half into `out` (returns the count).
        std::uint32_t take_half(TaskHeader** out) noexcept {
            std::uint32_t head = s_.head.load(std::memory_order_acquire);
            for (;;) {
                std::uint32_t tail = s_.tail.load(std::memory_order_relaxed);
                std::uint32_t n = (tail - head) / 2;
                if (n == 0) return 0;
                for (std::uint32_t i = 0; i < n; ++i)
                    out[i] = s_.slots[(head + i) & (Cap - 1)].load(std::memory_order_relaxed);
                // acq_rel: as pop.
                if (s_.head.compare_exchange_weak(head, head + n, std::memory_order_acq_rel,
                                                  std::memory_order_acquire))
                    return n;
            }
        }

        bool empty() const noexcept { return s_.len() == 0; }
        std::uint32_t len() const noexcept { return s_.len(); }

        /// The handle other threads steal through.
        Steal stealer() noexcept { return Steal(s_); }

      private:
        friend class Steal;
        State s_;
    };

    /// Other threads' handle: steal half, or look at the length.
    class Steal {
      public:
        /// Moves about half of the queue into `dst` (whose owner calls this) and returns one
        /// of the stolen tasks to run now, or null if there was nothing to steal. `stolen`,
        /// if given, receives how many tasks were taken (the returned one included).
        TaskHeader* steal_into(Local& dst, std::uint32_t* stolen = nullptr) noexcept {
            State& d = dst.s_;
            std::uint32_t dst_tail = d.tail.load(std::memory_order_relaxed);  // (dst is ours)
            std::uint32_t dst_head = d.head.load(std::memory_order_acquire);
            std::uint32_t room = Cap - (dst_tail - dst_head);
            for (;;) {
                // acquire both: the slots up to tail are published, and claimed ones are read.
                std::uint32_t head = s_->head.load(std::memory_order_acquire);
                std::uint32_t tail = s_->tail.load(std::memory_order_acquire);
                std::uint32_t n = tail - head;
                n -= n / 2;
                if (n == 0) return nullptr;
                if (n > Cap / 2) continue;  // head and tail read at different moments: retry
                if (n > room) n = room;
                if (n == 0) return nullptr;
                for (std::uint32_t i = 0; i < n; ++i) {
                    TaskHeader* t =
                        s_->slots[(head + i) & (Cap - 1)].load(std::memory_order_relaxed);
                    d.slots[(dst_tail + i) & (Cap - 1)].store(t, std::memory_order_relaxed);
                }
                // acq_rel: claims the copied slots (one order on head with pop and take_half).
                if (s_->head.compare_exchange_weak(head, head + n, std::memory_order_acq_rel,
                                                   std::memory_order_acquire)) {
                    if (stolen != nullptr) *stolen = n;
                    // Keep the last one to run now; publish the rest in dst.
                    --n;
                    TaskHeader* run =
                        d.slots[(dst_tail + n) & (Cap - 1)].load(std::memory_order_relaxed);
                    // release: publishes the copied slots to dst's consumers.
                    if (n > 0) d.tail.store(dst_tail + n, std::memory_order_release);
                    return run;
                }
            }
        }

        bool empty() const noexcept { return s_->len() == 0; }
        std::uint32_t len() const noexcept { return s_->len(); }

      private:
        friend class Local;
        explicit Steal(State& s) noexcept : s_(&s) {}
        State* s_;
    };
};

}  // namespace weft::detail
