#pragma once
/// \file
/// `RuntimeBuilder`: configures and builds a `Runtime`.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>

#include "weft/detail/multi_thread.hpp"

namespace weft {

class Runtime;

/// What the runtime does with an exception that escapes a task nobody awaits (its JoinHandle
/// was dropped or detached). Tokio's `UnhandledPanic`; weft's default is the same (Ignore).
enum class UnhandledException {
    Ignore,  ///< drop it silently
    Log,     ///< print one line to stderr with the task id and `what()`, then drop it
};

/// Configures a multi-threaded `Runtime`; made by `Runtime::builder()`. Tokio's `Builder`.
///
/// ```cpp
/// weft::Runtime rt = weft::Runtime::builder()
///                        .worker_threads(4)
///                        .thread_name("my-worker")
///                        .max_blocking_threads(64)
///                        .build();
/// ```
class RuntimeBuilder {
  public:
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

    /// What to do with exceptions from tasks nobody awaits (default: Ignore). A policy that
    /// shuts the runtime down is not offered yet.
    RuntimeBuilder& unhandled_exception(UnhandledException policy) {
        cfg_.unhandled = policy == UnhandledException::Log ? detail::UnhandledPolicy::Log
                                                           : detail::UnhandledPolicy::Ignore;
        return *this;
    }

    /// Starts the worker threads and returns the runtime.
    Runtime build();

  private:
    detail::RuntimeConfig cfg_;
};

}  // namespace weft
