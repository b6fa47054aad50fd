#pragma once
/// \file
/// `weft::sync::watch`: a channel that keeps only the latest value; receivers wait for it to
/// change (Tokio's `tokio::sync::watch`).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>  // std::unique_lock
#include <optional>
#include <shared_mutex>
#include <type_traits>
#include <utility>

#include "weft/future/pin_check.hpp"
#include "weft/sync/notify.hpp"
#include "weft/sync/send_result.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::sync::watch {

template <class T>
class Sender;
template <class T>
class Receiver;

}  // namespace weft::sync::watch

namespace weft::detail::watch {

// `state` packs the version of the value and whether the sender is gone, so that one load
// sees both consistently (a changed() that finds the sender gone must also see its last
// value's version): bit 0 is "closed", the version counts in steps of 2 above it.
inline constexpr std::uint64_t kClosedBit = 1;
inline constexpr std::uint64_t kVersionStep = 2;

// The channel. `lock` guards `value`: `borrow()` holds its shared side for as long as the
// `Ref` lives, a send its exclusive side while it replaces or modifies the value. The version
// is bumped under the exclusive lock (release), after the value changed; waiters are woken
// with Notify::notify_waiters after the lock is released. A changed() future creates its
// `Notified` before it loads `state`, so a send between its check and its wait completes it
// (notify_waiters completes every Notified created before it).
template <class T>
struct Shared {
    template <class... Args>
    explicit Shared(Args&&... args) : value(std::forward<Args>(args)...) {}

    void release() noexcept {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    std::uint64_t version() const noexcept {
        return state.load(std::memory_order_acquire) & ~kClosedBit;
    }

    mutable std::shared_mutex lock;
    T value;
    std::atomic<std::uint64_t> state{0};  // version | closed bit
    std::atomic<std::size_t> rx_cnt{1};
    std::atomic<std::size_t> refs{2};  // the sender + the receivers: the memory goes with the last
    sync::Notify changed;              // notify_waiters after each send, and when the sender goes
    sync::Notify rx_gone;              // notify_waiters when the last receiver goes
};

}  // namespace weft::detail::watch

namespace weft::sync::watch {

/// A borrow of a watch channel's value: a read lock on it, released when the `Ref` goes.
/// Not copyable nor assignable (like `std::lock_guard`); movable only so that
/// `Receiver::wait_for` can return one.
///
/// **Do not hold a `Ref` across `co_await`**, nor while calling a send on the same channel
/// from the same thread: while it lives the `Sender` cannot send (a send waits for the lock,
/// blocking its thread), and a `std::shared_mutex` must be unlocked on the thread that locked
/// it, which a task resumed on another worker would not do. Copy out what you need and drop
/// the `Ref` first. Holding two `Ref`s of one channel on one thread can deadlock as well (a
/// send waiting between the two borrows blocks the second).
///
/// ```cpp
/// {
///     auto cfg = rx.borrow();       // read lock taken
///     port = cfg->port;
/// }                                 // released: now it is fine to co_await
/// co_await listen(port);
/// ```
template <class T>
class [[nodiscard]] Ref {
  public:
    Ref(const Ref&) = delete;
    Ref& operator=(const Ref&) = delete;
    Ref(Ref&&) noexcept = default;

    const T& operator*() const noexcept { return *value_; }
    const T* operator->() const noexcept { return value_; }
    const T& get() const noexcept { return *value_; }
    /// Whether the value was newer than the one the receiver had last seen when it was
    /// borrowed (Tokio's `Ref::has_changed`); always false for `Sender::borrow`.
    bool has_changed() const noexcept { return changed_; }

  private:
    friend class Sender<T>;
    friend class Receiver<T>;
    Ref(std::shared_lock<std::shared_mutex> lock, const T& value, bool changed) noexcept
        : lock_(std::move(lock)), value_(&value), changed_(changed) {}

