#pragma once
/// \file
/// `weft::sync::mpsc`: multi-producer, single-consumer channels, bounded and unbounded.

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>  // std::lock_guard
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "weft/detail/sync/spin_lock.hpp"
#include "weft/detail/sync/waiter_list.hpp"
#include "weft/detail/task/driving.hpp"
#include "weft/detail/task/spawner.hpp"
#include "weft/executor/block_on.hpp"
#include "weft/future/pin_check.hpp"
#include "weft/sync/notify.hpp"
#include "weft/sync/send_result.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"
#include "weft/task/waker.hpp"
#include "weft/time/sleep.hpp"

namespace weft::detail::mpsc {

// A sender waiting for capacity: a node inside its send (or reserve) future, which is pinned
// once polled, so the channel can link it without allocating. It wants `want` slots (1, or n
// for `reserve_many`) and collects them one by one, in queue order, as receives free them.
struct SendWaiter : weft::detail::WaiterNode<SendWaiter> {
    std::size_t want = 1;  // slots wanted
    std::size_t got = 0;   // slots handed to it so far (guarded by the channel's lock)
    bool queued = false;   // in the channel's waiter list (guarded by the channel's lock)
};

enum class Acquire { Acquired, Pending, Closed };

// The channel: a buffer, the free capacity ("permits", as in Tokio's bounded channel, which is
// a semaphore in front of a queue), a FIFO of senders waiting for a permit, and the receiver's
// waker; all under one lock. A receive that frees a slot hands the permit straight to the
// oldest waiting sender (so senders are served in order and a new send cannot overtake a
// waiting one); a waiting sender that is dropped after being handed permits passes them on.
// Wakers are woken, and replaced ones dropped, after the lock is released (a waker's wake and
// drop are user code that may re-enter the channel).
template <class T>
struct Chan {
    explicit Chan(std::size_t capacity)
        : bounded(capacity != 0), max_capacity(capacity), permits(capacity) {}

    weft::detail::SpinLock mu;  // held for a few pointer moves only; never while waking
    std::deque<T> buf;
    const bool bounded;
    const std::size_t max_capacity;                // the bound (0: unbounded)
    std::size_t permits;                           // free slots (bounded only)
    weft::detail::WaiterList<SendWaiter> waiters;  // senders waiting for a slot, oldest first
    Waker rx_waker;
    std::size_t senders = 1;
    std::size_t weak = 0;  // WeakSenders: keep the memory, not the stream
    // Permits reserved (`reserve`, `try_reserve`, ...) and neither used nor dropped yet: each
    // may still deliver a value, so a closed channel's stream ends only once this is 0 (as
    // Tokio's, whose receiver waits for the semaphore to be idle).
    std::size_t reserved = 0;
    bool rx_alive = true;
    bool closed = false;         // the receiver closed or dropped: sends fail
    sync::Notify closed_notify;  // notify_waiters once `closed` is set (Sender::closed)

    // The channel's memory goes when the last sender (strong or weak) and the receiver are
    // gone.
    bool unreferenced() const noexcept { return senders == 0 && weak == 0 && !rx_alive; }
    // The counts, for Sender/WeakSender::strong_count and weak_count.
    std::size_t strong_count() {
        std::lock_guard lock(mu);
        return senders;
    }
    std::size_t weak_count() {
        std::lock_guard lock(mu);
        return weak;
    }

    // No value can come any more: every sender is gone, or the channel was closed and no
    // reserved permit is left. (With an empty buffer, that is the end of the stream.)
    bool finished() const noexcept { return (senders == 0 || closed) && reserved == 0; }

    void link(SendWaiter* w) noexcept {
        waiters.push_back(w);
        w->queued = true;
    }
    void unlink(SendWaiter* w) noexcept {
        waiters.remove(w);
        w->queued = false;
    }

    // Takes `w.want` permits for `w`, or queues it (remembering cx's waker; the waker it
    // replaces goes to `old`, to be dropped after unlocking). With nobody ahead it takes what
    // is free now and waits for the rest. Under mu. On `Acquired` the permits are the
    // caller's (w.got is back to 0).
    Acquire acquire(SendWaiter& w, Context& cx, Waker& old) {
        if (closed) {
            if (w.queued) unlink(&w);
            permits += std::exchange(w.got, 0);  // a closed channel's permits go back
            return Acquire::Closed;
        }
        if (!w.queued && w.got < w.want && waiters.empty()) {
            const std::size_t take = std::min(permits, w.want - w.got);
            permits -= take;
            w.got += take;
        }
        if (!w.queued && w.got == w.want) {
            w.got = 0;
            return Acquire::Acquired;
        }
        old = weft::detail::replace_waker(w.waker, cx.waker());
        if (!w.queued) link(&w);
        return Acquire::Pending;
    }
    // One slot became free: to the oldest waiting sender, else to the pool. Under mu; returns
    // the waker to wake after unlocking (the waiter's, once it has all it wanted).
    Waker release_permit() noexcept {
        if (waiters.empty()) {
            ++permits;
            return {};
        }
        SendWaiter* w = waiters.front();
        if (++w->got < w->want) return {};
        unlink(w);
        return std::move(w->waker);
    }
    // `n` slots became free. Under mu; the wakers to wake after unlocking go to `out`.
    void release_permits(std::size_t n, std::vector<Waker>& out) {
        for (; n > 0; --n) {
            if (waiters.empty()) {
                permits += n;
                return;
            }
            if (Waker w = release_permit(); !w.is_noop()) out.push_back(std::move(w));
        }
    }
    // A waiting sender goes away (its future is dropped): it leaves the queue, and the slots
    // it had been handed go on to the next waiters. Under mu.
    void forget(SendWaiter& w, std::vector<Waker>& out) {
        if (w.queued) unlink(&w);
        release_permits(std::exchange(w.got, 0), out);
    }
    // Fails every waiting sender. Under mu; returns their wakers (and the caller notifies
    // closed_notify after unlocking).
    std::vector<Waker> close_senders() {
        closed = true;
        std::vector<Waker> ws;
        while (!waiters.empty()) {
            SendWaiter* w = waiters.front();
            unlink(w);
            permits += std::exchange(w->got, 0);
            ws.push_back(std::move(w->waker));
        }
        return ws;
    }
    bool is_closed() {
        std::lock_guard lock(mu);
        return closed;
    }
};

// What the send and reserve futures share: a place in the queue of senders waiting for slots.
// Its node is linked into the channel, so the future must not move once polled.
template <class T>
class SlotWait {
  protected:
    SlotWait(Chan<T>* ch, std::size_t want) noexcept : ch_(ch) { waiter_.want = want; }
    SlotWait(SlotWait&&) = default;
    // Going away: give up the place in the queue, and pass on slots it was handed.
    ~SlotWait() {
        if (!registered_) return;
        std::vector<Waker> next;
        {
            std::lock_guard lock(ch_->mu);
            ch_->forget(waiter_, next);
        }
        for (Waker& w : next)
            std::move(w).wake();
    }
    // Takes the slots or queues for them (call under ch_->mu; drop `old` after unlocking).
    Acquire acquire(Context& cx, Waker& old) {
        pin_.pin();
        Acquire a = ch_->acquire(waiter_, cx, old);
        registered_ = a == Acquire::Pending;  // done: nothing left in the channel to forget
        return a;
    }

