#pragma once
/// \file
/// `take_while(pred)`: the items of a stream up to the first that fails `pred`.

#include <functional>
#include <optional>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The leading items of `S` that satisfy `P`; the first that does not ends the stream (it is
/// dropped, and `S` is not polled again). Rust's `StreamExt::take_while`. Made by `take_while`.
template <Stream S, class P>
class TakeWhile {
  public:
    using Item = item_t<S>;
    TakeWhile(S s, P p) : s_(std::move(s)), p_(std::move(p)) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        auto p = s_.poll_next(cx);  // once ended, its end without polling the source
        if (p.is_pending()) return Pending;
        if (!p.value() || !std::invoke(p_, std::as_const(*p.value()))) {
            s_.end();
            return std::optional<Item>();
        }
        return p;
    }

  private:
    detail::Fuse<S> s_;
    P p_;
};

/// Items while `pred(const Item&)` holds.
///
/// ```cpp
/// auto header = std::move(lines)
///             | weft::stream::take_while([](const std::string& l) { return !l.empty(); });
/// ```
template <Stream S, class P>
TakeWhile<S, P> take_while(S s, P pred) {
    return TakeWhile<S, P>(std::move(s), std::move(pred));
}
/// `take_while` for the pipe.
template <class P>
auto take_while(P pred) {
    return detail::pipe_form<TakeWhile, P>(std::move(pred));
}

}  // namespace weft::stream
