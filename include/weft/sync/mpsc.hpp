#pragma once
/// \file
/// `weft::sync::mpsc`: multi-producer, single-consumer channels, bounded and unbounded.

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <deque>
#include <mutex>  // std::lock_guard
#include <optional>
#include <utility>
#include <vector>

#include "weft/detail/spin_lock.hpp"
#include "weft/detail/waiter_list.hpp"
#include "weft/future/pin_check.hpp"
#include "weft/sync/send_result.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"
#include "weft/task/waker.hpp"

namespace weft::sync::mpsc {

namespace detail {

// A sender waiting for capacity: a node inside its send (or reserve) future, which is pinned
// once polled, so the channel can link it without allocating.
struct SendWaiter {
    SendWaiter* next = nullptr;
    SendWaiter* prev = nullptr;
    Waker waker;
    bool queued = false;   // in the channel's waiter list (guarded by the channel's lock)
    bool granted = false;  // handed a slot by a receive (guarded by the channel's lock)
};

enum class Acquire { Acquired, Pending, Closed };

// The channel: a buffer, the free capacity ("permits", as in Tokio's bounded channel, which is
// a semaphore in front of a queue), a FIFO of senders waiting for a permit, and the receiver's
// waker; all under one lock. A receive that frees a slot hands the permit straight to the
// oldest waiting sender (so senders are served in order and a new send cannot overtake a
// waiting one); a waiting sender that is dropped after being handed a permit passes it on.
// Wakers are woken after the lock is released.
template <class T>
struct Chan {
    explicit Chan(std::size_t capacity) : bounded(capacity != 0), permits(capacity) {}

    weft::detail::SpinLock mu;  // held for a few pointer moves only; never while waking
    std::deque<T> buf;
    const bool bounded;
    std::size_t permits;                           // free slots (bounded only)
    weft::detail::WaiterList<SendWaiter> waiters;  // senders waiting for a slot, oldest first
    Waker rx_waker;
    std::size_t senders = 1;
    // Permits reserved (`reserve`, `try_reserve`, ...) and neither used nor dropped yet: each
    // may still deliver a value, so a closed channel's stream ends only once this is 0 (as
    // Tokio's, whose receiver waits for the semaphore to be idle).
    std::size_t reserved = 0;
    bool rx_alive = true;
    bool closed = false;  // the receiver closed or dropped: sends fail

    // No value can come any more: every sender is gone, or the channel was closed and no
    // reserved permit is left. (With an empty buffer, that is the end of the stream.)
    bool finished() const noexcept { return (senders == 0 || closed) && reserved == 0; }

    // The channel's memory goes when the last sender and the receiver are gone.
    bool unreferenced() const noexcept { return senders == 0 && !rx_alive; }

    void link(SendWaiter* w) noexcept {
        waiters.push_back(w);
        w->queued = true;
    }
    void unlink(SendWaiter* w) noexcept {
        waiters.remove(w);
        w->queued = false;
    }

