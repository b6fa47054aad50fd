#pragma once
/// \file
/// `try_join(a, b, ...)`: like `join`, but the first exception cancels the rest.

#include <type_traits>
#include <utility>

#include "weft/detail/future/join_impl.hpp"

namespace weft {

/// The future returned by `try_join`.
template <class... Fs>
using TryJoin = detail::JoinImpl<true, Fs...>;

/// Runs the futures concurrently; completes with a tuple of outputs when all succeed. The first
/// child to throw wins: every other unfinished child is destroyed (cancelled, destructors run)
/// at once and the exception is rethrown from the `try_join`. Like `join`, each poll starts at
/// a different child, in turn.
///
/// ```cpp
/// weft::Task<void> fetch_both() {
///     try {
///         auto [a, b] = co_await weft::try_join(fetch("a"), fetch("b"));
///     } catch (const std::exception& e) { /* the first failure; the other fetch was cancelled */ }
/// }
/// ```
template <Future... Fs>
TryJoin<std::decay_t<Fs>...> try_join(Fs&&... fs) {
    return TryJoin<std::decay_t<Fs>...>(std::forward<Fs>(fs)...);
}

}  // namespace weft
