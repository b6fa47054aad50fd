#pragma once
/// \file
/// `stream::timeout(d)`: each item of a stream awaited at most `d`.

#include <chrono>
#include <optional>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"
#include "weft/time/instant.hpp"
#include "weft/time/sleep.hpp"
#include "weft/time/timeout_result.hpp"

namespace weft::stream {

/// The items of `S`, each as a `time::TimeoutResult`: the item, or "elapsed" when the source
/// gave nothing for `d` (tokio-stream's `StreamExt::timeout`). An elapsed result does not end
/// the stream: the wait for the same next item starts again, with a fresh `d`. Made by
/// `timeout`.
template <Stream S>
class TimeoutStream {
  public:
    using Item = time::TimeoutResult<item_t<S>>;
    TimeoutStream(S s, std::chrono::nanoseconds d) : s_(std::move(s)), d_(d) {}
    TimeoutStream(TimeoutStream&& o) : s_(std::move(o.s_)), d_(o.d_) {}  // before the first poll

    Poll<std::optional<Item>> poll_next(Context& cx) {
        auto p = s_.poll_next(cx);
        if (p.is_ready()) {
            sleep_.reset();  // the next item gets a whole `d`
            if (!p.value()) return std::optional<Item>();
            return std::optional<Item>(std::in_place, std::move(*p.value()));
        }
        if (!sleep_) sleep_.emplace(time::Instant::now() + d_);  // (on the runtime: lazily)
        if (sleep_->poll(cx).is_pending()) return Pending;
        sleep_.reset();
        return std::optional<Item>(Item::elapsed());
    }

  private:
    S s_;
    std::chrono::nanoseconds d_;
    std::optional<time::Sleep> sleep_;  // the deadline of the item being waited for
};

/// Bounds the wait for each item by `d`; a late item shows up as an elapsed result first.
///
/// ```cpp
/// auto beats = std::move(heartbeats) | weft::stream::timeout(5s);
/// while (auto b = co_await weft::stream::next(beats))
///     if (b->is_elapsed()) co_return mark_dead(peer);
/// ```
template <Stream S, class Rep, class Period>
TimeoutStream<S> timeout(S s, std::chrono::duration<Rep, Period> d) {
    return TimeoutStream<S>(std::move(s), std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}
/// `timeout` for the pipe.
template <class Rep, class Period>
auto timeout(std::chrono::duration<Rep, Period> d) {
    return detail::pipe_form<TimeoutStream>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}

}  // namespace weft::stream
