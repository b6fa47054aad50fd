#include "weft/detail/time/time_driver.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "weft/detail/runtime/parker.hpp"

namespace weft::detail {

namespace {
// Wakers of fired timers, collected under the lock and called after it. Per thread, so that
// its capacity is kept from one firing to the next (no allocation once warm).
thread_local std::vector<Waker> tl_fired;

std::int64_t steady_nanos() noexcept {
    return std::chrono::steady_clock::now().time_since_epoch().count();
}

// t - origin for t > origin, without overflow (the difference of two int64s fits a uint64).
std::uint64_t since_origin(std::int64_t origin, std::int64_t t) noexcept {
    return static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(origin);
}
}  // namespace

TimeDriver* TimeDriver::create(bool pausable, bool start_paused) {
    return new TimeDriver(pausable, start_paused);
}

TimeDriver::TimeDriver(bool pausable, bool start_paused)
    : pausable_(pausable),
      origin_(steady_nanos()),
      max_tick_(since_origin(origin_, time::Instant::max().nanos()) / kTickNanos),
      far_from_origin_(time::Instant::from_std(std_time(origin_)) + kFarFuture) {
    if (start_paused) frozen_.store(origin_, std::memory_order_relaxed);
}

// Time arithmetic saturates rather than overflows (issue 16: a sleep of nanoseconds::max() on
// the paused clock overflowed `origin_ + tick * kTickNanos`). Deadlines are clamped to 30 years
// ahead (clamp_deadline), but the paused clock can still be advanced to the end of Instant's
// range, so every conversion here is safe for any Instant and any tick.
std::uint64_t TimeDriver::tick_ceil(time::Instant t) const noexcept {
    if (t.nanos() <= origin_) return 0;
    std::uint64_t d = since_origin(origin_, t.nanos());
    return std::min(d / kTickNanos + (d % kTickNanos != 0 ? 1 : 0), max_tick_);
}

std::uint64_t TimeDriver::tick_floor(time::Instant t) const noexcept {
    if (t.nanos() <= origin_) return 0;
    return since_origin(origin_, t.nanos()) / kTickNanos;  // <= max_tick_
}

std::int64_t TimeDriver::tick_nanos(std::uint64_t tick) const noexcept {
    // origin_ + tick * kTickNanos <= origin_ + max_tick_ * kTickNanos <= INT64_MAX; computed
    // unsigned (wrapping) so that a negative origin_ cannot overflow the product.
    std::uint64_t ns = static_cast<std::uint64_t>(origin_) +
                       std::min(tick, max_tick_) * static_cast<std::uint64_t>(kTickNanos);
    return static_cast<std::int64_t>(ns);
}

void TimeDriver::update_next_locked() noexcept {
    std::optional<std::uint64_t> next = wheel_.next_expiration();
    std::uint64_t tick = next ? *next : kNone;
    next_due_.store(tick, std::memory_order_relaxed);
    if (parked_ != nullptr && tick < parked_until_) {
        parked_until_ = tick;
        parked_->unpark();  // it sleeps past the new deadline: let it compute a new timeout
    }
}

TimeDriver::ArmResult TimeDriver::arm(TimerEntry& e, time::Instant deadline, const Waker& waker) {
    Waker old;  // dropped after the lock (see the header: a drop may run destructors)
    std::lock_guard lock(mu_);
    if (shut_down_) {
        e.state.store(TimerEntry::Shutdown, std::memory_order_relaxed);
        return ArmResult::Shutdown;
    }
    std::uint64_t tick = tick_ceil(deadline);
    bool registered = e.state.load(std::memory_order_relaxed) == TimerEntry::Registered;
    if (tick <= wheel_.elapsed()) {
        if (registered) {
            wheel_.remove(&e);
            old = std::move(e.waker);
            e.state.store(TimerEntry::Idle, std::memory_order_relaxed);
            update_next_locked();
        }
        return ArmResult::Expired;
    }
    if (registered) {
        if (!e.waker.will_wake(waker)) {
            old = std::move(e.waker);
            e.waker = waker;
        }
        if (e.tick == tick) return ArmResult::Armed;
        wheel_.remove(&e);
    } else {
        e.waker = waker;
        e.state.store(TimerEntry::Registered, std::memory_order_relaxed);
        bump(registered_, 1);
    }
    e.tick = tick;
    wheel_.insert(&e);
    // next_due_ can be early (a disarm leaves it), so it cannot tell whether the parked
    // thread sleeps past this deadline: parked_until_ can. Testing only next_due_ lost a
    // wake-up: a cancelled timeout left next_due_ at its tick, the keeper parked with no
    // deadline, and a later, longer timer never unparked it.
    if (tick < next_due_.load(std::memory_order_relaxed) ||
        (parked_ != nullptr && tick < parked_until_))
        update_next_locked();
    return ArmResult::Armed;
}

void TimeDriver::reset(TimerEntry& e, time::Instant deadline) {
    Waker due;
    {
        std::lock_guard lock(mu_);
        if (e.state.load(std::memory_order_relaxed) != TimerEntry::Registered) return;
        std::uint64_t tick = tick_ceil(deadline);
        if (tick == e.tick) return;
        wheel_.remove(&e);
        if (tick <= wheel_.elapsed()) {
            due = std::move(e.waker);
            e.state.store(TimerEntry::Fired, std::memory_order_release);
            bump(fired_, 1);
        } else {
            e.tick = tick;
            wheel_.insert(&e);
        }
        update_next_locked();
    }
    if (!due.is_noop()) std::move(due).wake();
}

void TimeDriver::disarm_slow(TimerEntry& e) noexcept {
    Waker old;
    std::lock_guard lock(mu_);
    if (e.state.load(std::memory_order_relaxed) != TimerEntry::Registered) return;
    wheel_.remove(&e);
    old = std::move(e.waker);
    e.state.store(TimerEntry::Idle, std::memory_order_relaxed);
    // next_due_ may now be early; that only costs one fire_due that finds nothing.
}

std::size_t TimeDriver::fire_until(std::uint64_t now_tick) {
    std::vector<Waker> fired = std::move(tl_fired);  // (a waker that fires timers gets its own)
    {
        std::lock_guard lock(mu_);
        wheel_.advance(now_tick, [&](TimerEntry* e) {
            fired.push_back(std::move(e->waker));
            // release, and the last touch of `e`: its owner may free it once it sees Fired.
            e->state.store(TimerEntry::Fired, std::memory_order_release);
        });
        bump(fired_, fired.size());
        update_next_locked();
    }
    std::size_t n = fired.size();
    for (Waker& w : fired)
        std::move(w).wake();
    fired.clear();
    tl_fired = std::move(fired);
    return n;
}

std::size_t TimeDriver::fire_due() {
    return fire_until(tick_floor(now()));
}

bool TimeDriver::claim_timekeeper(Parker* p,
                                  std::optional<std::chrono::steady_clock::time_point>& until) {
    std::lock_guard lock(mu_);
    if (parked_ != nullptr) return false;
    parked_ = p;
    std::optional<std::uint64_t> next = wheel_.next_expiration();
    parked_until_ = next ? *next : kNone;
    until.reset();
    if (next && frozen_.load(std::memory_order_relaxed) == kNotFrozen) {
        // Steady time of the tick: undo the offset that now() adds.
        std::int64_t at;
        if (__builtin_sub_overflow(tick_nanos(*next), offset_.load(std::memory_order_relaxed), &at))
            at = std::numeric_limits<std::int64_t>::max();  // (offset_ >= 0: only upward)
        until = std_time(at);
    }
    return true;
}

void TimeDriver::release_timekeeper() noexcept {
    std::lock_guard lock(mu_);
    parked_ = nullptr;
}

void TimeDriver::pause() {
    if (!pausable_) {
        throw std::logic_error(
            "weft::time::pause needs a current-thread runtime (only there can the runtime "
            "tell that every task is idle and move the clock)");
    }
    std::lock_guard lock(mu_);
    if (frozen_.load(std::memory_order_relaxed) != kNotFrozen)
        throw std::logic_error("weft::time::pause: the clock is already paused");
    // Frozen on a whole tick (up to 1 ms ahead: never back), so that a sleep of whole
    // milliseconds started now fires exactly when advance() reaches its deadline. (At the end
    // of Instant's range the tick saturates: the clock stays where it is.)
    time::Instant t = now();
    frozen_.store(std::max(tick_nanos(tick_ceil(t)), t.nanos()), std::memory_order_release);
}

void TimeDriver::resume() {
    std::lock_guard lock(mu_);
    std::int64_t frozen = frozen_.load(std::memory_order_relaxed);
    if (frozen == kNotFrozen) throw std::logic_error("weft::time::resume: the clock is not paused");
    // Time goes on from where it was paused: store the offset before unfreezing (now() reads
    // frozen_ with acquire, then offset_).
    offset_.store(frozen - steady_nanos(), std::memory_order_relaxed);
    frozen_.store(kNotFrozen, std::memory_order_release);
    if (parked_ != nullptr) parked_->unpark();  // its timeout must be computed again
}

void TimeDriver::advance(std::chrono::nanoseconds d) {
    {
        std::lock_guard lock(mu_);
        std::int64_t frozen = frozen_.load(std::memory_order_relaxed);
        if (frozen == kNotFrozen)
            throw std::logic_error("weft::time::advance: the clock is not paused");
        // Saturating, and never backwards (a negative d moves nothing).
        std::int64_t to;
        if (__builtin_add_overflow(frozen, std::max<std::int64_t>(d.count(), 0), &to))
            to = std::numeric_limits<std::int64_t>::max();
        frozen_.store(to, std::memory_order_release);
        if (parked_ != nullptr) parked_->unpark();
    }
    fire_due();
}

bool TimeDriver::auto_advance() {
    {
        std::lock_guard lock(mu_);
        std::int64_t frozen = frozen_.load(std::memory_order_relaxed);
        std::optional<std::uint64_t> next = wheel_.next_expiration();
        if (frozen == kNotFrozen || !next) return false;
        std::int64_t at = tick_nanos(*next);
        if (at > frozen) frozen_.store(at, std::memory_order_release);
    }
    fire_due();
    return true;
}

void TimeDriver::shutdown() noexcept {
    std::vector<Waker> wakers;
    {
        std::lock_guard lock(mu_);
        shut_down_ = true;
        wheel_.advance(~std::uint64_t{0} >> 1, [&](TimerEntry* e) {
            wakers.push_back(std::move(e->waker));
            e->state.store(TimerEntry::Shutdown, std::memory_order_release);
        });
        next_due_.store(kNone, std::memory_order_relaxed);
    }
    for (Waker& w : wakers)
        std::move(w).wake();
}

}  // namespace weft::detail
