#pragma once
/// \file
/// `for_each_concurrent(s, n, f)`: the async `f` run on every item, up to `n` at a time.

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/future/future.hpp"
#include "weft/future/futures_unordered.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The future of `for_each_concurrent`: done when the stream has ended and every call of `F`
/// has finished.
template <Stream S, class F>
class ForEachConcurrent {
    using Fut = std::invoke_result_t<F&, item_t<S>&&>;
    static_assert(Future<Fut>, "for_each_concurrent: f must return a future");

  public:
    using Output = void;
    ForEachConcurrent(S s, std::size_t n, F f) : s_(std::move(s)), n_(n), f_(std::move(f)) {
        if (n == 0) throw std::invalid_argument("weft::stream::for_each_concurrent: n must be > 0");
    }

    Poll<void> poll(Context& cx) {
        for (;;) {
            detail::pull_while(
                s_, cx, [&] { return set_.len() < n_; },
                [&](item_t<S>&& v) { set_.push(std::invoke(f_, std::move(v))); });
            auto r = set_.poll_next(cx);
            if (r.is_pending()) return Pending;
            if (!r.value()) {  // nothing in flight
                if (s_.ended()) return Ready;
                return Pending;  // the source is pending
            }
            // One finished: room for another item, so look at the source again.
        }
    }

  private:
    detail::Fuse<S> s_;
    std::size_t n_;
    F f_;
    FuturesUnordered<Fut> set_;
};

/// Calls the async `f` on every item of `s`, running at most `n` of the resulting futures at
/// once (Rust's `StreamExt::for_each_concurrent`); completes when the stream has ended and
/// every call has finished. Nothing is spawned: the calls run in the awaiting task.
///
/// ```cpp
/// co_await weft::stream::for_each_concurrent(
///     std::move(conns), 100, [](weft::net::TcpStream c) { return serve(std::move(c)); });
/// ```
///
/// Errors: an exception from one call comes out of the `co_await`; the calls still running are
/// cancelled when the future is dropped.
template <Stream S, class F>
ForEachConcurrent<S, F> for_each_concurrent(S s, std::size_t n, F f) {
    return ForEachConcurrent<S, F>(std::move(s), n, std::move(f));
}
/// `for_each_concurrent` for the pipe: `co_await (std::move(s) | for_each_concurrent(8, f))`.
template <class F>
auto for_each_concurrent(std::size_t n, F f) {
    return detail::pipe_form<ForEachConcurrent, F>(n, std::move(f));
}

}  // namespace weft::stream
