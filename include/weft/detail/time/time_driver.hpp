#pragma once
// Internal: a runtime's time driver (src/time/time_driver.cpp): the timer wheel behind one
// lock, the runtime's clock (which tests can pause), and the hand-off with the runtime's park.
//
// Who fires timers. There is no timer thread. A runtime thread that runs out of work claims
// the timekeeper role if no other thread holds it (claim_timekeeper/release_timekeeper): it
// parks on the driver's behalf, until the next deadline instead of indefinitely, and a
// registration of an earlier deadline unparks it.
// Busy workers also fire due timers between tasks (fire_due_if_due, every few dozen polls).
// Wakers are called after the lock is released: a waker may free a task whose frame holds
// other timers, whose destructors take the lock again.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

#include "weft/detail/task/runtime_context.hpp"
#include "weft/detail/time/timer_wheel.hpp"
#include "weft/time/instant.hpp"

namespace weft::detail {

class Parker;

class TimeDriver {
  public:
    /// A driver (refcount 1). `pausable`: the clock may be paused and auto-advanced (only a
    /// current-thread runtime can tell that every task is idle).
    static TimeDriver* create(bool pausable, bool start_paused);
    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        // acq_rel: whoever frees the driver sees every other owner's last use of it.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    /// The driver of the runtime this thread is in (a worker, a blocking thread, a block_on
    /// caller), or null: the runtime context's (runtime_context.hpp).
    static TimeDriver* current() noexcept { return runtime_context().time; }
    /// current(), or a std::logic_error that says `what` needs a runtime.
    static TimeDriver& current_or_throw(const char* what) {
        if (TimeDriver* d = current()) return *d;
        throw_needs_runtime(what);
    }

    /// The clock: steady_clock, shifted by the time spent paused, or the paused time.
    time::Instant now() const noexcept {
        std::int64_t frozen = frozen_.load(std::memory_order_acquire);
        if (frozen != kNotFrozen) return time::Instant::from_std(std_time(frozen));
        return time::Instant::from_std(std::chrono::steady_clock::now()) +
               std::chrono::nanoseconds(offset_.load(std::memory_order_relaxed));
    }

    // --- the sleeping future's side ---
    /// How far ahead a deadline may lie: 30 years, Tokio's "far future" (its `sleep` clamps a
    /// deadline that overflows its `Instant` to now + 30 years). Far enough to mean "never",
    /// near enough that the paused clock can jump there several times within Instant's range.
    static constexpr std::chrono::nanoseconds kFarFuture = std::chrono::hours(24 * 365 * 30);
    /// `deadline`, or now() + kFarFuture if it lies further ahead (every Sleep's deadline goes
    /// through here). Reads the clock only for deadlines more than kFarFuture after start-up.
    time::Instant clamp_deadline(time::Instant deadline) const noexcept {
        if (deadline <= far_from_origin_) return deadline;  // (now() >= origin_)
        time::Instant far = now() + kFarFuture;
        return deadline < far ? deadline : far;
    }
    enum class ArmResult { Armed, Expired, Shutdown };
    /// Registers `e` for `deadline` with `waker`, or updates its deadline and waker if it is
    /// registered. Expired: the deadline has passed (e is not registered).
    ArmResult arm(TimerEntry& e, time::Instant deadline, const Waker& waker);
    /// Moves a registered entry to `deadline`, keeping its waker (woken now if the deadline has
    /// passed). An entry that is not registered is left alone.
    void reset(TimerEntry& e, time::Instant deadline);
    /// Unregisters `e` if it is registered.
    void disarm(TimerEntry& e) noexcept {
        if (e.state.load(std::memory_order_acquire) == TimerEntry::Registered) disarm_slow(e);
    }

