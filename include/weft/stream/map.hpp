#pragma once
/// \file
/// `map(f)`: each item of a stream, transformed by `f`.

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The stream of `f(item)` for each item of `S` (Rust's `StreamExt::map`). Made by `map`.
template <Stream S, class F>
class Map {
  public:
    using Item = std::invoke_result_t<F&, item_t<S>&&>;
    Map(S s, F f) : s_(std::move(s)), f_(std::move(f)) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        auto p = s_.poll_next(cx);
        if (p.is_pending()) return Pending;
        if (!p.value()) return std::optional<Item>();
        return std::optional<Item>(std::invoke(f_, std::move(*p.value())));
    }

  private:
    S s_;
    F f_;
};

/// Each item transformed by the synchronous `f` (for an async `f`, use `then`).
///
/// ```cpp
/// auto squares = weft::stream::iter(std::vector{1, 2, 3})
///              | weft::stream::map([](int v) { return v * v; });
/// ```
template <Stream S, class F>
Map<S, F> map(S s, F f) {
    return Map<S, F>(std::move(s), std::move(f));
}
/// `map` for the pipe: `s | map(f)`.
template <class F>
auto map(F f) {
    return detail::pipe_form<Map, F>(std::move(f));
}

}  // namespace weft::stream
