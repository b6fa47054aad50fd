#pragma once
/// \file
/// `yield_now()`: give other tasks a turn.

#include "weft/future/future.hpp"

namespace weft {

/// The future returned by `yield_now()`: pending once (after waking itself), then ready.
class YieldNow {
  public:
    using Output = void;
    Poll<void> poll(Context& cx) {
        if (yielded_) return Ready;
        yielded_ = true;
        cx.waker().wake_by_ref();
        return Pending;
    }

  private:
    bool yielded_ = false;
};

/// Yields to the executor: the task is re-queued behind the tasks already ready to run.
///
/// ```cpp
/// weft::Task<void> busy() {
///     for (int i = 0; i < 1000; ++i) { work(i); co_await weft::yield_now(); }
/// }
/// ```
inline YieldNow yield_now() noexcept {
    return {};
}

}  // namespace weft
