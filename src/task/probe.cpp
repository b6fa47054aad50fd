// The out-of-line parts of the observers' probes (probe.hpp): what needs the OS.

#include "weft/detail/task/probe.hpp"

#include <pthread.h>
#include <time.h>

namespace weft::detail {

void WorkerProbe::attach_thread() noexcept {
    thread.store(static_cast<unsigned long>(pthread_self()), std::memory_order_relaxed);
    // release: an observer that sees has_thread sees `thread`.
    has_thread.store(true, std::memory_order_release);
}

std::uint64_t coarse_clock_ns() noexcept {
    // Read from the vDSO without a syscall; its resolution (a few milliseconds) is plenty for
    // a task's age.
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

namespace {

std::uint64_t monotonic_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

#if defined(__x86_64__)
// A (ticks, nanoseconds) pair taken when the library is loaded: with a second pair taken when
// a dump converts, it gives the counter's rate over the whole run (the counter runs at a
// constant rate on every x86-64 CPU a C++20 toolchain targets: "invariant TSC").
struct Epoch {
    std::uint64_t tick = __builtin_ia32_rdtsc();
    std::uint64_t ns = monotonic_ns();
};
const Epoch epoch;
#endif

}  // namespace

std::uint64_t ms_since_tick(std::uint64_t tick) noexcept {
#if defined(__x86_64__)
    std::uint64_t now_tick = __builtin_ia32_rdtsc();
    std::uint64_t now_ns = monotonic_ns();
    if (now_tick <= tick || now_tick <= epoch.tick || now_ns <= epoch.ns) return 0;
    double ticks_per_ns =
        static_cast<double>(now_tick - epoch.tick) / static_cast<double>(now_ns - epoch.ns);
    return static_cast<std::uint64_t>(static_cast<double>(now_tick - tick) / ticks_per_ns / 1e6);
#else
    std::uint64_t now = coarse_clock_ns();
    return now > tick ? (now - tick) / 1000000u : 0;
#endif
}

}  // namespace weft::detail
