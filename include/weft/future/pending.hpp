#pragma once
/// \file
/// `pending<T>()`: a future that never completes.

#include "weft/future/future.hpp"

namespace weft {

/// A future that is never ready: Rust's `std::future::Pending`. It registers no waker, so
/// nothing ever polls it again; dropping it (cancelling the task) is the only way out.
template <class T = void>
class PendingFuture {
  public:
    using Output = T;
    Poll<T> poll(Context&) noexcept { return Pending; }
};

/// A future that never completes, with output type `T`.
///
/// ```cpp
/// weft::Task<void> forever() { co_await weft::pending<void>(); }
/// ```
template <class T = void>
PendingFuture<T> pending() noexcept {
    return {};
}

}  // namespace weft
