#pragma once
/// \file
/// `Interval`, `interval(period)`, `interval_at(start, period)`: ticks at a fixed period.

#include <chrono>
#include <stdexcept>

#include "weft/future/future.hpp"
#include "weft/time/instant.hpp"
#include "weft/time/missed_tick_behavior.hpp"
#include "weft/time/sleep.hpp"

namespace weft::time {

/// Ticks at a fixed period (Tokio's `Interval`): `co_await iv.tick()` completes at `start`,
/// `start + period`, `start + 2 * period`, ... and returns the instant the tick was due.
/// A tick awaited late is handled by the `MissedTickBehavior` (default `Burst`).
/// Any period up to `nanoseconds::max()` (or `hours::max()`) works: the arithmetic saturates
/// and, as every `Sleep`, a tick more than 30 years ahead is clamped to 30 years from now.
///
/// An Interval holds a `Sleep`, so it must not be moved once it has ticked.
///
/// Cancel safety: dropping a `tick()` future loses no tick; the next `tick()` returns it.
///
/// `reset()`, `reset_immediately()`, `reset_after(d)` and `reset_at(t)` move the next tick,
/// as Tokio's do.
///
/// ```cpp
/// auto iv = weft::time::interval(1s);
/// for (;;) {
///     co_await iv.tick();  // the first tick completes at once
///     report_stats();
/// }
/// ```
class Interval {
  public:
    using Duration = std::chrono::nanoseconds;

    /// The future returned by `tick()`: the instant the tick was scheduled for.
    class Tick {
      public:
        using Output = Instant;
        explicit Tick(Interval& iv) noexcept : iv_(&iv) {}
        Poll<Instant> poll(Context& cx) { return iv_->poll_tick(cx); }

      private:
        Interval* iv_;
    };

    /// First tick at `start`, then every `period` (> 0, else std::invalid_argument).
    Interval(Instant start, Duration period) : sleep_(start), period_(period) {
        if (period <= Duration::zero())
            throw std::invalid_argument("weft::time::interval: the period must be positive");
    }

    /// Waits for the next tick.
    Tick tick() noexcept { return Tick(*this); }

    /// Polls for the next tick (for hand-written futures and streams).
    Poll<Instant> poll_tick(Context& cx) {
        if (sleep_.poll(cx).is_pending()) return Pending;
        Instant due = sleep_.deadline();
        Instant now = Instant::now();
        // Tokio's tolerance: a tick taken up to 5 ms late is not "missed".
        Instant next = now.duration_since(due) > std::chrono::milliseconds(5)
                           ? next_after_miss(due, now)
                           : due + period_;
        sleep_.reset(next);
        return due;
    }

    /// Restarts the schedule: the next tick is one period from now (Tokio's `reset`).
    /// A `tick()` already waiting is woken at the new time; so for every `reset_*` below.
    ///
    /// ```cpp
    /// co_await iv.tick();
    /// iv.reset();  // the next tick is a full period from here, whatever was missed
    /// ```
    void reset() { sleep_.reset(Instant::now() + period_); }

    /// The next tick is now (Tokio's `reset_immediately`): the next `tick()` completes at once,
    /// returning the current time, and the schedule goes on one period after it. The
    /// missed-tick behaviour plays no part.
    ///
    /// ```cpp
    /// co_await config_changed.notified();
    /// iv.reset_immediately();  // the refresh loop's next tick() runs it now
    /// ```
    void reset_immediately() { sleep_.reset(Instant::now()); }

    /// The next tick is `after` from now, even if that is longer than the period (Tokio's
    /// `reset_after`); the schedule goes on one period after it. Saturates as `sleep(after)`.
    ///
    /// ```cpp
    /// iv.reset_after(5s);  // back off: skip the ticks of the next 5 seconds
    /// ```
    template <class Rep, class Period>
    void reset_after(std::chrono::duration<Rep, Period> after) {
        sleep_.reset(Instant::now() + after);
    }

    /// The next tick is at `deadline` (Tokio's `reset_at`), even if that is more than a
    /// period away, and ticks missed before the call are forgotten. A `deadline` in the past
    /// counts as a missed tick: the next `tick()` returns it at once and the missed-tick
    /// behaviour decides what follows (`Burst` catches up from it).
    ///
    /// ```cpp
    /// iv.reset_at(weft::time::Instant::now() + 1min);  // resume the schedule in a minute
    /// ```
    void reset_at(Instant deadline) { sleep_.reset(deadline); }

    Duration period() const noexcept { return period_; }
    MissedTickBehavior missed_tick_behavior() const noexcept { return behavior_; }
    void set_missed_tick_behavior(MissedTickBehavior b) noexcept { behavior_ = b; }

  private:
    Instant next_after_miss(Instant due, Instant now) const noexcept {
        switch (behavior_) {
            case MissedTickBehavior::Burst:
                break;
            case MissedTickBehavior::Delay:
                return now + period_;
            case MissedTickBehavior::Skip: {
                auto late = now.duration_since(due).count() % period_.count();
                return now + Duration(period_.count() - late);
            }
        }
        return due + period_;
    }

    Sleep sleep_;
    Duration period_;
    MissedTickBehavior behavior_ = MissedTickBehavior::Burst;
};

/// An `Interval` whose first tick is now (Tokio's `interval`).
///
/// ```cpp
/// auto iv = weft::time::interval(100ms);
/// co_await iv.tick();  // at once
/// co_await iv.tick();  // 100 ms later
/// ```
template <class Rep, class Period>
Interval interval(std::chrono::duration<Rep, Period> period) {
    return Interval(Instant::now(), Interval::Duration(Instant::to_nanos(period)));
}

/// An `Interval` whose first tick is at `start` (Tokio's `interval_at`).
///
/// ```cpp
/// auto iv = weft::time::interval_at(weft::time::Instant::now() + 1s, 1s);
/// ```
template <class Rep, class Period>
Interval interval_at(Instant start, std::chrono::duration<Rep, Period> period) {
    return Interval(start, Interval::Duration(Instant::to_nanos(period)));
}

}  // namespace weft::time
