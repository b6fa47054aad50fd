#pragma once
// Internal: the multi-threaded work-stealing scheduler (src/runtime/multi_thread.cpp).

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "weft/detail/spawner.hpp"

namespace weft::detail {

enum class UnhandledPolicy { Ignore, Log };

struct RuntimeConfig {
    UnhandledPolicy unhandled = UnhandledPolicy::Ignore;
    std::size_t worker_threads = 0;  // 0: one per core
    std::string thread_name = "weft-worker";
    std::function<void()> on_thread_start, on_thread_stop;
    std::size_t max_blocking_threads = 512;
    std::chrono::milliseconds blocking_keep_alive{10000};
};

class MultiThread;

/// Creates the scheduler and starts its workers.
MultiThread* start_multi_thread(RuntimeConfig cfg);
/// Cancels every task, stops the workers, waits up to `timeout` for blocking threads (forever
/// if negative), and frees the scheduler once nothing refers to it.
void shutdown_multi_thread(MultiThread* mt, std::chrono::nanoseconds timeout) noexcept;
Spawner* spawner_of(MultiThread* mt) noexcept;
/// Keeps the scheduler's memory alive (a Handle); after shutdown it only cancels what it gets.
void retain(MultiThread* mt) noexcept;
void release(MultiThread* mt) noexcept;
std::size_t worker_count(MultiThread* mt) noexcept;

}  // namespace weft::detail
