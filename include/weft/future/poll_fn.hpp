#pragma once
/// \file
/// `poll_fn(f)`: a future whose `poll` is a function.

#include <type_traits>
#include <utility>

#include "weft/future/future.hpp"

namespace weft {

namespace detail {
template <class P>
struct poll_value;
template <class T>
struct poll_value<Poll<T>> {
    using type = T;
};
}  // namespace detail

/// A future that calls `f(cx)` on every poll: Rust's `std::future::poll_fn`.
/// `f` returns `Poll<T>`; the future's output is `T`.
template <class F>
class PollFn {
  public:
    using Output = typename detail::poll_value<std::invoke_result_t<F&, Context&>>::type;
    explicit PollFn(F f) : f_(std::move(f)) {}
    Poll<Output> poll(Context& cx) { return f_(cx); }

  private:
    F f_;
};

/// Makes a future from a poll function.
///
/// ```cpp
/// int calls = 0;
/// auto fut = weft::poll_fn([&](weft::Context& cx) -> weft::Poll<int> {
///     if (++calls < 3) { cx.waker().wake_by_ref(); return weft::Pending; }
///     return calls;
/// });
/// ```
template <class F>
PollFn<std::decay_t<F>> poll_fn(F&& f) {
    return PollFn<std::decay_t<F>>(std::forward<F>(f));
}

}  // namespace weft
