#pragma once
/// \file
/// `SendResult<T>`: whether a channel send delivered its value, and the value back if not.

#include <cassert>
#include <memory>
#include <utility>

namespace weft::sync {

/// Why a send did not deliver.
enum class SendStatus {
    Sent,     ///< the value is in the channel
    Full,     ///< `try_send` only: no capacity right now
    Closed,   ///< the receiving side is gone (or the channel was closed)
    Timeout,  ///< `send_timeout` only: no capacity before the time ran out
};

/// The outcome of a channel send. A failed send hands the value back instead of dropping it,
/// as Tokio's `SendError(T)` does: a value may be a resource (a connection, a buffer) the
/// caller wants to keep.
///
/// ```cpp
/// if (auto r = co_await tx.send(std::move(job)); !r) {
///     requeue(std::move(r).into_value());  // the receiver is gone
/// }
/// ```
template <class T>
class [[nodiscard]] SendResult {
  public:
    /// A delivered send.
    SendResult() noexcept {}
    /// A failed send, holding the value back.
    SendResult(SendStatus status, T value) : status_(status) {
        assert(status != SendStatus::Sent);
        std::construct_at(&value_, std::move(value));
    }
    // (A hand-written union rather than std::optional: GCC 12 at -O2 reports a disengaged
    // optional<long> as "maybe uninitialized" when it is moved, GCC bug 80635.)
    SendResult(SendResult&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
        : status_(o.status_) {
        if (status_ != SendStatus::Sent) std::construct_at(&value_, std::move(o.value_));
    }
    SendResult& operator=(SendResult&&) = delete;
    ~SendResult() {
        if (status_ != SendStatus::Sent) std::destroy_at(&value_);
    }

    /// Whether the value was delivered.
    bool ok() const noexcept { return status_ == SendStatus::Sent; }
    explicit operator bool() const noexcept { return ok(); }
    SendStatus status() const noexcept { return status_; }
    bool is_closed() const noexcept { return status_ == SendStatus::Closed; }
    bool is_full() const noexcept { return status_ == SendStatus::Full; }
    /// `send_timeout` ran out of time (the value is handed back).
    bool is_timeout() const noexcept { return status_ == SendStatus::Timeout; }

    /// The value that was not delivered (only when `!ok()`).
    T into_value() && {
        assert(!ok());
        return std::move(value_);
    }

  private:
    SendStatus status_ = SendStatus::Sent;
    union {
        T value_;  // alive when status_ != Sent
    };
};

}  // namespace weft::sync
