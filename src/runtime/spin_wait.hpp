#pragma once
// Internal: a bounded look for something another thread is about to do, before sleeping on it.
//
// Sleeping and being woken costs a system call on each side and the sleeper's wake-up latency
// (several µs on a VM). Where the other thread is expected within a few µs (the next push to a
// blocking thread that just finished; the end of a blocking call the block_on thread waits
// for), looking for a while first is cheaper. kSpinPauses looks with a pause instruction, then
// sched_yield between looks until the budget has passed: on a loaded machine the thread we wait
// for may be waiting for this very core, and a pure pause spin keeps it off (measured on the
// 2-core VM at a load of 4: 20 µs of pause made a blocking round trip 3x slower, 20 µs of
// yields made it faster); on an idle machine the yield returns at once and this is a spin.

#include <sched.h>

#include <atomic>
#include <chrono>

namespace weft::detail {

inline constexpr int kSpinPauses = 64;
inline constexpr std::chrono::nanoseconds kSpinBudget{std::chrono::microseconds(20)};

inline void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

/// How many times spin_until has started looking (tests: a long blocking call must not make
/// every park look; relaxed, only ever compared before and after in one test).
inline std::atomic<unsigned long> spin_waits{0};

/// Calls `done()` until it returns true (then true), or until `budget` has passed (false).
template <class Done>
bool spin_until(Done&& done, std::chrono::nanoseconds budget = kSpinBudget) noexcept {
    spin_waits.fetch_add(1, std::memory_order_relaxed);
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    for (int i = 0;; ++i) {
        if (done()) return true;
        if (i < kSpinPauses) {
            spin_pause();
            continue;
        }
        if (Clock::now() - start >= budget) return false;  // vDSO clock: tens of ns
        sched_yield();
    }
}

}  // namespace weft::detail
