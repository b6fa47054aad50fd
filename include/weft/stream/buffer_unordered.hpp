#pragma once
/// \file
/// `buffer_unordered(n)`: a stream of futures run up to `n` at a time, outputs as they finish.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>

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
        while (!s_done_ && set_.len() < n_) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) break;
            if (!p.value()) {
                s_done_ = true;
                break;
            }
            set_.push(std::move(*p.value()));
        }
        auto r = set_.poll_next(cx);
        if (r.is_pending()) return Pending;
        if (r.value()) return r;
        if (s_done_) return std::optional<Item>();  // both ended
        return Pending;                             // the source is pending, the set empty
    }

  private:
    S s_;
    std::size_t n_;
    bool s_done_ = false;
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
    return Adaptor([n]<Stream S>(S s) { return BufferUnordered<S>(std::move(s), n); });
}

}  // namespace weft::stream
