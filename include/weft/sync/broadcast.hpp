#pragma once
/// \file
/// `weft::sync::broadcast`: a multi-producer, multi-consumer channel in which every receiver
/// sees every value sent after it subscribed (Tokio's `tokio::sync::broadcast`).

#include <array>
#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>  // std::lock_guard, std::unique_lock
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "weft/detail/sync/spin_lock.hpp"
#include "weft/detail/sync/waiter_list.hpp"
#include "weft/future/pin_check.hpp"
#include "weft/sync/notify.hpp"
#include "weft/sync/send_result.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"
#include "weft/task/waker.hpp"

namespace weft::sync::broadcast {

/// What a receive got.
enum class RecvStatus : std::uint8_t {
    Received,  ///< a value
    Empty,     ///< `try_recv` only: nothing new yet
    Lagged,    ///< values were overwritten before this receiver read them
    Closed,    ///< every `Sender` is gone and this receiver has read everything
};

/// The outcome of `Receiver::recv` and `Receiver::try_recv` (Tokio's
/// `Result<T, RecvError>` / `Result<T, TryRecvError>`).
///
/// A receive has more outcomes than a value or "no more": a slow receiver can be overtaken
/// (`is_lagged()`, with `lagged_by()` values lost) and then goes on from the oldest value still
/// kept. Both that and the end of the stream are ordinary control flow, so they are values,
/// not exceptions (see "Errors: values, not exceptions" in docs/sync.md); `std::optional`
/// cannot tell them apart, and `std::expected` is C++23.
///
/// ```cpp
/// for (;;) {
///     auto r = co_await rx.recv();
///     if (r.is_lagged()) {
///         missed += r.lagged_by();  // values lost; r points at the oldest kept now
///         continue;
///     }
///     if (r.is_closed()) break;
///     use(*r);
/// }
/// ```
template <class T>
class [[nodiscard]] RecvResult {
  public:
    /// A received value, constructed in place from `args`.
    template <class... Args>
    explicit RecvResult(std::in_place_t, Args&&... args) : status_(RecvStatus::Received) {
        std::construct_at(&value_, std::forward<Args>(args)...);
    }
    /// No value yet (`try_recv` only).
    static RecvResult empty() noexcept { return RecvResult(RecvStatus::Empty, 0); }
    /// The stream ended.
    static RecvResult closed() noexcept { return RecvResult(RecvStatus::Closed, 0); }
    /// `n` values were lost to this receiver.
    static RecvResult lagged(std::uint64_t n) noexcept { return RecvResult(RecvStatus::Lagged, n); }