    std::shared_lock<std::shared_mutex> lock_;
    const T* value_;
    bool changed_;
};

/// The receiving half of a watch channel: the latest value, and the version of it this
/// receiver has seen. Copyable: a copy starts with the same seen version.
///
/// ```cpp
/// auto [tx, rx] = weft::sync::watch::channel<int>(0);
/// weft::spawn([rx = std::move(rx)]() mutable -> weft::Task<void> {
///     while (co_await rx.changed())         // false once the sender is gone
///         std::printf("now %d\n", *rx.borrow_and_update());
/// }).detach();
/// tx.send_replace(1);
/// ```
template <class T>
class Receiver {
  public:
    class ChangedFuture;
    template <class Pred>
    class WaitFor;

    Receiver(const Receiver& o) noexcept : sh_(o.sh_), seen_(o.seen_) {
        sh_->rx_cnt.fetch_add(1, std::memory_order_relaxed);  // `o` keeps the count above 0
        sh_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    Receiver(Receiver&& o) noexcept : sh_(std::exchange(o.sh_, nullptr)), seen_(o.seen_) {}
    Receiver& operator=(Receiver o) noexcept {
        std::swap(sh_, o.sh_);
        std::swap(seen_, o.seen_);
        return *this;
    }
    ~Receiver() { drop(); }

    /// Borrows the latest value without marking it seen. See `Ref`: never hold it across
    /// `co_await`.
    ///
    /// ```cpp
    /// int port = rx.borrow()->port;
    /// ```
    Ref<T> borrow() const {
        std::shared_lock rd(sh_->lock);
        const bool changed = sh_->version() != seen_;
        return Ref<T>(std::move(rd), sh_->value, changed);
    }

    /// Borrows the latest value and marks it seen: `changed()` then waits for a newer one.
    ///
    /// ```cpp
    /// auto cfg = rx.borrow_and_update();
    /// ```
    Ref<T> borrow_and_update() {
        std::shared_lock rd(sh_->lock);
        const std::uint64_t v = sh_->version();  // under the lock: the version of this value
        const bool changed = v != seen_;
        seen_ = v;
        return Ref<T>(std::move(rd), sh_->value, changed);
    }

    /// Whether a value newer than the last one seen was sent. Unlike Tokio's (which reports
    /// an error once the sender is gone), it answers the question whether or not the sender
    /// is still there; `is_closed()` tells that.
    ///
    /// ```cpp
    /// if (rx.has_changed()) reload(*rx.borrow_and_update());
    /// ```
    bool has_changed() const noexcept { return sh_->version() != seen_; }

    /// Waits for a value newer than the last one seen, and marks it seen. Its output is `true`
    /// for a new value (read it with `borrow()`/`borrow_and_update()`), `false` if the
    /// `Sender` is gone and nothing newer than the seen value was sent, so that
    /// `while (co_await rx.changed())` ends with the sender (a value sent just before the
    /// sender went is still reported first). Completes at once if a newer value is already
    /// there. Values sent in between are not seen: only the latest is kept. The future
    /// borrows the receiver: keep it alive and in place while the future lives.
    ///
    /// Cancel safety: dropping a pending `changed()` loses nothing: the value is marked seen
    /// only in the poll that returns `true`, so the next `changed()` completes at once for a
    /// value sent while the dropped one waited (`ADroppedChangedLosesNothing`).
    ///
    /// The waiting task is woken by the thread that sends (or drops the `Sender`).
    ///
    /// ```cpp
    /// while (co_await rx.changed()) apply(*rx.borrow());
    /// ```
    ChangedFuture changed() noexcept { return ChangedFuture(this); }

    /// Waits for a value for which `pred(const T&)` returns true, and returns a `Ref` to that
    /// very value (Tokio's `wait_for`), or `std::nullopt` once the `Sender` is gone and `pred`
    /// was false for its last value. `pred` is called on the current value first (even if it
    /// was seen already), then on each newer value as it is noticed, under the read lock (do
    /// not send on the channel inside it). Each value given to `pred` is marked seen. Values
    /// replaced before this receiver looked are skipped, as with `changed()`. An exception
    /// from `pred` propagates (the value it was given stays seen). The future borrows the
    /// receiver: keep it alive and in place while the future lives.
    ///
    /// The `Ref` holds the read lock, as `borrow()`'s does: **drop it before the next
    /// `co_await`** (copy out what you need), and do not hand a `wait_for` future to `spawn`,
    /// `join` or `select` in a way that keeps its output past the task's next suspension.
    ///
    /// Cancel safety: dropping a pending `wait_for` loses nothing, as Tokio's: every value seen
    /// so far (the last one included) failed `pred`, and a value sent meanwhile stays unseen
    /// for the next `changed()` or `wait_for`.
    ///
    /// The waiting task is woken by the thread that sends (or drops the `Sender`).
    ///
    /// ```cpp
    /// auto ready = [](const Config& c) { return c.ready; };
    /// if (!co_await rx.wait_for(ready)) co_return;  // the sender went before it was ready
    /// // (the Ref, a temporary, is released at the ';')
    /// ```
    template <class Pred>
    WaitFor<Pred> wait_for(Pred pred) {
        return WaitFor<Pred>(this, std::move(pred));
    }

    /// Makes `has_changed()` (and so `changed()`) true until the value is next seen.
    void mark_changed() noexcept { seen_ -= detail::watch::kVersionStep; }
    /// Marks the current value seen without borrowing it.
    void mark_unchanged() noexcept { seen_ = sh_->version(); }

    /// Whether the `Sender` is gone (the value can still be borrowed).
    bool is_closed() const noexcept {
        return (sh_->state.load(std::memory_order_acquire) & detail::watch::kClosedBit) != 0;
    }

  private:
    friend class Sender<T>;
    template <class U>
    friend std::pair<Sender<U>, Receiver<U>> channel(U);
    Receiver(detail::watch::Shared<T>* sh, std::uint64_t seen) noexcept : sh_(sh), seen_(seen) {}

    void drop() noexcept {
        if (sh_ == nullptr) return;
        // acq_rel: a closed() that sees 0 sees what the receivers did before going.
        if (sh_->rx_cnt.fetch_sub(1, std::memory_order_acq_rel) == 1) sh_->rx_gone.notify_waiters();
        std::exchange(sh_, nullptr)->release();
    }

    detail::watch::Shared<T>* sh_;
    std::uint64_t seen_;  // the version last marked seen
};

/// The future of `Receiver::changed` (see there). Movable until first polled.
template <class T>
class Receiver<T>::ChangedFuture {
  public:
    using Output = bool;
    ChangedFuture(ChangedFuture&& o) noexcept : rx_(o.rx_), pin_(o.pin_) {}
    ChangedFuture& operator=(ChangedFuture&&) = delete;

