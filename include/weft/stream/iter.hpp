#pragma once
/// \file
/// `iter(range)`, `once(v)`, `empty<T>()`: streams made from values at hand.

#include <array>
#include <iterator>
#include <optional>
#include <ranges>
#include <utility>

#include "weft/stream/stream.hpp"

namespace weft::stream {

/// The stream of a range's elements, always ready (Rust's `stream::iter`). Made by `iter`.
template <std::ranges::input_range R>
class Iter {
  public:
    using Item = std::ranges::range_value_t<R>;
    explicit Iter(R r) : r_(std::move(r)) {}
    Iter(Iter&& o) : r_(std::move(o.r_)) {}  // (a fresh iterator: never moved once polled)

    Poll<std::optional<Item>> poll_next(Context&) {
        if (!it_) it_.emplace(std::ranges::begin(r_));
        if (*it_ == std::ranges::end(r_)) return std::optional<Item>();
        std::optional<Item> v(std::move(**it_));
        ++*it_;
        return v;
    }

  private:
    R r_;
    std::optional<std::ranges::iterator_t<R>> it_;
};

/// A stream of the elements of `r` (a container moved in, or a view), in order, each ready at
/// once.
///
/// ```cpp
/// auto s = weft::stream::iter(std::vector<int>{1, 2, 3});
/// ```
template <std::ranges::input_range R>
requires(!std::is_lvalue_reference_v<R>) Iter<R> iter(R&& r) {
    return Iter<R>(std::move(r));
}

/// A stream of one item (Rust's `stream::once`, with a value).
///
/// (The range inside is a `std::array`, not `std::ranges::single_view`: clang 14 cannot check
/// libstdc++ 12's views against the range concepts; see docs/model.md.)
template <class T>
Iter<std::array<T, 1>> once(T v) {
    return Iter<std::array<T, 1>>(std::array<T, 1>{std::move(v)});
}

/// A stream that ends at once (Rust's `stream::empty`).
template <class T>
Iter<std::array<T, 0>> empty() {
    return Iter<std::array<T, 0>>(std::array<T, 0>{});
}

}  // namespace weft::stream