    // (A hand-written union rather than std::optional, as SendResult: GCC 12 reports a moved
    // disengaged optional as "maybe uninitialized" at -O2, GCC bug 80635.)
    RecvResult(RecvResult&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
        : status_(o.status_), lagged_(o.lagged_) {
        if (ok()) std::construct_at(&value_, std::move(o.value_));
    }
    RecvResult& operator=(RecvResult&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (this != &o) {
            reset();
            if (o.ok()) std::construct_at(&value_, std::move(o.value_));
            status_ = o.status_;
            lagged_ = o.lagged_;
        }
        return *this;
    }
    ~RecvResult() { reset(); }

    /// Whether it holds a value.
    bool ok() const noexcept { return status_ == RecvStatus::Received; }
    explicit operator bool() const noexcept { return ok(); }
    RecvStatus status() const noexcept { return status_; }
    /// Every `Sender` is gone and nothing is left to receive.
    bool is_closed() const noexcept { return status_ == RecvStatus::Closed; }
    /// The receiver fell behind by more than the capacity; see `lagged_by()`.
    bool is_lagged() const noexcept { return status_ == RecvStatus::Lagged; }
    /// `try_recv` found nothing new.
    bool is_empty() const noexcept { return status_ == RecvStatus::Empty; }
    /// How many values this receiver lost (0 unless `is_lagged()`). The receiver has already
    /// moved on to the oldest value still in the channel: the next receive returns it.
    std::uint64_t lagged_by() const noexcept { return lagged_; }

    /// The value (only when `ok()`).
    T& value() & noexcept {
        assert(ok());
        return value_;
    }
    const T& value() const& noexcept {
        assert(ok());
        return value_;
    }
    T&& value() && noexcept {
        assert(ok());
        return std::move(value_);
    }
    T& operator*() & noexcept { return value(); }
    const T& operator*() const& noexcept { return value(); }
    T&& operator*() && noexcept { return std::move(*this).value(); }
    T* operator->() noexcept { return &value(); }
    const T* operator->() const noexcept { return &value(); }

  private:
    RecvResult(RecvStatus s, std::uint64_t lagged) noexcept : status_(s), lagged_(lagged) {}
    void reset() noexcept {
        if (ok()) std::destroy_at(&value_);
        status_ = RecvStatus::Empty;
    }

    RecvStatus status_;
    std::uint64_t lagged_ = 0;
    union {
        T value_;  // alive when status_ == Received
    };
};

/// The outcome of `Sender::send` (Tokio's `Result<usize, SendError<T>>`): a `SendResult<T>`
/// (`ok()`, or `is_closed()` with the value handed back) that also says, on success, how many
/// receivers the value was sent to.
///
/// Why a type of its own: only a broadcast send has something to say on success (the count);
/// every other send succeeds with nothing, and giving `SendResult<T>` a count that means
/// nothing for them would blur it. Being a `SendResult<T>`, it reads as one and converts to
/// one.
///
/// ```cpp
/// if (auto r = tx.send(event); r) std::printf("to %zu receivers\n", r.receiver_count());
/// else keep(std::move(r).into_value());  // nobody is subscribed
/// ```
template <class T>
class [[nodiscard]] CountedSendResult : public SendResult<T> {
  public:
    /// A send delivered to `receivers` receivers.
    explicit CountedSendResult(std::size_t receivers) noexcept : receivers_(receivers) {}
    /// A send that found no receiver, holding the value back.
    explicit CountedSendResult(T value) : SendResult<T>(SendStatus::Closed, std::move(value)) {}
    CountedSendResult(CountedSendResult&&) = default;

    /// How many receivers will see the value (0 when it was not sent).
    std::size_t receiver_count() const noexcept { return receivers_; }

  private:
    std::size_t receivers_ = 0;
};

template <class T>
class Sender;
template <class T>
class Receiver;

}  // namespace weft::sync::broadcast

namespace weft::detail::broadcast {

// A receiver's task waiting for the value at `pos`: a node inside its RecvFuture (pinned once
// polled), so waiting allocates nothing. Every field is guarded by the channel's `mu`.
struct Waiter : weft::detail::WaiterNode<Waiter> {
    std::uint64_t pos = 0;  // the position it waits for (the tail when it was linked)
    bool queued = false;    // in the channel's waiter list
};

// The position of a slot never written: no receiver's cursor ever equals it.
inline constexpr std::uint64_t kNoPos = ~std::uint64_t{0};

// One place in the ring. `lock` guards `pos` and `val`: receivers copy the value under the
// shared side, in parallel; a send takes the exclusive side to overwrite it.
template <class T>
struct Slot {
    std::shared_mutex lock;
    std::uint64_t pos = kNoPos;  // the position of the value in `val` (also written under mu)
    // Receivers that were subscribed when the value was sent and have not read it (nor given
    // up their claim by being dropped). The one that takes it to 0 destroys the value, so a
    // value lives only as long as someone may still read it. Set by the send (exclusive lock
    // held), decremented under the shared lock.
    std::atomic<std::size_t> rem{0};
    std::optional<T> val;
};

// The channel.
//
// Positions: the n-th value sent has position n and lives in slot n & mask until it is
// overwritten, `capacity` sends later. `tail` is the position of the next send. A receiver's
// cursor `next` is the position it reads next; it is at most `tail`.
//
// Locks, always taken in this order, never the other way round:
//   1. a slot's `lock` (exclusive: a send; shared: a receive copying, a dropped receiver),
//   2. `mu`, a spin lock for a few loads and stores: tail, counts, closed, the waiter list.
// A send locks the slot that `tail` names, then `mu`; if `tail` moved meanwhile (another send
// took that position) it lets go of both and tries again. Under `mu` it commits the position
// (tail, slot.pos, slot.rem) and takes the waiters, then, holding only the slot, moves the
// value in; it wakes the waiters once both locks are released. A receive reads its slot under
// the shared lock without `mu` when the slot holds its position; otherwise it takes `mu`
// (and no slot) to learn whether it is empty (then it links its waiter, in the same critical
// section as a send's commit, so no wake-up is lost), lagged, or must look at the slot again.
// Since every commit happens under `mu`, under `mu` every position in
// [tail - capacity, tail) is in its slot (its value may still be being moved in, with the
// slot's exclusive lock held: a receive then waits on the shared lock).
template <class T>
struct Shared {
    explicit Shared(std::size_t cap) : slots(new Slot<T>[cap]), capacity(cap) {}

