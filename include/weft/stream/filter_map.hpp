#pragma once
/// \file
/// `filter_map(f)`: `f(item)` for each item, keeping only the engaged results.

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The values of the engaged `std::optional`s that `F` returns for the items of `S` (Rust's
/// `StreamExt::filter_map`). Made by `filter_map`.
template <Stream S, class F>
class FilterMap {
    using Result = std::invoke_result_t<F&, item_t<S>&&>;

  public:
    using Item = typename Result::value_type;
    FilterMap(S s, F f) : s_(std::move(s)), f_(std::move(f)) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        for (;;) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) return Pending;
            if (!p.value()) return std::optional<Item>();
            Result r = std::invoke(f_, std::move(*p.value()));
            if (r) return std::optional<Item>(std::move(*r));
        }
    }

  private:
    S s_;
    F f_;
};

/// Maps and filters at once: `f` returns `std::optional<U>`; empty results are dropped.
///
/// ```cpp
/// auto numbers = std::move(lines) | weft::stream::filter_map(parse_int);  // optional<int>
/// ```
template <Stream S, class F>
FilterMap<S, F> filter_map(S s, F f) {
    return FilterMap<S, F>(std::move(s), std::move(f));
}
/// `filter_map` for the pipe.
template <class F>
auto filter_map(F f) {
    return detail::pipe_form<FilterMap, F>(std::move(f));
}

}  // namespace weft::stream
