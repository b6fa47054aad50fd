#pragma once
/// \file
/// `JoinError`: why awaiting a `JoinHandle` produced no output.

#include <stdexcept>

namespace weft {

/// Thrown by awaiting a `JoinHandle` whose task was cancelled (by `abort()` or because its
/// executor was dropped). A task that *threw* does not produce a `JoinError`: its own
/// exception is rethrown instead.
///
/// ```cpp
/// handle.abort();
/// try { co_await handle; } catch (const weft::JoinError& e) { assert(e.is_cancelled()); }
/// ```
class JoinError : public std::runtime_error {
  public:
    JoinError() : std::runtime_error("weft: task was cancelled") {}
    bool is_cancelled() const noexcept { return true; }
};

}  // namespace weft
