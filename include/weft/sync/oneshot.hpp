#pragma once
/// \file
/// `weft::sync::oneshot`: a channel for sending one value between tasks.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "weft/future/pin_check.hpp"
#include "weft/sync/recv_error.hpp"
#include "weft/sync/send_result.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"
#include "weft/task/waker.hpp"

namespace weft::detail::oneshot {

// The shared state: one allocation per channel, no lock. `state` says who has done what;
// the receiver's waker slot is owned by whoever the RX_WAKER bit says:
// - the receiver writes the waker only while RX_WAKER is clear, then sets it (release);
// - the sender reads it only if RX_WAKER was set in the value its TX_DONE RMW replaced.
// A receiver that wants to replace its waker first clears RX_WAKER with an RMW; if that RMW
// finds TX_DONE already set, the sender may be reading the waker, so the receiver leaves it
// alone (and has its value anyway).
//
// The sender's waker slot (`Sender::closed()`) mirrors it with TX_WAKER:
// - the sender writes tx_waker only while TX_WAKER is clear, then sets it; only the sender
//   sets or clears TX_WAKER;
// - the receiver reads it only in the RMW that sets RX_CLOSED for the first time, and only if
//   TX_WAKER was set in the value that RMW replaced (then it wakes it, by value).
// So with TX_WAKER and RX_CLOSED both set, the waker is the receiver's (taken or being taken):
// the sender leaves it alone. If the sender's own TX_WAKER-setting RMW finds RX_CLOSED already
// set, the receiver never looked: the sender takes the waker back. The sender clears TX_WAKER
// (and drops its waker, unless the receiver has it) before TX_DONE, so the receiver never
// finds TX_WAKER with TX_DONE.
//
// Each end drops its own waker when it goes, not when the state is freed: a dropped receiver
// takes its waker back (RX_WAKER cleared in the same RMW that sets RX_CLOSED, unless TX_DONE
// says the sender has it), so a task is not kept alive by a channel it no longer uses.
template <class T>
struct Shared {
    static constexpr std::uint32_t RX_WAKER = 1;   // rx_waker holds the receiver's waker
    static constexpr std::uint32_t TX_DONE = 2;    // the sender sent or was dropped
    static constexpr std::uint32_t HAS_VALUE = 4;  // with TX_DONE: `value` holds the value
    static constexpr std::uint32_t RX_CLOSED = 8;  // the receiver was dropped or closed
    static constexpr std::uint32_t TX_WAKER = 16;  // tx_waker holds the sender's waker

    std::atomic<std::uint32_t> state{0};
    std::atomic<std::uint32_t> refs{2};  // the sender and the receiver
    std::optional<T> value;              // written by the sender before TX_DONE
    Waker rx_waker;
    Waker tx_waker;  // Sender::closed()'s waker

    void release() noexcept {
        // acq_rel: whichever end frees the state sees the other end's last writes.
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    // The sender's last act when it does not deliver a value (dropped, or found the receiver
    // closed).
    void tx_done() noexcept {
        std::uint32_t prev = state.fetch_or(TX_DONE, std::memory_order_acq_rel);
        if (prev & RX_WAKER) std::move(rx_waker).wake();
    }
    // The sender, before it finishes (TX_DONE): gives up its waker slot.
    void tx_forget_waker() noexcept {
        // relaxed: only the sender sets or clears TX_WAKER, so its own last write is what it
        // reads here.
        if (!(state.load(std::memory_order_relaxed) & TX_WAKER)) return;
        std::uint32_t prev = state.fetch_and(~TX_WAKER, std::memory_order_acq_rel);
        if (!(prev & RX_CLOSED)) Waker gone = std::move(tx_waker);  // ours: dropped here
    }
    // The receiver sets RX_CLOSED (`prev` is what its RMW replaced): the first time, it wakes a
    // sender waiting in closed().
    void rx_closed(std::uint32_t prev) noexcept {
        if (!(prev & RX_CLOSED) && (prev & TX_WAKER)) std::move(tx_waker).wake();
    }
};

}  // namespace weft::detail::oneshot

namespace weft::sync::oneshot {

template <class T>
class Receiver;

/// The sending half of a oneshot channel. Move-only; `send` consumes it. Dropping it unsent
/// makes the receiver throw `RecvError`.
///
/// ```cpp
/// auto [tx, rx] = weft::sync::oneshot::channel<int>();
/// weft::spawn([tx = std::move(tx)]() mutable -> weft::Task<void> {
///     (void)std::move(tx).send(42);
///     co_return;
/// }).detach();
/// int v = co_await rx;
/// ```
template <class T>
class Sender {
  public:
    Sender(Sender&&) noexcept = default;
    Sender& operator=(Sender&&) noexcept = default;

