#pragma once
/// \file
/// `PinCheck`: a guard against moving a future after it was polled.

#include <cstdio>
#include <cstdlib>

#include "weft/config.hpp"

namespace weft {

/// Embed in a hand-written future to catch moves after the first poll.
///
/// Call `pin()` at the top of `poll`. Copying or moving a `PinCheck` that has been pinned
/// aborts with a message. Whether it checks, and so whether it has a member at all, is decided
/// when weft is built (`WEFT_PIN_CHECKS` in `weft/config.hpp`: on in Debug builds of weft), not
/// by the including program's `NDEBUG`: weft's own futures embed it, and their layout must be
/// the same in libweft and in every program linked against it. Without the checks it is an
/// empty type (declare it `[[no_unique_address]]`).
/// Every weft combinator (`join`, `select`, `try_join`, `join_all`) carries one.
///
/// ```cpp
/// struct MyFuture {
///     using Output = void;
///     [[no_unique_address]] weft::PinCheck pin_;
///     weft::Poll<void> poll(weft::Context& cx) { pin_.pin(); /* ... */ return weft::Pending; }
/// };
/// ```
class PinCheck {
  public:
    PinCheck() = default;
#if WEFT_PIN_CHECKS
    PinCheck(const PinCheck& other) noexcept {
        check(other.pinned_);
    }
    PinCheck& operator=(const PinCheck& other) noexcept {
        check(other.pinned_ || pinned_);
        return *this;
    }
    void pin() noexcept {
        pinned_ = true;
    }
    bool pinned() const noexcept {
        return pinned_;
    }

  private:
    static void check(bool pinned) noexcept {
        if (pinned) {
            std::fputs("weft: a future was moved or copied after it was polled\n", stderr);
            std::abort();
        }
    }
    bool pinned_ = false;
#else
    void pin() noexcept {}
    bool pinned() const noexcept {
        return false;
    }
#endif
};

}  // namespace weft