    // --- the runtime's side ---
    /// Fires every timer that is due; returns how many fired.
    std::size_t fire_due();
    /// fire_due(), but only if the earliest deadline has come (two atomic loads otherwise).
    std::size_t fire_due_if_due() {
        std::uint64_t next = next_due_.load(std::memory_order_relaxed);
        if (next == kNone || tick_floor(now()) < next) return 0;  // (now() is paused-aware)
        return fire_due();
    }
    /// How many timers are registered (takes the lock; for tests and metrics).
    std::size_t timer_count() {
        std::lock_guard lock(mu_);
        return wheel_.size();
    }
    /// Timers registered (an idle entry armed) and fired so far (RuntimeMetrics; any thread).
    std::uint64_t registered_count() const noexcept {
        return registered_.load(std::memory_order_relaxed);
    }
    std::uint64_t fired_count() const noexcept { return fired_.load(std::memory_order_relaxed); }
    bool has_timers() const noexcept { return next_due_.load(std::memory_order_relaxed) != kNone; }
    /// Whether a thread is parked keeping time now (takes the lock).
    bool has_timekeeper() {
        std::lock_guard lock(mu_);
        return parked_ != nullptr;
    }
    /// Claims the timekeeper role for the thread parking on `p`, if no other thread holds it:
    /// returns true with `until` set to the next deadline on steady_clock (empty: none, or the
    /// clock is paused); the caller then parks until then (an earlier new timer unparks `p`)
    /// and calls release_timekeeper(). Returns false (`until` untouched) if another thread
    /// keeps time.
    bool claim_timekeeper(Parker* p, std::optional<std::chrono::steady_clock::time_point>& until);
    void release_timekeeper() noexcept;

    // --- the paused clock (weft::time::pause and friends) ---
    bool pausable() const noexcept { return pausable_; }
    bool paused() const noexcept { return frozen_.load(std::memory_order_acquire) != kNotFrozen; }
    void pause();
    void resume();
    /// Moves the paused clock forward by `d` and fires what is due.
    void advance(std::chrono::nanoseconds d);
    /// Paused clock with nothing else to do: jumps to the next deadline and fires what is due.
    /// Returns false if there is no timer (then waiting is all that is left).
    bool auto_advance();

    /// Wakes every registered timer with the Shutdown state; later arms fail.
    void shutdown() noexcept;

  private:
    TimeDriver(bool pausable, bool start_paused);
    ~TimeDriver() = default;

    static constexpr std::int64_t kNotFrozen = INT64_MIN;
    static constexpr std::uint64_t kNone = ~std::uint64_t{0};
    static constexpr std::int64_t kTickNanos = 1000000;  // 1 ms

    static std::chrono::steady_clock::time_point std_time(std::int64_t ns) noexcept {
        return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
    }
    // Ticks since origin_: deadlines round up (never fire early), the present rounds down.
    // Both saturate at max_tick_, the last tick whose start an Instant can hold, so that
    // tick_nanos never overflows and a deadline at the end of Instant's range still fires
    // (tick_floor(Instant::max()) == max_tick_).
    std::uint64_t tick_ceil(time::Instant t) const noexcept;
    std::uint64_t tick_floor(time::Instant t) const noexcept;
    // The clock reading (nanoseconds) at which `tick` begins; saturates at max_tick_.
    std::int64_t tick_nanos(std::uint64_t tick) const noexcept;
    void disarm_slow(TimerEntry& e) noexcept;
    // Under mu_: publishes the earliest deadline and unparks the parked thread if it sleeps
    // past it.
    void update_next_locked() noexcept;
    std::size_t fire_until(std::uint64_t now_tick);

    std::atomic<std::uint32_t> refs_{1};
    const bool pausable_;
    const std::int64_t origin_;                     // steady_clock nanoseconds at tick 0
    const std::uint64_t max_tick_;                  // tick_floor(Instant::max())
    const time::Instant far_from_origin_;           // origin_ + kFarFuture (saturated)
    std::atomic<std::int64_t> frozen_{kNotFrozen};  // paused time, or kNotFrozen
    std::atomic<std::int64_t> offset_{0};           // time spent paused, added to steady_clock
    std::atomic<std::uint64_t> next_due_{kNone};    // earliest wheel expiration (a mirror)

    std::mutex mu_;
    TimerWheel wheel_;                // guarded by mu_
    Parker* parked_ = nullptr;        // guarded by mu_: the timekeeper, parked on our behalf
    std::uint64_t parked_until_ = 0;  // guarded by mu_: the tick it wakes at (kNone: never)
    bool shut_down_ = false;          // guarded by mu_
    // Metrics, written under mu_ (so a load and a store, no RMW), read by anyone (relaxed).
    std::atomic<std::uint64_t> registered_{0}, fired_{0};
    static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
};

}  // namespace weft::detail
