#pragma once
/// \file
/// `weft::sync::CancellationToken`: a shareable "stop now" signal, with child tokens.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/future/future.hpp"
#include "weft/future/pin_check.hpp"
#include "weft/sync/notify.hpp"

namespace weft::detail {

// One token's state; copies of a token share it. A child holds its parent (so the parent
// outlives it) and the parent lists its children weakly (so a dropped child is not kept).
struct CancelNode : std::enable_shared_from_this<CancelNode> {
    std::atomic<bool> cancelled{false};
    sync::Notify changed;  // notify_waiters on cancel
    std::mutex mu;         // guards children
    std::vector<std::weak_ptr<CancelNode>> children;
    std::shared_ptr<CancelNode> parent;
};

}  // namespace weft::detail

namespace weft::sync {

/// The future of `CancellationToken::cancelled()`: completes once the token is cancelled (at
/// once if it already is). Cancel safe: dropping it changes nothing.
class WaitForCancellation {
  public:
    using Output = void;
    WaitForCancellation(WaitForCancellation&&) noexcept = default;
    Poll<void> poll(Context& cx);

  private:
    friend class CancellationToken;
    explicit WaitForCancellation(std::shared_ptr<weft::detail::CancelNode> n) noexcept
        : node_(std::move(n)) {}
    std::shared_ptr<weft::detail::CancelNode> node_;
    std::optional<Notified> wait_;  // created before each check, so no cancel falls between
    [[no_unique_address]] PinCheck pin_;
};

template <Future F>
class RunUntilCancelled;

/// Tokio's (tokio-util's) `CancellationToken`: copies share one flag; `cancel()` sets it for
/// good and completes every `cancelled()` future, now and later; `child_token()` makes a
/// token that is cancelled with its parent (but cancelling the child leaves the parent
/// alone). The usual use: hand a token to every task of a server, `select` each task's work
/// against `token.cancelled()`, and cancel the root token to shut everything down.
///
/// Thread-safe and executor-agnostic (core only). Tokens compare equal when they are copies
/// of one another; `run_until_cancelled(fut)` runs a future unless the token is cancelled.
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
    CancellationToken() : node_(std::make_shared<weft::detail::CancelNode>()) {}

    /// Cancels this token and all its descendants (children, their children, ...), waking
    /// every `cancelled()` future. Later calls do nothing.
    void cancel() const;
    bool is_cancelled() const noexcept { return node_->cancelled.load(std::memory_order_acquire); }
    /// Completes once this token is cancelled.
    WaitForCancellation cancelled() const { return WaitForCancellation(node_); }
    /// `cancelled()` from a token it consumes (Tokio's `cancelled_owned`):
    /// `std::move(tok).cancelled_owned()`. weft's `cancelled()` future already shares the
    /// token's state rather than borrowing the token, so both outlive the token they came
    /// from; this form exists for code ported from Tokio. Cancel safe: dropping it changes
    /// nothing.
    ///
    /// ```cpp
    /// auto stopped = parent.child_token().cancelled_owned();  // the child lives in the future
    /// weft::spawn(std::move(stopped)).detach();
    /// ```
    WaitForCancellation cancelled_owned() && { return WaitForCancellation(std::move(node_)); }

    /// Runs `fut` unless this token is cancelled first (Tokio's `run_until_cancelled`): its
    /// output as a `std::optional` (a `bool` for a `void` future: `true` if it completed),
    /// or empty once the token is cancelled, in which case `fut` is destroyed at once (every
    /// destructor in its chain runs) before the result is returned.
    ///
    /// Fairness, as Tokio's: if the token is already cancelled at the first poll, `fut` is not
    /// polled at all; after that, a `fut` that completes in the same poll in which the
    /// cancellation is seen wins. An exception from `fut` propagates.
    ///
    /// Cancel safety: as cancel-safe as `fut`. The returned future owns `fut` and shares the
    /// token's state (it does not borrow the token), so it is also Tokio's
    /// `run_until_cancelled_owned`.
    ///
    /// ```cpp
    /// auto job = process(batch);
    /// if (auto n = co_await stop.run_until_cancelled(std::move(job)))
    ///     log("processed ", *n);
    /// else
    ///     log("stopped");  // process() was cancelled
    /// ```
    template <class F>
    requires Future<std::decay_t<F>> RunUntilCancelled<std::decay_t<F>> run_until_cancelled(F&& fut)
    const { return RunUntilCancelled<std::decay_t<F>>(cancelled(), std::forward<F>(fut)); }

    /// Whether two tokens are the same token: copies of one another (one node of the token
    /// tree). A child is not equal to its parent, nor two children of one parent to each other.
    friend bool operator==(const CancellationToken& a, const CancellationToken& b) noexcept {
        return a.node_ == b.node_;
    }
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
        explicit DropGuard(std::shared_ptr<weft::detail::CancelNode> n) noexcept
            : node_(std::move(n)) {}
        std::shared_ptr<weft::detail::CancelNode> node_;  // empty once disarmed
    };
    /// A `DropGuard` for this token.
    DropGuard drop_guard() const { return DropGuard(node_); }

  private:
    explicit CancellationToken(std::shared_ptr<weft::detail::CancelNode> n) noexcept
        : node_(std::move(n)) {}
    std::shared_ptr<weft::detail::CancelNode> node_;
};

/// The future of `CancellationToken::run_until_cancelled` (see there). Movable until first
/// polled.
template <Future F>
class RunUntilCancelled {
  public:
    using Value = output_t<F>;
    /// `std::optional<Value>`, or `bool` for a `void` future (`true`: it completed).
    using Output = std::conditional_t<std::is_void_v<Value>, bool, std::optional<Value>>;

    RunUntilCancelled(WaitForCancellation cancelled, F fut)
        : cancelled_(std::move(cancelled)), fut_(std::in_place, std::move(fut)) {}
    RunUntilCancelled(RunUntilCancelled&& o) noexcept(std::is_nothrow_move_constructible_v<F>)
        : cancelled_(std::move(o.cancelled_)),
          fut_(std::move(o.fut_)),
          started_(o.started_),
          pin_(o.pin_) {}
    RunUntilCancelled& operator=(RunUntilCancelled&&) = delete;

    Poll<Output> poll(Context& cx) {
        pin_.pin();
        if (!fut_) return cancelled_output();  // polled again after it was cancelled
        if (!started_) {
            started_ = true;
            // Already cancelled: fut is not polled at all (Tokio checks is_cancelled first).
            if (cancelled_.poll(cx).is_ready()) return cancel();
        }
        auto p = fut_->poll(cx);
        if (p.is_ready()) {  // polled first: a completion wins over a cancellation
            if constexpr (std::is_void_v<Value>) {
                return true;
            } else {
                return Output(std::move(p).value());
            }
        }
        if (cancelled_.poll(cx).is_ready()) return cancel();
        return Pending;
    }

  private:
    static Output cancelled_output() {
        if constexpr (std::is_void_v<Value>) {
            return false;
        } else {
            return Output();
        }
    }
    Output cancel() {
        fut_.reset();  // cancel the inner future now
        return cancelled_output();
    }

    WaitForCancellation cancelled_;
    std::optional<F> fut_;  // empty once cancelled
    bool started_ = false;
    [[no_unique_address]] PinCheck pin_;
};

}  // namespace weft::sync
