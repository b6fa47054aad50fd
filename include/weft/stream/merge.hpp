#pragma once
/// \file
/// `merge(other)`: the items of two streams, as they come.

#include <optional>
#include <type_traits>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The items of `A` and `B` in the order they become ready; it ends when both have ended
/// (tokio-stream's `StreamExt::merge`). Made by `merge`.
///
/// Fairness: the stream polled first alternates from one `poll_next` to the next, so a stream
/// that is always ready cannot starve the other.
template <Stream A, Stream B>
requires std::same_as<item_t<A>, item_t<B>>
class Merge {
  public:
    using Item = item_t<A>;
    Merge(A a, B b) : a_(std::move(a)), b_(std::move(b)) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        a_first_ = !a_first_;
        if (a_first_) {
            if (auto p = a_.poll_next(cx); p.is_ready() && p.value()) return p;
            if (auto p = b_.poll_next(cx); p.is_ready() && p.value()) return p;
        } else {
            if (auto p = b_.poll_next(cx); p.is_ready() && p.value()) return p;
            if (auto p = a_.poll_next(cx); p.is_ready() && p.value()) return p;
        }
        if (a_.ended() && b_.ended()) return std::optional<Item>();
        return Pending;
    }

  private:
    detail::Fuse<A> a_;
    detail::Fuse<B> b_;
    bool a_first_ = false;
};

/// `a`'s and `b`'s items interleaved as they arrive.
///
/// ```cpp
/// auto events = std::move(clicks) | weft::stream::merge(std::move(keys));
/// ```
template <Stream A, Stream B>
Merge<A, B> merge(A a, B b) {
    return Merge<A, B>(std::move(a), std::move(b));
}
/// `merge` for the pipe.
template <Stream B>
auto merge(B b) {
    return detail::pipe_form<Merge, B>(std::move(b));
}

}  // namespace weft::stream