    Slot<T>& slot(std::uint64_t pos) noexcept { return slots[pos & (capacity - 1)]; }
    void release() noexcept {
        // acq_rel: the thread that frees sees every other handle's last writes.
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    // Wakers taken per critical section: a send with more waiters wakes them in batches,
    // taking `mu` again between batches, so it never allocates and never holds `mu` long.
    // 32 is Tokio's batch size (its WakeList); it keeps the array a few hundred bytes of stack.
    static constexpr std::size_t kWakeBatch = 32;
    using WakeBatch = std::array<Waker, kWakeBatch>;

    // Under mu: takes up to kWakeBatch waiters waiting for a position <= `upto`. Waiters are
    // linked with the tail of the moment, which only grows, so the list is sorted by `pos`.
    std::size_t take_waiters(WakeBatch& batch, std::uint64_t upto) noexcept {
        std::size_t n = 0;
        while (n < kWakeBatch) {
            Waiter* w = waiters.front();
            if (w == nullptr || w->pos > upto) break;
            waiters.remove(w);
            w->queued = false;
            batch[n++] = std::move(w->waker);
        }
        return n;
    }
    // Not under mu: wakes the `n` wakers in `batch`, then the rest in batches.
    void wake(WakeBatch& batch, std::size_t n, std::uint64_t upto) noexcept {
        for (;;) {
            for (std::size_t i = 0; i < n; ++i)
                std::move(batch[i]).wake();
            if (n < kWakeBatch) return;
            std::lock_guard lk(mu);
            n = take_waiters(batch, upto);
        }
    }

    const std::unique_ptr<Slot<T>[]> slots;
    const std::size_t capacity;  // a power of two

    weft::detail::SpinLock mu;
    // Written under mu (so a commit and a receiver's "empty, wait" exclude each other); a send
    // reads it without mu only as a guess of the slot to lock, checked again under mu.
    std::atomic<std::uint64_t> tail{0};
    std::size_t rx_cnt = 1;  // under mu: live receivers (each new value waits for this many)
    std::size_t tx_cnt = 1;  // under mu: live senders
    bool closed = false;     // under mu: every sender is gone
    weft::detail::WaiterList<Waiter> waiters;  // under mu; sorted by pos
    sync::Notify rx_gone;  // notify_waiters when rx_cnt drops to 0 (Sender::closed)
    // Senders + receivers: the memory goes with the last handle.
    std::atomic<std::size_t> refs{2};
};

}  // namespace weft::detail::broadcast

namespace weft::sync::broadcast {

/// The receiving half of a broadcast channel: a cursor into the channel's ring. Move-only;
/// `resubscribe()` makes another receiver (starting at the newest position, as Tokio's).
///
/// Each receiver reads every value sent after it subscribed, in order, as a copy (so `T` must
/// be copy constructible). If it falls more than the capacity behind, the oldest values are
/// overwritten before it reads them: its next receive reports `lagged_by(n)` and it goes on
/// from the oldest value still kept.
///
/// Value lifetime: a value is destroyed as soon as every receiver that was subscribed when it
/// was sent has read it (or was dropped, or was overtaken), as Tokio's; a value no receiver
/// reads stays until a later send overwrites its slot.
///
/// ```cpp
/// auto [tx, rx] = weft::sync::broadcast::channel<std::string>(16);
/// auto rx2 = tx.subscribe();
/// (void)tx.send("hello");
/// auto a = co_await rx.recv();   // "hello"
/// auto b = co_await rx2.recv();  // "hello" too
/// ```
template <class T>
class Receiver {
  public:
    class RecvFuture;

    Receiver(Receiver&& o) noexcept : sh_(std::exchange(o.sh_, nullptr)), next_(o.next_) {}
    Receiver& operator=(Receiver&& o) noexcept {
        if (this != &o) {
            drop();
            sh_ = std::exchange(o.sh_, nullptr);
            next_ = o.next_;
        }
        return *this;
    }
    ~Receiver() { drop(); }

