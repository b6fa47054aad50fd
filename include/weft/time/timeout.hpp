#pragma once
/// \file
/// `timeout(duration, future)`, `timeout_at(instant, future)`: a future with a time limit.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/future/future.hpp"
#include "weft/future/pin_check.hpp"
#include "weft/time/elapsed.hpp"
#include "weft/time/sleep.hpp"
#include "weft/time/timeout_result.hpp"

namespace weft::time {

/// The future returned by `timeout` and `timeout_at`. Its output is a `TimeoutResult<T>`:
/// the inner future's value, or "elapsed" if the deadline passed first.
///
/// The inner future is polled first, so one that is ready at the same poll at which the
/// deadline passes still delivers its value. When the deadline wins, the inner future is
/// destroyed at once (cancelled: every destructor in its chain runs) before the result is
/// returned. An exception from the inner future propagates unchanged.
///
/// Unlike Tokio, `timeout(d, f)` starts its clock at its first poll rather than when it is
/// created (C++ futures and coroutines are lazy, and `co_await timeout(d, f)` polls at once),
/// and it touches neither the clock nor the timer wheel until the inner future returns
/// Pending: a timeout around an operation that is already done costs almost nothing.
///
/// Cancel safety: as cancel-safe as the inner future.
template <Future F>
class Timeout {
  public:
    using Output = TimeoutResult<output_t<F>>;

    /// `limit` from the first poll (see above).
    Timeout(F fut, std::chrono::nanoseconds limit) : limit_(limit.count()), absolute_(false) {
        std::construct_at(&fut_, std::move(fut));
    }
    /// Until `deadline`.
    Timeout(F fut, Instant deadline) : limit_(deadline.nanos()), absolute_(true) {
        std::construct_at(&fut_, std::move(fut));
    }
    Timeout(Timeout&& o) noexcept(std::is_nothrow_move_constructible_v<F>)
        : limit_(o.limit_), absolute_(o.absolute_), live_(o.live_), pin_(o.pin_) {
        if (live_) std::construct_at(&fut_, std::move(o.fut_));
    }
    Timeout& operator=(Timeout&&) = delete;
    ~Timeout() {
        if (live_) std::destroy_at(&fut_);
    }

    /// The inner future (only while it has not completed or been cancelled).
    F& get_ref() noexcept { return fut_; }

    Poll<Output> poll(Context& cx) {
        pin_.pin();
        if (!live_) return Output::elapsed();  // polled again after it elapsed
        auto p = fut_.poll(cx);
        if (p.is_ready()) {
            sleep_.reset();  // its timer, if registered, goes now rather than with the Timeout
            if constexpr (std::is_void_v<output_t<F>>) {
                return Output();
            } else {
                return Output(std::move(p).value());
            }
        }
        if (!sleep_) {
            detail::TimeDriver& d = detail::TimeDriver::current_or_throw("weft::time::timeout");
            Instant deadline = absolute_ ? Instant::from_std(std::chrono::steady_clock::time_point(
                                               std::chrono::nanoseconds(limit_)))
                                         : d.now() + std::chrono::nanoseconds(limit_);
            sleep_.emplace(d, deadline);
        }
        if (sleep_->poll(cx).is_pending()) return Pending;
        live_ = false;
        std::destroy_at(&fut_);  // cancel the inner future now
        return Output::elapsed();
    }

  private:
    std::int64_t limit_;  // nanoseconds: a duration, or an Instant's if absolute_
    bool absolute_;
    bool live_ = true;
    [[no_unique_address]] PinCheck pin_;
    union {
        F fut_;  // alive while live_
    };
    std::optional<Sleep> sleep_;  // made at the first Pending of the inner future
};

/// Runs `fut` with a time limit of `d` (Tokio's `timeout`).
///
/// ```cpp
/// auto r = co_await weft::time::timeout(500ms, read_request(conn));
/// if (!r) co_return send_408(conn);  // r.is_elapsed(): read_request was cancelled
/// handle(*r);
/// ```
template <class Rep, class Period, class F>
requires Future<std::decay_t<F>> Timeout<std::decay_t<F>> timeout(
    std::chrono::duration<Rep, Period> d, F&& fut) {
    std::int64_t ns = Instant::to_nanos(d);
    return Timeout<std::decay_t<F>>(std::forward<F>(fut), std::chrono::nanoseconds(ns));
}

/// Runs `fut` until `deadline` at the latest (Tokio's `timeout_at`).
///
/// ```cpp
/// auto r = co_await weft::time::timeout_at(request_deadline, db.query(q));
/// ```
template <class F>
requires Future<std::decay_t<F>> Timeout<std::decay_t<F>> timeout_at(Instant deadline, F&& fut) {
    return Timeout<std::decay_t<F>>(std::forward<F>(fut), deadline);
}

}  // namespace weft::time