    Chan<T>* ch_;

  private:
    SendWaiter waiter_;
    bool registered_ = false;
    [[no_unique_address]] PinCheck pin_;
};

// The sending side's counted reference to a channel: each copy is one producer, and the last
// one gone ends the stream for the receiver (after the buffered values).
template <class T>
class SenderRef {
  public:
    // Adopts a count already taken for it.
    explicit SenderRef(Chan<T>* ch) noexcept : ch_(ch) {}
    SenderRef(const SenderRef& o) noexcept : ch_(o.ch_) {
        std::lock_guard lock(ch_->mu);
        ++ch_->senders;
    }
    SenderRef(SenderRef&& o) noexcept : ch_(std::exchange(o.ch_, nullptr)) {}
    SenderRef& operator=(SenderRef o) noexcept {
        std::swap(ch_, o.ch_);
        return *this;
    }
    ~SenderRef() {
        if (ch_ == nullptr) return;
        Waker rx;
        bool free_it;
        {
            std::lock_guard lock(ch_->mu);
            if (--ch_->senders == 0) rx = std::move(ch_->rx_waker);  // end of stream
            free_it = ch_->unreferenced();
        }
        std::move(rx).wake();
        if (free_it) delete ch_;
    }
    Chan<T>* get() const noexcept { return ch_; }
    Chan<T>* operator->() const noexcept { return ch_; }
    bool is_closed() const { return ch_->is_closed(); }
    std::size_t strong_count() const { return ch_->strong_count(); }
    std::size_t weak_count() const { return ch_->weak_count(); }

  private:
    Chan<T>* ch_;
};

// A weak sender's reference: keeps the channel's memory, not its stream open.
template <class T>
class WeakRef {
  public:
    explicit WeakRef(Chan<T>* ch) noexcept : ch_(ch) {
        std::lock_guard lock(ch_->mu);
        ++ch_->weak;
    }
    WeakRef(const WeakRef& o) noexcept : WeakRef(o.ch_) {}
    WeakRef& operator=(WeakRef o) noexcept {
        std::swap(ch_, o.ch_);
        return *this;
    }
    ~WeakRef() {
        bool free_it;
        {
            std::lock_guard lock(ch_->mu);
            --ch_->weak;
            free_it = ch_->unreferenced();
        }
        if (free_it) delete ch_;
    }
    // A new strong count, if a sender is still alive.
    Chan<T>* upgrade() const noexcept {
        std::lock_guard lock(ch_->mu);
        if (ch_->senders == 0) return nullptr;
        ++ch_->senders;
        return ch_;
    }
    std::size_t strong_count() const { return ch_->strong_count(); }
    std::size_t weak_count() const { return ch_->weak_count(); }

  private:
    Chan<T>* ch_;
};

// The future of `closed()` on either sender: completes once the receiver is closed or gone.
template <class T>
class ClosedFuture {
  public:
    using Output = void;
    explicit ClosedFuture(Chan<T>* ch) noexcept : ch_(ch) {}
    ClosedFuture(ClosedFuture&&) = default;

    Poll<void> poll(Context& cx) {
        return poll_condition(ch_->closed_notify, notified_, cx, [&] { return ch_->is_closed(); });
    }

  private:
    Chan<T>* ch_;
    std::optional<sync::Notified> notified_;
};

}  // namespace weft::detail::mpsc

namespace weft::sync::mpsc {

template <class T>
class Receiver;
template <class T>
class Sender;
template <class T>
class UnboundedSender;
}  // namespace weft::sync::mpsc

namespace weft::detail::mpsc {
// What WeakSender and WeakUnboundedSender share: a weak reference that upgrades to `Strong`.
template <class T, class Strong>
class WeakSenderOf {
  public:
    /// A sender, if any strong sender of the channel is still alive.
    std::optional<Strong> upgrade() const {
        Chan<T>* ch = ref_.upgrade();
        if (ch == nullptr) return std::nullopt;
        return Strong(ch);
    }
    std::size_t strong_count() const { return ref_.strong_count(); }
    std::size_t weak_count() const { return ref_.weak_count(); }

  protected:
    explicit WeakSenderOf(Chan<T>* ch) : ref_(ch) {}

  private:
    WeakRef<T> ref_;
};
}  // namespace weft::detail::mpsc

namespace weft::sync::mpsc {

template <class T>
class WeakSender;
template <class T>
class WeakUnboundedSender;

/// The outcome of `Sender::try_reserve` (and `try_reserve_many`, `try_reserve_owned`): the
/// permit, or why there is none (Tokio's `Result<Permit, TrySendError<()>>`): `is_full()` (no
/// capacity now, or other senders are waiting for it) or `is_closed()` (the receiver is
/// closed or gone). `try_reserve_owned` hands its `Sender` back on failure (`into_inner()`),
/// as Tokio's `TrySendError<Sender>` does.
///
/// ```cpp
/// if (auto p = tx.try_reserve()) std::move(*p).send(v);
/// else if (p.is_full()) shed_load();
/// ```
template <class P, class Back = std::monostate>
class [[nodiscard]] TryReserveResult {
  public:
    explicit TryReserveResult(P permit) : status_(SendStatus::Sent), permit_(std::move(permit)) {}
    TryReserveResult(SendStatus status, Back back) : status_(status), back_(std::move(back)) {}

