#pragma once
// PLACEHOLDER (branch stall): the interface of the lead's per-worker probe, as announced for
// issue 19, so that the stall detector builds before the real one lands on main. The real
// file replaces this one on merge.

#include <pthread.h>

#include <atomic>
#include <cstdint>

namespace weft::detail {

struct TaskHeader;

struct AwaitSite {
    const char* file;
    const char* function;
    std::uint32_t line;
};

struct WorkerProbe {
    std::atomic<TaskHeader*> polling{nullptr};
    std::atomic<std::uint64_t> polls{0};
    std::atomic<const AwaitSite*> resumed_from{nullptr};
    std::atomic<pthread_t> thread{};
    std::atomic<bool> has_thread{false};

    void poll_begin(TaskHeader* t, const AwaitSite* site) noexcept {
        if (!has_thread.load(std::memory_order_relaxed)) {
            thread.store(pthread_self(), std::memory_order_relaxed);
            has_thread.store(true, std::memory_order_release);
        }
        polls.fetch_add(1, std::memory_order_release);
        resumed_from.store(site, std::memory_order_release);
        polling.store(t, std::memory_order_release);
    }
    void poll_end() noexcept { polling.store(nullptr, std::memory_order_release); }
};

}  // namespace weft::detail
