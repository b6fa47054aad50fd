#pragma once
/// \file
/// The `Future` concept: a value that is polled until it is ready.

#include <concepts>
#include <type_traits>
#include <variant>

#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft {

/// A future: a type with an `Output` and `Poll<Output> poll(Context&)`. Rust's `Future` trait.
///
/// `poll` either finishes (`Ready` with the output) or returns `Pending` after arranging for
/// `cx.waker()` to be woken when progress is possible. `poll` may throw: the exception is the
/// future's outcome and travels to whoever awaits it.
///
/// **Pinning.** Once polled, a future is never moved by weft: coroutine frames, spawned tasks,
/// `block_on` and every combinator keep the futures they poll in place. A hand-written future may
/// therefore hand out pointers to itself (to a waiter list, to a kernel) from `poll`. It stays
/// movable *before* its first poll, so it can be returned from functions and passed to
/// `spawn` or `join`. To make a mistake loud, embed a `weft::PinCheck` (see pin_check.hpp):
/// in debug builds moving it after `poll` asserts. A future that must never move at all may
/// delete its move constructor and be polled where it was built (for example
/// `co_await my_future;` on a local, or `block_on(my_future)`).
///
/// ```cpp
/// struct Ready42 {
///     using Output = int;
///     weft::Poll<int> poll(weft::Context&) { return 42; }
/// };
/// static_assert(weft::Future<Ready42>);
/// ```
template <class F>
concept Future = requires {
    typename std::remove_cvref_t<F>::Output;
}
&&requires(std::remove_cvref_t<F>& f, Context& cx) {
    { f.poll(cx) } -> std::same_as<Poll<typename std::remove_cvref_t<F>::Output>>;
};

/// The output type of future `F`.
template <Future F>
using output_t = typename std::remove_cvref_t<F>::Output;

/// `T`, or `std::monostate` for `void`: how combinators store a `void` output in a tuple or
/// a variant.
template <class T>
using value_or_monostate_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

}  // namespace weft
