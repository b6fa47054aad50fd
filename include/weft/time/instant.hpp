#pragma once
/// \file
/// `weft::time::Instant`: a point on the runtime's monotonic clock.

#include <chrono>
#include <compare>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace weft::time {

/// A measurement of the monotonic clock (`std::chrono::steady_clock`), as Tokio's `Instant`.
///
/// `Instant::now()` reads the clock of the current runtime: while that runtime's clock is paused
/// (`weft::time::pause()`, `RuntimeBuilder::start_paused`) it returns the paused time, which
/// only `advance` and auto-advance move. Outside a runtime it reads `steady_clock`.
/// Arithmetic saturates instead of overflowing, so `Instant::now() + std::chrono::hours::max()`
/// is a deadline that never comes.
///
/// ```cpp
/// auto start = weft::time::Instant::now();
/// co_await weft::time::sleep(50ms);
/// assert(start.elapsed() >= 50ms);
/// ```
class Instant {
  public:
    using Duration = std::chrono::nanoseconds;

    /// The current time of the current runtime's clock (paused or not), else of steady_clock.
    static Instant now() noexcept;
    /// An Instant for a `steady_clock` time point.
    static constexpr Instant from_std(std::chrono::steady_clock::time_point t) noexcept {
        return Instant(t.time_since_epoch().count());
    }
    /// The latest representable Instant: a deadline that never comes.
    static constexpr Instant max() noexcept {
        return Instant(std::numeric_limits<std::int64_t>::max());
    }

    constexpr std::chrono::steady_clock::time_point into_std() const noexcept {
        return std::chrono::steady_clock::time_point(Duration(ns_));
    }
    /// Nanoseconds since steady_clock's epoch.
    constexpr std::int64_t nanos() const noexcept { return ns_; }

    /// `*this - earlier`, or zero if `earlier` is later.
    constexpr Duration duration_since(Instant earlier) const noexcept {
        return ns_ > earlier.ns_ ? *this - earlier : Duration::zero();
    }
    /// Time since this instant on the current clock (zero if it is in the future).
    Duration elapsed() const noexcept { return now().duration_since(*this); }

    template <class Rep, class Period>
    constexpr Instant& operator+=(std::chrono::duration<Rep, Period> d) noexcept {
        ns_ = add_saturating(ns_, to_nanos(d));
        return *this;
    }
    template <class Rep, class Period>
    constexpr Instant& operator-=(std::chrono::duration<Rep, Period> d) noexcept {
        ns_ = add_saturating(ns_, -to_nanos(d));
        return *this;
    }
    template <class Rep, class Period>
    friend constexpr Instant operator+(Instant t, std::chrono::duration<Rep, Period> d) noexcept {
        return t += d;
    }
    template <class Rep, class Period>
    friend constexpr Instant operator-(Instant t, std::chrono::duration<Rep, Period> d) noexcept {
        return t -= d;
    }
    /// Signed difference (saturating).
    friend constexpr Duration operator-(Instant a, Instant b) noexcept {
        std::int64_t r;
        if (__builtin_sub_overflow(a.ns_, b.ns_, &r))
            r = a.ns_ > b.ns_ ? std::numeric_limits<std::int64_t>::max()
                              : std::numeric_limits<std::int64_t>::min();
        return Duration(r);
    }
    friend constexpr auto operator<=>(Instant, Instant) noexcept = default;

    /// A duration in nanoseconds, saturated to the int64 range (hours::max() and the like).
    template <class Rep, class Period>
    static constexpr std::int64_t to_nanos(std::chrono::duration<Rep, Period> d) noexcept {
        constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
        if constexpr (std::is_integral_v<Rep> && (Period::num * 1000000000) % Period::den == 0) {
            constexpr std::int64_t factor = Period::num * 1000000000 / Period::den;
            std::int64_t r;
            if (__builtin_mul_overflow(static_cast<std::int64_t>(d.count()), factor, &r))
                return d.count() > 0 ? kMax : -kMax;
            return r;
        }
        using Big = std::chrono::duration<long double, std::nano>;
        long double n = std::chrono::duration_cast<Big>(d).count();
        if (n >= static_cast<long double>(kMax)) return kMax;
        if (n <= static_cast<long double>(-kMax)) return -kMax;
        return std::chrono::duration_cast<Duration>(d).count();
    }

  private:
    explicit constexpr Instant(std::int64_t ns) noexcept : ns_(ns) {}
    static constexpr std::int64_t add_saturating(std::int64_t a, std::int64_t b) noexcept {
        std::int64_t r;
        if (__builtin_add_overflow(a, b, &r))
            return b > 0 ? std::numeric_limits<std::int64_t>::max() : 0;
        return r;
    }

    std::int64_t ns_ = 0;
};

}  // namespace weft::time