    /// Waits for the next value. Its output (`RecvResult<T>`) is the value (a copy), or
    /// `is_lagged()` (the receiver missed `lagged_by()` values and now points at the oldest one
    /// kept: receive again), or `is_closed()` (every `Sender` is gone and everything sent was
    /// received). The future borrows the receiver: keep it alive, and do not move it, while
    /// the future lives (`co_await rx.recv()` does).
    ///
    /// Cancel safety: dropping a pending `recv` loses nothing. The cursor moves only in the
    /// poll that returns a value (or a lag), so the next `recv` gets the value a dropped one
    /// was waiting for (`ADroppedRecvLosesNothing`).
    ///
    /// The waiting task is woken by the thread that sends (or that drops the last `Sender`).
    ///
    /// ```cpp
    /// while (true) {
    ///     auto r = co_await rx.recv();
    ///     if (r.is_closed()) break;
    ///     if (r) handle(*r);
    /// }
    /// ```
    RecvFuture recv() noexcept { return RecvFuture(this); }

    /// Receives without waiting: as `recv`, or `is_empty()` if nothing new was sent.
    ///
    /// ```cpp
    /// while (auto r = rx.try_recv()) handle(*r);  // until empty (or lagged, or closed)
    /// ```
    RecvResult<T> try_recv() {
        bool registered = false;
        return step(nullptr, nullptr, registered);
    }

    /// A new receiver of the same channel that sees the values sent from now on (not the ones
    /// this receiver has yet to read), as Tokio's `resubscribe`.
    ///
    /// ```cpp
    /// auto rx2 = rx.resubscribe();
    /// ```
    Receiver resubscribe() const {
        std::lock_guard lk(sh_->mu);
        ++sh_->rx_cnt;
        sh_->refs.fetch_add(1, std::memory_order_relaxed);  // we hold a reference already
        return Receiver(sh_, sh_->tail.load(std::memory_order_relaxed));
    }

    /// Values sent that this receiver has not received yet; above the capacity, the next
    /// receive reports a lag. (`rx.len() == 0` means a `try_recv` would find nothing.)
    std::size_t len() const {
        std::lock_guard lk(sh_->mu);
        return static_cast<std::size_t>(sh_->tail.load(std::memory_order_relaxed) - next_);
    }
    /// `len() == 0`.
    bool is_empty() const { return len() == 0; }
    /// Whether every `Sender` is gone (values may still be left to receive).
    bool is_closed() const {
        std::lock_guard lk(sh_->mu);
        return sh_->closed;
    }

  private:
    friend class Sender<T>;
    template <class U>
    friend std::pair<Sender<U>, Receiver<U>> channel(std::size_t);
    Receiver(detail::broadcast::Shared<T>* sh, std::uint64_t next) noexcept
        : sh_(sh), next_(next) {}

    // One attempt at a receive. With `w` (and `cx`), an empty channel links the waiter (sets
    // `registered`) and the result is `empty()`.
    RecvResult<T> step(detail::broadcast::Waiter* w, Context* cx, bool& registered) {
        detail::broadcast::Shared<T>& s = *sh_;
        // The waker a new registration replaces: dropped on return, after `mu` is released (a
        // waker's drop is user code and may re-enter this channel, issue 16).
        Waker replaced;
        for (;;) {
            detail::broadcast::Slot<T>& slot = s.slot(next_);
            {
                std::shared_lock rd(slot.lock);
                if (slot.pos == next_) {
                    // T's copy runs here, under the slot's shared lock only: receivers copy in
                    // parallel, and a send to this slot waits for them. If it throws, this
                    // receiver is done with the value all the same (Tokio moves past a value
                    // whose clone panicked): it gives up its claim, moves on, and the
                    // exception reaches this caller only; the next receive gets the next
                    // value.
                    // Done with the value, copied or not: give up the claim on it (acq_rel:
                    // the last reader's reset comes after every other reader's copy) and move
                    // on.
                    struct Done {
                        detail::broadcast::Slot<T>& slot;
                        std::uint64_t& next;
                        ~Done() {
                            if (slot.rem.fetch_sub(1, std::memory_order_acq_rel) == 1)
                                slot.val.reset();
                            ++next;
                        }
                    } done{slot, next_};
                    return RecvResult<T>(std::in_place, *slot.val);
                }
            }
            std::lock_guard lk(s.mu);
            const std::uint64_t tail = s.tail.load(std::memory_order_relaxed);
            if (next_ == tail) {
                if (s.closed) return RecvResult<T>::closed();
                if (w != nullptr) {
                    replaced = weft::detail::replace_waker(w->waker, cx->waker());
                    if (!w->queued) {
                        w->pos = next_;
                        s.waiters.push_back(w);
                        w->queued = true;
                    }
                    registered = true;
                }
                return RecvResult<T>::empty();
            }
            if (tail - next_ > s.capacity) {
                // Overtaken: go on from the oldest value kept. The positions skipped were
                // overwritten, so this receiver holds no claim (rem) on them any more.
                const std::uint64_t oldest = tail - s.capacity;
                const std::uint64_t missed = oldest - next_;
                next_ = oldest;
                return RecvResult<T>::lagged(missed);
            }
            // A send committed our position since we looked at the slot: read it (outside mu).
        }
    }

