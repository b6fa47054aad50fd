#pragma once
/// \file
/// `weft::embedded::Executor<N>`: weft's core on a microcontroller, with a fixed number of task
/// slots, no heap, no threads and no exceptions (docs/embedded.md).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "weft/coro/task.hpp"
#include "weft/embedded/time.hpp"
#include "weft/task/context.hpp"
#include "weft/task/raw_waker.hpp"
#include "weft/task/waker.hpp"

namespace weft::embedded {

/// Why `spawn` refused a task.
enum class SpawnError : std::uint8_t {
    none,          ///< spawned
    no_free_slot,  ///< all N slots hold a task that has not finished
    no_memory,     ///< the task is empty: its frame did not fit in the frame arena
};

/// Waits by spinning: what a host without interrupts does (the default off an M-profile core).
struct SpinIdle {
    void wait(const std::atomic<std::uint32_t>&) noexcept {}
};

#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
/// Waits for an interrupt (Cortex-M `wfi`) unless a wake is already pending. Interrupts are
/// masked (PRIMASK) from the check to the `wfi`: an interrupt that wakes a task in between
/// stays pending instead of running, and a pending interrupt ends `wfi` even while masked, so
/// the wake cannot slip in after the check and leave the core asleep. Unmasking runs it.
struct WfiIdle {
    void wait(const std::atomic<std::uint32_t>& ready) noexcept {
        asm volatile("cpsid i" ::: "memory");
        if (ready.load(std::memory_order_relaxed) == 0) asm volatile("wfi" ::: "memory");
        asm volatile("cpsie i" ::: "memory");
    }
};
using DefaultIdle = WfiIdle;
#else
using DefaultIdle = SpinIdle;
#endif

/// Runs up to `N` tasks (N ≤ 31) on one core: thread mode polls, interrupt handlers wake.
///
/// - **Tasks** are `weft::Task<void>` coroutines, as on the hosted runtime; their frames come
///   from the installed `FrameArena`. `spawn` puts one in a free slot.
/// - **Waking** sets the task's bit in one atomic word: one lock-free RMW, no allocation, from
///   anywhere (an interrupt handler, or another thread on a host). A waker is two words
///   pointing at the task's slot, so cloning and dropping one cost nothing.
/// - **The loop** takes the whole word at once, polls each task whose bit was set (in slot
///   order), and when no bit is set asks `Idle` to wait (`wfi` on a Cortex-M).
/// - **Time** is a millisecond clock that the tick interrupt advances with `tick(ms)`; the
///   timers (`sleep`, `timeout`, `interval` in time.hpp) wake the executor only when the
///   earliest deadline has come.
///
/// Per task the executor keeps one slot of two words (8 bytes on a 32-bit core) and a bit.
///
/// ```cpp
/// weft::embedded::StaticFrameArena<2048> arena;
/// weft::embedded::Executor<4> exec;
/// extern "C" void SysTick_Handler() { exec.tick(1); }  // SysTick at 1 kHz
///
/// weft::Task<void> blink() {
///     for (;;) {
///         toggle_led();
///         co_await weft::embedded::sleep(std::chrono::milliseconds(500));
///     }
/// }
/// void start() {  // from main
///     arena.install();
///     exec.spawn(blink());
///     exec.run();  // returns when every task has finished
/// }
/// ```
template <std::size_t N, class Idle = DefaultIdle>
class Executor {
    static_assert(N >= 1 && N <= 31, "one bit of the ready word per task, and one for the timers");

  public:
    explicit Executor(Idle idle = Idle()) noexcept : idle_(std::move(idle)) {
        for (Slot& s : slots_)
            s.exec = this;
    }
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;
    /// Drops (cancels) the tasks that have not finished: each frame is destroyed and given
    /// back to the arena.
    ~Executor() {
        for (Slot& s : slots_)
            s.task = Task<void>();
    }

