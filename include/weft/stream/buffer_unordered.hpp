#pragma once
/// \file
/// `buffer_unordered(n)`: a stream of futures run up to `n` at a time, outputs as they finish.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/future/future.hpp"
#include "weft/future/futures_unordered.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The outputs of the futures that `S` yields, with up to `n` of them running at once, in the
/// order they finish (Rust's `StreamExt::buffer_unordered`). Made by `buffer_unordered`.
template <Stream S>
requires Future<item_t<S>>
class BufferUnordered {
  public:
    using Item = value_or_monostate_t<output_t<item_t<S>>>;
    BufferUnordered(S s, std::size_t n) : s_(std::move(s)), n_(n) {
        if (n == 0) throw std::invalid_argument("weft::stream::buffer_unordered: n must be > 0");
    }

    Poll<std::optional<Item>> poll_next(Context& cx) {
        // Take futures from the source while there is room (its waker is registered when it
        // is pending; the set's when its futures are).
        detail::pull_while(
            s_, cx, [&] { return set_.len() < n_; },
            [&](item_t<S>&& fut) { set_.push(std::move(fut)); });
        auto r = set_.poll_next(cx);
        if (r.is_pending()) return Pending;
        if (r.value()) return r;
        if (s_.ended()) return std::optional<Item>();  // both ended
        return Pending;                                // the source is pending, the set empty
    }

  private:
    detail::Fuse<S> s_;
    std::size_t n_;
    FuturesUnordered<item_t<S>> set_;
};

/// Runs the futures of a stream of futures concurrently, at most `n` at once, and gives their
/// outputs as they finish. Nothing is spawned: they all run in the task polling the stream.
///
/// ```cpp
/// auto sizes = weft::stream::iter(std::move(urls))
///            | weft::stream::map([](std::string u) { return fetch_size(u); })  // Task<long>
///            | weft::stream::buffer_unordered(8);
/// ```
template <Stream S>
requires Future<item_t<S>> BufferUnordered<S> buffer_unordered(S s, std::size_t n) {
    return BufferUnordered<S>(std::move(s), n);
}
/// `buffer_unordered` for the pipe.
inline auto buffer_unordered(std::size_t n) {
    return detail::pipe_form<BufferUnordered>(n);
}

}  // namespace weft::stream
