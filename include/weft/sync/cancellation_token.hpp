#pragma once
/// \file
/// `weft::sync::CancellationToken`: a shareable "stop now" signal, with child tokens.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "weft/future/pin_check.hpp"
#include "weft/sync/notify.hpp"

namespace weft::sync {

namespace detail_cancel {
// One token's state; copies of a token share it. A child holds its parent (so the parent
// outlives it) and the parent lists its children weakly (so a dropped child is not kept).
struct Node : std::enable_shared_from_this<Node> {
    std::atomic<bool> cancelled{false};
    Notify changed;  // notify_waiters on cancel
    std::mutex mu;   // guards children
    std::vector<std::weak_ptr<Node>> children;
    std::shared_ptr<Node> parent;
};
}  // namespace detail_cancel

/// The future of `CancellationToken::cancelled()`: completes once the token is cancelled (at
/// once if it already is). Cancel safe: dropping it changes nothing.
class WaitForCancellation {
  public:
    using Output = void;
    WaitForCancellation(WaitForCancellation&&) noexcept = default;
    Poll<void> poll(Context& cx);

  private:
    friend class CancellationToken;
    explicit WaitForCancellation(std::shared_ptr<detail_cancel::Node> n) noexcept
        : node_(std::move(n)) {}
    std::shared_ptr<detail_cancel::Node> node_;
    std::optional<Notified> wait_;  // created before each check, so no cancel falls between
    [[no_unique_address]] PinCheck pin_;
};

/// Tokio's (tokio-util's) `CancellationToken`: copies share one flag; `cancel()` sets it for
/// good and completes every `cancelled()` future, now and later; `child_token()` makes a
/// token that is cancelled with its parent (but cancelling the child leaves the parent
/// alone). The usual use: hand a token to every task of a server, `select` each task's work
/// against `token.cancelled()`, and cancel the root token to shut everything down.
///
/// Thread-safe and executor-agnostic (core only).
///
/// ```cpp
/// weft::sync::CancellationToken stop;
/// auto worker = weft::spawn([tok = stop.child_token()]() -> weft::Task<void> {
///     auto r = co_await weft::select(tok.cancelled(), serve());
///     if (r.index() == 0) std::puts("stopped");
/// });
/// stop.cancel();
/// ```
class CancellationToken {
  public:
    CancellationToken() : node_(std::make_shared<detail_cancel::Node>()) {}

    /// Cancels this token and all its descendants (children, their children, ...), waking
    /// every `cancelled()` future. Later calls do nothing.
    void cancel() const;
    bool is_cancelled() const noexcept { return node_->cancelled.load(std::memory_order_acquire); }
    /// Completes once this token is cancelled.
    WaitForCancellation cancelled() const { return WaitForCancellation(node_); }
    /// A token cancelled whenever this one is (already cancelled if this one is).
    CancellationToken child_token() const;

    /// Cancels the token when destroyed, unless `disarm()`ed: tie cancellation to a scope.
    class DropGuard {
      public:
        DropGuard(DropGuard&& o) noexcept : node_(std::move(o.node_)) {}
        DropGuard& operator=(DropGuard&&) = delete;
        ~DropGuard() {
            if (node_) CancellationToken(std::move(node_)).cancel();
        }
        /// Gives the token back without cancelling it.
        CancellationToken disarm() && { return CancellationToken(std::move(node_)); }

      private:
        friend class CancellationToken;
        explicit DropGuard(std::shared_ptr<detail_cancel::Node> n) noexcept : node_(std::move(n)) {}
        std::shared_ptr<detail_cancel::Node> node_;  // empty once disarmed
    };
    /// A `DropGuard` for this token.
    DropGuard drop_guard() const { return DropGuard(node_); }

  private:
    explicit CancellationToken(std::shared_ptr<detail_cancel::Node> n) noexcept
        : node_(std::move(n)) {}
    std::shared_ptr<detail_cancel::Node> node_;
};

}  // namespace weft::sync
