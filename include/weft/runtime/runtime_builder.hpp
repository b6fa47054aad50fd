#pragma once
/// \file
/// `RuntimeBuilder`: configures and builds a `Runtime`.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "weft/detail/runtime/runtime_core.hpp"
#include "weft/runtime/stall_report.hpp"

namespace weft {

class Runtime;
class Handle;

/// What the runtime does with an exception that escapes a task nobody awaits (its JoinHandle
/// was dropped or detached). Tokio's `UnhandledPanic`; weft's default is the same (Ignore).
enum class UnhandledException {
    Ignore,  ///< drop it silently
    Log,     ///< print one line to stderr with the task id and `what()`, then drop it
    /// Shut the runtime down: no task runs any more, and `block_on` (the one in progress and
    /// every later one) throws the task's exception. The tasks are cancelled when the
    /// `Runtime` is dropped. Tokio's `UnhandledPanic::ShutdownRuntime`.
    ShutdownRuntime,
};

/// Configures a `Runtime`; made by `new_multi_thread()` (also `Runtime::builder()`) or
/// `new_current_thread()`. Tokio's `Builder`.
///
/// ```cpp
/// weft::Runtime rt = weft::Runtime::builder()
///                        .worker_threads(4)
///                        .thread_name("my-worker")
///                        .max_blocking_threads(64)
///                        .build();
/// weft::Runtime single = weft::RuntimeBuilder::new_current_thread().build();
/// ```
///
/// The worker options (`worker_threads`, `thread_name`, `on_thread_start`, `on_thread_stop`)
/// do not apply to a current-thread runtime, which has no workers.
class RuntimeBuilder {
  public:
    /// A builder for a multi-thread (work-stealing) runtime.
    static RuntimeBuilder new_multi_thread() { return RuntimeBuilder(false); }
    /// A builder for a current-thread runtime: tasks run on the thread inside `block_on`.
    static RuntimeBuilder new_current_thread() { return RuntimeBuilder(true); }

    /// Number of worker threads (default: one per core, `std::thread::hardware_concurrency()`).
    RuntimeBuilder& worker_threads(std::size_t n) {
        cfg_.worker_threads = n;
        return *this;
    }
    /// Name given to worker threads (the kernel keeps the first 15 characters).
    RuntimeBuilder& thread_name(std::string name) {
        cfg_.thread_name = std::move(name);
        return *this;
    }
    /// Called on each worker thread when it starts, before it runs any task.
    RuntimeBuilder& on_thread_start(std::function<void()> f) {
        cfg_.on_thread_start = std::move(f);
        return *this;
    }
    /// Called on each worker thread after it ran its last task.
    RuntimeBuilder& on_thread_stop(std::function<void()> f) {
        cfg_.on_thread_stop = std::move(f);
        return *this;
    }
    /// Cap on the threads of the `spawn_blocking` pool (default 512, as Tokio's).
    RuntimeBuilder& max_blocking_threads(std::size_t n) {
        cfg_.max_blocking_threads = n;
        return *this;
    }
    /// How long an idle blocking thread waits for work before it exits (default 10 s).
    RuntimeBuilder& thread_keep_alive(std::chrono::milliseconds d) {
        cfg_.blocking_keep_alive = d;
        return *this;
    }

    /// What to do with an exception from a task nobody will await: its `JoinHandle` was
    /// dropped or detached (default: Ignore).
    RuntimeBuilder& unhandled_exception(UnhandledException policy) {
        switch (policy) {
            case UnhandledException::Ignore:
                cfg_.unhandled = detail::UnhandledPolicy::Ignore;
                break;
            case UnhandledException::Log:
                cfg_.unhandled = detail::UnhandledPolicy::Log;
                break;
            case UnhandledException::ShutdownRuntime:
                cfg_.unhandled = detail::UnhandledPolicy::ShutdownRuntime;
                break;
        }
        return *this;
    }

    /// Serves the live dashboard (`weft::console`, weft/console/console.hpp) from this runtime
    /// on `addr` (default `127.0.0.1:6669`; port 0 picks a free one). `build()` binds the
    /// socket, spawns the server as a task named `weft-console`, and prints
    /// `weft console: http://ADDR/` to stderr; it throws `std::system_error` if the address
    /// cannot be bound. Without this call, the `WEFT_CONSOLE` environment variable (`1` or an
    /// address) turns the console on for the first runtime a program builds.
    ///
    /// ```cpp
    /// auto rt = weft::Runtime::builder().enable_console("127.0.0.1:0").build();
    /// ```
    RuntimeBuilder& enable_console(std::string addr = std::string(detail::kDefaultConsoleAddr)) {
        cfg_.console = std::move(addr);
        return *this;
    }

