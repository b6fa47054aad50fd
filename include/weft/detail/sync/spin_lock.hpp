#pragma once
// Internal: a small spin lock for critical sections of a few instructions (channel state).

#include <atomic>
#include <thread>

namespace weft::detail {

// Locking is one atomic exchange and unlocking a plain release store, where a pthread mutex
// pays a locked instruction for each: for the few pointer moves a channel does under its lock,
// that is most of the cost. A waiter spins briefly, then yields its time slice, so a holder
// that was preempted gets the core back (this matters on machines with few cores).
// Never hold it across anything that can block or run user code of unknown length.
class SpinLock {
  public:
    void lock() noexcept {
        for (;;) {
            if (!locked_.exchange(true, std::memory_order_acquire)) return;
            for (int spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
                if (spins < 64) {
                    relax();
                } else {
                    std::this_thread::yield();
                }
            }
        }
    }
    bool try_lock() noexcept {
        return !locked_.load(std::memory_order_relaxed) &&
               !locked_.exchange(true, std::memory_order_acquire);
    }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

  private:
    static void relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        asm volatile("yield");
#endif
    }
    std::atomic<bool> locked_{false};
};

}  // namespace weft::detail