    /// Whether it holds the permit.
    bool ok() const noexcept { return status_ == SendStatus::Sent; }
    explicit operator bool() const noexcept { return ok(); }
    SendStatus status() const noexcept { return status_; }
    bool is_full() const noexcept { return status_ == SendStatus::Full; }
    bool is_closed() const noexcept { return status_ == SendStatus::Closed; }

    /// The permit (only when `ok()`).
    P& operator*() noexcept {
        assert(ok());
        return *permit_;
    }
    P* operator->() noexcept { return &**this; }
    P into_permit() && {
        assert(ok());
        return std::move(*permit_);
    }
    /// What a failed `try_reserve_owned` hands back: its `Sender` (only when `!ok()`).
    Back into_inner() && {
        assert(!ok());
        return std::move(*back_);
    }

  private:
    SendStatus status_;
    std::optional<P> permit_;
    std::optional<Back> back_;
};

/// What `Receiver::try_recv` got (Tokio's `Result<T, TryRecvError>`): a value, or
/// `is_empty()` (nothing buffered now; the channel is open) or `is_disconnected()` (nothing
/// buffered and nothing can come any more: every sender is gone, or the channel was closed
/// and no reserved permit is left). Converts to `true` only with a value, so
/// `while (auto v = rx.try_recv())` drains what is buffered.
///
/// ```cpp
/// auto r = rx.try_recv();
/// if (r) use(*r);
/// else if (r.is_disconnected()) finish();
/// ```
template <class T>
class [[nodiscard]] TryRecvResult {
  public:
    enum class Status { Received, Empty, Disconnected };

    explicit TryRecvResult(T value) : status_(Status::Received), value_(std::move(value)) {}
    static TryRecvResult empty() noexcept { return TryRecvResult(Status::Empty); }
    static TryRecvResult disconnected() noexcept { return TryRecvResult(Status::Disconnected); }

    bool has_value() const noexcept { return status_ == Status::Received; }
    explicit operator bool() const noexcept { return has_value(); }
    Status status() const noexcept { return status_; }
    /// Nothing buffered now, but the channel is open (Tokio's `TryRecvError::Empty`).
    bool is_empty() const noexcept { return status_ == Status::Empty; }
    /// Nothing buffered and nothing can come (Tokio's `TryRecvError::Disconnected`).
    bool is_disconnected() const noexcept { return status_ == Status::Disconnected; }

    /// The value (only when `has_value()`).
    T& value() & noexcept {
        assert(has_value());
        return *value_;
    }
    T&& value() && noexcept {
        assert(has_value());
        return std::move(*value_);
    }
    T& operator*() & noexcept { return value(); }
    T&& operator*() && noexcept { return std::move(*this).value(); }
    T* operator->() noexcept { return &value(); }
    /// The value as an optional (empty for both errors), like Rust's `.ok()`.
    std::optional<T> into_optional() && { return std::move(value_); }

  private:
    explicit TryRecvResult(Status s) noexcept : status_(s) {}
    Status status_;
    std::optional<T> value_;
};

}  // namespace weft::sync::mpsc

namespace weft::detail::mpsc {

// A reserved slot delivers its value: into the buffer, even after `close()` (the receiver
// waits for it), or straight to destruction if the receiver is gone.
template <class T>
void permit_send(Chan<T>* ch, T value) {
    Waker rx;
    std::optional<T> unread;  // the receiver is gone: destroyed after the lock
    {
        std::lock_guard lock(ch->mu);
        --ch->reserved;
        if (ch->rx_alive) {
            ch->buf.push_back(std::move(value));
            rx = std::move(ch->rx_waker);
        } else {
            unread.emplace(std::move(value));
        }
    }
    std::move(rx).wake();
}
// `n` reserved slots given back unused: to the waiting senders or the pool; the last one of a
// closed channel ends the stream for a receiver waiting on it.
template <class T>
void permit_release(Chan<T>* ch, std::size_t n) noexcept {
    std::vector<Waker> next;
    Waker rx;
    {
        std::lock_guard lock(ch->mu);
        ch->reserved -= n;
        if (n == 1) {
            if (Waker w = ch->release_permit(); !w.is_noop()) next.push_back(std::move(w));
        } else {
            ch->release_permits(n, next);
        }
        if (ch->finished()) rx = std::move(ch->rx_waker);
    }
    for (Waker& w : next)
        std::move(w).wake();
    std::move(rx).wake();
}

}  // namespace weft::detail::mpsc

namespace weft::sync::mpsc {

/// A reserved slot in a bounded channel (made by `Sender::reserve` or `try_reserve`): `send`
/// delivers without waiting and cannot fail; dropping the permit unused gives the slot back.
/// It borrows the channel from its `Sender`: keep the `Sender` alive while it lives (or use
/// `reserve_owned`).
///
/// A permit reserved before the receiver's `close()` still delivers: the receiver gets its
/// value before the end of the stream, as in Tokio.
///
/// ```cpp
/// if (auto p = co_await tx.reserve()) std::move(*p).send(make_value());
/// ```
template <class T>
class [[nodiscard]] Permit {
  public:
    Permit(Permit&& o) noexcept : ch_(std::exchange(o.ch_, nullptr)) {}
    Permit& operator=(Permit&&) = delete;
    ~Permit() {
        if (ch_ != nullptr) detail::mpsc::permit_release(ch_, 1);
    }

    /// Delivers `value` into the reserved slot (dropped at once if the receiver is gone).
    void send(T value) && {
        detail::mpsc::permit_send(std::exchange(ch_, nullptr), std::move(value));
    }

  private:
    friend class Sender<T>;
    template <class U>
    friend class PermitIterator;
    explicit Permit(detail::mpsc::Chan<T>* ch) noexcept : ch_(ch) {}
    detail::mpsc::Chan<T>* ch_;  // the Sender the permit came from keeps the channel alive
};

/// `n` reserved slots (made by `Sender::reserve_many` or `try_reserve_many`), taken one
/// `Permit` at a time with `next()` (Tokio's `PermitIterator`). Those not taken go back to
/// the channel when it is dropped. Borrows the channel from its `Sender`, as `Permit`.
///
/// ```cpp
/// if (auto ps = co_await tx.reserve_many(3))
///     while (auto p = ps->next()) std::move(*p).send(next_value());
/// ```
template <class T>
class [[nodiscard]] PermitIterator {
  public:
    PermitIterator(PermitIterator&& o) noexcept
        : ch_(std::exchange(o.ch_, nullptr)), n_(std::exchange(o.n_, 0)) {}
    PermitIterator& operator=(PermitIterator&&) = delete;
    ~PermitIterator() {
        if (ch_ != nullptr && n_ != 0) detail::mpsc::permit_release(ch_, n_);
    }

