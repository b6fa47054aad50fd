#pragma once
/// \file
/// `merge(other)`: the items of two streams, as they come.

#include <optional>
#include <type_traits>
#include <utility>

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
            if (auto p = poll_a(cx); p.is_ready() && p.value()) return p;
            if (auto p = poll_b(cx); p.is_ready() && p.value()) return p;
        } else {
            if (auto p = poll_b(cx); p.is_ready() && p.value()) return p;
            if (auto p = poll_a(cx); p.is_ready() && p.value()) return p;
        }
        if (a_done_ && b_done_) return std::optional<Item>();
        return Pending;
    }

  private:
    Poll<std::optional<Item>> poll_a(Context& cx) {
        if (a_done_) return std::optional<Item>();
        auto p = a_.poll_next(cx);
        if (p.is_ready() && !p.value()) a_done_ = true;
        return p;
    }
    Poll<std::optional<Item>> poll_b(Context& cx) {
        if (b_done_) return std::optional<Item>();
        auto p = b_.poll_next(cx);
        if (p.is_ready() && !p.value()) b_done_ = true;
        return p;
    }
    A a_;
    B b_;
    bool a_done_ = false, b_done_ = false;
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
    return Adaptor([b = std::move(b)]<Stream A>(A a) mutable {
        return Merge<A, B>(std::move(a), std::move(b));
    });
}

}  // namespace weft::stream
