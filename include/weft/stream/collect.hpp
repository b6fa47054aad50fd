#pragma once
/// \file
/// `collect(s)`: every item of a stream, in a vector.

#include <utility>
#include <vector>

#include "weft/coro/task.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// Awaits every item of `s` and gives them in a `std::vector`, in order (Rust's
/// `StreamExt::collect`). It owns the stream while it runs; dropping the task drops the stream.
///
/// ```cpp
/// std::vector<int> v = co_await weft::stream::collect(std::move(s));
/// std::vector<int> w = co_await (std::move(t) | weft::stream::collect());
/// ```
template <Stream S>
Task<std::vector<item_t<S>>> collect(S s) {
    std::vector<item_t<S>> out;
    while (auto v = co_await next(s))
        out.push_back(std::move(*v));
    co_return out;
}
/// `collect` for the pipe.
inline auto collect() {
    return Adaptor([]<Stream S>(S s) { return collect(std::move(s)); });
}

}  // namespace weft::stream
