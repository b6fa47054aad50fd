#pragma once
// Helpers shared by the timer tests.

#include <chrono>
#include <ostream>
#include <utility>

#include "support/test_support.hpp"
#include "weft/detail/time/time_driver.hpp"
#include "weft/weft.hpp"

namespace weft::time {
// gtest prints an Instant as its nanoseconds (found by ADL), not as 8 raw bytes.
inline void PrintTo(Instant t, std::ostream* os) {
    *os << "Instant(" << t.nanos() << " ns)";
}
}  // namespace weft::time

namespace weft_test {

// A current-thread runtime whose clock starts paused (auto-advance makes the tests instant).
inline weft::Runtime paused_runtime() {
    return weft::RuntimeBuilder::new_current_thread().start_paused(true).build();
}

// Runs the coroutine lambda `body` to its end on a paused_runtime(), under a Watchdog: the frame
// of most timer tests.
template <class F>
auto block_on_paused(F&& body) {
    Watchdog dog;
    weft::Runtime rt = paused_runtime();
    return rt.block_on(std::forward<F>(body));
}

// How far ahead a huge deadline is clamped: 30 years (Tokio's far future), stated here
// independently of the runtime's own constant.
inline constexpr auto kFarFuture = std::chrono::hours(24 * 365 * 30);

// Timers registered in the current runtime's wheel (call from inside the runtime).
inline std::size_t timers_registered() {
    return weft::detail::TimeDriver::current()->timer_count();
}

}  // namespace weft_test
