#pragma once
/// \file
/// Time on a microcontroller: a millisecond clock advanced by the tick interrupt, and
/// `sleep`, `timeout` and `interval` with the hosted `weft::time` names.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

#include "weft/detail/task/platform.hpp"
#include "weft/future/future.hpp"
#include "weft/task/waker.hpp"

namespace weft::embedded {

class TimerQueue;

namespace detail {
// The timers of the Executor running on this thread (set by Executor::run).
inline constinit WEFT_THREAD_LOCAL TimerQueue* current_timers = nullptr;

// Whether `deadline` has come at `now`, on a clock that wraps every 2^32 ms (49.7 days):
// deadlines are never further than 2^31 - 1 ms ahead (see sleep), so the signed difference
// orders them.
constexpr bool is_due(std::uint32_t deadline, std::uint32_t now) noexcept {
    return static_cast<std::int32_t>(now - deadline) >= 0;
}
}  // namespace detail

/// The longest sleep: the clock wraps after 2^32 ms, and deadlines are compared by their
/// signed distance. A longer duration is clamped to this (24.8 days), as Tokio clamps a huge
/// duration to its far future.
inline constexpr std::uint32_t kMaxSleepMs = 0x7fffffffu - 1;

/// A timer waiting in a TimerQueue (inside a `Sleep`, which is pinned once polled).
struct TimerEntry {
    std::uint32_t deadline = 0;
    bool fired = false;
    bool linked = false;
    TimerEntry* next = nullptr;
    TimerEntry* prev = nullptr;
    Waker waker;
};

/// An executor's clock and its timers, sorted by deadline. The tick interrupt calls `advance`;
/// everything else runs in thread mode. Timers cost nothing while they wait: the interrupt
/// compares the time with the earliest deadline and only then wakes the executor.
class TimerQueue {
  public:
    /// `ready` is the executor's wake-up word and `bit` its bit for "a timer is due".
    TimerQueue(std::atomic<std::uint32_t>* ready, std::uint32_t bit) noexcept
        : ready_(ready), bit_(bit) {}
    TimerQueue(const TimerQueue&) = delete;
    TimerQueue& operator=(const TimerQueue&) = delete;

    /// Milliseconds since the executor started (wrapping).
    std::uint32_t now() const noexcept { return now_.load(std::memory_order_relaxed); }

    /// The tick interrupt (one writer): `ms` milliseconds passed. Lock-free and bounded: a
    /// load and a store of the clock, two loads, and one RMW on the executor's word when the
    /// earliest deadline has come.
    void advance(std::uint32_t ms) noexcept {
        std::uint32_t t = now_.load(std::memory_order_relaxed) + ms;
        // seq_cst (with rearm's): either this sees the deadline rearm stored, or rearm's
        // re-read of the clock sees this time; a due timer is never missed by both.
        now_.store(t, std::memory_order_seq_cst);
        if (armed_.load(std::memory_order_seq_cst) &&
            detail::is_due(next_due_.load(std::memory_order_relaxed), t)) {
            ready_->fetch_or(bit_, std::memory_order_release);
        }
    }

    /// Thread mode: links `e` in deadline order.
    void insert(TimerEntry* e) noexcept {
        TimerEntry* prev = nullptr;
        TimerEntry* next = head_;
        while (next != nullptr && static_cast<std::int32_t>(e->deadline - next->deadline) >= 0) {
            prev = next;
            next = next->next;
        }
        e->prev = prev;
        e->next = next;
        e->linked = true;
        if (next != nullptr) next->prev = e;
        if (prev != nullptr) {
            prev->next = e;
        } else {
            head_ = e;
            rearm();
        }
    }
    /// Thread mode: unlinks `e` (a Sleep dropped before it fired).
    void remove(TimerEntry* e) noexcept {
        if (!e->linked) return;
        e->linked = false;
        if (e->next != nullptr) e->next->prev = e->prev;
        if (e->prev != nullptr) {
            e->prev->next = e->next;
        } else {
            head_ = e->next;
            rearm();
        }
    }
    /// Thread mode (the executor, when its timer bit was set): wakes every due timer.
    void fire_due() noexcept {
        std::uint32_t now = now_.load(std::memory_order_seq_cst);
        while (head_ != nullptr && detail::is_due(head_->deadline, now)) {
            TimerEntry* e = head_;
            head_ = e->next;
            if (head_ != nullptr) head_->prev = nullptr;
            e->linked = false;
            e->fired = true;
            Waker w = std::move(e->waker);
            std::move(w).wake();
        }
        rearm();
    }
    /// Whether a timer is waiting.
    bool empty() const noexcept { return head_ == nullptr; }

