#pragma once
/// \file
/// `Runtime`: the multi-threaded, work-stealing task pool.

#include <chrono>
#include <utility>

#include "weft/detail/multi_thread.hpp"
#include "weft/detail/spawn_on.hpp"
#include "weft/executor/block_on.hpp"
#include "weft/runtime/handle.hpp"
#include "weft/runtime/runtime_builder.hpp"

namespace weft {

/// A pool of worker threads running a large number of tasks, with work stealing between them.
/// Tokio's multi-thread `Runtime`.
///
/// ```cpp
/// weft::Runtime rt;  // one worker per core
/// int v = rt.block_on([]() -> weft::Task<int> {
///     auto h = weft::spawn(compute());  // runs on a worker
///     co_return co_await h;
/// });
/// ```
///
/// - `spawn` puts a task on the pool; `weft::spawn` does the same from inside the runtime
///   (from its tasks or from `block_on`).
/// - `block_on` runs a future on the calling thread (not on a worker), parking the thread
///   between polls, with this runtime current so that it can spawn.
/// - `spawn_blocking` runs a blocking or CPU-heavy function on a separate pool of threads.
/// - Destroying the runtime cancels every task (its future is destroyed on the destroying
///   thread; its handle throws `JoinError`), joins the workers and waits for blocking tasks;
///   `shutdown_timeout(d)` waits at most `d` for blocking tasks.
class Runtime {
  public:
    /// A runtime with the default configuration.
    Runtime() : Runtime(detail::RuntimeConfig{}) {}
    Runtime(Runtime&& o) noexcept
        : mt_(std::exchange(o.mt_, nullptr)), handle_(std::move(o.handle_)) {}
    Runtime& operator=(Runtime&& o) noexcept {
        if (this != &o) {
            shutdown(std::chrono::nanoseconds(-1));
            mt_ = std::exchange(o.mt_, nullptr);
            handle_ = std::move(o.handle_);
        }
        return *this;
    }
    ~Runtime() { shutdown(std::chrono::nanoseconds(-1)); }

    /// A builder to configure the runtime.
    static RuntimeBuilder builder() { return {}; }

    /// Spawns a task on the pool. Accepts a `Task`, any `Future`, or a callable returning one
    /// (kept alive inside the task). Callable from any thread.
    template <class F>
    requires Future<F> || detail::FutureFactory<std::decay_t<F>>
    auto spawn(F&& f) { return handle_.spawn(std::forward<F>(f)); }

    /// Runs `fn()` on the blocking pool; the handle gives its result.
    template <class Fn>
    auto spawn_blocking(Fn&& fn) {
        return handle_.spawn_blocking(std::forward<Fn>(fn));
    }

    /// Runs a future (or a callable returning one) to completion on the calling thread, with
    /// this runtime current.
    template <class F>
    requires Future<F> || detail::FutureFactory<std::decay_t<F>>
    decltype(auto) block_on(F&& f) { return handle_.block_on(std::forward<F>(f)); }

    /// A copyable handle for spawning onto this runtime from any thread.
    Handle handle() const noexcept { return handle_; }

    /// Number of worker threads.
    std::size_t worker_threads() const noexcept { return detail::worker_count(mt_); }

    /// Shuts down now, waiting at most `timeout` for blocking tasks (which keep running,
    /// detached, if they take longer).
    void shutdown_timeout(std::chrono::nanoseconds timeout) && { shutdown(timeout); }

  private:
    friend class RuntimeBuilder;
    explicit Runtime(detail::RuntimeConfig cfg)
        : mt_(detail::start_multi_thread(std::move(cfg))), handle_(mt_) {}

    void shutdown(std::chrono::nanoseconds timeout) noexcept {
        if (auto* mt = std::exchange(mt_, nullptr)) detail::shutdown_multi_thread(mt, timeout);
    }

    detail::MultiThread* mt_;  // the runtime's own reference: shutdown_multi_thread drops it
    Handle handle_;            // a second reference, through which everything is spawned
};

inline Runtime RuntimeBuilder::build() {
    return Runtime(std::move(cfg_));
}

}  // namespace weft