    /// Starts the runtime's clock paused (current-thread runtimes only; `build()` throws
    /// `std::logic_error` on a multi-thread builder, as Tokio refuses it). While paused, time
    /// moves only through `weft::time::advance` and auto-advance: when no task can run, the
    /// clock jumps to the next timer's deadline, so a test of an hour-long timeout takes
    /// milliseconds. See `weft::time::pause`.
    ///
    /// ```cpp
    /// auto rt = weft::RuntimeBuilder::new_current_thread().start_paused(true).build();
    /// rt.block_on([]() -> weft::Task<void> { co_await weft::time::sleep(1h); });  // instant
    /// ```
    RuntimeBuilder& start_paused(bool paused) {
        cfg_.start_paused = paused;
        return *this;
    }

    /// Which kernel interface the I/O driver uses (default `IoDriverKind::Auto`: epoll, or
    /// `WEFT_IO_DRIVER`; see `IoDriverKind`). `build()` throws `std::system_error` if the kind
    /// asked for explicitly cannot be set up.
    ///
    /// ```cpp
    /// auto rt = weft::Runtime::builder().io_driver(weft::IoDriverKind::Epoll).build();
    /// ```
    RuntimeBuilder& io_driver(IoDriverKind kind) {
        cfg_.io_driver = kind;
        return *this;
    }

    /// Reports every poll that runs longer than `threshold` (default 100 ms), once, while it
    /// is still running: a task blocking its worker thread (a blocking call, a long CPU loop, a
    /// `std::mutex` held by another task). A zero threshold turns the detector off, as
    /// `disable_stall_detector()` does. The detector is a thread per runtime that looks at the
    /// workers every `threshold / 4` (at least 1 ms, at most 250 ms); it adds nothing to a
    /// poll. See docs/observability.md, "Stall detector".
    RuntimeBuilder& stall_threshold(std::chrono::milliseconds threshold) {
        cfg_.stall_threshold = threshold.count() > 0 ? threshold : std::chrono::milliseconds(0);
        return *this;
    }
    /// Turns the stall detector off (no thread, no signal to the workers).
    RuntimeBuilder& disable_stall_detector() {
        cfg_.stall_threshold = std::chrono::milliseconds(0);
        return *this;
    }
    /// What to do with a stall: `f` is called on the detector's thread, one report at a time,
    /// while the stalled poll still runs (default: write `report.to_string()` to stderr). An
    /// exception from `f` is dropped. `f` must not wait for the stalled task nor drop the
    /// runtime (its shutdown joins the detector's thread); a slow `f` only delays the next
    /// reports, and the runtime's shutdown. On a multi-thread runtime it may take a task
    /// dump (`Handle::dump_blocking()`); on a current-thread runtime that would wait for the
    /// stall to end.
    ///
    /// ```cpp
    /// std::atomic<int> stalls{0};
    /// auto rt = weft::Runtime::builder()
    ///               .on_stall([&](const weft::runtime::StallReport&) { ++stalls; })
    ///               .build();
    /// ```
    RuntimeBuilder& on_stall(std::function<void(const runtime::StallReport&)> f) {
        cfg_.on_stall = std::move(f);
        return *this;
    }

    /// Calls `f` with the runtime's handle once it has started, before `build()` returns (in
    /// the order given): the place to spawn a runtime's own services. Used by
    /// `dump_on_sigquit` and the console.
    RuntimeBuilder& on_runtime_start(std::function<void(const Handle&)> f) {
        on_start_.push_back(std::move(f));
        return *this;
    }

    /// On SIGQUIT (Ctrl-\ in a terminal), prints a task dump (`Handle::dump`) to stderr and
    /// goes on running, as Go does for goroutines. Off by default: SIGQUIT's default action
    /// ends the process with a core dump. Served by a task of the runtime, so a runtime whose
    /// every worker is stuck cannot answer (the stall detector reports those). Defined with
    /// the signal module (src/signal/dump_on_sigquit.cpp).
    RuntimeBuilder& dump_on_sigquit();

    /// Starts the worker threads and returns the runtime.
    Runtime build();

  private:
    explicit RuntimeBuilder(bool current_thread) { cfg_.current_thread = current_thread; }
    detail::RuntimeConfig cfg_;
    std::vector<std::function<void(const Handle&)>> on_start_;
};

}  // namespace weft
