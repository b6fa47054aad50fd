#pragma once
/// \file
/// `PinCheck`: a debug-build guard against moving a future after it was polled.

#include <cassert>

namespace weft {

/// Embed in a hand-written future to catch moves after the first poll (debug builds only).
///
/// Call `pin()` at the top of `poll`. Copying or moving a `PinCheck` that has been pinned
/// asserts; in `NDEBUG` builds it is an empty type (use `[[no_unique_address]]`).
/// Every weft combinator (`join`, `select`, `try_join`, `join_all`) carries one.
///
/// ```cpp
/// struct MyFuture {
///     using Output = void;
///     [[no_unique_address]] weft::PinCheck pin_;
///     weft::Poll<void> poll(weft::Context& cx) { pin_.pin(); ... }
/// };
/// ```
class PinCheck {
  public:
    PinCheck() = default;
#ifndef NDEBUG
    PinCheck(const PinCheck& other) noexcept {
        assert(!other.pinned_ && "weft: a future was moved or copied after it was polled");
    }
    PinCheck& operator=(const PinCheck& other) noexcept {
        assert(!other.pinned_ && !pinned_ &&
               "weft: a future was moved or copied after it was polled");
        return *this;
    }
    void pin() noexcept {
        pinned_ = true;
    }
    bool pinned() const noexcept {
        return pinned_;
    }

  private:
    bool pinned_ = false;
#else
    void pin() noexcept {}
    bool pinned() const noexcept {
        return false;
    }
#endif
};

}  // namespace weft
