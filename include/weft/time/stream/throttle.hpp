#pragma once
/// \file
/// `throttle(period)`: a stream slowed to at most one item per period.

#include <chrono>
#include <optional>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"
#include "weft/time/instant.hpp"
#include "weft/time/sleep.hpp"

namespace weft::stream {

/// The items of `S`, at least `period` apart: after an item, the source is not polled again
/// until `period` has passed (tokio-stream's `StreamExt::throttle`). Nothing is dropped; a
/// fast source just waits. Made by `throttle`.
template <Stream S>
class Throttle {
  public:
    using Item = item_t<S>;
    Throttle(S s, std::chrono::nanoseconds period) : s_(std::move(s)), period_(period) {}
    Throttle(Throttle&& o) : s_(std::move(o.s_)), period_(o.period_) {}  // before the first poll

    Poll<std::optional<Item>> poll_next(Context& cx) {
        if (sleep_ && sleep_->poll(cx).is_pending()) return Pending;
        auto p = s_.poll_next(cx);
        if (p.is_ready() && p.value()) {
            time::Instant next = time::Instant::now() + period_;
            if (sleep_) {
                sleep_->reset(next);
            } else {
                sleep_.emplace(next);
            }
        }
        return p;
    }

  private:
    S s_;
    std::chrono::nanoseconds period_;
    std::optional<time::Sleep> sleep_;  // until the next item may go
};

/// At most one item per `period`.
///
/// ```cpp
/// auto calm = std::move(requests) | weft::stream::throttle(100ms);  // <= 10 per second
/// ```
template <Stream S, class Rep, class Period>
Throttle<S> throttle(S s, std::chrono::duration<Rep, Period> period) {
    return Throttle<S>(std::move(s), std::chrono::duration_cast<std::chrono::nanoseconds>(period));
}
/// `throttle` for the pipe.
template <class Rep, class Period>
auto throttle(std::chrono::duration<Rep, Period> period) {
    return detail::pipe_form<Throttle>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(period));
}

}  // namespace weft::stream
