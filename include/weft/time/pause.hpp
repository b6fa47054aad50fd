#pragma once
/// \file
/// `pause()`, `resume()`, `advance(d)`: control the clock of a current-thread runtime in tests.

#include <chrono>

#include "weft/detail/time/time_driver.hpp"
#include "weft/future/future.hpp"
#include "weft/time/instant.hpp"

namespace weft::time {

/// Freezes the current runtime's clock (Tokio's `time::pause`). While it is paused,
/// `Instant::now()` stands still; time moves only by `advance(d)` and by auto-advance: when no
/// task can run and no blocking task is in flight, the runtime jumps the clock to the next
/// timer's deadline instead of waiting for it. Tests of timeouts and intervals so run in
/// milliseconds, deterministically.
///
/// Throws std::logic_error outside a runtime, on a multi-thread runtime (where the runtime
/// cannot tell that every task is idle; Tokio refuses too), or if the clock is paused already.
///
/// ```cpp
/// weft::time::pause();
/// auto r = co_await weft::time::timeout(1h, never_ready());  // returns at once, elapsed
/// ```
inline void pause() {
    detail::TimeDriver::current_or_throw("weft::time::pause").pause();
}

/// Unfreezes the clock; it goes on from the paused time (it never jumps back).
/// Throws std::logic_error if it is not paused.
inline void resume() {
    detail::TimeDriver::current_or_throw("weft::time::resume").resume();
}

/// The future returned by `advance`.
class Advance {
  public:
    using Output = void;
    explicit Advance(std::chrono::nanoseconds d) noexcept : d_(d) {}
    Poll<void> poll(Context& cx) {
        if (done_) return Ready;
        detail::TimeDriver::current_or_throw("weft::time::advance").advance(d_);
        done_ = true;
        cx.waker().wake_by_ref();  // let the tasks whose timers fired run before we go on
        return Pending;
    }

  private:
    std::chrono::nanoseconds d_;
    bool done_ = false;
};

/// Moves the paused clock forward by `d`, fires every timer that is then due, and yields once
/// so that the tasks they woke run before the caller continues (Tokio's `time::advance`).
/// Any `d` works: the clock saturates at the end of `Instant`'s range (~292 years after the
/// system's steady clock epoch), and a negative `d` moves nothing.
/// Throws std::logic_error if the clock is not paused.
///
/// ```cpp
/// weft::time::pause();
/// auto s = weft::spawn(weft::time::sleep(10s));
/// co_await weft::time::advance(10s);  // s has completed
/// ```
template <class Rep, class Period>
Advance advance(std::chrono::duration<Rep, Period> d) {
    return Advance(std::chrono::nanoseconds(Instant::to_nanos(d)));
}

}  // namespace weft::time
