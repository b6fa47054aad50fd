#pragma once
/// \file
/// `zip(other)`: pairs of items from two streams, in step.

#include <optional>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// Pairs `(a, b)` of the items of `A` and `B` taken in step; it ends when either ends (Rust's
/// `StreamExt::zip`). Made by `zip`. An item that arrives first waits here for its partner.
template <Stream A, Stream B>
class Zip {
  public:
    using Item = std::pair<item_t<A>, item_t<B>>;
    Zip(A a, B b) : a_(std::move(a)), b_(std::move(b)) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        if (done_) return std::optional<Item>();
        if (!x_) {
            auto p = a_.poll_next(cx);
            if (p.is_ready()) {
                if (!p.value()) return end();
                x_ = std::move(p.value());
            }
        }
        if (!y_) {
            auto p = b_.poll_next(cx);
            if (p.is_ready()) {
                if (!p.value()) return end();
                y_ = std::move(p.value());
            }
        }
        if (!x_ || !y_) return Pending;
        std::optional<Item> out(std::in_place, std::move(*x_), std::move(*y_));
        x_.reset();
        y_.reset();
        return out;
    }

  private:
    std::optional<Item> end() {
        done_ = true;
        x_.reset();
        y_.reset();
        return std::nullopt;
    }
    A a_;
    B b_;
    std::optional<item_t<A>> x_;
    std::optional<item_t<B>> y_;
    bool done_ = false;
};

/// `a` and `b` in step.
template <Stream A, Stream B>
Zip<A, B> zip(A a, B b) {
    return Zip<A, B>(std::move(a), std::move(b));
}
/// `zip` for the pipe: `a | zip(std::move(b))`.
template <Stream B>
auto zip(B b) {
    return detail::pipe_form<Zip, B>(std::move(b));
}

}  // namespace weft::stream