    /// The next permit, or `std::nullopt` once all were taken.
    std::optional<Permit<T>> next() {
        if (n_ == 0) return std::nullopt;
        --n_;
        return Permit<T>(ch_);
    }
    /// Permits left to take.
    std::size_t size() const noexcept { return n_; }

  private:
    friend class Sender<T>;
    PermitIterator(detail::mpsc::Chan<T>* ch, std::size_t n) noexcept : ch_(ch), n_(n) {}
    detail::mpsc::Chan<T>* ch_;
    std::size_t n_;
};

/// A reserved slot that owns its `Sender` (made by `Sender::reserve_owned` or
/// `try_reserve_owned`), so it can move into another task; `send` and `release` hand the
/// `Sender` back (Tokio's `OwnedPermit`).
///
/// ```cpp
/// auto p = co_await std::move(tx).reserve_owned();
/// if (p) tx = std::move(*p).send(42);
/// ```
template <class T>
class [[nodiscard]] OwnedPermit {
  public:
    OwnedPermit(OwnedPermit&& o) noexcept : tx_(std::move(o.tx_)) { o.tx_.reset(); }
    OwnedPermit& operator=(OwnedPermit&&) = delete;
    ~OwnedPermit() {
        if (tx_) detail::mpsc::permit_release(ch(), 1);
    }

    /// Delivers `value` into the reserved slot and gives the `Sender` back.
    Sender<T> send(T value) && {
        detail::mpsc::permit_send(ch(), std::move(value));
        return take();
    }
    /// Gives the slot back unused, and the `Sender`.
    Sender<T> release() && {
        detail::mpsc::permit_release(ch(), 1);
        return take();
    }

  private:
    friend class Sender<T>;
    explicit OwnedPermit(Sender<T> tx) : tx_(std::move(tx)) {}
    detail::mpsc::Chan<T>* ch() const noexcept { return tx_->ch_.get(); }
    Sender<T> take() {
        Sender<T> tx = std::move(*tx_);
        tx_.reset();
        return tx;
    }
    std::optional<Sender<T>> tx_;
};

/// The sending half of a bounded channel. Copy it to get more producers; the channel closes
/// for the receiver (after the buffered values) when every copy is gone.
///
/// ```cpp
/// auto [tx, rx] = weft::sync::mpsc::channel<int>(1024);
/// weft::spawn([tx = std::move(tx)]() -> weft::Task<void> {
///     for (int i = 0; i < 10; ++i) (void)co_await tx.send(i);
/// }).detach();  // the only Sender: the loop below ends when the task does
/// while (auto v = co_await rx.recv()) use(*v);
/// ```
template <class T>
class Sender {
  public:
    class SendFuture;
    class SendTimeoutFuture;
    class ReserveFuture;
    class ReserveManyFuture;
    class ReserveOwnedFuture;
    using ClosedFuture = detail::mpsc::ClosedFuture<T>;

    /// Sends `value`, waiting for capacity. Its output says whether the value was delivered;
    /// it fails (handing the value back) when the receiver is closed or dropped.
    ///
    /// Cancel safety: dropping a pending send sends nothing (the value is dropped with the
    /// future) and gives up its place in the queue of waiting senders; a slot it had just
    /// been handed goes to the next waiting sender.
    SendFuture send(T value) const { return SendFuture(ch_.get(), std::move(value)); }

