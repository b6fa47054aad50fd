#pragma once
// Internal: spawn_blocking's thread pool, shared by both runtime flavours.
//
// Threads start on demand up to a cap and stay for keep_alive when idle. Each blocking task
// and each thread holds a reference to the runtime (retain/release), so that the runtime's
// memory (this pool and its slots included) outlives a blocking call that shutdown_timeout gave
// up waiting for.
//
// The hand-off. Each thread owns a Slot: a parking word and a task pointer. An idle thread
// lists its slot on a LIFO stack (under mu_) and then waits on its own word: it looks at it for
// up to 20 µs first (spin_wait.hpp: pauses, then sched_yield; one thread at a time), then
// sleeps on its futex. A push pops the top slot (the thread that went idle last, whose stack
// and caches are warm), writes the task into it and exchanges kGo into the word: one atomic
// exchange, plus one FUTEX_WAKE only if the thread had already gone to sleep. The queue
// (queue_) is used only when no thread is idle; a thread that finishes a task drains it before
// listing itself again. mu_ guards the stack, the queue and the counts, never a sleep.
//
// What the hand-off costs (fs_bench pool_roundtrip: an empty spawn_blocking awaited one at a
// time; 2-core VM; strace -f -c and getrusage). Before, with one mutex and one condition
// variable: 7.7 futex calls and 2.1 voluntary context switches per round trip, 10-25 µs. The
// thread that ran a task woke its awaiter before it was back in the condition variable, so the
// next push often saw no idle thread and started another; three threads then shared the
// condition variable and the mutex, which each woken thread had to take again. Now: the thread
// that just finished is still looking at its slot when the next push comes (no system call),
// and the other half of the trip, waking the awaiting task, is the runtime's: the block_on
// thread or the current-thread runtime looks for that wake too while a blocking task pushed in
// the last 50 µs is busy (expects_wake_soon; block_on.cpp, current_thread.cpp), instead of sleeping
// on a futex or in epoll and being woken through it. 0.17 futex calls and 0.05 voluntary context
// switches per round trip, the rest being sched_yield calls of the two lookers; 3-8 µs at a load of
// 4-8, 1-3 µs when the machine is quiet. A task on a worker that awaits spawn_blocking still has a
// worker park (after its steal rounds) and an unpark on the way back. See benches/README.md
// ("Files").
//
// No lost wake-up: a thread sets its word to kIdle before it lists its slot, both under mu_,
// and a push exchanges kGo into a slot it popped under mu_, so the exchange comes after that
// store. The thread moves kIdle -> kParked by compare-and-swap and sleeps only while the word
// still reads kParked (the futex checks it atomically), so an exchange before the sleep makes
// the futex return at once and one after it finds kParked and wakes it.
//
// Keep-alive: a thread whose timed sleep ran out takes mu_; if its slot is still listed it
// unlists it and exits. If not, a push popped it and its kGo is on the way: the thread waits
// for it without a deadline (a popped slot is always handed something: a task, or nullptr at
// shutdown). Slots are owned by the pool and reused by later threads, never freed before the
// pool, so a push's late FUTEX_WAKE on a slot whose thread has moved on is only a spurious
// wake-up, which every wait re-checks.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "weft/detail/runtime/runtime_core.hpp"
#include "weft/detail/runtime/task_queue.hpp"
#include "weft/detail/task/task_header.hpp"

namespace weft::detail {

class BlockingPool final : public Scheduler {
  public:
    BlockingPool(RuntimeCore* rt, std::size_t max, std::chrono::milliseconds keep_alive)
        : rt_(rt), max_(max < 1 ? 1 : max), keep_alive_(keep_alive) {}

    // Takes a prepared task (the caller counted it with rt->retain() or equivalent).
    void spawn(TaskHeader* t) noexcept {
        t->scheduler = this;
        push(t);
    }
    void schedule(TaskHeader* t) noexcept override { push(t); }
    void task_released() noexcept override { rt_->release(); }
    void unhandled_exception(TaskHeader* t, const std::exception_ptr& e) noexcept override {
        rt_->unhandled(t, e);
    }

