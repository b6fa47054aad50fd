#pragma once
/// \file
/// `AtomicWaker`: one task's waker, registered in thread mode and woken from an interrupt.

#include <atomic>
#include <cstdint>
#include <utility>

#include "weft/task/waker.hpp"

namespace weft::embedded {

/// Holds the waker of the one task waiting for something an interrupt handler (or another
/// thread, on a host) will signal, as `futures::task::AtomicWaker` does. `register_waker` runs
/// in the waiting task's poll; `wake` anywhere, an interrupt handler included: it takes no lock,
/// allocates nothing and never waits, so an interrupt can never deadlock against the task it
/// interrupted.
///
/// One word of state says who holds the waker slot. A `wake` that lands while the task is
/// registering cannot touch the slot: it sets WAKING and leaves, and the registering task sees
/// the bit when it is done and wakes itself. A wake is never lost: either `wake` finds the
/// registered waker, or `register_waker` finds the WAKING bit.
class AtomicWaker {
  public:
    AtomicWaker() noexcept = default;
    AtomicWaker(const AtomicWaker&) = delete;
    AtomicWaker& operator=(const AtomicWaker&) = delete;

    /// Thread mode, one task at a time: `w` is woken by the next `wake`. A wake that is in
    /// progress meanwhile wakes `w` at once.
    void register_waker(const Waker& w) noexcept {
        std::uint32_t s = kWaiting;
        // acquire: the waker a finished wake() left behind (taken) is read after it.
        if (state_.compare_exchange_strong(s, kRegistering, std::memory_order_acquire)) {
            if (!waker_.will_wake(w)) waker_ = w;
            s = kRegistering;
            // acq_rel: publishes the waker to the next wake(); reads a concurrent one's bit.
            if (!state_.compare_exchange_strong(s, kWaiting, std::memory_order_acq_rel)) {
                // A wake() came while the slot was ours (s is REGISTERING|WAKING): do its job.
                Waker taken = std::move(waker_);
                state_.store(kWaiting, std::memory_order_release);
                std::move(taken).wake();
            }
        } else {
            // WAKING: a wake() holds the slot right now, so the event has happened. Poll again.
            w.wake_by_ref();
        }
    }

    /// Anywhere (an interrupt handler too): wakes the registered task, if any, and forgets its
    /// waker. Bounded: one RMW, plus the waker's `wake` and one more RMW when it finds one.
    void wake() noexcept {
        // acq_rel: acquire the registered waker; release what the caller wrote before (the
        // event) to the task it wakes.
        if (state_.fetch_or(kWaking, std::memory_order_acq_rel) == kWaiting) {
            Waker taken = std::move(waker_);
            state_.fetch_and(~kWaking, std::memory_order_release);
            std::move(taken).wake();
        }
    }

  private:
    static constexpr std::uint32_t kWaiting = 0;
    static constexpr std::uint32_t kRegistering = 1;
    static constexpr std::uint32_t kWaking = 2;

    std::atomic<std::uint32_t> state_{kWaiting};
    Waker waker_;  // written by whoever holds REGISTERING or WAKING alone
};

}  // namespace weft::embedded