    /// As `send`, giving up after `timeout`: then the output `is_timeout()` and hands the
    /// value back (Tokio's `send_timeout` and its `SendTimeoutError::Timeout(T)`). The clock
    /// starts at the first poll (as `weft::time::timeout`'s). Needs a runtime's timer (throws
    /// `std::logic_error` at the first poll without one).
    ///
    /// Cancel safety: as `send`; on timeout the value comes back and nothing was sent.
    ///
    /// ```cpp
    /// auto r = co_await tx.send_timeout(std::move(job), 100ms);
    /// if (r.is_timeout()) requeue(std::move(r).into_value());
    /// ```
    template <class Rep, class Period>
    SendTimeoutFuture send_timeout(T value, std::chrono::duration<Rep, Period> timeout) const {
        return SendTimeoutFuture(ch_.get(), std::move(value),
                                 std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
    }

    /// Sends without waiting: `SendStatus::Full` if there is no capacity now (or other
    /// senders are waiting for it), `Closed` if the receiver is gone.
    SendResult<T> try_send(T value) const {
        Waker rx;
        {
            std::lock_guard lock(ch_->mu);
            if (ch_->closed) return {SendStatus::Closed, std::move(value)};
            if (!ch_->waiters.empty() || ch_->permits == 0)
                return {SendStatus::Full, std::move(value)};
            --ch_->permits;
            ch_->buf.push_back(std::move(value));
            rx = std::move(ch_->rx_waker);
        }
        std::move(rx).wake();
        return {};
    }

    /// Sends from a plain thread, blocking it until there is capacity (Tokio's
    /// `blocking_send`). Throws `std::logic_error` if called inside an async context (a
    /// runtime's task or `block_on`, a `LocalExecutor`), where blocking would stall the other
    /// tasks, as Tokio panics: there, `co_await send(v)`, or move the work to
    /// `weft::spawn_blocking`.
    ///
    /// ```cpp
    /// std::thread producer([tx] { for (int i = 0; i < 10; ++i) (void)tx.blocking_send(i); });
    /// ```
    SendResult<T> blocking_send(T value) const {
        weft::detail::refuse_blocking_in_async("weft::sync::mpsc::Sender::blocking_send");
        return weft::block_on(send(std::move(value)));
    }

    /// Waits for a slot and reserves it; the output is the `Permit`, or `std::nullopt` if the
    /// receiver is gone. Cancel safety: as `send` (no slot is kept by a dropped reserve).
    ReserveFuture reserve() const { return ReserveFuture(ch_.get()); }

    /// Waits for `n` slots at once and reserves them (Tokio's `reserve_many`): the output is a
    /// `PermitIterator` of `n` permits, or `std::nullopt` if the receiver is gone or `n` is
    /// more than `max_capacity()`. Slots are handed out in queue order, so a large request is
    /// filled bit by bit and is not starved by single sends behind it.
    ///
    /// Cancel safety: dropping it gives up its place, and the slots it had already been handed
    /// go on to the next waiting senders.
    ///
    /// ```cpp
    /// if (auto ps = co_await tx.reserve_many(2)) {
    ///     std::move(*ps->next()).send(header);
    ///     std::move(*ps->next()).send(body);
    /// }
    /// ```
    ReserveManyFuture reserve_many(std::size_t n) const { return ReserveManyFuture(ch_.get(), n); }

    /// Reserves a slot without waiting: the permit, `is_full()` (no capacity now, or senders
    /// waiting for it), or `is_closed()` (Tokio's `try_reserve`).
    TryReserveResult<Permit<T>> try_reserve() const {
        SendStatus st = try_take(1);
        if (st != SendStatus::Sent) return {st, std::monostate{}};
        return TryReserveResult<Permit<T>>(Permit<T>(ch_.get()));
    }

    /// Reserves `n` slots without waiting (Tokio's `try_reserve_many`); `is_full()` also when
    /// `n` is more than `max_capacity()`.
    TryReserveResult<PermitIterator<T>> try_reserve_many(std::size_t n) const {
        SendStatus st = n > max_capacity() ? SendStatus::Full : try_take(n);
        if (st != SendStatus::Sent) return {st, std::monostate{}};
        return TryReserveResult<PermitIterator<T>>(PermitIterator<T>(ch_.get(), n));
    }

    /// As `reserve`, with a permit that owns this `Sender` (Tokio's `reserve_owned`), so it
    /// can outlive the scope or move to another task; `std::nullopt` (and the `Sender` gone)
    /// if the receiver is. Cancel safety: as `reserve`; the `Sender` goes with the future.
    ///
    /// ```cpp
    /// auto p = co_await tx.clone().reserve_owned();  // tx itself stays
    /// ```
    ReserveOwnedFuture reserve_owned() && { return ReserveOwnedFuture(std::move(*this)); }

    /// As `try_reserve`, with an owning permit; on failure the `Sender` comes back through
    /// `into_inner()` (Tokio's `try_reserve_owned`).
    TryReserveResult<OwnedPermit<T>, Sender> try_reserve_owned() && {
        SendStatus st = try_take(1);
        if (st != SendStatus::Sent) return {st, std::move(*this)};
        return TryReserveResult<OwnedPermit<T>, Sender>(OwnedPermit<T>(std::move(*this)));
    }

    /// A copy of this sender (one more producer), for the `&&` methods: `tx.clone()`.
    Sender clone() const { return *this; }

    /// Free slots now: `max_capacity()` minus buffered values and reserved permits (Tokio's
    /// `capacity`). A snapshot: other senders and the receiver change it at any time.
    std::size_t capacity() const {
        std::lock_guard lock(ch_->mu);
        return ch_->permits;
    }
    /// The bound the channel was made with (Tokio's `max_capacity`).
    std::size_t max_capacity() const noexcept { return ch_->max_capacity; }

    /// Whether the receiver was closed or dropped.
    bool is_closed() const { return ch_.is_closed(); }

    /// Completes once the receiver is closed or dropped (Tokio's `Sender::closed`): for a
    /// producer that should stop its work when nobody listens any more.
    ///
    /// Cancel safety: nothing to lose; it only observes the channel. It borrows the channel
    /// from this `Sender`: keep the `Sender` alive while it lives.
    ///
    /// ```cpp
    /// co_await weft::select(tx.closed(), produce(tx));  // stop producing when rx goes
    /// ```
    ClosedFuture closed() const noexcept { return ClosedFuture(ch_.get()); }

    /// A `WeakSender`: it does not keep the stream open, and `upgrade()` gives a `Sender` back
    /// while another one lives (Tokio's `downgrade`).
    WeakSender<T> downgrade() const { return WeakSender<T>(ch_.get()); }
    /// Live `Sender`s of this channel (Tokio's `strong_count`).
    std::size_t strong_count() const { return ch_.strong_count(); }
    /// Live `WeakSender`s of this channel (Tokio's `weak_count`).
    std::size_t weak_count() const { return ch_.weak_count(); }
    /// Whether both send on the same channel.
    bool same_channel(const Sender& o) const noexcept { return ch_.get() == o.ch_.get(); }

  private:
    template <class U>
    friend std::pair<Sender<U>, Receiver<U>> channel(std::size_t);
    friend class WeakSender<T>;
    friend class detail::mpsc::WeakSenderOf<T, Sender<T>>;
    friend class OwnedPermit<T>;
    explicit Sender(detail::mpsc::Chan<T>* ch) noexcept : ch_(ch) {}

    // Takes n free slots as reserved permits, if no sender is waiting ahead.
    SendStatus try_take(std::size_t n) const {
        std::lock_guard lock(ch_->mu);
        if (ch_->closed) return SendStatus::Closed;
        if (!ch_->waiters.empty() || ch_->permits < n) return SendStatus::Full;
        ch_->permits -= n;
        ch_->reserved += n;
        return SendStatus::Sent;
    }

    detail::mpsc::SenderRef<T> ch_;
};

/// The future of `Sender::send`. It borrows the channel from the `Sender` (as Tokio's does):
/// keep the `Sender` alive while the future lives.
template <class T>
class Sender<T>::SendFuture : private detail::mpsc::SlotWait<T> {
  public:
    using Output = SendResult<T>;
    SendFuture(SendFuture&&) = default;

    Poll<SendResult<T>> poll(Context& cx) {
        detail::mpsc::Chan<T>* ch = this->ch_;
        Waker rx, old;  // both dropped or woken after the lock is released
        {
            std::lock_guard lock(ch->mu);
            detail::mpsc::Acquire a = this->acquire(cx, old);
            if (a == detail::mpsc::Acquire::Pending) return Pending;
            if (a == detail::mpsc::Acquire::Closed) {
                return SendResult<T>(SendStatus::Closed, std::move(*value_));
            }
            ch->buf.push_back(std::move(*value_));
            rx = std::move(ch->rx_waker);
        }
        std::move(rx).wake();
        return SendResult<T>();
    }

  private:
    friend class Sender<T>;
    friend class Sender<T>::SendTimeoutFuture;
    SendFuture(detail::mpsc::Chan<T>* ch, T value)
        : detail::mpsc::SlotWait<T>(ch, 1), value_(std::move(value)) {}
    std::optional<T> value_;
};

/// The future of `Sender::send_timeout`; borrows the channel as `SendFuture` does.
template <class T>
class Sender<T>::SendTimeoutFuture {
  public:
    using Output = SendResult<T>;
    SendTimeoutFuture(SendTimeoutFuture&&) = default;

