#pragma once
// Helpers shared by the timer tests.

#include "weft/detail/time_driver.hpp"
#include "weft/weft.hpp"

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
