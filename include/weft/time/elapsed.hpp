#pragma once
/// \file
/// `weft::time::Elapsed`: the error of a `timeout` whose deadline passed.

#include <stdexcept>

namespace weft::time {

/// Thrown by `TimeoutResult::value()` when the deadline passed first (Tokio's `Elapsed`).
///
/// ```cpp
/// try {
///     int n = (co_await weft::time::timeout(1s, count())).value();
/// } catch (const weft::time::Elapsed&) { /* took longer than a second */ }
/// ```
class Elapsed : public std::runtime_error {
  public:
    Elapsed() : std::runtime_error("weft::time::timeout: deadline has elapsed") {}
};

}  // namespace weft::time
