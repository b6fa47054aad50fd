#pragma once
/// \file
/// `Sleep`, `sleep(duration)`, `sleep_until(instant)`: wait until a point in time.

#include <cassert>
#include <chrono>
#include <stdexcept>
#include <utility>

#include "weft/detail/time/time_driver.hpp"
#include "weft/future/future.hpp"
#include "weft/future/pin_check.hpp"
#include "weft/time/instant.hpp"

namespace weft::time {

/// The future returned by `sleep` and `sleep_until`: completes once its deadline has passed.
///
/// It belongs to the runtime it was created in (created outside one, it throws
/// `std::logic_error`). The first poll registers it in the runtime's timer wheel; the entry
/// lives inside the `Sleep` itself, so sleeping allocates nothing, and the destructor takes it
/// out again: dropping a pending `Sleep` cancels it and leaves nothing behind.
///
/// A `Sleep` never completes before its deadline. The runtime checks the clock with 1 ms
/// resolution, so it typically completes within a millisecond or two after it on an idle
/// machine (later if every worker is busy running tasks that do not yield).
///
/// A deadline more than 30 years ahead is clamped to 30 years from now (`deadline()` returns
/// the clamped value), as Tokio's `sleep` clamps a deadline its `Instant` cannot hold: so
/// `sleep(std::chrono::nanoseconds::max())` and `sleep_until(Instant::max())` mean "never" on
/// the real clock, while on the paused clock auto-advance jumps 30 years and completes them
/// (as in Tokio). No duration, however large, overflows.
///
/// Cancel safety: dropping it loses nothing; a new `Sleep` with the same deadline behaves the
/// same.
///
/// ```cpp
/// weft::Task<void> tick() {
///     using namespace std::chrono_literals;
///     co_await weft::time::sleep(100ms);
///     std::puts("100 ms later");
/// }
/// ```
class Sleep {
  public:
    using Output = void;

    /// A sleep until `deadline` (clamped to 30 years ahead) on the current runtime's clock.
    explicit Sleep(Instant deadline)
        : Sleep(detail::TimeDriver::current_or_throw("weft::time::sleep"), deadline) {}
    /// A sleep on `driver` (taken from the caller's TimeDriver::current()).
    Sleep(detail::TimeDriver& driver, Instant deadline) noexcept
        : driver_(&driver), deadline_(driver.clamp_deadline(deadline)) {
        driver_->add_ref();
    }
    /// Moving is allowed until the first poll (the timer entry is then linked into the wheel).
    Sleep(Sleep&& o) noexcept
        : driver_(std::exchange(o.driver_, nullptr)), deadline_(o.deadline_), pin_(o.pin_) {
        assert(o.entry_.state.load(std::memory_order_relaxed) == detail::TimerEntry::Idle);
    }
    Sleep& operator=(Sleep&&) = delete;
    ~Sleep() {
        if (driver_ == nullptr) return;
        driver_->disarm(entry_);
        driver_->release();
    }

    /// The instant at which this sleep completes (after the 30-year clamp).
    Instant deadline() const noexcept { return deadline_; }

    /// Whether this sleep has completed, as Tokio's `Sleep::is_elapsed`: a poll returned Ready,
    /// or the runtime fired its registered timer (then the next poll returns Ready). A sleep
    /// that was never polled is not elapsed, even once its deadline has passed; neither is a
    /// registered one whose deadline has passed but which the runtime has not fired yet.
    /// `reset` makes it not elapsed again.
    ///
    /// ```cpp
    /// auto s = weft::time::sleep(10ms);
    /// assert(!s.is_elapsed());
    /// co_await s;
    /// assert(s.is_elapsed());
    /// ```
    bool is_elapsed() const noexcept {
        return entry_.state.load(std::memory_order_acquire) == detail::TimerEntry::Fired;
    }

    /// Moves the deadline (earlier or later; clamped to 30 years ahead), even after the sleep
    /// completed: the next poll waits for the new deadline. A pending, registered sleep keeps
    /// its waker, which is woken at the new deadline (at once if it has passed), as with
    /// Tokio's `Sleep::reset`.
    void reset(Instant deadline) {
        deadline = driver_->clamp_deadline(deadline);
        deadline_ = deadline;
        auto s = entry_.state.load(std::memory_order_acquire);
        if (s == detail::TimerEntry::Registered) {
            driver_->reset(entry_, deadline);
        } else if (s == detail::TimerEntry::Fired) {
            // The driver is done with the entry once it is Fired: it is ours to reuse.
            entry_.state.store(detail::TimerEntry::Idle, std::memory_order_relaxed);
        }
    }

    Poll<void> poll(Context& cx) {
        pin_.pin();
        auto s = entry_.state.load(std::memory_order_acquire);
        if (s == detail::TimerEntry::Fired) return Ready;
        if (s == detail::TimerEntry::Shutdown) throw_shutdown();
        if (s == detail::TimerEntry::Idle && driver_->now() >= deadline_) return complete();
        switch (driver_->arm(entry_, deadline_, cx.waker())) {
            case detail::TimeDriver::ArmResult::Armed:
                return Pending;
            case detail::TimeDriver::ArmResult::Expired:
                return complete();
            case detail::TimeDriver::ArmResult::Shutdown:
                break;
        }
        throw_shutdown();
    }

  private:
    // Completed without the driver firing the entry (it is Idle, not in the wheel, so ours):
    // marked Fired so that is_elapsed() and later polls see the completion.
    Poll<void> complete() noexcept {
        entry_.state.store(detail::TimerEntry::Fired, std::memory_order_relaxed);
        return Ready;
    }
    [[noreturn]] static void throw_shutdown() {
        throw std::runtime_error("weft::time: the runtime that owns this timer has shut down");
    }

    detail::TimeDriver* driver_;
    Instant deadline_;
    detail::TimerEntry entry_;
    [[no_unique_address]] PinCheck pin_;
};

/// Waits until `deadline` (Tokio's `sleep_until`).
///
/// ```cpp
/// auto next = weft::time::Instant::now() + 1s;
/// co_await weft::time::sleep_until(next);
/// ```
inline Sleep sleep_until(Instant deadline) {
    return Sleep(deadline);
}

/// Waits for `d` (Tokio's `sleep`); the deadline is taken when `sleep` is called.
/// A zero or negative duration completes at the first poll.
///
/// ```cpp
/// co_await weft::time::sleep(std::chrono::milliseconds(10));
/// ```
template <class Rep, class Period>
Sleep sleep(std::chrono::duration<Rep, Period> d) {
    detail::TimeDriver& driver = detail::TimeDriver::current_or_throw("weft::time::sleep");
    return Sleep(driver, driver.now() + d);
}

}  // namespace weft::time