  private:
    // Tells the interrupt the earliest deadline; if it has come already (a tick landed while
    // it was being set), asks the executor to fire it.
    void rearm() noexcept {
        if (head_ == nullptr) {
            armed_.store(false, std::memory_order_relaxed);
            return;
        }
        next_due_.store(head_->deadline, std::memory_order_relaxed);
        armed_.store(true, std::memory_order_seq_cst);
        if (detail::is_due(head_->deadline, now_.load(std::memory_order_seq_cst)))
            ready_->fetch_or(bit_, std::memory_order_release);
    }

    std::atomic<std::uint32_t> now_{0};       // written by the tick interrupt only
    std::atomic<std::uint32_t> next_due_{0};  // written in thread mode, read by the interrupt
    std::atomic<bool> armed_{false};          // next_due_ is a waiting timer's
    TimerEntry* head_ = nullptr;              // thread mode only
    std::atomic<std::uint32_t>* ready_;
    std::uint32_t bit_;
};

namespace detail {
inline TimerQueue& timers() noexcept {
    if (current_timers == nullptr)
        weft::detail::panic("weft::embedded: a timer used outside Executor::run");
    return *current_timers;
}
template <class Rep, class Period>
std::uint32_t to_ms(std::chrono::duration<Rep, Period> d) noexcept {
    if (d <= d.zero()) return 0;
    // Rounded up: a sleep never ends early. Clamped: see kMaxSleepMs.
    auto ms = std::chrono::ceil<std::chrono::duration<std::uint64_t, std::milli>>(d).count();
    return ms > kMaxSleepMs ? kMaxSleepMs : static_cast<std::uint32_t>(ms);
}
}  // namespace detail

/// A future that completes at a deadline on the executor's clock (`sleep`, `sleep_until`).
/// Like every polled future it must not move once polled: it is linked into the timer queue.
class Sleep {
  public:
    using Output = void;

    Sleep(TimerQueue& q, std::uint32_t deadline) noexcept : q_(&q) { e_.deadline = deadline; }
    Sleep(Sleep&& o) noexcept : q_(o.q_) {  // before the first poll only (not linked yet)
        e_.deadline = o.e_.deadline;
        e_.fired = o.e_.fired;
    }
    Sleep& operator=(Sleep&&) = delete;
    ~Sleep() { q_->remove(&e_); }

    Poll<void> poll(Context& cx) noexcept {
        if (e_.fired) return Ready;
        if (!e_.linked) {
            if (detail::is_due(e_.deadline, q_->now())) {
                e_.fired = true;
                return Ready;
            }
            e_.waker = cx.waker();
            q_->insert(&e_);
            return Pending;
        }
        if (!e_.waker.will_wake(cx.waker())) e_.waker = cx.waker();
        return Pending;
    }

    /// The deadline, in the executor's milliseconds.
    std::uint32_t deadline() const noexcept { return e_.deadline; }
    /// Whether a poll returned Ready.
    bool is_elapsed() const noexcept { return e_.fired; }

