#pragma once
/// \file
/// `Signal`: an interrupt tells one task that something happened.

#include <atomic>
#include <cstdint>

#include "weft/embedded/atomic_waker.hpp"
#include "weft/future/future.hpp"

namespace weft::embedded {

/// An event flag an interrupt handler raises and one task waits for: `signal()` from anywhere
/// (lock-free, no allocation), `co_await s.wait()` in the task. Like `weft::sync::Notify`'s
/// `notify_one`, a signal with no task waiting is kept as a permit, and signals that come before
/// the task looks merge into one: the task learns that at least one happened. (embassy calls
/// the same thing a `Signal`.) One task waits at a time; use a `Channel` to count events or to
/// carry data.
class Signal {
  public:
    Signal() noexcept = default;
    Signal(const Signal&) = delete;
    Signal& operator=(const Signal&) = delete;

    /// Anywhere: raises the flag and wakes the waiting task.
    void signal() noexcept {
        // release: what the handler wrote before signalling is seen by the task that takes it.
        pending_.store(1, std::memory_order_release);
        waker_.wake();
    }
    /// Thread mode: takes the flag if it is raised.
    bool try_take() noexcept { return pending_.exchange(0, std::memory_order_acquire) != 0; }

    /// The future of the next signal (at once if one is pending). Cancel-safe: dropping it
    /// consumes nothing.
    class Wait {
      public:
        using Output = void;
        explicit Wait(Signal& s) noexcept : s_(&s) {}
        Poll<void> poll(Context& cx) noexcept {
            if (s_->try_take()) return Ready;
            s_->waker_.register_waker(cx.waker());
            // A signal between the first look and the registration found no waker: look again.
            if (s_->try_take()) return Ready;
            return Pending;
        }

      private:
        Signal* s_;
    };
    Wait wait() noexcept { return Wait(*this); }

  private:
    std::atomic<std::uint32_t> pending_{0};
    AtomicWaker waker_;
};

}  // namespace weft::embedded