    Poll<SendResult<T>> poll(Context& cx) {
        Poll<SendResult<T>> p = send_.poll(cx);
        if (p.is_ready()) return p;
        if (!sleep_) sleep_.emplace(weft::time::sleep(timeout_));
        if (sleep_->poll(cx).is_pending()) return Pending;
        // Out of time: the value comes back; dropping send_ with this future gives up its
        // place (and passes on a slot it may have just been handed).
        return SendResult<T>(SendStatus::Timeout, std::move(*send_.value_));
    }

  private:
    friend class Sender<T>;
    SendTimeoutFuture(detail::mpsc::Chan<T>* ch, T value, std::chrono::nanoseconds timeout)
        : send_(ch, std::move(value)), timeout_(timeout) {}
    SendFuture send_;
    std::chrono::nanoseconds timeout_;
    std::optional<weft::time::Sleep> sleep_;
};

/// The future of `Sender::reserve`; keep the `Sender` alive while it and its permit live.
template <class T>
class Sender<T>::ReserveFuture : private detail::mpsc::SlotWait<T> {
  public:
    using Output = std::optional<Permit<T>>;
    ReserveFuture(ReserveFuture&&) = default;

    Poll<std::optional<Permit<T>>> poll(Context& cx) {
        Waker old;  // the waker replaced: dropped after the lock is released
        std::lock_guard lock(this->ch_->mu);
        detail::mpsc::Acquire a = this->acquire(cx, old);
        if (a == detail::mpsc::Acquire::Pending) return Pending;
        if (a == detail::mpsc::Acquire::Closed) return std::optional<Permit<T>>();
        ++this->ch_->reserved;
        return std::optional<Permit<T>>(Permit<T>(this->ch_));
    }

  private:
    friend class Sender<T>;
    explicit ReserveFuture(detail::mpsc::Chan<T>* ch) : detail::mpsc::SlotWait<T>(ch, 1) {}
};

/// The future of `Sender::reserve_many`; keep the `Sender` alive while it and its permits
/// live.
template <class T>
class Sender<T>::ReserveManyFuture : private detail::mpsc::SlotWait<T> {
  public:
    using Output = std::optional<PermitIterator<T>>;
    ReserveManyFuture(ReserveManyFuture&&) = default;

    Poll<std::optional<PermitIterator<T>>> poll(Context& cx) {
        if (n_ > this->ch_->max_capacity) return std::optional<PermitIterator<T>>();
        Waker old;  // the waker replaced: dropped after the lock is released
        std::lock_guard lock(this->ch_->mu);
        detail::mpsc::Acquire a = this->acquire(cx, old);
        if (a == detail::mpsc::Acquire::Pending) return Pending;
        if (a == detail::mpsc::Acquire::Closed) return std::optional<PermitIterator<T>>();
        this->ch_->reserved += n_;
        return std::optional<PermitIterator<T>>(PermitIterator<T>(this->ch_, n_));
    }

  private:
    friend class Sender<T>;
    ReserveManyFuture(detail::mpsc::Chan<T>* ch, std::size_t n)
        : detail::mpsc::SlotWait<T>(ch, n > ch->max_capacity ? 0 : n), n_(n) {}
    std::size_t n_;
};

}  // namespace weft::sync::mpsc

namespace weft::detail::mpsc {
// Holds the Sender of a `reserve_owned` future; a base before SlotWait, so that it is
// destroyed after it (the Sender keeps the channel alive for SlotWait's destructor).
template <class T>
struct OwnedSender {
    explicit OwnedSender(sync::mpsc::Sender<T> tx) : tx_(std::move(tx)) {}
    OwnedSender(OwnedSender&&) = default;
    std::optional<sync::mpsc::Sender<T>> tx_;
};
}  // namespace weft::detail::mpsc

namespace weft::sync::mpsc {

/// The future of `Sender::reserve_owned`: it owns the `Sender`.
template <class T>
class Sender<T>::ReserveOwnedFuture : private detail::mpsc::OwnedSender<T>,
                                      private detail::mpsc::SlotWait<T> {
  public:
    using Output = std::optional<OwnedPermit<T>>;
    ReserveOwnedFuture(ReserveOwnedFuture&&) = default;

    Poll<std::optional<OwnedPermit<T>>> poll(Context& cx) {
        {
            Waker old;  // the waker replaced: dropped after the lock is released
            std::lock_guard lock(this->ch_->mu);
            detail::mpsc::Acquire a = this->acquire(cx, old);
            if (a == detail::mpsc::Acquire::Pending) return Pending;
            if (a == detail::mpsc::Acquire::Closed) return std::optional<OwnedPermit<T>>();
            ++this->ch_->reserved;
        }
        OwnedPermit<T> p(std::move(*this->tx_));
        this->tx_.reset();
        return std::optional<OwnedPermit<T>>(std::move(p));
    }

  private:
    friend class Sender<T>;
    explicit ReserveOwnedFuture(Sender<T> tx)
        : detail::mpsc::OwnedSender<T>(std::move(tx)),
          detail::mpsc::SlotWait<T>(this->tx_->ch_.get(), 1) {}
};

/// The sending half of an unbounded channel: `send` never waits. Copy it for more producers.
///
/// ```cpp
/// auto [tx, rx] = weft::sync::mpsc::unbounded_channel<std::string>();
/// (void)tx.send("hello");
/// auto v = co_await rx.recv();  // "hello"
/// ```
template <class T>
class UnboundedSender {
  public:
    using ClosedFuture = detail::mpsc::ClosedFuture<T>;

    /// Queues `value` at once; fails (handing it back) if the receiver is closed or dropped.
    SendResult<T> send(T value) const {
        Waker rx;
        {
            std::lock_guard lock(ch_->mu);
            if (ch_->closed) return {SendStatus::Closed, std::move(value)};
            ch_->buf.push_back(std::move(value));
            rx = std::move(ch_->rx_waker);
        }
        std::move(rx).wake();
        return {};
    }

    /// Whether the receiver was closed or dropped.
    bool is_closed() const { return ch_.is_closed(); }

