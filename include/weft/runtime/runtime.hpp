#pragma once
/// \file
/// `Runtime`: the multi-threaded, work-stealing task pool.

#include <chrono>
#include <utility>

#include "weft/detail/io/io_driver.hpp"
#include "weft/detail/runtime/runtime_core.hpp"
#include "weft/detail/task/spawn_on.hpp"
#include "weft/runtime/handle.hpp"
#include "weft/runtime/runtime_builder.hpp"

namespace weft {

/// A task pool: Tokio's `Runtime`, in two flavours (`RuntimeFlavor`).
///
/// - **multi-thread** (`Runtime rt;` or `Runtime::builder()`): worker threads running a large
///   number of tasks, with work stealing between them.
/// - **current-thread** (`RuntimeBuilder::new_current_thread()`): every task runs on the thread
///   inside `block_on`, interleaved at its `co_await` points, on the same core as
///   `LocalExecutor`; there are no worker threads (only the blocking pool).
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
///   (from its tasks or from `block_on`). Callable from any thread.
/// - `block_on` runs a future on the calling thread, parking the thread between polls, with
///   this runtime current so that it can spawn. On a multi-thread runtime the tasks run on
///   the workers meanwhile; on a current-thread runtime they run inside `block_on` (and only
///   there: tasks spawned before it wait for it). Two threads may call `block_on` on a
///   current-thread runtime at once; one runs the tasks, the other takes over when it
///   returns. Calling `block_on` from a thread that drives asynchronous tasks (a task of this or
///   any runtime, another `block_on`'s future, a `LocalExecutor::run`) throws
///   `std::logic_error`: it would stall the tasks that thread runs (Tokio: "Cannot start a
///   runtime from within a runtime"). Inside `spawn_blocking` it is allowed.
/// - `spawn_blocking` runs a blocking or CPU-heavy function on a separate pool of threads.
/// - Destroying the runtime cancels every task (its future is destroyed on the destroying
///   thread; its handle throws `JoinError`), joins the workers and waits for blocking tasks;
///   `shutdown_timeout(d)` waits at most `d` for blocking tasks.
class Runtime {
  public:
    /// A runtime with the default configuration.
    Runtime() : Runtime(detail::RuntimeConfig{}) {}
    Runtime(Runtime&& o) noexcept
        : rt_(std::exchange(o.rt_, nullptr)), handle_(std::move(o.handle_)) {}
    Runtime& operator=(Runtime&& o) noexcept {
        if (this != &o) {
            shutdown(std::chrono::nanoseconds(-1));
            rt_ = std::exchange(o.rt_, nullptr);
            handle_ = std::move(o.handle_);
        }
        return *this;
    }
    ~Runtime() { shutdown(std::chrono::nanoseconds(-1)); }

    /// A builder for a multi-thread runtime (as `RuntimeBuilder::new_multi_thread()`).
    static RuntimeBuilder builder() { return RuntimeBuilder::new_multi_thread(); }

    /// Spawns a task on the pool. Accepts a `Task`, any `Future`, or a callable returning one
    /// (kept alive inside the task). Callable from any thread.
    template <class F>
    requires Future<F> || detail::FutureFactory<std::decay_t<F>>
    auto spawn(F&& f, detail::AwaitSite site = detail::AwaitSite::here()) {
        return handle_.spawn(std::forward<F>(f), site);
    }

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

    /// Makes this runtime current on the calling thread until the guard is dropped, without
    /// running anything: `weft::spawn`, timers and sockets created meanwhile use it (Tokio's
    /// `Runtime::enter`; see `EnterGuard`).
    EnterGuard enter() const noexcept { return handle_.enter(); }

    /// A copyable handle for spawning onto this runtime from any thread.
    Handle handle() const noexcept { return handle_; }

    /// A snapshot of this runtime's metrics (as `Handle::metrics`; Tokio's `Runtime::metrics`).
    RuntimeMetrics metrics() const { return handle_.metrics(); }

    /// Number of worker threads (0 for a current-thread runtime).
    std::size_t worker_threads() const noexcept { return rt_->workers(); }

    /// Which scheduler this runtime uses.
    RuntimeFlavor flavor() const noexcept { return handle_.runtime_flavor(); }

    /// Which I/O driver this runtime uses (`Epoll` or `Uring`; `Auto` has been resolved).
    IoDriverKind io_driver_kind() const noexcept { return rt_->io_driver()->kind(); }

    /// Shuts down now, waiting at most `timeout` for blocking tasks (which keep running,
    /// detached, if they take longer).
    void shutdown_timeout(std::chrono::nanoseconds timeout) && { shutdown(timeout); }

  private:
    friend class RuntimeBuilder;
    explicit Runtime(detail::RuntimeConfig cfg)
        : rt_(detail::start_runtime(std::move(cfg))), handle_(rt_) {}

    void shutdown(std::chrono::nanoseconds timeout) noexcept {
        if (auto* rt = std::exchange(rt_, nullptr)) rt->shutdown(timeout);
    }

    detail::RuntimeCore* rt_;  // the runtime's own reference: RuntimeCore::shutdown drops it
    Handle handle_;            // a second reference, through which everything is spawned
};

inline Runtime RuntimeBuilder::build() {
    Runtime rt(std::move(cfg_));
    for (auto& f : on_start_)
        f(rt.handle());
    return rt;
}

}  // namespace weft