    // Takes `w` out of the waiter list if it is there.
    void forget(detail::broadcast::Waiter& w) noexcept {
        std::lock_guard lk(sh_->mu);
        if (w.queued) {
            sh_->waiters.remove(&w);
            w.queued = false;
        }
    }

    // Gives up this receiver's claim on every value it has not read, so that those values
    // are destroyed once the remaining receivers have read them.
    void drop() noexcept {
        if (sh_ == nullptr) return;
        detail::broadcast::Shared<T>& s = *sh_;
        std::uint64_t until;
        bool last;
        {
            std::lock_guard lk(s.mu);
            last = --s.rx_cnt == 0;  // sends from now on do not count this receiver
            until = s.tail.load(std::memory_order_relaxed);
        }
        // Our reference keeps the channel alive while we notify Sender::closed() waiters.
        if (last) s.rx_gone.notify_waiters();
        std::uint64_t from = next_;
        if (until - from > s.capacity) from = until - s.capacity;  // the rest were overwritten
        // In order, like reads, so that `rem` stays non-increasing from new to old (len()).
        for (std::uint64_t p = from; p < until; ++p) {
            detail::broadcast::Slot<T>& slot = s.slot(p);
            std::shared_lock rd(slot.lock);
            if (slot.pos == p && slot.rem.fetch_sub(1, std::memory_order_acq_rel) == 1)
                slot.val.reset();
        }
        std::exchange(sh_, nullptr)->release();
    }

    detail::broadcast::Shared<T>* sh_;
    std::uint64_t next_;  // the position to read next
};

/// The future of `Receiver::recv` (see there). Movable until first polled.
template <class T>
class Receiver<T>::RecvFuture {
  public:
    using Output = RecvResult<T>;
    RecvFuture(RecvFuture&& o) noexcept : rx_(o.rx_), pin_(o.pin_) {}
    RecvFuture& operator=(RecvFuture&&) = delete;
    ~RecvFuture() {
        if (registered_) rx_->forget(w_);
    }

    Poll<RecvResult<T>> poll(Context& cx) {
        pin_.pin();
        RecvResult<T> r = rx_->step(&w_, &cx, registered_);
        if (r.is_empty()) return Pending;
        if (registered_) {
            // Done while possibly still linked (polled again before a send took the waiter):
            // unlink now rather than be woken for nothing.
            rx_->forget(w_);
            registered_ = false;
        }
        return r;
    }

  private:
    friend class Receiver<T>;
    explicit RecvFuture(Receiver* rx) noexcept : rx_(rx) {}
    Receiver* rx_;
    detail::broadcast::Waiter w_;
    bool registered_ = false;  // w_ may be linked (only this future's thread writes it)
    [[no_unique_address]] PinCheck pin_;
};

/// The sending half of a broadcast channel. Copy it for more producers; when every copy is
/// gone the receivers get `is_closed()` once they have read what was sent.
///
/// `send` never waits: a full channel overwrites its oldest value, and receivers that had not
/// read it learn it as a lag.
///
/// ```cpp
/// auto [tx, rx] = weft::sync::broadcast::channel<int>(2);
/// for (int i = 1; i <= 5; ++i) (void)tx.send(i);
/// auto r = rx.try_recv();  // r.is_lagged(), r.lagged_by() == 3
/// // then 4, then 5
/// ```
template <class T>
class Sender {
  public:
    Sender(const Sender& o) noexcept : sh_(o.sh_) {
        std::lock_guard lk(sh_->mu);
        ++sh_->tx_cnt;
        sh_->refs.fetch_add(1, std::memory_order_relaxed);  // `o` holds a reference already
    }
    Sender(Sender&& o) noexcept : sh_(std::exchange(o.sh_, nullptr)) {}
    Sender& operator=(Sender o) noexcept {
        std::swap(sh_, o.sh_);
        return *this;
    }
    ~Sender() { drop(); }