    // Stops taking work, cancels what never started, and waits up to `timeout` (forever if
    // negative) for running blocking tasks. Threads still busy after that are left running.
    void shutdown(std::chrono::nanoseconds timeout) noexcept;

    /// Whether a blocking task is queued or running (a paused clock does not auto-advance
    /// then: the blocking task may be about to wake a timer's owner).
    bool busy() const noexcept { return active_.load(std::memory_order_acquire) != 0; }

    /// Whether a thread about to sleep should first look for a blocking task's wake for a
    /// while (spin_wait.hpp): a task is queued or running and the last one was pushed less than
    /// kHandOffWindow ago. An empty round trip takes a few µs, so its wake comes inside the
    /// window; a long blocking call (a read of stdin, a slow disk) is past it after its first
    /// park, so it does not make every later park of the runtime spin (a CPU tax on every
    /// wake-up of an otherwise idle runtime).
    bool expects_wake_soon() const noexcept {
        if (!busy()) return false;
        // relaxed: a stale time only makes this thread spin for nothing or sleep at once,
        // both correct; the wake itself is ordered by the parker.
        const std::int64_t pushed = last_push_ns_.load(std::memory_order_relaxed);
        return now_ns() - pushed < kHandOffWindow.count();
    }
    static constexpr std::chrono::nanoseconds kHandOffWindow{std::chrono::microseconds(50)};

    /// Threads, idle threads and queued tasks now (RuntimeMetrics; takes the pool's lock).
    /// A thread is idle from listing its slot until a push pops it.
    struct Stats {
        std::size_t threads = 0, idle = 0, queued = 0;
    };
    Stats stats() noexcept {
        std::lock_guard lock(mu_);
        return {threads_, idle_, queue_.size()};
    }

  private:
    // One per thread (kept for reuse after the thread exits); a cache line of its own, since
    // the pusher writes it while its thread spins on it.
    struct alignas(64) Slot {
        // kIdle: listed, or popped and about to be handed something; the thread spins.
        // kParked: the thread sleeps on this word's futex. kGo: `task` was handed over
        // (nullptr: the pool shut down; the thread looks at the pool again).
        std::atomic<std::uint32_t> word{0};
        TaskHeader* task = nullptr;  // written before kGo is released, read after it is acquired
        Slot* next = nullptr;        // the idle stack's or the free list's link (mu_)
        bool listed = false;         // on the idle stack (mu_)
    };
    static constexpr std::uint32_t kIdle = 0, kParked = 1, kGo = 2;

    void push(TaskHeader* t) noexcept;
    void thread_main(Slot& s) noexcept;
    void run(TaskHeader* t) noexcept;
    static void hand(Slot& s, TaskHeader* t) noexcept;
    // Waits until the slot is handed something (true) or `deadline` passes first (false).
    bool await_handoff(Slot& s, std::optional<std::chrono::steady_clock::time_point> deadline);
    std::optional<std::chrono::steady_clock::time_point> keep_alive_deadline() const noexcept;
    Slot* take_slot();              // mu_ held
    void unlist(Slot& s) noexcept;  // mu_ held

    RuntimeCore* rt_;
    std::size_t max_;
    std::chrono::milliseconds keep_alive_;
    std::mutex mu_;
    std::condition_variable exit_cv_;
    TaskQueue queue_;                           // tasks no idle thread was there to take
    Slot* idle_top_ = nullptr;                  // the idle stack, last listed on top
    Slot* free_slots_ = nullptr;                // slots of threads that exited
    std::vector<std::unique_ptr<Slot>> slots_;  // every slot, freed with the pool
    std::size_t threads_ = 0, idle_ = 0;
    std::atomic<std::size_t> active_{0};         // queued or running tasks
    std::atomic<std::int64_t> last_push_ns_{0};  // steady clock, at the latest push
    static std::int64_t now_ns() noexcept {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    std::atomic<int> spinners_{0};  // threads looking at their slot before sleeping
    static constexpr int kMaxSpinners = 1;
    bool closed_ = false;
};

}  // namespace weft::detail
