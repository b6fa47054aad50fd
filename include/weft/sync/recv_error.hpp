#pragma once
/// \file
/// `RecvError`: awaiting a `oneshot::Receiver` whose sender was dropped without sending.

#include <stdexcept>

namespace weft::sync {

/// Thrown by awaiting a `oneshot::Receiver` when its `Sender` was destroyed without sending
/// (Tokio's `oneshot::error::RecvError`); for example because the task that held it was
/// cancelled.
///
/// ```cpp
/// try { auto v = co_await rx; } catch (const weft::sync::RecvError&) { /* no answer */ }
/// ```
class RecvError : public std::runtime_error {
  public:
    RecvError() : std::runtime_error("weft: the channel's sender was dropped without sending") {}
};

}  // namespace weft::sync