    // Takes a permit for `w`, or queues it (remembering cx's waker; the waker it replaces goes
    // to `old`, to be dropped after unlocking). Under mu.
    Acquire acquire(SendWaiter& w, Context& cx, Waker& old) {
        if (closed) {
            if (w.queued) unlink(&w);
            w.granted = false;  // a permit of a closed channel is worth nothing
            return Acquire::Closed;
        }
        if (w.granted) {
            w.granted = false;
            return Acquire::Acquired;
        }
        if (!w.queued && waiters.empty() && permits > 0) {
            --permits;
            return Acquire::Acquired;
        }
        old = weft::detail::replace_waker(w.waker, cx.waker());
        if (!w.queued) link(&w);
        return Acquire::Pending;
    }
    // One slot became free: to the oldest waiting sender, else to the pool. Under mu; returns
    // the waker to wake after unlocking.
    Waker release_permit() noexcept {
        if (waiters.empty()) {
            ++permits;
            return {};
        }
        SendWaiter* w = waiters.front();
        unlink(w);
        w->granted = true;
        return std::move(w->waker);
    }
    // A waiting sender goes away (its future is dropped). Under mu.
    Waker forget(SendWaiter& w) noexcept {
        if (w.queued) unlink(&w);
        if (w.granted) {
            w.granted = false;
            return release_permit();
        }
        return {};
    }
    // Fails every waiting sender. Under mu; returns their wakers.
    std::vector<Waker> close_senders() {
        closed = true;
        std::vector<Waker> ws;
        while (!waiters.empty()) {
            SendWaiter* w = waiters.front();
            unlink(w);
            ws.push_back(std::move(w->waker));
        }
        return ws;
    }
};

// What a send and a reserve future share: a place in the queue of senders waiting for a slot.
// Its node is linked into the channel, so the future must not move once polled.
template <class T>
class SlotWait {
  protected:
    explicit SlotWait(Chan<T>* ch) noexcept : ch_(ch) {}
    SlotWait(SlotWait&&) = default;
    // Going away: give up the place in the queue, or pass on a slot it was handed.
    ~SlotWait() {
        if (!registered_) return;
        Waker next;
        {
            std::lock_guard lock(ch_->mu);
            next = ch_->forget(waiter_);
        }
        std::move(next).wake();
    }
    // Takes a slot or queues for one (call under ch_->mu; drop `old` after unlocking).
    Acquire acquire(Context& cx, Waker& old) {
        pin_.pin();
        Acquire a = ch_->acquire(waiter_, cx, old);
        if (a == Acquire::Pending) registered_ = true;
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
    bool is_closed() const {
        std::lock_guard lock(ch_->mu);
        return ch_->closed;
    }

  private:
    Chan<T>* ch_;
};

}  // namespace detail

template <class T>
class Receiver;
template <class T>
class Sender;
template <class T>
class UnboundedSender;

/// A reserved slot in a bounded channel (made by `Sender::reserve`): `send` delivers without
/// waiting and cannot fail; dropping the permit unused gives the slot back.
template <class T>
class [[nodiscard]] Permit {
  public:
    Permit(Permit&& o) noexcept : ch_(std::exchange(o.ch_, nullptr)) {}
    Permit& operator=(Permit&&) = delete;
    ~Permit() {
        if (ch_ == nullptr) return;
        Waker w, rx;
        {
            std::lock_guard lock(ch_->mu);
            --ch_->reserved;
            w = ch_->release_permit();
            // The last permit of a closed channel: the receiver waiting on it sees the end.
            if (ch_->finished()) rx = std::move(ch_->rx_waker);
        }
        std::move(w).wake();
        std::move(rx).wake();
    }

    /// Delivers `value` into the reserved slot. Delivered even if the receiver called
    /// `close()` after the reservation (the receiver gets it before the end of the stream, as
    /// Tokio's); dropped at once if the receiver itself is gone.
    void send(T value) && {
        auto* ch = std::exchange(ch_, nullptr);
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

  private:
    friend class Sender<T>;
    explicit Permit(detail::Chan<T>* ch) noexcept : ch_(ch) {}
    detail::Chan<T>* ch_;  // the Sender the permit came from keeps the channel alive
};

/// The sending half of a bounded channel. Copy it to get more producers; the channel closes
/// for the receiver (after the buffered values) when every copy is gone.
///
/// ```cpp
/// auto [tx, rx] = weft::sync::mpsc::channel<int>(1024);
/// weft::spawn([tx]() -> weft::Task<void> {
///     for (int i = 0; i < 10; ++i) (void)co_await tx.send(i);
/// }).detach();
/// while (auto v = co_await rx.recv()) use(*v);
/// ```
template <class T>
class Sender {
  public:
    class SendFuture;
    class ReserveFuture;

    /// Sends `value`, waiting for capacity. Its output says whether the value was delivered;
    /// it fails (handing the value back) when the receiver is closed or dropped.
    ///
    /// Cancel safety: dropping a pending send sends nothing (the value is dropped with the
    /// future) and gives up its place in the queue of waiting senders; a slot it had just
    /// been handed goes to the next waiting sender.
    SendFuture send(T value) const { return SendFuture(ch_.get(), std::move(value)); }

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

    /// Waits for a slot and reserves it; the output is the `Permit`, or `std::nullopt` if the
    /// receiver is gone. Cancel safety: as `send`.
    ReserveFuture reserve() const { return ReserveFuture(ch_.get()); }

    /// Whether the receiver was closed or dropped.
    bool is_closed() const { return ch_.is_closed(); }

  private:
    template <class U>
    friend std::pair<Sender<U>, Receiver<U>> channel(std::size_t);
    explicit Sender(detail::Chan<T>* ch) noexcept : ch_(ch) {}
    detail::SenderRef<T> ch_;
};

/// The future of `Sender::send`. It borrows the channel from the `Sender` (as Tokio's does):
/// keep the `Sender` alive while the future lives.
template <class T>
class Sender<T>::SendFuture : private detail::SlotWait<T> {
  public:
    using Output = SendResult<T>;
    SendFuture(SendFuture&&) = default;

