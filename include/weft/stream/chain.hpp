#pragma once
/// \file
/// `chain(other)`: the items of one stream, then those of another.

#include <optional>
#include <type_traits>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// Every item of `A`, then every item of `B` (Rust's `StreamExt::chain`). Made by `chain`.
template <Stream A, Stream B>
requires std::same_as<item_t<A>, item_t<B>>
class Chain {
  public:
    using Item = item_t<A>;
    Chain(A a, B b) : a_(std::move(a)), b_(std::move(b)) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        if (!first_done_) {
            auto p = a_.poll_next(cx);
            if (p.is_pending() || p.value()) return p;
            first_done_ = true;
        }
        return b_.poll_next(cx);
    }

  private:
    A a_;
    B b_;
    bool first_done_ = false;
};

/// `a`'s items, then `b`'s.
template <Stream A, Stream B>
Chain<A, B> chain(A a, B b) {
    return Chain<A, B>(std::move(a), std::move(b));
}
/// `chain` for the pipe: `a | chain(std::move(b))`.
template <Stream B>
auto chain(B b) {
    return detail::pipe_form<Chain, B>(std::move(b));
}

}  // namespace weft::stream
