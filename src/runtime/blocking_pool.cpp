#include "blocking_pool.hpp"

#include <thread>

#include "enter_runtime.hpp"
#include "futex.hpp"
#include "spin_wait.hpp"
#include "weft/detail/runtime/run_queued.hpp"
#include "weft/detail/task/raw_task.hpp"

namespace weft::detail {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

void BlockingPool::push(TaskHeader* t) noexcept {
    std::unique_lock lock(mu_);
    if (closed_) {
        lock.unlock();
        cancel_task(t);  // never started: its JoinHandle sees JoinError
        release_ref(t);
        return;
    }
    // relaxed: the decrement that follows the task's run is ordered after this one by the
    // hand-off (or mu_); busy() only needs to see it nonzero from here on, on this thread.
    active_.fetch_add(1, std::memory_order_relaxed);
    last_push_ns_.store(now_ns(), std::memory_order_relaxed);  // (expects_wake_soon's hint)
    if (Slot* s = idle_top_) {
        idle_top_ = s->next;
        s->listed = false;
        --idle_;
        lock.unlock();
        hand(*s, t);
        return;
    }
    queue_.push(t);
    if (threads_ == max_) return;  // the next thread to finish a task takes it
    ++threads_;
    Slot* s = take_slot();
    rt_->retain();  // a blocking thread keeps the runtime's memory alive
    // Started outside mu_: thread creation takes long enough (clone, a stack) that other pushes
    // and finishing threads should not wait for it. The new thread finds the task in queue_ (or
    // an idle thread took it meanwhile, and the new one goes idle).
    lock.unlock();
    std::thread([this, s] { thread_main(*s); }).detach();
}

void BlockingPool::hand(Slot& s, TaskHeader* t) noexcept {
    s.task = t;
    // release: the thread that acquires kGo sees `task` and everything the pusher did before.
    // Nothing the thread wrote is read here, so no acquire.
    if (s.word.exchange(kGo, std::memory_order_release) == kParked) futex_wake_one(s.word);
}

bool BlockingPool::await_handoff(Slot& s, std::optional<Clock::time_point> deadline) {
    // Look first (spin_wait.hpp): a caller that awaits its blocking calls one by one pushes the
    // next one a few µs after this thread woke it, sooner than a sleep and a wake-up take. Only
    // kMaxSpinners threads look at once: with many tasks in flight, dozens of threads going idle
    // and yielding kept the thread holding mu_ off the CPU (workers stalled 100+ ms in push(),
    // fs_bench small_files conc=64 on 2 cores). relaxed: a count for a heuristic, guarding no data.
    // acquire (here and below): pairs with hand()'s release, so `task` can be read.
    if (spinners_.fetch_add(1, std::memory_order_relaxed) < kMaxSpinners) {
        bool handed = spin_until([&] { return s.word.load(std::memory_order_acquire) == kGo; });
        spinners_.fetch_sub(1, std::memory_order_relaxed);
        if (handed) return true;
    } else {
        spinners_.fetch_sub(1, std::memory_order_relaxed);
    }
    std::uint32_t expected = kIdle;
    // kIdle -> kParked: from here a hand-off wakes the futex. acquire for the failure (the word
    // is kGo: `task` is read next); the success needs none, but may not be weaker (GCC 12).
    if (!s.word.compare_exchange_strong(expected, kParked, std::memory_order_acquire)) return true;
    timespec ts{};
    if (deadline) ts = futex_deadline(*deadline);
    for (;;) {
        futex_wait(s.word, kParked, deadline ? &ts : nullptr);
        if (s.word.load(std::memory_order_acquire) == kGo) return true;
        if (deadline && Clock::now() >= *deadline) {
            // Timed out: kParked -> kIdle, unless a hand-off got in first (acquire: read it).
            expected = kParked;
            return !s.word.compare_exchange_strong(expected, kIdle, std::memory_order_acquire);
        }
        // A spurious wake-up (a signal, or a stale wake of this slot's previous thread).
    }
}

void BlockingPool::run(TaskHeader* t) noexcept {
    run_queued(
        t, [this](TaskHeader* r) { push(r); }, [](TaskHeader*) {});
    // release: what the task did is visible to whoever sees the pool idle (busy()'s acquire).
    active_.fetch_sub(1, std::memory_order_release);
}

void BlockingPool::thread_main(Slot& s) noexcept {
    EnterRuntime enter(
        {nullptr, rt_->time_driver(), rt_->io_driver(), rt_});  // blocking code may too
    std::unique_lock lock(mu_);
    for (;;) {
        if (TaskHeader* t = queue_.pop()) {
            lock.unlock();
            run(t);
            lock.lock();
            continue;
        }
        if (closed_) break;
        // Idle: reset the word and list the slot on top of the stack. relaxed: pushers pop the
        // slot under mu_, so unlocking it publishes these stores to them.
        s.task = nullptr;
        s.word.store(kIdle, std::memory_order_relaxed);
        s.next = idle_top_;
        s.listed = true;
        idle_top_ = &s;
        ++idle_;
        lock.unlock();
        if (!await_handoff(s, keep_alive_deadline())) {
            lock.lock();
            if (s.listed) {  // idle for keep_alive: let the thread go
                unlist(s);
                break;
            }
            // A push popped the slot after the deadline: its hand-off is on the way.
            lock.unlock();
            await_handoff(s, std::nullopt);
        }
        if (TaskHeader* t = s.task) run(t);  // nullptr: shutdown; the loop sees closed_
        lock.lock();
    }
    s.next = free_slots_;
    free_slots_ = &s;
    if (--threads_ == 0) exit_cv_.notify_all();
    lock.unlock();
    rt_->release();
}

std::optional<Clock::time_point> BlockingPool::keep_alive_deadline() const noexcept {
    // A keep-alive of a year or more is forever (and now() + max() would overflow).
    if (keep_alive_ >= std::chrono::hours(24 * 365)) return std::nullopt;
    return Clock::now() + keep_alive_;
}

BlockingPool::Slot* BlockingPool::take_slot() {
    if (Slot* s = free_slots_) {
        free_slots_ = s->next;
        return s;
    }
    slots_.push_back(std::make_unique<Slot>());
    return slots_.back().get();
}

void BlockingPool::unlist(Slot& s) noexcept {
    Slot** p = &idle_top_;
    while (*p != &s)
        p = &(*p)->next;
    *p = s.next;
    s.listed = false;
    --idle_;
}

void BlockingPool::shutdown(std::chrono::nanoseconds timeout) noexcept {
    TaskQueue never_started;
    std::unique_lock lock(mu_);
    closed_ = true;
    while (TaskHeader* t = queue_.pop()) {
        never_started.push(t);
        active_.fetch_sub(1, std::memory_order_relaxed);
    }
    Slot* idle = idle_top_;  // hand every idle thread nullptr: it sees closed_ and exits
    for (Slot* s = idle; s != nullptr; s = s->next)
        s->listed = false;
    idle_top_ = nullptr;
    idle_ = 0;
    lock.unlock();
    while (idle != nullptr) {
        Slot* next = idle->next;  // read before the hand-off: the thread may relist it after
        hand(*idle, nullptr);
        idle = next;
    }
    while (TaskHeader* t = never_started.pop()) {
        cancel_task(t);
        release_ref(t);
    }
    lock.lock();
    if (timeout < std::chrono::nanoseconds::zero()) {
        exit_cv_.wait(lock, [&] { return threads_ == 0; });
    } else {
        exit_cv_.wait_for(lock, timeout, [&] { return threads_ == 0; });
    }
}

}  // namespace weft::detail
