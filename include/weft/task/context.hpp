#pragma once
/// \file
/// `Context`: what a future's `poll` is given.

#include "weft/task/waker.hpp"

namespace weft {

/// The context of one poll: Rust's `std::task::Context`.
///
/// Today it carries the waker of the task being polled; it is the place later layers add
/// per-poll information (a cooperative budget, task-local data) without changing `poll`.
///
/// ```cpp
/// weft::Context cx(weft::Waker::noop());
/// auto p = future.poll(cx);
/// ```
class Context {
  public:
    explicit Context(const Waker& waker) noexcept : waker_(&waker) {}
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    /// The waker of the current task. Clone it (copy the `Waker`) to keep it past this poll.
    const Waker& waker() const noexcept { return *waker_; }

  private:
    const Waker* waker_;
};

}  // namespace weft