    /// Sends `value` to every current receiver, without waiting. The result says to how
    /// many; with no receiver at all it fails and hands `value` back (a value sent while
    /// nobody listens would be lost, as in Tokio). When the channel is full, the oldest value
    /// is overwritten (and destroyed, after the channel's locks are released).
    ///
    /// Waits only, briefly, for receivers still copying the value it overwrites. Wakes every
    /// receiver waiting, from this thread.
    ///
    /// ```cpp
    /// auto r = tx.send(42);
    /// if (!r) { /* nobody is subscribed: std::move(r).into_value() */ }
    /// ```
    CountedSendResult<T> send(T value) const {
        detail::broadcast::Shared<T>& s = *sh_;
        std::optional<T> old;  // the value overwritten: destroyed after the locks are released
        typename detail::broadcast::Shared<T>::WakeBatch batch;
        std::size_t n = 0;
        std::size_t receivers = 0;
        std::uint64_t pos;
        for (;;) {
            pos = s.tail.load(std::memory_order_relaxed);  // a guess, checked under mu
            detail::broadcast::Slot<T>& slot = s.slot(pos);
            std::unique_lock wr(slot.lock);  // waits for receivers copying the old value
            {
                std::lock_guard lk(s.mu);
                if (s.rx_cnt == 0) return CountedSendResult<T>(std::move(value));
                if (s.tail.load(std::memory_order_relaxed) != pos) continue;  // taken: again
                receivers = s.rx_cnt;
                slot.pos = pos;
                slot.rem.store(receivers, std::memory_order_relaxed);  // the slot lock orders it
                s.tail.store(pos + 1, std::memory_order_relaxed);
                n = s.take_waiters(batch, pos);
            }
            // Committed. Only the slot lock is held: receivers of this position wait on it.
            if (slot.val) old.emplace(std::move(*slot.val));
            slot.val.emplace(std::move(value));  // nothrow (static_assert in channel())
            break;
        }
        s.wake(batch, n, pos);  // after both locks are released
        return CountedSendResult<T>(receivers);
    }

    /// A new receiver that sees every value sent from now on (Tokio's `subscribe`).
    ///
    /// ```cpp
    /// auto rx = tx.subscribe();
    /// ```
    Receiver<T> subscribe() const {
        std::lock_guard lk(sh_->mu);
        ++sh_->rx_cnt;
        sh_->refs.fetch_add(1, std::memory_order_relaxed);  // we hold a reference already
        return Receiver<T>(sh_, sh_->tail.load(std::memory_order_relaxed));
    }

    /// Live receivers: how many a `send` now would reach.
    std::size_t receiver_count() const {
        std::lock_guard lk(sh_->mu);
        return sh_->rx_cnt;
    }

    /// Whether no receiver is subscribed now (a `send` would fail). A `subscribe()` opens it
    /// again.
    bool is_closed() const { return receiver_count() == 0; }

    /// The future of `closed()`.
    class ClosedFuture {
      public:
        using Output = void;
        ClosedFuture(ClosedFuture&&) = default;
        Poll<void> poll(Context& cx) {
            return weft::detail::poll_condition(sh_->rx_gone, notified_, cx, [&] {
                std::lock_guard lk(sh_->mu);
                return sh_->rx_cnt == 0;
            });
        }

      private:
        friend class Sender;
        explicit ClosedFuture(detail::broadcast::Shared<T>* sh) noexcept : sh_(sh) {}
        detail::broadcast::Shared<T>* sh_;
        std::optional<Notified> notified_;
    };