    /// Completes once the receiver is closed or dropped (Tokio's `UnboundedSender::closed`).
    /// Cancel safety: nothing to lose. Borrows the channel from this sender.
    ClosedFuture closed() const noexcept { return ClosedFuture(ch_.get()); }

    /// A `WeakUnboundedSender` (Tokio's `downgrade`): see `WeakSender`.
    WeakUnboundedSender<T> downgrade() const { return WeakUnboundedSender<T>(ch_.get()); }
    /// Live `UnboundedSender`s of this channel.
    std::size_t strong_count() const { return ch_.strong_count(); }
    /// Live `WeakUnboundedSender`s of this channel.
    std::size_t weak_count() const { return ch_.weak_count(); }
    /// Whether both send on the same channel.
    bool same_channel(const UnboundedSender& o) const noexcept { return ch_.get() == o.ch_.get(); }

  private:
    template <class U>
    friend std::pair<UnboundedSender<U>, Receiver<U>> unbounded_channel();
    friend class WeakUnboundedSender<T>;
    friend class detail::mpsc::WeakSenderOf<T, UnboundedSender<T>>;
    explicit UnboundedSender(detail::mpsc::Chan<T>* ch) noexcept : ch_(ch) {}
    detail::mpsc::SenderRef<T> ch_;
};

/// A sender that does not keep the channel open (Tokio's `WeakSender`): the stream ends when
/// the last `Sender` goes, whatever weak ones remain. `upgrade()` gives a `Sender` while
/// another one still lives, `std::nullopt` after. For a registry or a cache that must not
/// keep a consumer alive by itself holding its channel.
///
/// ```cpp
/// auto weak = tx.downgrade();
/// if (auto tx2 = weak.upgrade()) (void)tx2->try_send(1);
/// ```
template <class T>
class WeakSender : public detail::mpsc::WeakSenderOf<T, Sender<T>> {
    friend class Sender<T>;
    explicit WeakSender(detail::mpsc::Chan<T>* ch) : detail::mpsc::WeakSenderOf<T, Sender<T>>(ch) {}
};

/// `WeakSender` for an unbounded channel (Tokio's `WeakUnboundedSender`).
template <class T>
class WeakUnboundedSender : public detail::mpsc::WeakSenderOf<T, UnboundedSender<T>> {
    friend class UnboundedSender<T>;
    explicit WeakUnboundedSender(detail::mpsc::Chan<T>* ch)
        : detail::mpsc::WeakSenderOf<T, UnboundedSender<T>>(ch) {}
};

/// The receiving half of an mpsc channel (bounded or unbounded). Move-only: one consumer.
///
/// It is also a `weft::stream::Stream` of `T` (`poll_next` is `poll_recv`), as Tokio's is
/// through `ReceiverStream`: stream combinators take it directly.
///
/// ```cpp
/// auto [tx, rx] = weft::sync::mpsc::channel<int>(8);
/// while (auto v = co_await weft::stream::next(rx)) use(*v);
/// ```
template <class T>
class Receiver {
  public:
    /// As a `Stream`: the values, until the end of the channel.
    using Item = T;

    Receiver(Receiver&&) noexcept = default;
    Receiver& operator=(Receiver&&) noexcept = default;

    /// The future of `recv`.
    class RecvFuture {
      public:
        using Output = std::optional<T>;
        Poll<std::optional<T>> poll(Context& cx) { return rx_->poll_recv(cx); }

      private:
        friend class Receiver;
        explicit RecvFuture(Receiver* rx) noexcept : rx_(rx) {}
        Receiver* rx_;
    };

    /// The next value; `std::nullopt` once every sender is gone (or the receiver was closed)
    /// and the buffer is empty.
    ///
    /// Cancel safety: dropping a pending `recv` loses no value: a value is taken out of the
    /// channel only in the poll that returns it.
    RecvFuture recv() noexcept { return RecvFuture(this); }

    /// Polls for the next value (for hand-written futures and streams).
    Poll<std::optional<T>> poll_recv(Context& cx) {
        Waker next, old;  // woken / dropped after the lock is released
        std::optional<T> v;
        {
            std::lock_guard lock(ch_->mu);
            if (ch_->buf.empty()) {
                // The end, built in place from nullopt: moving an empty std::optional<int> in
                // copies its unset payload, which GCC 12 at -O3 reports as maybe-uninitialized.
                if (ch_->finished()) return Poll<std::optional<T>>(std::nullopt);
                old = weft::detail::replace_waker(ch_->rx_waker, cx.waker());
                return Pending;
            }
            v.emplace(std::move(ch_->buf.front()));
            ch_->buf.pop_front();
            if (ch_->bounded) next = ch_->release_permit();
        }
        std::move(next).wake();
        return v;
    }

    /// The future of `recv_many`.
    class RecvManyFuture {
      public:
        using Output = std::size_t;
        Poll<std::size_t> poll(Context& cx) { return rx_->poll_recv_many(cx, *out_, limit_); }

      private:
        friend class Receiver;
        RecvManyFuture(Receiver* rx, std::vector<T>* out, std::size_t limit) noexcept
            : rx_(rx), out_(out), limit_(limit) {}
        Receiver* rx_;
        std::vector<T>* out_;
        std::size_t limit_;
    };

    /// Waits for at least one value, then appends every buffered value, up to `limit`, to
    /// `out`, and gives how many it appended (Tokio's `recv_many`). 0 means the stream has
    /// ended (as `recv`'s `std::nullopt`), or that `limit` was 0. One lock and one wake-up for
    /// a whole batch: a consumer that can handle values in bulk (write them with one syscall,
    /// insert them in one transaction) pays per batch instead of per value.
    ///
    /// Cancel safety: as `recv`, dropping it loses no value; values are moved into `out` only
    /// in the poll that completes it. `out` must outlive the future.
    ///
    /// ```cpp
    /// std::vector<Event> batch;
    /// while (co_await rx.recv_many(batch, 64) != 0) {
    ///     co_await write_all(batch);
    ///     batch.clear();
    /// }
    /// ```
    RecvManyFuture recv_many(std::vector<T>& out, std::size_t limit) noexcept {
        return RecvManyFuture(this, &out, limit);
    }