    /// Sends the value, without waiting. Fails (`SendStatus::Closed`, the value handed back)
    /// if the receiver was dropped or closed.
    SendResult<T> send(T value) && {
        S* s = s_.release();
        s->tx_forget_waker();
        s->value.emplace(std::move(value));
        // Publish the value and TX_DONE in one RMW, unless the receiver closed first: then
        // HAS_VALUE is never set, so the receiver never looks at `value`, and it is ours.
        std::uint32_t st = s->state.load(std::memory_order_relaxed);
        for (;;) {
            if (st & S::RX_CLOSED) {
                s->tx_done();
                SendResult<T> back{SendStatus::Closed, std::move(*s->value)};
                s->release();
                return back;
            }
            if (s->state.compare_exchange_weak(st, st | S::TX_DONE | S::HAS_VALUE,
                                               std::memory_order_acq_rel,
                                               std::memory_order_relaxed)) {
                break;
            }
        }
        // After TX_DONE the receiver never touches the waker again: consume it (a wake by value
        // hands its reference to the scheduler instead of dropping it later).
        if (st & S::RX_WAKER) std::move(s->rx_waker).wake();
        s->release();
        return {};
    }

    /// Whether the receiver was dropped or closed (a send would fail); Tokio's `is_closed`.
    bool is_closed() const noexcept {
        return s_->state.load(std::memory_order_acquire) & S::RX_CLOSED;
    }

    /// The future of `closed()`.
    class ClosedFuture {
      public:
        using Output = void;
        Poll<void> poll(Context& cx) { return tx_->poll_closed(cx); }

      private:
        friend class Sender;
        explicit ClosedFuture(Sender* tx) noexcept : tx_(tx) {}
        Sender* tx_;
    };

    /// Completes once the receiver is dropped or closed (Tokio's `Sender::closed`): for a
    /// responder that should stop computing an answer nobody waits for any more. It borrows
    /// the sender: keep it alive, and do not send, while the future lives.
    ///
    /// Cancel safety: nothing to lose; it only observes the channel. The receiver's thread
    /// (the one that closes or drops it) wakes the waiting task.
    ///
    /// ```cpp
    /// auto r = co_await weft::select(tx.closed(), compute_answer());
    /// if (r.index() == 1) (void)std::move(tx).send(std::get<1>(std::move(r)));
    /// ```
    ClosedFuture closed() noexcept { return ClosedFuture(this); }

    /// Polls for `closed()` (Tokio's `poll_closed`): ready once the receiver is dropped or
    /// closed; otherwise remembers `cx`'s waker (only the latest one).
    Poll<void> poll_closed(Context& cx) {
        std::uint32_t st = s_->state.load(std::memory_order_acquire);
        if (st & S::RX_CLOSED) return Ready;
        if (st & S::TX_WAKER) {
            if (s_->tx_waker.will_wake(cx.waker())) return Pending;
            // Take the slot back to replace the waker (see Shared).
            st = s_->state.fetch_and(~S::TX_WAKER, std::memory_order_acq_rel);
            if (st & S::RX_CLOSED) return Ready;  // the receiver has (had) the waker
        }
        s_->tx_waker = cx.waker();
        st = s_->state.fetch_or(S::TX_WAKER, std::memory_order_acq_rel);
        if (st & S::RX_CLOSED) {
            // Closed before we set TX_WAKER: the receiver never looked, the waker is ours.
            s_->state.fetch_and(~S::TX_WAKER, std::memory_order_relaxed);
            Waker gone = std::move(s_->tx_waker);
            return Ready;
        }
        return Pending;
    }

  private:
    using S = detail::oneshot::Shared<T>;
    template <class U>
    friend std::pair<Sender<U>, Receiver<U>> channel();
    explicit Sender(S* s) noexcept : s_(s) {}
    // Dropped unsent (the `s_` handle's deleter): the receiver learns that nothing will come.
    struct Drop {
        void operator()(S* s) const noexcept {
            s->tx_forget_waker();
            s->tx_done();
            s->release();
        }
    };
    std::unique_ptr<S, Drop> s_;
};

/// The receiving half of a oneshot channel: a future whose output is the sent value. Awaiting
/// it throws `RecvError` if the sender was dropped without sending.
///
/// Cancel safety: dropping a pending receive loses nothing that was not already lost with the
/// receiver itself; a `Receiver` that is polled again later (it is not consumed by a pending
/// poll) still gets the value.
template <class T>
class Receiver {
  public:
    using Output = T;

    Receiver(Receiver&& o) noexcept
        : s_(std::exchange(o.s_, nullptr)), terminated_(o.terminated_) {}
    Receiver& operator=(Receiver&& o) noexcept {
        if (this != &o) {
            drop();
            s_ = std::exchange(o.s_, nullptr);
            terminated_ = o.terminated_;
        }
        return *this;
    }
    ~Receiver() { drop(); }

