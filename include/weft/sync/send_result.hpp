#pragma once
/// \file
/// `SendResult<T>`: whether a channel send delivered its value, and the value back if not.

#include <cassert>
#include <optional>
#include <utility>

namespace weft::sync {

/// Why a send did not deliver.
enum class SendStatus {
    Sent,    ///< the value is in the channel
    Full,    ///< `try_send` only: no capacity right now
    Closed,  ///< the receiving side is gone (or the channel was closed)
};

/// The outcome of a channel send. A failed send hands the value back instead of dropping it,
/// as Tokio's `SendError(T)` does: a value may be a resource (a connection, a buffer) the
/// caller wants to keep.
///
/// ```cpp
/// if (auto r = co_await tx.send(std::move(job)); !r) {
///     requeue(r.into_value());  // the receiver is gone
/// }
/// ```
template <class T>
class [[nodiscard]] SendResult {
  public:
    /// A delivered send.
    SendResult() = default;
    /// A failed send, holding the value back.
    SendResult(SendStatus status, T value) : status_(status), value_(std::move(value)) {
        assert(status != SendStatus::Sent);
    }

    /// Whether the value was delivered.
    bool ok() const noexcept { return status_ == SendStatus::Sent; }
    explicit operator bool() const noexcept { return ok(); }
    SendStatus status() const noexcept { return status_; }
    bool is_closed() const noexcept { return status_ == SendStatus::Closed; }
    bool is_full() const noexcept { return status_ == SendStatus::Full; }

    /// The value that was not delivered (only when `!ok()`).
    T into_value() && {
        assert(value_.has_value());
        return std::move(*value_);
    }

  private:
    SendStatus status_ = SendStatus::Sent;
    std::optional<T> value_;
};

}  // namespace weft::sync