    Poll<bool> poll(Context& cx) {
        pin_.pin();
        detail::watch::Shared<T>& sh = *rx_->sh_;
        return weft::detail::poll_condition(sh.changed, notified_, cx, [&]() -> Poll<bool> {
            const std::uint64_t state = sh.state.load(std::memory_order_acquire);
            const std::uint64_t version = state & ~detail::watch::kClosedBit;
            if (version != rx_->seen_) {
                rx_->seen_ = version;
                return true;
            }
            if ((state & detail::watch::kClosedBit) != 0) return false;
            return Pending;
        });
    }

  private:
    friend class Receiver<T>;
    explicit ChangedFuture(Receiver* rx) noexcept : rx_(rx) {}
    Receiver* rx_;
    std::optional<Notified> notified_;
    [[no_unique_address]] PinCheck pin_;
};

/// The future of `Receiver::wait_for` (see there). Movable until first polled.
template <class T>
template <class Pred>
class Receiver<T>::WaitFor {
  public:
    using Output = std::optional<Ref<T>>;
    WaitFor(WaitFor&& o) noexcept(std::is_nothrow_move_constructible_v<Pred>)
        : rx_(o.rx_), pred_(std::move(o.pred_)), first_(o.first_), pin_(o.pin_) {}
    WaitFor& operator=(WaitFor&&) = delete;

