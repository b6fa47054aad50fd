#pragma once
/// \file
/// `IntervalStream`: the ticks of a `time::Interval` as a stream.

#include <optional>
#include <utility>

#include "weft/stream/stream.hpp"
#include "weft/time/interval.hpp"

namespace weft::stream {

/// The instants an `Interval` ticks at, as an endless `Stream` (tokio-stream's
/// `IntervalStream`). Combine it with `take`, `zip` or `merge`.
///
/// ```cpp
/// auto five = weft::stream::IntervalStream(weft::time::interval(100ms)) | weft::stream::take(5);
/// ```
///
/// Cancel safety: as `Interval::tick`, dropping a pending `next` loses no tick.
class IntervalStream {
  public:
    using Item = time::Instant;
    explicit IntervalStream(time::Interval iv) : iv_(std::move(iv)) {}
    Poll<std::optional<time::Instant>> poll_next(Context& cx) {
        Poll<time::Instant> p = iv_.poll_tick(cx);
        if (p.is_pending()) return Pending;
        return std::optional<time::Instant>(p.value());
    }
    time::Interval& interval() noexcept { return iv_; }

  private:
    time::Interval iv_;
};

}  // namespace weft::stream