    /// Completes once no receiver is subscribed (Tokio's `Sender::closed`): every `Receiver`
    /// was dropped. At once if there is none now. It borrows the channel from this `Sender`:
    /// keep the `Sender` alive while it lives.
    ///
    /// Cancel safety: nothing to lose; it only observes the receiver count. The thread that
    /// drops the last receiver wakes the waiting task.
    ///
    /// ```cpp
    /// co_await weft::select(tx.closed(), publish_forever(tx));  // stop when nobody listens
    /// ```
    ClosedFuture closed() const noexcept { return ClosedFuture(sh_); }

    /// Values in the channel that some receiver has yet to read (Tokio's `len`): a value
    /// counts until every receiver subscribed when it was sent has read it, or until it is
    /// overwritten. At most the capacity.
    ///
    /// ```cpp
    /// (void)tx.send(1);
    /// assert(tx.len() == 1);  // rx has not read it
    /// ```
    std::size_t len() const {
        detail::broadcast::Shared<T>& s = *sh_;
        std::lock_guard lk(s.mu);
        const std::uint64_t tail = s.tail.load(std::memory_order_relaxed);
        const std::uint64_t kept = tail < s.capacity ? tail : s.capacity;
        // Receivers read in order, so among the kept positions the unread ones are the newest
        // ones: binary search for the oldest with rem > 0. (A receiver being dropped on
        // another thread can make this off for a moment; len() is a snapshot anyway.)
        std::uint64_t lo = tail - kept, hi = tail;
        while (lo < hi) {
            const std::uint64_t mid = lo + (hi - lo) / 2;
            if (s.slot(mid).rem.load(std::memory_order_relaxed) == 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return static_cast<std::size_t>(tail - lo);
    }
    /// `len() == 0`.
    bool is_empty() const { return len() == 0; }

  private:
    template <class U>
    friend std::pair<Sender<U>, Receiver<U>> channel(std::size_t);
    explicit Sender(detail::broadcast::Shared<T>* sh) noexcept : sh_(sh) {}

    void drop() noexcept {
        if (sh_ == nullptr) return;
        detail::broadcast::Shared<T>& s = *sh_;
        typename detail::broadcast::Shared<T>::WakeBatch batch;
        std::size_t n = 0;
        {
            std::lock_guard lk(s.mu);
            if (--s.tx_cnt == 0) {
                s.closed = true;
                n = s.take_waiters(batch, detail::broadcast::kNoPos);
            }
        }
        // Our reference keeps the channel alive while we wake (receivers may go meanwhile).
        s.wake(batch, n, detail::broadcast::kNoPos);
        std::exchange(sh_, nullptr)->release();
    }

    detail::broadcast::Shared<T>* sh_;
};

/// Creates a broadcast channel keeping the last `capacity` values (Tokio's
/// `broadcast::channel`), with one `Sender` and one `Receiver`; more come from
/// `Sender::subscribe`, `Receiver::resubscribe` and copying the `Sender`.
///
/// `capacity` is rounded up to a power of two (so a position maps to its slot with a mask),
/// as Tokio's: `channel<T>(3)` keeps 4 values. A capacity of 0 is taken as 1 (Tokio panics;
/// weft's `mpsc::channel` does the same). Throws `std::length_error` above 2^(bits-1).
///
/// `T` must be copy constructible (every receiver gets its own copy) and nothrow move
/// constructible (a send moves the value into its slot after it has claimed the position, and
/// cannot undo that). `T`'s copy constructor and destructor run under a slot's lock: they must
/// not use the same channel. A copy that throws is, as a clone that panics in Tokio, that
/// receiver's loss of that one value: the exception reaches the receive that copied, and the
/// receiver has moved past the value (its next receive gets the next one).
///
/// ```cpp
/// auto [tx, rx] = weft::sync::broadcast::channel<int>(16);
/// ```
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity) {
    static_assert(std::is_copy_constructible_v<T>, "broadcast: receivers get copies of T");
    static_assert(std::is_nothrow_move_constructible_v<T>,
                  "broadcast: a send moves T into the ring after committing; it must not throw");
    constexpr std::size_t kMax = std::size_t{1} << (sizeof(std::size_t) * 8 - 1);
    if (capacity > kMax) throw std::length_error("weft::sync::broadcast: capacity too large");
    auto* sh =
        new detail::broadcast::Shared<T>(std::bit_ceil(capacity == 0 ? std::size_t{1} : capacity));
    return {Sender<T>(sh), Receiver<T>(sh, 0)};
}

}  // namespace weft::sync::broadcast
