#pragma once
/// \file
/// `for_each(s, f)`: `f` called on every item of a stream, in order.

#include <functional>
#include <type_traits>
#include <utility>

#include "weft/coro/task.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// Awaits every item of `s` and calls `f(item)` on it. If `f` returns a future (an async
/// callback), that future is awaited before the next item is taken (Rust's
/// `StreamExt::for_each`); for several at once, see `for_each_concurrent`.
///
/// ```cpp
/// co_await weft::stream::for_each(std::move(lines), [&](std::string l) { out.push_back(l); });
/// ```
template <Stream S, class F>
Task<void> for_each(S s, F f) {
    while (auto v = co_await next(s)) {
        if constexpr (Future<std::invoke_result_t<F&, item_t<S>&&>>) {
            auto fut = std::invoke(f, std::move(*v));  // a named local: see docs/model.md, GCC 12
            co_await fut;
        } else {
            std::invoke(f, std::move(*v));
        }
    }
}
/// `for_each` for the pipe.
template <class F>
auto for_each(F f) {
    return Adaptor(
        [f = std::move(f)]<Stream S>(S s) mutable { return for_each(std::move(s), std::move(f)); });
}

}  // namespace weft::stream
