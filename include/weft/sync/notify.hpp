#pragma once
/// \file
/// `weft::sync::Notify`: wakes one task, or every waiting task, without sending data.

#include <atomic>
#include <cstdint>
#include <optional>
#include <type_traits>

#include "weft/detail/sync/spin_lock.hpp"
#include "weft/detail/sync/waiter_list.hpp"
#include "weft/future/pin_check.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"
#include "weft/task/waker.hpp"

namespace weft::detail {

// A task waiting in a Notify: a node inside its Notified future (pinned once polled or
// enabled), so that waiting allocates nothing.
struct NotifyWaiter : WaiterNode<NotifyWaiter> {
    enum class State : std::uint8_t { Init, Waiting, Notified, Done };
    State state = State::Init;
    bool by_one = false;   // notified by notify_one (a permit to pass on if dropped unused)
    bool by_last = false;  // ... by notify_last (passed on to the newest waiter, as Tokio does)
};

}  // namespace weft::detail

namespace weft::sync {

class Notify;

/// The future of `Notify::notified()`: completes (with no value) once this waiter is notified.
///
/// Cancel safety: dropping it loses nothing. A waiter that `notify_one` picked but that is
/// dropped before completing passes the notification on to the next waiter (or stores it as
/// the permit), as Tokio's does; one that `notify_last` picked passes it to the newest waiter
/// left; a `notify_waiters` notification is not passed on.
class Notified {
  public:
    using Output = void;
    /// Movable until first polled or enabled.
    Notified(Notified&& o) noexcept : n_(o.n_), gen_(o.gen_), pin_(o.pin_) { o.n_ = nullptr; }
    Notified& operator=(Notified&&) = delete;
    ~Notified();

    Poll<void> poll(Context& cx);
    /// Registers as a waiter now, without waiting: a `notify_one` from here on is kept for this
    /// future even if it has not been polled yet. (`notify_waiters` needs no `enable`: every
    /// `Notified` created before it completes.) Pins the future.
    void enable();

  private:
    friend class Notify;
    Notified(Notify* n, std::uint64_t gen) noexcept : n_(n), gen_(gen) {}
    // Under the lock: Ready if notified (now or before), else registers. `cx` may be null
    // (enable): then no waker is stored.
    bool poll_locked(Context* cx);

    Notify* n_;
    std::uint64_t gen_;  // notify_waiters calls when created
    weft::detail::NotifyWaiter w_;
    [[no_unique_address]] PinCheck pin_;
};

/// Tokio's `Notify`: a task waits with `co_await notify.notified()`, another wakes it with
/// `notify_one()` (one waiter, or a stored permit if nobody waits) or `notify_waiters()`
/// (everyone waiting now). It carries no data: it is the primitive under locks, channels and
/// "something changed, look again" loops.
///
/// - `notify_one` wakes the waiter that has waited longest (`notify_last`: the newest). With
///   no waiter it stores **one** permit (more calls store no more), which the next
///   `notified()` takes at once.
/// - `notify_waiters` wakes every waiter, stores no permit, and also completes every
///   `Notified` **created** before the call, even one not polled yet, so the pattern
///   "create the future, check the condition, then await" cannot miss a wake-up between the
///   check and the await.
/// - Thread-safe: notify from any thread, wait from any task under any executor. The `Notify`
///   must outlive its `Notified` futures.
///
/// ```cpp
/// weft::sync::Notify ready;
/// auto waiter = weft::spawn([&]() -> weft::Task<void> {
///     co_await ready.notified();
///     std::puts("go");
/// });
/// ready.notify_one();  // before or after the wait: the permit is kept
/// ```
class Notify {
  public:
    Notify() noexcept = default;
    Notify(const Notify&) = delete;
    Notify& operator=(const Notify&) = delete;

    /// A future that completes when this waiter is notified (see the class comment).
    Notified notified() noexcept {
        return Notified(this, generation_.load(std::memory_order_acquire));
    }
    /// Wakes the longest-waiting waiter, or stores the permit if none waits.
    void notify_one();
    /// Wakes the most recently added waiter, or stores the permit if none waits (Tokio's
    /// `notify_last`): `notify_one` with LIFO order instead of FIFO. A picked waiter dropped
    /// before it completes passes the notification to the newest waiter left (or the permit).
    ///
    /// ```cpp
    /// // Workers wait on `idle`; waking the one that went idle last finds it still warm
    /// // (its stack and data likely in cache), and lets long-idle ones stay asleep.
    /// idle.notify_last();
    /// ```
    void notify_last();
    /// Wakes every current waiter, and every `Notified` created before this call; stores no
    /// permit.
    void notify_waiters();

  private:
    friend class Notified;
    // notify_one's work (notify_last's if `last`), under mu_: the waker to wake after
    // unlocking (none if a permit was stored instead).
    Waker notify_one_locked(bool last = false) noexcept;

    weft::detail::SpinLock mu_;  // held for a few pointer moves; never while waking
    weft::detail::WaiterList<weft::detail::NotifyWaiter> waiters_;  // oldest first
    bool permit_ = false;
    // notify_waiters calls so far; written under mu_, read by notified() without it (acquire
    // pairs with the release increment, so a future created after a call sees it).
    std::atomic<std::uint64_t> generation_{0};
};

}  // namespace weft::sync

namespace weft::detail {

// The loop of every future that waits for a condition another thread signals with
// `notify_waiters` (each channel's `Sender::closed()`, watch's `changed()` and `wait_for`,
// `CancellationToken::cancelled()`): calls `check()` until it is ready, waiting on `n` between
// tries. `check` returns a `Poll<R>`, or a `bool` (true: done) for a `Poll<void>`. The
// `Notified` is made *before* each check, so a change after the check completes it
// (notify_waiters completes every Notified created before it) and none is missed; a completed
// one only means "look again", with a fresh one.
template <class Check>
auto poll_condition(sync::Notify& n, std::optional<sync::Notified>& wait, Context& cx,
                    Check&& check) {
    using R = decltype(check());
    using Out = std::conditional_t<std::is_same_v<R, bool>, Poll<void>, R>;
    for (;;) {
        if (!wait) wait.emplace(n.notified());
        if constexpr (std::is_same_v<R, bool>) {
            if (check()) {
                wait.reset();
                return Out(Ready);
            }
        } else {
            Out p = check();
            if (p.is_ready()) {
                wait.reset();
                return p;
            }
        }
        if (wait->poll(cx).is_pending()) return Out(Pending);
        wait.reset();
    }
}

}  // namespace weft::detail
