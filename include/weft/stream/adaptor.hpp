#pragma once
/// \file
/// `Adaptor` and `operator|`: the pipe syntax of stream combinators, `s | map(f) | take(3)`.

#include <concepts>
#include <utility>

#include "weft/stream/stream.hpp"

namespace weft::stream {

/// A combinator waiting for its stream: `map(f)` gives one, and `s | adaptor` applies it,
/// moving `s` into the combinator (as C++20 ranges' views compose). Every combinator is also
/// callable with the stream first, `map(std::move(s), f)`.
///
/// Why a pipe, not Rust's method chain: a C++ type cannot gain methods from outside (there is
/// no `StreamExt` trait to implement for every stream), and `|` composes left to right just as
/// `.map(f).take(3)` does.
///
/// ```cpp
/// auto evens = weft::stream::iter(std::vector{1, 2, 3, 4})
///            | weft::stream::filter([](int v) { return v % 2 == 0; });
/// ```
template <class Make>
class Adaptor {
  public:
    explicit Adaptor(Make make) : make_(std::move(make)) {}

    /// Applies the combinator to `s` (moved in).
    template <Stream S>
    requires std::invocable<Make&&, S&&>
    auto operator()(S&& s) && { return std::move(make_)(std::forward<S>(s)); }

  private:
    Make make_;
};

/// `s | adaptor`: the combinator applied to `s`, which is moved in (so write `std::move(s)`
/// for a named stream).
template <Stream S, class Make>
requires(!std::is_lvalue_reference_v<S>) && std::invocable<Make&&, S&&> auto operator|(
                                                S&& s, Adaptor<Make> a) {
    return std::move(a)(std::move(s));
}

}  // namespace weft::stream
