#pragma once
/// \file
/// `join(a, b, ...)`: wait for several futures, running them concurrently.

#include <type_traits>
#include <utility>

#include "weft/detail/future/join_impl.hpp"

namespace weft {

/// The future returned by `join`: its output is a tuple of the children's outputs.
template <class... Fs>
using Join = detail::JoinImpl<false, Fs...>;

/// Runs the futures concurrently on the current task and completes when all have completed,
/// with a `std::tuple` of their outputs in argument order (`std::monostate` for `void`).
///
/// Concurrency without parallelism: all children are polled by the one task that polls the
/// join. If a child throws, the others still run to completion; then the first exception is
/// rethrown (use `try_join` to stop at the first error).
///
/// ```cpp
/// weft::Task<int> one();
/// weft::Task<std::string> two();
/// weft::Task<void> both() {
///     auto [n, s] = co_await weft::join(one(), two());
/// }
/// ```
///
/// **Fairness.** Each poll of the join starts at a different child, in turn (as Tokio's
/// `join!`), so that a child early in the argument list cannot starve the later ones, for
/// example by using up the task's cooperative budget every time.
///
/// **Cancel safety.** Dropping the join drops every unfinished child (each is cancelled).
template <Future... Fs>
Join<std::decay_t<Fs>...> join(Fs&&... fs) {
    return Join<std::decay_t<Fs>...>(std::forward<Fs>(fs)...);
}

}  // namespace weft