    Poll<SendResult<T>> poll(Context& cx) {
        detail::Chan<T>* ch = this->ch_;
        Waker rx, old;  // both dropped or woken after the lock is released
        {
            std::lock_guard lock(ch->mu);
            detail::Acquire a = this->acquire(cx, old);
            if (a == detail::Acquire::Pending) return Pending;
            if (a == detail::Acquire::Closed) {
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
    SendFuture(detail::Chan<T>* ch, T value) : detail::SlotWait<T>(ch), value_(std::move(value)) {}
    std::optional<T> value_;
};

/// The future of `Sender::reserve`; keep the `Sender` alive while it and its permit live.
template <class T>
class Sender<T>::ReserveFuture : private detail::SlotWait<T> {
  public:
    using Output = std::optional<Permit<T>>;
    ReserveFuture(ReserveFuture&&) = default;

    Poll<std::optional<Permit<T>>> poll(Context& cx) {
        Waker old;  // the waker replaced: dropped after the lock is released
        std::lock_guard lock(this->ch_->mu);
        detail::Acquire a = this->acquire(cx, old);
        if (a == detail::Acquire::Pending) return Pending;
        if (a == detail::Acquire::Closed) return std::optional<Permit<T>>();
        ++this->ch_->reserved;
        return std::optional<Permit<T>>(Permit<T>(this->ch_));
    }

  private:
    friend class Sender<T>;
    explicit ReserveFuture(detail::Chan<T>* ch) : detail::SlotWait<T>(ch) {}
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

  private:
    template <class U>
    friend std::pair<UnboundedSender<U>, Receiver<U>> unbounded_channel();
    explicit UnboundedSender(detail::Chan<T>* ch) noexcept : ch_(ch) {}
    detail::SenderRef<T> ch_;
};

/// The receiving half of an mpsc channel (bounded or unbounded). Move-only: one consumer.
template <class T>
class Receiver {
  public:
    Receiver(Receiver&& o) noexcept : ch_(std::exchange(o.ch_, nullptr)) {}
    Receiver& operator=(Receiver&& o) noexcept {
        if (this != &o) {
            drop();
            ch_ = std::exchange(o.ch_, nullptr);
        }
        return *this;
    }
    ~Receiver() { drop(); }

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
                if (ch_->finished()) return std::optional<T>();
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

    /// The next value if one is buffered now (`std::nullopt` otherwise).
    std::optional<T> try_recv() {
        Waker next;
        std::optional<T> v;
        {
            std::lock_guard lock(ch_->mu);
            if (ch_->buf.empty()) return v;
            v.emplace(std::move(ch_->buf.front()));
            ch_->buf.pop_front();
            if (ch_->bounded) next = ch_->release_permit();
        }
        std::move(next).wake();
        return v;
    }

    /// Closes the channel: sends fail from now on (waiting ones too), values already buffered
    /// can still be received.
    void close() {
        std::vector<Waker> ws;
        {
            std::lock_guard lock(ch_->mu);
            ws = ch_->close_senders();
        }
        for (auto& w : ws)
            std::move(w).wake();
    }

  private:
    template <class U>
    friend std::pair<Sender<U>, Receiver<U>> channel(std::size_t);
    template <class U>
    friend std::pair<UnboundedSender<U>, Receiver<U>> unbounded_channel();
    explicit Receiver(detail::Chan<T>* ch) noexcept : ch_(ch) {}

    void drop() noexcept {
        if (ch_ == nullptr) return;
        std::vector<Waker> ws;
        std::deque<T> values;
        Waker own;  // the waker this receiver registered: released now, not with the channel
        bool free_it;
        {
            std::lock_guard lock(ch_->mu);
            ws = ch_->close_senders();
            values.swap(ch_->buf);  // destroyed below, outside the lock
            own = std::move(ch_->rx_waker);
            ch_->rx_alive = false;
            free_it = ch_->unreferenced();
        }
        for (auto& w : ws)
            std::move(w).wake();
        if (free_it) delete std::exchange(ch_, nullptr);
        ch_ = nullptr;
    }

    detail::Chan<T>* ch_;
};

/// Creates a bounded channel holding at most `capacity` values (at least 1): senders wait
/// when it is full. Tokio's `mpsc::channel`.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity) {
    auto* ch = new detail::Chan<T>(capacity == 0 ? 1 : capacity);
    return {Sender<T>(ch), Receiver<T>(ch)};
}

/// Creates an unbounded channel: `send` never waits (memory is the limit). Tokio's
/// `mpsc::unbounded_channel`.
template <class T>
std::pair<UnboundedSender<T>, Receiver<T>> unbounded_channel() {
    auto* ch = new detail::Chan<T>(0);
    return {UnboundedSender<T>(ch), Receiver<T>(ch)};
}

}  // namespace weft::sync::mpsc
