#pragma once
/// \file
/// `weft::spawn` and `weft::spawn_blocking`: start work on the current runtime.

#include <type_traits>
#include <utility>

#include "weft/detail/task/spawn_on.hpp"

namespace weft {

/// Spawns a task on the executor this code runs under: a `Runtime` (from its tasks or inside
/// its `block_on`) or a `LocalExecutor` (from its tasks or inside its `run`). Accepts a `Task`,
/// any `Future`, or a callable returning one (kept alive inside the task).
///
/// ```cpp
/// weft::Task<void> server() {
///     auto h = weft::spawn(handle_connection(std::move(conn)));
///     co_await h;
/// }
/// ```
///
/// **Throws** `std::logic_error` when called outside of any runtime.
template <class F>
requires Future<F> || detail::FutureFactory<std::decay_t<F>>
auto spawn(F&& f, detail::AwaitSite site = detail::AwaitSite::here()) {
    return detail::spawn_on(detail::require_spawner("weft::spawn"), std::forward<F>(f), {}, site);
}

/// Spawns a task that stays on the calling thread: on a `Runtime` worker it is never stolen by
/// another worker, so it may hold things that must not cross threads (thread-local state, a
/// non-thread-safe handle). Wakes from other threads bring it back to this worker. Tokio's
/// `spawn_local`, without needing a `LocalSet`. Inside a `LocalExecutor`, the same as `spawn`.
///
/// ```cpp
/// weft::Task<void> on_a_worker() {
///     auto h = weft::spawn_local(uses_thread_local_cache());
///     co_await h;
/// }
/// ```
///
/// **Throws** `std::logic_error` when not called from a task running on a worker or a
/// `LocalExecutor` (for example from `Runtime::block_on`'s own future).
template <class F>
requires Future<F> || detail::FutureFactory<std::decay_t<F>>
auto spawn_local(F&& f, detail::AwaitSite site = detail::AwaitSite::here()) {
    return detail::spawn_local_on(detail::require_spawner("weft::spawn_local"), std::forward<F>(f),
                                  site);
}

/// Runs `fn()` on the current runtime's blocking pool, so that blocking or CPU-heavy work does
/// not occupy a worker. `co_await` the handle for the result (or `fn`'s exception).
///
/// ```cpp
/// auto job = weft::spawn_blocking([path] { return read_whole_file(path); });
/// auto bytes = co_await job;
/// ```
///
/// (The closure is built outside the `co_await`: GCC 12 destroys a capturing lambda built
/// inside a `co_await` expression twice; see docs/model.md, "Known compiler issue".)
///
/// **Throws** `std::logic_error` outside of a `Runtime` (a `LocalExecutor` has no blocking
/// pool). Aborting the handle of a blocking task that already started has no effect on it.
template <class Fn>
auto spawn_blocking(Fn&& fn) {
    return detail::spawn_blocking_on(detail::require_spawner("weft::spawn_blocking"),
                                     std::forward<Fn>(fn));
}

}  // namespace weft