  private:
    TimerQueue* q_;
    TimerEntry e_;
};

/// Completes `d` after now (rounded up to a millisecond; clamped to `kMaxSleepMs`). Call it in
/// a task that the Executor runs.
template <class Rep, class Period>
Sleep sleep(std::chrono::duration<Rep, Period> d) noexcept {
    TimerQueue& q = detail::timers();
    return Sleep(q, q.now() + detail::to_ms(d));
}
/// Completes when the executor's clock reaches `deadline_ms`.
inline Sleep sleep_until(std::uint32_t deadline_ms) noexcept {
    return Sleep(detail::timers(), deadline_ms);
}

/// The output of `timeout`: the value, or elapsed (as `weft::time::TimeoutResult`, with no
/// exception: `value()` on an elapsed result panics).
template <class T>
class TimeoutResult {
  public:
    static TimeoutResult elapsed() noexcept { return TimeoutResult(); }
    explicit TimeoutResult(T v) noexcept : value_(std::move(v)) {}
    bool ok() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    bool is_elapsed() const noexcept { return !ok(); }
    T& value() noexcept {
        if (!ok()) weft::detail::panic("weft::embedded::TimeoutResult::value: elapsed");
        return *value_;
    }
    T& operator*() noexcept { return value(); }

  private:
    TimeoutResult() noexcept = default;
    std::optional<T> value_;
};
template <>
class TimeoutResult<void> {
  public:
    static TimeoutResult elapsed() noexcept { return TimeoutResult(false); }
    TimeoutResult() noexcept : ok_(true) {}
    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    bool is_elapsed() const noexcept { return !ok_; }

  private:
    explicit TimeoutResult(bool ok) noexcept : ok_(ok) {}
    bool ok_;
};

/// Runs `F` until it completes or `deadline` passes, whichever is first (the future is polled
/// first, so one that is ready at the deadline still wins).
template <Future F>
class Timeout {
  public:
    using Output = TimeoutResult<output_t<F>>;

    Timeout(F fut, Sleep sleep) noexcept : fut_(std::move(fut)), sleep_(std::move(sleep)) {}

    Poll<Output> poll(Context& cx) {
        auto p = fut_.poll(cx);
        if (!p.is_pending()) {
            if constexpr (std::is_void_v<output_t<F>>) {
                return Output();
            } else {
                return Output(std::move(p).value());
            }
        }
        if (sleep_.poll(cx).is_ready()) return Output::elapsed();
        return Pending;
    }

  private:
    F fut_;
    Sleep sleep_;
};

/// `fut`, or elapsed if it has not completed within `d`.
template <class Rep, class Period, Future F>
Timeout<F> timeout(std::chrono::duration<Rep, Period> d, F fut) noexcept {
    return Timeout<F>(std::move(fut), sleep(d));
}

/// Ticks at a fixed period: the first `tick()` completes at once, each later one a period after
/// the one before. A task that falls behind gets the missed ticks at once, one per `tick()`
/// (Tokio's `MissedTickBehavior::Burst`, its default). `tick()` is cancel-safe: a dropped tick
/// future consumes no tick.
class Interval {
  public:
    /// The future of one tick; its output is the tick's deadline in milliseconds.
    class Tick {
      public:
        using Output = std::uint32_t;
        Tick(Interval& iv) noexcept : iv_(&iv), sleep_(detail::timers(), iv.next_) {}
        Poll<std::uint32_t> poll(Context& cx) noexcept {
            if (sleep_.poll(cx).is_pending()) return Pending;
            std::uint32_t at = iv_->next_;
            iv_->next_ += iv_->period_;
            return at;
        }

      private:
        Interval* iv_;
        Sleep sleep_;
    };

    Interval(std::uint32_t start_ms, std::uint32_t period_ms) noexcept
        : next_(start_ms), period_(period_ms == 0 ? 1 : period_ms) {}

    Tick tick() noexcept { return Tick(*this); }
    std::uint32_t period_ms() const noexcept { return period_; }

  private:
    std::uint32_t next_;
    std::uint32_t period_;
};

/// An interval of `period` (at least 1 ms) whose first tick is now.
template <class Rep, class Period>
Interval interval(std::chrono::duration<Rep, Period> period) noexcept {
    return Interval(detail::timers().now(), detail::to_ms(period));
}

}  // namespace weft::embedded
