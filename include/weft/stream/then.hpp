#pragma once
/// \file
/// `then(f)`: each item of a stream, transformed by the async `f`, one at a time.

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/future/future.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The outputs of the futures `F` returns for the items of `S`, each awaited before the next
/// item is taken (Rust's `StreamExt::then`). Made by `then`.
template <Stream S, class F>
class Then {
    using Fut = std::invoke_result_t<F&, item_t<S>&&>;
    static_assert(Future<Fut>, "then: f must return a future");

  public:
    using Item = output_t<Fut>;
    Then(S s, F f) : s_(std::move(s)), f_(std::move(f)) {}
    Then(Then&& o) : s_(std::move(o.s_)), f_(std::move(o.f_)) {}  // before the first poll

    Poll<std::optional<Item>> poll_next(Context& cx) {
        if (!fut_) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) return Pending;
            if (!p.value()) return std::optional<Item>();
            fut_.emplace(std::invoke(f_, std::move(*p.value())));
        }
        Poll<Item> r = poll_and_reset_on_throw(cx);
        if (r.is_pending()) return Pending;
        std::optional<Item> out(std::move(r).value());
        fut_.reset();
        return out;
    }

  private:
    Poll<Item> poll_and_reset_on_throw(Context& cx) {
        try {
            return fut_->poll(cx);
        } catch (...) {
            fut_.reset();  // the error is this item's; the next poll takes the next item
            throw;
        }
    }
    S s_;
    F f_;
    std::optional<Fut> fut_;  // the current item's future (pinned here)
};

/// Each item transformed by the async `f` (a callable returning a future, e.g. a coroutine
/// lambda returning `Task<U>`); one item at a time, in order. For several at once, see
/// `buffered`.
///
/// ```cpp
/// auto bodies = std::move(urls) | weft::stream::then([](std::string u) { return fetch(u); });
/// ```
///
/// Errors: an exception from the future comes out of that `poll_next`; the stream may be
/// polled on for the next item.
template <Stream S, class F>
Then<S, F> then(S s, F f) {
    return Then<S, F>(std::move(s), std::move(f));
}
/// `then` for the pipe.
template <class F>
auto then(F f) {
    return detail::pipe_form<Then, F>(std::move(f));
}

}  // namespace weft::stream
