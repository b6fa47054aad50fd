#pragma once
/// \file
/// The `Stream` concept (an async iterator), and `next(s)`: the future of its next item.

#include <concepts>
#include <optional>
#include <type_traits>

#include "weft/future/future.hpp"

namespace weft::stream {

/// A stream: a type with an `Item` and `Poll<std::optional<Item>> poll_next(Context&)`. Rust's
/// `Stream` trait (futures-core), the async version of an iterator.
///
/// `poll_next` gives `Ready` with an item, `Ready` with `std::nullopt` at the end of the stream,
/// or `Pending` after arranging for `cx.waker()` to be woken. Streams follow the futures'
/// pinning rule: once polled, never moved. A hand-written stream is as good as any other:
///
/// ```cpp
/// struct Countdown {
///     using Item = int;
///     int n;
///     weft::Poll<std::optional<int>> poll_next(weft::Context&) {
///         if (n == 0) return std::optional<int>();
///         return std::optional<int>(n--);
///     }
/// };
/// static_assert(weft::stream::Stream<Countdown>);
/// ```
template <class S>
concept Stream = requires {
    typename std::remove_cvref_t<S>::Item;
}
&&requires(std::remove_cvref_t<S>& s, Context& cx) {
    { s.poll_next(cx) } -> std::same_as<Poll<std::optional<typename std::remove_cvref_t<S>::Item>>>;
};

/// The item type of stream `S`.
template <Stream S>
using item_t = typename std::remove_cvref_t<S>::Item;

/// The future of `next(s)`: the stream's next item, or `std::nullopt` at its end.
template <Stream S>
class Next {
  public:
    using Output = std::optional<item_t<S>>;
    explicit Next(S& s) noexcept : s_(&s) {}
    Poll<Output> poll(Context& cx) { return s_->poll_next(cx); }
    /// The stream (for awaiters that await a stream's next item their own way: AsyncStream).
    S& stream() const noexcept { return *s_; }

  private:
    S* s_;
};

/// The next item of `s` (`std::nullopt` at the end): `while (auto v = co_await next(s))`.
/// `s` must outlive the future (and stays pinned from its first poll on).
///
/// Cancel safety: as cancel safe as `s.poll_next`: a `Next` holds nothing of its own, so
/// dropping it loses an item only if the stream itself loses one.
template <Stream S>
Next<S> next(S& s) noexcept {
    return Next<S>(s);
}

}  // namespace weft::stream