    Poll<Output> poll(Context& cx) {
        pin_.pin();
        detail::watch::Shared<T>& sh = *rx_->sh_;
        return weft::detail::poll_condition(sh.changed, notified_, cx, [&]() -> Poll<Output> {
            std::uint64_t state;
            {
                // The version is bumped under the write lock, so under the read lock it names
                // the value we read.
                std::shared_lock rd(sh.lock);
                state = sh.state.load(std::memory_order_acquire);
                const std::uint64_t version = state & ~detail::watch::kClosedBit;
                const bool changed = version != rx_->seen_;
                if (first_ || changed) {
                    first_ = false;
                    rx_->seen_ = version;  // seen once pred has been given it
                    if (pred_(std::as_const(sh.value)))
                        return Output(Ref<T>(std::move(rd), sh.value, changed));
                }
            }
            if ((state & detail::watch::kClosedBit) != 0) return Output();  // pred was false
            return Pending;
        });
    }

  private:
    friend class Receiver<T>;
    WaitFor(Receiver* rx, Pred pred) : rx_(rx), pred_(std::move(pred)) {}
    Receiver* rx_;
    Pred pred_;
    bool first_ = true;  // pred not called yet: it sees the current value even if seen
    std::optional<Notified> notified_;
    [[no_unique_address]] PinCheck pin_;
};

/// The sending half of a watch channel. Move-only: one producer.
/// Dropping it closes the channel: receivers' `changed()` returns `false` once they have seen
/// the last value, and `borrow()` keeps working.
///
/// ```cpp
/// auto [tx, rx] = weft::sync::watch::channel<std::string>("initial");
/// tx.send_modify([](std::string& s) { s += "!"; });
/// ```
template <class T>
class Sender {
  public:
    class ClosedFuture;

    Sender(Sender&&) noexcept = default;
    Sender& operator=(Sender&&) noexcept = default;

    /// Replaces the value and wakes every waiting `changed()`, if there is at least one
    /// receiver; with none it fails, hands `value` back and leaves the channel alone (as
    /// Tokio's `send`). Use `send_replace` to set the value regardless.
    ///
    /// ```cpp
    /// if (!tx.send(cfg)) { /* nobody watches */ }
    /// ```
    SendResult<T> send(T value) const {
        if (sh_->rx_cnt.load(std::memory_order_acquire) == 0)
            return SendResult<T>(SendStatus::Closed, std::move(value));
        (void)send_replace(std::move(value));  // the old value goes here, outside the lock
        return SendResult<T>();
    }

    /// Replaces the value whether or not anyone watches, wakes every waiting `changed()`, and
    /// returns the old value.
    ///
    /// ```cpp
    /// Config before = tx.send_replace(cfg);
    /// ```
    T send_replace(T value) const {
        {
            std::unique_lock wr(sh_->lock);
            using std::swap;
            swap(sh_->value, value);
            sh_->state.fetch_add(detail::watch::kVersionStep, std::memory_order_release);
        }
        sh_->changed.notify_waiters();
        return value;
    }

    /// Modifies the value in place with `f(T&)` and wakes every waiting `changed()`. `f` runs
    /// under the write lock: keep it short, and do not borrow or send on this channel in it.
    /// If `f` throws, the value counts as modified all the same (it may be half changed), and
    /// the exception goes on.
    ///
    /// ```cpp
    /// tx.send_modify([](Config& c) { c.port = 8080; });
    /// ```
    template <class F>
    void send_modify(F&& f) const {
        (void)send_if_modified([&f](T& v) {
            std::forward<F>(f)(v);
            return true;
        });
    }

    /// As `send_modify`, but `f(T&)` returns whether it changed anything; only then are
    /// receivers told (Tokio's `send_if_modified`). Returns what `f` returned.
    ///
    /// ```cpp
    /// bool moved = tx.send_if_modified([](Config& c) {
    ///     if (c.port == 8080) return false;  // receivers are not told
    ///     c.port = 8080;
    ///     return true;
    /// });
    /// ```
    template <class F>
    bool send_if_modified(F&& f) const {
        bool modified = true;
        {
            std::unique_lock wr(sh_->lock);
            try {
                modified = std::forward<F>(f)(sh_->value);
            } catch (...) {
                sh_->state.fetch_add(detail::watch::kVersionStep, std::memory_order_release);
                wr.unlock();
                sh_->changed.notify_waiters();
                throw;
            }
            if (modified)
                sh_->state.fetch_add(detail::watch::kVersionStep, std::memory_order_release);
        }
        if (modified) sh_->changed.notify_waiters();
        return modified;
    }

