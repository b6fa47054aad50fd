// Instant::now(): the clock of the runtime this thread is in (its time driver's, which tests
// can pause), or steady_clock outside any runtime.

#include "weft/time/instant.hpp"

#include "weft/detail/time/time_driver.hpp"

namespace weft::time {

Instant Instant::now() noexcept {
    if (detail::TimeDriver* d = detail::TimeDriver::current()) return d->now();
    return from_std(std::chrono::steady_clock::now());
}

}  // namespace weft::time
