#pragma once
// Internal: what observers (task dumps, the stall detector, metrics) can see of a running
// runtime without stopping it: where each task was spawned and awaits (AwaitSite), and, per
// polling thread, which task it polls now (WorkerProbe).
//
// Sites. A source position is three words taken with the compiler's __builtin_FILE/FUNCTION/
// LINE as default arguments (std::source_location would be one pointer, but clang 14 has no
// <source_location>). The strings are literals, so a copied AwaitSite stays valid forever,
// even after the frame that held it is gone: an observer may keep one without keeping the task.
//
// Probes. Every thread that polls a runtime's tasks (a multi-thread worker; the thread driving a
// current-thread runtime) owns one WorkerProbe and points RuntimeContext::probe at it; run_task
// brackets each poll with poll_begin/poll_end. Only the owning thread writes a probe; observers
// on other threads read it. The cost per poll is three stores to a line no other thread writes
// (the polled task, the poll count, the site it resumed from) and no clock read: the stall
// detector measures a poll's length by sampling `polls`, which changes at every poll.

#include <atomic>
#include <cstdint>

#include "weft/config.hpp"

namespace weft::detail {

struct TaskHeader;

/// A place in the source: where a task was spawned, or a co_await it is suspended at.
struct AwaitSite {
    const char* file = nullptr;
    const char* function = nullptr;
    std::uint32_t line = 0;

    /// The caller's position, as a default argument: `AwaitSite s = AwaitSite::here()`.
    static constexpr AwaitSite here(const char* file = __builtin_FILE(),
                                    const char* function = __builtin_FUNCTION(),
                                    std::uint32_t line = __builtin_LINE()) noexcept {
        return {file, function, line};
    }
    explicit operator bool() const noexcept { return file != nullptr; }
};

/// A polling thread's window for observers (see above). Cache-line aligned: the owner writes it
/// on every poll, so it must share its line with nothing another thread writes.
struct alignas(64) WorkerProbe {
    // The task being polled now, or null between polls. Written by the owner before it claims
    // the task (transition_to_running) and cleared after the poll is over; see TaskDump's
    // tracing protocol (src/runtime/dump.cpp) for the orders.
    std::atomic<TaskHeader*> polling{nullptr};
    // Polls started by this thread. It changes at every poll, so an observer that sees the same
    // value (and `polling` set) twice, some time apart, knows one poll ran at least that long.
    // release: an observer that acquires a new value sees the fields written before it.
    std::atomic<std::uint64_t> polls{0};
    // The await point the current poll resumed from (empty on a task's first poll). Each field
    // is a relaxed atomic: the strings are literals, so a torn read only mixes two valid sites.
    std::atomic<const char*> from_file{nullptr};
    std::atomic<const char*> from_function{nullptr};
    std::atomic<std::uint32_t> from_line{0};
    // Which thread polls through this probe (the stall detector signals it for its native
    // stack): set by the owner when it attaches (attach_thread).
    std::atomic<unsigned long> thread{0};
    std::atomic<bool> has_thread{false};

    /// The owner starts polling through this probe (call on the polling thread).
    void attach_thread() noexcept;
    /// The owner stops (a worker exits, a current-thread runtime's driver leaves block_on).
    void detach_thread() noexcept { has_thread.store(false, std::memory_order_release); }

    /// Owner only: `t` is about to be claimed and polled, resuming from `from`.
    void poll_begin(TaskHeader* t, const AwaitSite& from) noexcept {
        from_file.store(from.file, std::memory_order_relaxed);
        from_function.store(from.function, std::memory_order_relaxed);
        from_line.store(from.line, std::memory_order_relaxed);
        polling.store(t, std::memory_order_relaxed);
        // Single writer: a load and a store, no RMW. release: publishes the fields above.
        polls.store(polls.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    /// Owner only: the poll (and whatever cancellation followed it) is over. release: an
    /// observer that acquires null sees everything the poll wrote (the task's await chain).
    void poll_end() noexcept { polling.store(nullptr, std::memory_order_release); }

    /// The site the current poll resumed from (observers; may mix two polls' fields).
    AwaitSite resumed_from() const noexcept {
        return {from_file.load(std::memory_order_relaxed),
                from_function.load(std::memory_order_relaxed),
                from_line.load(std::memory_order_relaxed)};
    }
};

/// Milliseconds on a coarse monotonic clock (a task's spawn time; wraps after 49 days).
std::uint32_t coarse_now_ms() noexcept;

}  // namespace weft::detail