    /// Borrows the current value (`Ref::has_changed()` is false). See `Ref`: never hold it
    /// across `co_await`, nor while sending.
    ///
    /// ```cpp
    /// int port = tx.borrow()->port;
    /// ```
    Ref<T> borrow() const {
        std::shared_lock rd(sh_->lock);
        return Ref<T>(std::move(rd), sh_->value, false);
    }

    /// A new receiver, which counts the current value as seen (Tokio's `subscribe`).
    ///
    /// ```cpp
    /// auto rx2 = tx.subscribe();
    /// ```
    Receiver<T> subscribe() const {
        sh_->rx_cnt.fetch_add(1, std::memory_order_acq_rel);
        sh_->refs.fetch_add(1, std::memory_order_relaxed);  // we hold a reference already
        std::shared_lock rd(sh_->lock);  // the version of the value now, not of one half sent
        return Receiver<T>(sh_.get(), sh_->version());
    }

    /// Live receivers.
    std::size_t receiver_count() const noexcept {
        return sh_->rx_cnt.load(std::memory_order_acquire);
    }
    /// Whether every receiver is gone (a `send` would fail).
    bool is_closed() const noexcept { return receiver_count() == 0; }

    /// A future that completes once every receiver is gone (at once if none is left). A
    /// receiver made by `subscribe` afterwards does not undo it.
    ///
    /// Cancel safety: nothing to lose; it only observes the receiver count.
    ///
    /// The waiting task is woken by the thread that drops the last receiver.
    ///
    /// ```cpp
    /// co_await weft::select(tx.closed(), produce(tx));  // stop producing when nobody watches
    /// ```
    ClosedFuture closed() const noexcept { return ClosedFuture(sh_.get()); }

  private:
    template <class U>
    friend std::pair<Sender<U>, Receiver<U>> channel(U);
    explicit Sender(detail::watch::Shared<T>* sh) noexcept : sh_(sh) {}

    // The sender's going (the `sh_` handle's deleter) closes the channel.
    struct Drop {
        void operator()(detail::watch::Shared<T>* sh) const noexcept {
            // release: a receiver that sees the bit sees the last send's version and value.
            sh->state.fetch_or(detail::watch::kClosedBit, std::memory_order_release);
            sh->changed.notify_waiters();
            sh->release();
        }
    };
    std::unique_ptr<detail::watch::Shared<T>, Drop> sh_;
};

/// The future of `Sender::closed` (see there). Movable until first polled.
template <class T>
class Sender<T>::ClosedFuture {
  public:
    using Output = void;
    ClosedFuture(ClosedFuture&& o) noexcept : sh_(o.sh_), pin_(o.pin_) {}
    ClosedFuture& operator=(ClosedFuture&&) = delete;

    Poll<void> poll(Context& cx) {
        pin_.pin();
        return weft::detail::poll_condition(sh_->rx_gone, notified_, cx, [&] {
            return sh_->rx_cnt.load(std::memory_order_acquire) == 0;
        });
    }

  private:
    friend class Sender<T>;
    explicit ClosedFuture(detail::watch::Shared<T>* sh) noexcept : sh_(sh) {}
    detail::watch::Shared<T>* sh_;  // the Sender keeps it alive: keep the Sender while this lives
    std::optional<Notified> notified_;
    [[no_unique_address]] PinCheck pin_;
};

/// Creates a watch channel holding `initial` (Tokio's `watch::channel`), with one `Sender`
/// and one `Receiver`, which counts `initial` as seen. More receivers come from copying a
/// receiver or `Sender::subscribe`.
///
/// The channel holds exactly one `T`, destroyed with the last handle; a replaced value is
/// destroyed by the send that replaced it, after the lock is released.
///
/// ```cpp
/// auto [tx, rx] = weft::sync::watch::channel<Config>(load_config());
/// ```
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(T initial) {
    auto* sh = new detail::watch::Shared<T>(std::move(initial));
    return {Sender<T>(sh), Receiver<T>(sh, 0)};
}

}  // namespace weft::sync::watch
