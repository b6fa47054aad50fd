#pragma once
/// \file
/// `block_on`: run a future to completion on the calling thread.

#include <type_traits>
#include <utility>

#include "weft/detail/runtime/parker.hpp"
#include "weft/detail/runtime/poll_loop.hpp"
#include "weft/detail/task/driving.hpp"
#include "weft/future/future.hpp"

namespace weft {

/// Runs `future` to completion on the calling thread and returns its output.
///
/// Between polls the thread sleeps (parks) until the future's waker is woken, from this or any
/// other thread. An rvalue future is moved into `block_on`'s frame first; an lvalue future is
/// polled where it is. The future's exception propagates out of `block_on`.
///
/// ```cpp
/// weft::Task<int> add(int a, int b) { co_return a + b; }
/// int main() { return weft::block_on(add(1, 2)) == 3 ? 0 : 1; }
/// ```
///
/// `block_on` runs no other tasks: a future that waits for a spawned task needs that task's
/// executor to be running (for `LocalExecutor`, use `LocalExecutor::run`).
///
/// **Throws** `std::logic_error` when called on a thread that drives asynchronous tasks (from
/// a task, from inside `Runtime::block_on` or `LocalExecutor::run`): blocking it would stall
/// them, or never return. `co_await` the future there instead, or call `block_on` inside
/// `weft::spawn_blocking`. Tokio refuses the same ("Cannot start a runtime from within a
/// runtime").
template <Future F>
output_t<F> block_on(F&& future) {
    detail::refuse_blocking_in_async("weft::block_on");
    std::remove_cvref_t<F>& fut = future;  // polled in place: the caller's object or our copy
    detail::Parker& parker = detail::Parker::current();
    Waker waker = parker.waker();
    Context cx(waker);
    return detail::poll_until_ready(
        fut, cx, [] { return true; }, [&parker] { parker.park(); });
}

/// Overload for rvalues: moves the future into this call first (then polls it in place).
template <Future F>
requires(!std::is_lvalue_reference_v<F>) output_t<F> block_on(F&& future) {
    std::remove_cvref_t<F> owned(std::move(future));
    return block_on(owned);
}

}  // namespace weft
