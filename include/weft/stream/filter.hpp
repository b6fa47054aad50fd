#pragma once
/// \file
/// `filter(pred)`: the items of a stream for which `pred` is true.

#include <functional>
#include <optional>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The items of `S` that satisfy `P` (Rust's `StreamExt::filter`). Made by `filter`.
template <Stream S, class P>
class Filter {
  public:
    using Item = item_t<S>;
    Filter(S s, P p) : s_(std::move(s)), p_(std::move(p)) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        for (;;) {  // skips rejected items that are ready now
            auto p = s_.poll_next(cx);
            if (p.is_pending()) return Pending;
            if (!p.value() || std::invoke(p_, std::as_const(*p.value()))) return p;
        }
    }

  private:
    S s_;
    P p_;
};

/// The items for which `pred(const Item&)` is true.
///
/// ```cpp
/// auto odd = std::move(s) | weft::stream::filter([](int v) { return v % 2 == 1; });
/// ```
template <Stream S, class P>
Filter<S, P> filter(S s, P pred) {
    return Filter<S, P>(std::move(s), std::move(pred));
}
/// `filter` for the pipe.
template <class P>
auto filter(P pred) {
    return detail::pipe_form<Filter, P>(std::move(pred));
}

}  // namespace weft::stream
