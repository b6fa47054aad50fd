#pragma once
// Internal: what observers (task dumps, the stall detector, metrics) can see of a running
// runtime without stopping it: where each task was spawned and awaits (AwaitSite), and, per
// polling thread, which task it polls now (WorkerProbe).
//
// Sites. A source position taken as a default argument at the call (a co_await, a spawn). Where
// the compiler has std::source_location (GCC; WEFT_SOURCE_LOCATION, fixed when weft is built)
// it is one pointer to a static record, so recording a site is one store; otherwise (clang 14
// has no <source_location>) it is three words from __builtin_FILE/FUNCTION/LINE. Either way it
// points only at static data, so a copied AwaitSite stays valid forever, even after the frame
// that held it is gone: an observer may keep one without keeping the task.
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
#if WEFT_SOURCE_LOCATION
#include <source_location>
#endif

namespace weft::detail {

struct TaskHeader;

/// A place in the source: where a task was spawned, or a co_await it is suspended at.
class AwaitSite {
  public:
    constexpr AwaitSite() noexcept = default;
#if WEFT_SOURCE_LOCATION
    /// The caller's position, as a default argument: `AwaitSite s = AwaitSite::here()`.
    static constexpr AwaitSite here(
        std::source_location at = std::source_location::current()) noexcept {
        return AwaitSite(at);
    }
    const char* file() const noexcept {
        return at_.line() != 0 ? at_.file_name() : nullptr;
    }
    /// The enclosing function as the compiler spells it (GCC: the whole signature).
    const char* function() const noexcept {
        return at_.line() != 0 ? at_.function_name() : nullptr;
    }
    std::uint32_t line() const noexcept {
        return at_.line();
    }

  private:
    constexpr explicit AwaitSite(std::source_location at) noexcept : at_(at) {}
    std::source_location at_{};
#else
    static constexpr AwaitSite here(const char* file = __builtin_FILE(),
                                    const char* function = __builtin_FUNCTION(),
                                    std::uint32_t line = __builtin_LINE()) noexcept {
        AwaitSite s;
        s.file_ = file;
        s.function_ = function;
        s.line_ = line;
        return s;
    }
    static constexpr AwaitSite make(const char* file, const char* function,
                                    std::uint32_t line) noexcept {
        return here(file, function, line);
    }
    const char* file() const noexcept {
        return file_;
    }
    const char* function() const noexcept {
        return function_;
    }
    std::uint32_t line() const noexcept {
        return line_;
    }

  private:
    const char* file_ = nullptr;
    const char* function_ = nullptr;
    std::uint32_t line_ = 0;
#endif
  public:
    explicit operator bool() const noexcept {
        return file() != nullptr;
    }
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
    // The await point the current poll resumed from (empty on a task's first poll), relaxed:
    // a site is static data, so a reader racing with the next poll gets one valid site or the
    // other.
#if WEFT_SOURCE_LOCATION
    std::atomic<AwaitSite> from{};  // one pointer: lock-free
#else
    std::atomic<const char*> from_file{nullptr};  // a torn read mixes two valid sites
    std::atomic<const char*> from_function{nullptr};
    std::atomic<std::uint32_t> from_line{0};
#endif
    // Which thread polls through this probe (the stall detector signals it for its native
    // stack): set by the owner when it attaches (attach_thread).
    std::atomic<unsigned long> thread{0};
    std::atomic<bool> has_thread{false};

    /// The owner starts polling through this probe (call on the polling thread).
    void attach_thread() noexcept;
    /// The owner stops (a worker exits, a current-thread runtime's driver leaves block_on).
    void detach_thread() noexcept {
        has_thread.store(false, std::memory_order_release);
    }

    /// Owner only: the task in `polling` (stored before it was claimed) is about to be polled,
    /// resuming from `site`.
    void poll_begin(const AwaitSite& site) noexcept {
#if WEFT_SOURCE_LOCATION
        from.store(site, std::memory_order_relaxed);
#else
        from_file.store(site.file(), std::memory_order_relaxed);
        from_function.store(site.function(), std::memory_order_relaxed);
        from_line.store(site.line(), std::memory_order_relaxed);
#endif
        // Single writer: a load and a store, no RMW. release: publishes the fields above.
        polls.store(polls.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    /// Owner only: the poll (and whatever cancellation followed it) is over. release: an
    /// observer that acquires null sees everything the poll wrote (the task's await chain).
    void poll_end() noexcept {
        polling.store(nullptr, std::memory_order_release);
    }

    /// The site the current poll resumed from (observers).
    AwaitSite resumed_from() const noexcept {
#if WEFT_SOURCE_LOCATION
        return from.load(std::memory_order_relaxed);
#else
        return AwaitSite::make(from_file.load(std::memory_order_relaxed),
                               from_function.load(std::memory_order_relaxed),
                               from_line.load(std::memory_order_relaxed));
#endif
    }
};

/// The coarse monotonic clock, in nanoseconds.
std::uint64_t coarse_clock_ns() noexcept;
/// A task's spawn time, as cheap as the machine allows: the time-stamp counter on x86-64 (one
/// instruction; converted to time only when a dump reads it), else the coarse monotonic clock
/// in nanoseconds (a vDSO read).
inline std::uint64_t trace_ticks() noexcept {
#if defined(__x86_64__)
    return __builtin_ia32_rdtsc();
#else
    return coarse_clock_ns();
#endif
}
/// How long ago `tick` (a trace_ticks() value) was, in milliseconds.
std::uint64_t ms_since_tick(std::uint64_t tick) noexcept;

}  // namespace weft::detail
