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

std::uint32_t coarse_now_ms() noexcept {
    // The coarse clock is read from the vDSO without a syscall, in a few nanoseconds; its
    // resolution (a few milliseconds) is plenty for a task's age.
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(ts.tv_sec) * 1000u +
                                      static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u);
}

}  // namespace weft::detail