    Poll<T> poll(Context& cx) {
        pin_.pin();
        std::uint32_t st = s_->state.load(std::memory_order_acquire);
        if (st & S::TX_DONE) return take(st);
        // Closed by `close()` with nothing sent: a send fails from now on, so nothing will
        // come (Tokio completes with `RecvError` here too).
        if (st & S::RX_CLOSED) closed_error();
        if (st & S::RX_WAKER) {
            if (s_->rx_waker.will_wake(cx.waker())) return Pending;
            // Take the slot back to replace the waker (see Shared).
            st = s_->state.fetch_and(~S::RX_WAKER, std::memory_order_acq_rel);
            if (st & S::TX_DONE) return take(st);
        }
        s_->rx_waker = cx.waker();
        st = s_->state.fetch_or(S::RX_WAKER, std::memory_order_acq_rel);
        if (st & S::TX_DONE) return take(st);
        return Pending;
    }

    /// The value if it was sent, without waiting; `std::nullopt` if it is empty (not sent
    /// yet). Throws `RecvError` if the channel is closed with no value: the sender was dropped
    /// without sending, or `close()` was called before it sent (Tokio's
    /// `TryRecvError::Closed`; `std::nullopt` is its `TryRecvError::Empty`).
    ///
    /// ```cpp
    /// rx.close();
    /// rx.try_recv();  // throws RecvError: nothing was sent, and nothing can be now
    /// ```
    std::optional<T> try_recv() {
        std::uint32_t st = s_->state.load(std::memory_order_acquire);
        if (!(st & S::TX_DONE)) {
            if (st & S::RX_CLOSED) closed_error();  // closed before a send: none will come
            return std::nullopt;
        }
        return take(st).value();
    }

    /// Stops the sender from sending (its `send` fails from now on); a value sent before can
    /// still be received. With nothing sent, awaiting the receiver (or `try_recv`) then
    /// throws `RecvError` at once instead of waiting, as Tokio's `close` makes `recv` fail.
    ///
    /// ```cpp
    /// rx.close();
    /// if (auto v = rx.try_recv()) use(*v);  // a value sent before the close
    /// ```
    void close() noexcept {
        s_->rx_closed(s_->state.fetch_or(S::RX_CLOSED, std::memory_order_acq_rel));
    }

    /// Whether this receiver has completed: it gave its value, or the closed error (Tokio's
    /// `is_terminated`). A terminated receiver must not be awaited again.
    ///
    /// ```cpp
    /// if (!rx.is_terminated()) auto v = co_await rx;
    /// ```
    bool is_terminated() const noexcept { return terminated_ || s_ == nullptr; }

    /// Whether there is no value to take now (Tokio's `is_empty`): nothing sent yet, the
    /// sender gone without sending, the channel closed, or the value already taken. `false`
    /// means the next poll or `try_recv` gives the value.
    bool is_empty() const noexcept {
        if (is_terminated()) return true;
        const std::uint32_t st = s_->state.load(std::memory_order_acquire);
        return !((st & S::TX_DONE) && (st & S::HAS_VALUE));
    }

  private:
    using S = detail::oneshot::Shared<T>;
    template <class U>
    friend std::pair<Sender<U>, Receiver<U>> channel();
    explicit Receiver(S* s) noexcept : s_(s) {}

    Poll<T> take(std::uint32_t st) {
        if (!(st & S::HAS_VALUE) || !s_->value) closed_error();  // unsent, or taken
        T v = std::move(*s_->value);
        s_->value.reset();
        terminated_ = true;
        return v;
    }
    [[noreturn]] void closed_error() {
        terminated_ = true;
        throw RecvError();
    }
    void drop() noexcept {
        if (s_ == nullptr) return;
        // Once the sender is done nobody reads RX_CLOSED again: skip the RMW.
        std::uint32_t st = s_->state.load(std::memory_order_acquire);
        if (!(st & S::TX_DONE)) {
            // Close, and take our waker slot back in the same RMW (see Shared).
            while (!s_->state.compare_exchange_weak(st, (st | S::RX_CLOSED) & ~S::RX_WAKER,
                                                    std::memory_order_acq_rel,
                                                    std::memory_order_acquire)) {
            }
            // Without TX_DONE the sender never reads the waker now: drop it here, not when
            // the sender goes. (With TX_DONE the sender has it, or has woken it.)
            if ((st & S::RX_WAKER) && !(st & S::TX_DONE)) Waker gone = std::move(s_->rx_waker);
            s_->rx_closed(st);
        }
        std::exchange(s_, nullptr)->release();
    }

    S* s_;
    bool terminated_ = false;
    [[no_unique_address]] PinCheck pin_;
};

/// Creates a oneshot channel: one value, from one sender to one receiver, in one allocation.
/// Tokio's `oneshot::channel`.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel() {
    auto* s = new detail::oneshot::Shared<T>();
    return {Sender<T>(s), Receiver<T>(s)};
}

}  // namespace weft::sync::oneshot
