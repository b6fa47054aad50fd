#pragma once
/// \file
/// `fold(s, init, f)`: a stream reduced to one value.

#include <functional>
#include <utility>

#include "weft/coro/task.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// Awaits every item of `s`, folding it into the accumulator: `acc = f(std::move(acc), item)`,
/// and gives the final accumulator (Rust's `StreamExt::fold`, with a synchronous `f`).
///
/// ```cpp
/// long total = co_await weft::stream::fold(std::move(s), 0L,
///                                          [](long acc, int v) { return acc + v; });
/// ```
template <Stream S, class T, class F>
Task<T> fold(S s, T init, F f) {
    T acc = std::move(init);
    while (auto v = co_await next(s))
        acc = std::invoke(f, std::move(acc), std::move(*v));
    co_return acc;
}
/// `fold` for the pipe: `co_await (std::move(s) | fold(0, f))`.
template <class T, class F>
auto fold(T init, F f) {
    return Adaptor([init = std::move(init), f = std::move(f)]<Stream S>(S s) mutable {
        return fold(std::move(s), std::move(init), std::move(f));
    });
}

}  // namespace weft::stream