    /// Thread mode (before `run` or from a task): takes a free slot for `task` and schedules
    /// its first poll.
    SpawnError spawn(Task<void> task) noexcept {
        if (!task.valid()) return SpawnError::no_memory;
        for (std::uint32_t i = 0; i < N; ++i) {
            if ((live_ & (1u << i)) != 0) continue;
            slots_[i].task = std::move(task);
            live_ |= 1u << i;
            // release: the frame written above is seen by the loop that takes the bit.
            ready_.fetch_or(1u << i, std::memory_order_release);
            return SpawnError::none;
        }
        return SpawnError::no_free_slot;
    }

    /// Thread mode: polls the woken tasks until every task has finished, waiting through `Idle`
    /// whenever none is woken.
    void run() noexcept {
        while (live_ != 0) {
            if (!run_ready()) idle_.wait(ready_);
        }
    }

    /// Thread mode: one pass of the loop without waiting: fires due timers and polls each task
    /// woken by then. Returns whether anything was woken (for a program with its own main loop).
    bool run_ready() noexcept {
        TimerQueue* outer = std::exchange(detail::current_timers, &timers_);
        // acquire: whatever a waker's caller wrote before waking (pairs with wake's release).
        std::uint32_t woken = ready_.exchange(0, std::memory_order_acquire);
        if ((woken & kTimerBit) != 0) {
            timers_.fire_due();
            // The timers fired just now set their tasks' bits: take those in this pass too.
            woken |= ready_.exchange(0, std::memory_order_acquire);
        }
        for (std::uint32_t bits = woken & ~kTimerBit; bits != 0; bits &= bits - 1)
            poll_slot(static_cast<std::uint32_t>(__builtin_ctz(bits)));
        detail::current_timers = outer;
        return woken != 0;
    }

    /// The tick interrupt: `ms` milliseconds passed. Interrupt-safe and bounded (see
    /// TimerQueue::advance).
    void tick(std::uint32_t ms = 1) noexcept { timers_.advance(ms); }

    /// Milliseconds since the executor was made (wrapping after 49.7 days).
    std::uint32_t now() const noexcept { return timers_.now(); }
    /// Whether a timer (a `Sleep` polled and not finished or dropped) is waiting.
    bool has_timers() const noexcept { return !timers_.empty(); }
    /// Tasks that have not finished.
    std::size_t live() const noexcept {
        return static_cast<std::size_t>(__builtin_popcount(live_));
    }
    /// The executor's own memory per task slot: the slot (the task handle and the executor
    /// pointer its wakers use).
    static constexpr std::size_t kBytesPerTask = 2 * sizeof(void*);

  private:
    struct Slot {
        Executor* exec;
        Task<void> task;
    };
    static_assert(sizeof(Slot) == kBytesPerTask);
    static constexpr std::uint32_t kTimerBit = 1u << 31;

    void poll_slot(std::uint32_t i) noexcept {
        Slot& s = slots_[i];
        if ((live_ & (1u << i)) == 0) return;  // finished: a stale waker woke its slot
        Waker w = Waker::from_raw(RawWaker{&s, &kVTable});
        Context cx(w);
        if (s.task.poll(cx).is_ready()) live_ &= ~(1u << i);  // the frame is already freed
    }

    // The wakers: the slot is the data; nothing to count, since slots live as long as the
    // executor. wake: one RMW (release: pairs with run_ready's acquire).
    static RawWaker clone(const void* p) noexcept { return RawWaker{p, &kVTable}; }
    static void wake(const void* p) noexcept {
        const Slot* s = static_cast<const Slot*>(p);
        Executor* e = s->exec;
        e->ready_.fetch_or(1u << static_cast<std::uint32_t>(s - e->slots_),
                           std::memory_order_release);
    }
    static void drop(const void*) noexcept {}
    static constexpr RawWakerVTable kVTable{&Executor::clone, &Executor::wake, &Executor::wake,
                                            &Executor::drop};

    Slot slots_[N];
    std::atomic<std::uint32_t> ready_{0};  // bit i: task i woken; kTimerBit: a timer is due
    std::uint32_t live_ = 0;               // thread mode only: bit i: slot i holds a task
    TimerQueue timers_{&ready_, kTimerBit};
    [[no_unique_address]] Idle idle_;
};

}  // namespace weft::embedded