    /// Polls for `recv_many` (for hand-written futures and streams).
    Poll<std::size_t> poll_recv_many(Context& cx, std::vector<T>& out, std::size_t limit) {
        if (limit == 0) return std::size_t{0};
        std::vector<Waker> next;
        Waker old;  // the waker replaced: dropped after the lock is released
        std::size_t n = 0;
        {
            std::lock_guard lock(ch_->mu);
            if (ch_->buf.empty()) {
                if (ch_->finished()) return std::size_t{0};
                old = weft::detail::replace_waker(ch_->rx_waker, cx.waker());
                return Pending;
            }
            n = std::min(limit, ch_->buf.size());
            out.reserve(out.size() + n);  // may throw: nothing taken yet
            for (std::size_t i = 0; i < n; ++i) {
                out.push_back(std::move(ch_->buf.front()));
                ch_->buf.pop_front();
                if (ch_->bounded) {
                    if (Waker w = ch_->release_permit(); !w.is_noop()) next.push_back(std::move(w));
                }
            }
        }
        for (Waker& w : next)
            std::move(w).wake();
        return n;
    }

    /// As a `Stream` (`weft::stream::Stream`): `poll_recv`.
    Poll<std::optional<T>> poll_next(Context& cx) { return poll_recv(cx); }

    /// The next value if one is buffered now, without waiting (Tokio's `try_recv`): else
    /// `is_empty()` (the channel is open; a value may come) or `is_disconnected()` (nothing
    /// will: every sender is gone, or the channel was closed and no reserved permit is left).
    ///
    /// ```cpp
    /// while (auto v = rx.try_recv()) use(*v);  // what is buffered now
    /// ```
    TryRecvResult<T> try_recv() {
        Waker next;
        std::optional<T> v;
        {
            std::lock_guard lock(ch_->mu);
            if (ch_->buf.empty()) {
                return ch_->finished() ? TryRecvResult<T>::disconnected()
                                       : TryRecvResult<T>::empty();
            }
            v.emplace(std::move(ch_->buf.front()));
            ch_->buf.pop_front();
            if (ch_->bounded) next = ch_->release_permit();
        }
        std::move(next).wake();
        return TryRecvResult<T>(std::move(*v));
    }

    /// Receives on a plain thread, blocking it until a value comes or the stream ends (Tokio's
    /// `blocking_recv`). Throws `std::logic_error` if called inside an async context (a
    /// runtime's task or `block_on`, a `LocalExecutor`), as Tokio panics: there,
    /// `co_await recv()`, or move the work to `weft::spawn_blocking`.
    ///
    /// ```cpp
    /// std::thread consumer([rx = std::move(rx)]() mutable {
    ///     while (auto v = rx.blocking_recv()) use(*v);
    /// });
    /// ```
    std::optional<T> blocking_recv() {
        weft::detail::refuse_blocking_in_async("weft::sync::mpsc::Receiver::blocking_recv");
        return weft::block_on(recv());
    }

    /// Closes the channel: sends fail from now on (waiting ones too), values already buffered
    /// can still be received, and so can the values of permits reserved before (the stream
    /// ends once each has sent or been dropped). Completes every `Sender::closed()`.
    void close() {
        std::vector<Waker> ws;
        {
            std::lock_guard lock(ch_->mu);
            ws = ch_->close_senders();
        }
        for (auto& w : ws)
            std::move(w).wake();
        ch_->closed_notify.notify_waiters();
    }

    /// Whether the channel is closed: every sender is gone, or `close()` was called (Tokio's
    /// `is_closed`). Values may still be buffered.
    bool is_closed() const {
        std::lock_guard lock(ch_->mu);
        return ch_->closed || ch_->senders == 0;
    }
    /// Whether no value is buffered now (Tokio's `is_empty`).
    bool is_empty() const {
        std::lock_guard lock(ch_->mu);
        return ch_->buf.empty();
    }
    /// How many values are buffered now (Tokio's `len`).
    std::size_t len() const {
        std::lock_guard lock(ch_->mu);
        return ch_->buf.size();
    }

  private:
    template <class U>
    friend std::pair<Sender<U>, Receiver<U>> channel(std::size_t);
    template <class U>
    friend std::pair<UnboundedSender<U>, Receiver<U>> unbounded_channel();
    explicit Receiver(detail::mpsc::Chan<T>* ch) noexcept : ch_(ch) {}

    // What a receiver's going does (the `ch_` handle's deleter): closes the channel, drops the
    // buffered values and frees the channel if nothing else holds it.
    struct Drop {
        void operator()(detail::mpsc::Chan<T>* ch) const noexcept;
    };

    std::unique_ptr<detail::mpsc::Chan<T>, Drop> ch_;
};

template <class T>
void Receiver<T>::Drop::operator()(detail::mpsc::Chan<T>* ch) const noexcept {
    std::vector<Waker> ws;
    std::deque<T> values;
    Waker own;  // the waker this receiver registered: released now, not with the channel
    bool notify, free_now = false;
    {
        std::lock_guard lock(ch->mu);
        ws = ch->close_senders();
        values.swap(ch->buf);  // destroyed below, outside the lock
        own = std::move(ch->rx_waker);
        ch->rx_alive = false;
        // A sender may be waiting in closed(): notify it after unlocking, holding a weak
        // count meanwhile so that the last sender going cannot free the channel under us.
        // With no sender left nobody can be waiting, and the channel goes now.
        notify = ch->senders != 0;
        if (notify) {
            ++ch->weak;
        } else {
            free_now = ch->unreferenced();  // weak senders may keep the memory
        }
    }
    for (auto& w : ws)
        std::move(w).wake();
    if (notify) {
        ch->closed_notify.notify_waiters();
        bool free_it;
        {
            std::lock_guard lock(ch->mu);
            --ch->weak;
            free_it = ch->unreferenced();
        }
        if (free_it) delete ch;
    } else if (free_now) {
        delete ch;
    }
}

/// Creates a bounded channel holding at most `capacity` values (at least 1): senders wait
/// when it is full. Tokio's `mpsc::channel`.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity) {
    auto* ch = new detail::mpsc::Chan<T>(capacity == 0 ? 1 : capacity);
    return {Sender<T>(ch), Receiver<T>(ch)};
}

/// Creates an unbounded channel: `send` never waits (memory is the limit). Tokio's
/// `mpsc::unbounded_channel`.
template <class T>
std::pair<UnboundedSender<T>, Receiver<T>> unbounded_channel() {
    auto* ch = new detail::mpsc::Chan<T>(0);
    return {UnboundedSender<T>(ch), Receiver<T>(ch)};
}

}  // namespace weft::sync::mpsc
