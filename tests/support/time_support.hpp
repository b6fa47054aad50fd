#pragma once
// Helpers shared by the timer tests.

#include <ostream>

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

// Timers registered in the current runtime's wheel (call from inside the runtime).
inline std::size_t timers_registered() {
    return weft::detail::TimeDriver::current()->timer_count();
}

}  // namespace weft_test
