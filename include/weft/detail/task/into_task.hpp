#pragma once
// Internal: turning whatever spawn() is given into a Task, so every spawned task has the same
// layout (header + coroutine frame, one allocation).

#include <functional>
#include <type_traits>
#include <utility>

#include "weft/coro/task.hpp"

namespace weft::detail {

// A hand-written future becomes a one-await coroutine; the future lives in its frame.
template <class F>
Task<output_t<F>> into_task(F fut) {
    if constexpr (std::is_void_v<output_t<F>>) {
        co_await fut;
    } else {
        co_return co_await fut;
    }
}

// A callable returning a future is kept alive in the frame for as long as the future it made
// runs: the safe way to spawn a coroutine lambda with captures.
template <class Fn>
Task<output_t<std::invoke_result_t<Fn&>>> invoke_owned(Fn fn) {
    if constexpr (std::is_void_v<output_t<std::invoke_result_t<Fn&>>>) {
        co_await std::invoke(fn);
    } else {
        co_return co_await std::invoke(fn);
    }
}

template <class F>
concept FutureFactory = std::invocable<F&> && Future<std::invoke_result_t<F&>>;

// Whatever spawn() accepts -> the Task to spawn.
template <class F>
auto to_task(F&& f) {
    if constexpr (is_task_v<F>) {
        return std::move(f);
    } else if constexpr (Future<F>) {
        return into_task(std::remove_cvref_t<F>(std::forward<F>(f)));
    } else {
        return invoke_owned(std::decay_t<F>(std::forward<F>(f)));
    }
}

}  // namespace weft::detail
