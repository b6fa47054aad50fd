#pragma once
// Internal: whether this thread is driving asynchronous work, where a nested block_on is
// refused (Tokio: "Cannot start a runtime from within a runtime").
//
// A runtime worker, a `Runtime::block_on` and a `LocalExecutor::run` drive tasks on their
// thread. Blocking that thread on another future (weft::block_on, another runtime's block_on,
// a nested LocalExecutor::run) stalls every task it is meant to run: a worker of a
// multi-thread runtime stops, and a current-thread runtime or a LocalExecutor waits for ever if
// the blocked-on future needs them. The blocking pool's threads do not drive tasks, so a
// spawn_blocking closure may block_on: it is the way out.

#include <stdexcept>
#include <string>

namespace weft::detail {

// How many executors this thread is driving now (nested only through the checks below).
inline constinit thread_local int tl_driving = 0;

/// Marks this thread as driving asynchronous work for a scope.
class DrivingScope {
  public:
    DrivingScope() noexcept { ++tl_driving; }
    ~DrivingScope() { --tl_driving; }
    DrivingScope(const DrivingScope&) = delete;
    DrivingScope& operator=(const DrivingScope&) = delete;
};

/// Throws `std::logic_error` if this thread drives asynchronous work (see above). `what` names
/// the blocking call.
inline void refuse_blocking_in_async(const char* what) {
    if (tl_driving > 0) {
        throw std::logic_error(
            std::string("weft: ") + what +
            " cannot be called from within a runtime: this thread is driving asynchronous "
            "tasks (a runtime worker, a Runtime::block_on or a LocalExecutor::run), and "
            "blocking it would stall them. co_await the future instead, or move the blocking "
            "code into weft::spawn_blocking, where blocking is allowed");
    }
}

}  // namespace weft::detail
