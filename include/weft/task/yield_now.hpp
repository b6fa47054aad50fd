#pragma once
/// \file
/// `yield_now()`: give other tasks a turn.

#include "weft/config.hpp"
#include "weft/future/future.hpp"
#if !WEFT_FREESTANDING
#include "weft/detail/task/deferred_wakes.hpp"
#include "weft/detail/task/raw_task.hpp"
#include "weft/detail/task/runtime_context.hpp"
#endif

namespace weft {

/// The future returned by `yield_now()`: pending once (after waking itself), then ready.
class YieldNow {
  public:
    using Output = void;
    Poll<void> poll(Context& cx) {
        if (yielded_) return Ready;
        yielded_ = true;
#if !WEFT_FREESTANDING
        // On a runtime's worker, the wake waits until the worker has fired its due timers and
        // polled its I/O, so that yielding lets those tasks run too (deferred_wakes.hpp). Only
        // the wake of the task that worker is polling: a future that some other executor polls
        // inside that task (with a waker of its own) is woken at once, as that executor may be
        // waiting, inside the task, for that very wake.
        const detail::RuntimeContext& rc = detail::runtime_context();
        const RawWaker& raw = cx.waker().as_raw();
        if (rc.deferred != nullptr && raw.vtable == &detail::task_waker_vtable &&
            raw.data == rc.task) {
            if (rc.deferred->defer(cx.waker())) return Pending;
        }
#endif
        cx.waker().wake_by_ref();
        return Pending;
    }

  private:
    bool yielded_ = false;
};

/// Yields to the executor: the task is re-queued behind the tasks already ready to run. On a
/// `Runtime` (either flavour), as with Tokio's `yield_now`, it is re-queued only once the
/// worker has also fired its due timers and polled its sockets, so a loop that yields between
/// slices of work lets timers and I/O through; under `block_on` and `LocalExecutor` it is
/// re-queued at once.
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
