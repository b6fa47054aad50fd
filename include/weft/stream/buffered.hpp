#pragma once
/// \file
/// `buffered(n)`: a stream of futures run up to `n` at a time, outputs in the source's order.

#include <cstddef>
#include <deque>
#include <optional>
#include <stdexcept>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/future/future.hpp"
#include "weft/future/futures_unordered.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::detail {

// A future tagged with its position in the source (stream::buffered).
template <Future F>
class IndexedFuture {
  public:
    using Output = std::pair<std::size_t, value_or_monostate_t<output_t<F>>>;
    IndexedFuture(F f, std::size_t i) : f_(std::move(f)), i_(i) {}
    Poll<Output> poll(Context& cx) {
        if constexpr (std::is_void_v<output_t<F>>) {
            if (f_.poll(cx).is_pending()) return Pending;
            return Output(i_, {});
        } else {
            auto p = f_.poll(cx);
            if (p.is_pending()) return Pending;
            return Output(i_, std::move(p).value());
        }
    }

  private:
    F f_;
    std::size_t i_;
};

}  // namespace weft::detail

namespace weft::stream {

/// The outputs of the futures that `S` yields, with up to `n` of them running at once, in the
/// order the source yielded them (Rust's `StreamExt::buffered`). Made by `buffered`. An output
/// that finishes early waits here for the ones before it.
template <Stream S>
requires Future<item_t<S>>
class Buffered {
    using Fut = item_t<S>;

  public:
    using Item = value_or_monostate_t<output_t<Fut>>;
    Buffered(S s, std::size_t n) : s_(std::move(s)), n_(n) {
        if (n == 0) throw std::invalid_argument("weft::stream::buffered: n must be > 0");
    }

    Poll<std::optional<Item>> poll_next(Context& cx) {
        // In flight or finished early: never more than n.
        detail::pull_while(
            s_, cx, [&] { return pushed_ - next_out_ < n_; },
            [&](Fut&& fut) {
                set_.push(weft::detail::IndexedFuture<Fut>(std::move(fut), pushed_++));
                done_.emplace_back();
            });
        for (;;) {
            if (!done_.empty() && done_.front()) {
                std::optional<Item> out(std::move(*done_.front()));
                done_.pop_front();
                ++next_out_;
                return out;
            }
            auto r = set_.poll_next(cx);
            if (r.is_pending()) return Pending;
            if (!r.value()) break;  // nothing in flight
            auto& [i, v] = *r.value();
            done_[i - next_out_].emplace(std::move(v));
        }
        if (s_.ended()) return std::optional<Item>();
        return Pending;
    }

  private:
    detail::Fuse<S> s_;
    std::size_t n_;
    std::size_t pushed_ = 0, next_out_ = 0;
    std::deque<std::optional<Item>> done_;  // outputs from next_out_ on, once finished
    FuturesUnordered<weft::detail::IndexedFuture<Fut>> set_;
};

/// Runs the futures of a stream of futures concurrently, at most `n` at once, and gives their
/// outputs in the source's order.
///
/// ```cpp
/// auto pages = std::move(urls) | weft::stream::map(fetch) | weft::stream::buffered(4);
/// ```
template <Stream S>
requires Future<item_t<S>> Buffered<S> buffered(S s, std::size_t n) {
    return Buffered<S>(std::move(s), n);
}
/// `buffered` for the pipe.
inline auto buffered(std::size_t n) {
    return detail::pipe_form<Buffered>(n);
}

}  // namespace weft::stream
