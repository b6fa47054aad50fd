#pragma once
/// \file
/// `weft::sync::Semaphore`: a fair, async counting semaphore, with RAII permits.

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <variant>

#include "weft/detail/sync/spin_lock.hpp"
#include "weft/detail/sync/waiter_list.hpp"
#include "weft/future/pin_check.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"
#include "weft/task/waker.hpp"

namespace weft::sync {

class Semaphore;

/// Thrown by a `Semaphore` acquire that cannot succeed because the semaphore was closed
/// (Tokio's `AcquireError`).
class AcquireError : public std::runtime_error {
  public:
    AcquireError() : std::runtime_error("weft::sync::Semaphore: closed") {}
};

/// Why `try_acquire` failed (Tokio's `TryAcquireError`).
enum class TryAcquireError {
    Closed,     ///< the semaphore was closed
    NoPermits,  ///< not enough free permits now, or others are waiting for them
};

/// The outcome of `Semaphore::try_acquire` and its owned and `_many` forms (Tokio's
/// `Result<SemaphorePermit, TryAcquireError>`): the permit `P`, or why there is none, never
/// both. Reads as the other result types do (docs/errors.md): `ok()` / `explicit operator
/// bool`, `*r`, `std::move(r).into_permit()`, and on failure `error()`, `is_closed()`,
/// `is_no_permits()`.
///
/// ```cpp
/// if (auto r = limit.try_acquire()) {
///     auto permit = std::move(r).into_permit();
///     do_work();
/// } else if (r.is_closed()) {
///     shut_down();
/// }
/// ```
template <class P>
class [[nodiscard]] TryAcquireResult {
  public:
    /// The permit.
    TryAcquireResult(P permit) noexcept : v_(std::move(permit)) {}  // NOLINT: implicit
    /// Why not.
    TryAcquireResult(TryAcquireError e) noexcept : v_(e) {}  // NOLINT: implicit

    /// Whether it holds the permit.
    bool ok() const noexcept { return std::holds_alternative<P>(v_); }
    explicit operator bool() const noexcept { return ok(); }
    /// Why there is no permit (only when `!ok()`).
    TryAcquireError error() const noexcept {
        assert(!ok());
        return std::get<TryAcquireError>(v_);
    }
    /// The semaphore was closed.
    bool is_closed() const noexcept { return !ok() && error() == TryAcquireError::Closed; }
    /// Too few free permits now, or others are waiting for them.
    bool is_no_permits() const noexcept { return !ok() && error() == TryAcquireError::NoPermits; }

    /// The permit (only when `ok()`).
    P& operator*() noexcept {
        assert(ok());
        return std::get<P>(v_);
    }
    P* operator->() noexcept { return &**this; }
    /// Takes the permit out (only when `ok()`).
    P into_permit() && {
        assert(ok());
        return std::move(std::get<P>(v_));
    }

  private:
    std::variant<P, TryAcquireError> v_;
};

}  // namespace weft::sync

namespace weft::detail {

// A task waiting for permits: a node inside its acquire future (pinned once polled).
// `granted` lets the poll after the wake (and a drop after it) finish without the semaphore's
// lock: release() sets it, under the lock, once it has unlinked the waiter and filled it, with
// a release store that publishes those writes; the waiter's acquire load then sees them. On two
// workers that saves a lock round trip per hand-off, and with it a move of the semaphore's cache
// line to the woken task's core.
struct SemaphoreWaiter : WaiterNode<SemaphoreWaiter> {
    std::size_t total = 0;             // permits asked for
    std::size_t needed = 0;            // of those, still missing (guarded by the semaphore's lock)
    bool started = false;              // polled once
    bool queued = false;               // in the queue
    bool done = false;                 // its permit was handed out by poll
    std::atomic<bool> granted{false};  // all `total` permits are its, and it left the queue
};

}  // namespace weft::detail

namespace weft::sync {

/// Permits borrowed from a `Semaphore`, given back when destroyed (Tokio's
/// `SemaphorePermit`). Move-only. `forget()` keeps them out of the semaphore for good.
class SemaphorePermit {
  public:
    SemaphorePermit(SemaphorePermit&& o) noexcept
        : sem_(std::exchange(o.sem_, nullptr)), n_(std::exchange(o.n_, 0)) {}
    SemaphorePermit& operator=(SemaphorePermit&& o) noexcept;
    ~SemaphorePermit();
    /// How many permits this holds.
    std::size_t num_permits() const noexcept { return n_; }
    /// Drops the permits without giving them back (the semaphore has fewer from now on).
    void forget() noexcept { n_ = 0; }
    /// Moves `n` of this permit's permits into a new permit (Tokio's `split`); empty if this
    /// holds fewer than `n`. `RwLock` uses it to downgrade a write guard to a read guard.
    std::optional<SemaphorePermit> split(std::size_t n) noexcept {
        if (n > n_) return std::nullopt;
        n_ -= n;
        return SemaphorePermit(sem_, n);
    }
    /// Adds `other`'s permits to this one without giving them back (Tokio's `merge`): they all
    /// go back together when this permit is destroyed. A moved-from `other` adds nothing.
    ///
    /// Throws `std::invalid_argument` (where Tokio panics) if `other` holds permits of another
    /// semaphore, or is this permit; then neither permit changes.
    ///
    /// ```cpp
    /// auto a = co_await sem->acquire(1);
    /// auto b = co_await sem->acquire(2);
    /// a.merge(std::move(b));  // a.num_permits() == 3, b holds none
    /// ```
    void merge(SemaphorePermit&& other) {
        if (&other == this || (other.sem_ != nullptr && sem_ != nullptr && other.sem_ != sem_))
            throw_merge_mismatch();
        if (sem_ == nullptr) sem_ = other.sem_;
        n_ += std::exchange(other.n_, 0);
        other.sem_ = nullptr;
    }

  private:
    friend class Semaphore;
    friend class Acquire;
    SemaphorePermit(Semaphore* s, std::size_t n) noexcept : sem_(s), n_(n) {}
    friend class OwnedSemaphorePermit;
    [[noreturn]] static void throw_merge_mismatch();
    Semaphore* sem_;
    std::size_t n_;
};

/// As `SemaphorePermit`, but owning a reference to the semaphore, so that it can move into a
/// spawned task (Tokio's `OwnedSemaphorePermit`): made by `acquire_owned`.
class OwnedSemaphorePermit {
  public:
    OwnedSemaphorePermit(OwnedSemaphorePermit&& o) noexcept
        : sem_(std::move(o.sem_)), n_(std::exchange(o.n_, 0)) {}
    OwnedSemaphorePermit& operator=(OwnedSemaphorePermit&& o) noexcept;
    ~OwnedSemaphorePermit();
    std::size_t num_permits() const noexcept { return n_; }
    void forget() noexcept { n_ = 0; }
    /// The semaphore the permits belong to.
    const std::shared_ptr<Semaphore>& semaphore() const noexcept { return sem_; }

    /// Moves `n` of this permit's permits into a new owned permit, which shares the semaphore
    /// (Tokio's `OwnedSemaphorePermit::split`); empty if this holds fewer than `n`.
    ///
    /// ```cpp
    /// auto all = co_await weft::sync::Semaphore::acquire_owned(sem, 4);
    /// auto one = all.split(1);  // one->num_permits() == 1, all.num_permits() == 3
    /// weft::spawn(use(std::move(*one))).detach();
    /// ```
    std::optional<OwnedSemaphorePermit> split(std::size_t n) noexcept {
        if (n > n_) return std::nullopt;
        n_ -= n;
        return OwnedSemaphorePermit(sem_, n);
    }
    /// Adds `other`'s permits to this one without giving them back (Tokio's `merge`), as
    /// `SemaphorePermit::merge`: throws `std::invalid_argument` if `other` holds permits of
    /// another semaphore, or is this permit; a moved-from `other` adds nothing.
    void merge(OwnedSemaphorePermit&& other) {
        if (&other == this || (other.sem_ && sem_ && other.sem_ != sem_))
            SemaphorePermit::throw_merge_mismatch();
        if (!sem_) sem_ = std::move(other.sem_);
        n_ += std::exchange(other.n_, 0);
        other.sem_.reset();
    }

  private:
    friend class Semaphore;
    friend class AcquireOwned;
    OwnedSemaphorePermit(std::shared_ptr<Semaphore> s, std::size_t n) noexcept
        : sem_(std::move(s)), n_(n) {}
    std::shared_ptr<Semaphore> sem_;
    std::size_t n_;
};

/// The future of `Semaphore::acquire(n)`: a `SemaphorePermit` for `n` permits once they are
/// free and every earlier waiter was served; throws `AcquireError` if the semaphore closes.
///
/// Cancel safety: dropping it gives back the permits it had been handed while waiting (to
/// the next waiters), and it leaves the queue; nothing is lost, and no later waiter is
/// skipped.
class Acquire {
  public:
    using Output = SemaphorePermit;
    /// Movable until first polled.
    Acquire(Acquire&& o) noexcept : sem_(std::exchange(o.sem_, nullptr)), w_(), pin_(o.pin_) {
        w_.total = w_.needed = o.w_.total;
    }
    Acquire& operator=(Acquire&&) = delete;
    ~Acquire();
    Poll<SemaphorePermit> poll(Context& cx);

  private:
    friend class Semaphore;
    friend class AcquireOwned;
    Acquire(Semaphore* s, std::size_t n) noexcept : sem_(s) { w_.total = w_.needed = n; }
    Semaphore* sem_;
    weft::detail::SemaphoreWaiter w_;
    [[no_unique_address]] PinCheck pin_;
};

/// The future of `Semaphore::acquire_owned(sem, n)`: as `Acquire`, with an owned permit.
class AcquireOwned {
  public:
    using Output = OwnedSemaphorePermit;
    AcquireOwned(std::shared_ptr<Semaphore> s, std::size_t n);
    Poll<OwnedSemaphorePermit> poll(Context& cx);

  private:
    std::shared_ptr<Semaphore> sem_;
    Acquire inner_;
};

/// Tokio's `Semaphore`: a number of permits that tasks acquire (waiting while there are not
/// enough) and give back. It bounds concurrency (at most N requests in flight, at most N open
/// files) and is what a fair async mutex is made of.
///
/// - **Fair (FIFO).** Waiters are served in the order they started waiting. A large request
///   at the head of the queue holds back smaller ones behind it, so it cannot starve; permits
///   given back meanwhile are handed to it as they come.
/// - `acquire(n)` waits; `try_acquire(n)` does not; both give a `SemaphorePermit` that gives
///   the permits back when destroyed. `acquire_owned` gives an `OwnedSemaphorePermit` that
///   keeps the semaphore alive (for a spawned task).
/// - `add_permits(n)` adds permits and `forget_permits(n)` takes free ones away; `close()` makes
///   every waiting and future acquire throw `AcquireError` (permits already held stay valid).
/// - `blocking_acquire(n)` is for plain threads (refused on a thread that runs tasks).
/// - Thread-safe, and executor-agnostic: it depends on the core only. The `Semaphore` must
///   outlive its `Acquire` futures and borrowed permits.
///
/// ```cpp
/// weft::sync::Semaphore limit(10);  // at most 10 downloads at once
/// weft::Task<void> download(std::string url) {
///     auto permit = co_await limit.acquire();
///     co_await fetch(url);
/// }  // the permit goes back here
/// ```
class Semaphore {
  public:
    /// The largest number of permits a semaphore can hold.
    static constexpr std::size_t kMaxPermits = std::size_t{1} << 60;

    explicit Semaphore(std::size_t permits);
    Semaphore(const Semaphore&) = delete;
    Semaphore& operator=(const Semaphore&) = delete;
    ~Semaphore();

    /// Waits for `n` permits (see `Acquire` for cancel safety). `n` may be 0.
    Acquire acquire(std::size_t n = 1) noexcept { return Acquire(this, n); }
    /// `acquire` with an owned permit: `co_await Semaphore::acquire_owned(sem)`.
    static AcquireOwned acquire_owned(std::shared_ptr<Semaphore> sem, std::size_t n = 1) {
        return AcquireOwned(std::move(sem), n);
    }
    /// `n` permits now, or why not. Fails with `NoPermits` while others wait (it does not
    /// jump the queue).
    TryAcquireResult<SemaphorePermit> try_acquire(std::size_t n = 1);
    /// `try_acquire` with an owned permit (Tokio's `try_acquire_owned`): the permit keeps the
    /// semaphore alive, so it can move into a spawned task. Never waits; fails as `try_acquire`.
    ///
    /// ```cpp
    /// auto r = weft::sync::Semaphore::try_acquire_owned(sem);
    /// if (!r) co_return reply_busy();  // r.is_no_permits() (or r.is_closed())
    /// weft::spawn(handle(std::move(r).into_permit(), req)).detach();
    /// ```
    static TryAcquireResult<OwnedSemaphorePermit> try_acquire_owned(std::shared_ptr<Semaphore> sem,
                                                                    std::size_t n = 1);

    /// Tokio's names for the `n`-permit forms: `acquire_many(n)` is `acquire(n)`, and so on.
    Acquire acquire_many(std::size_t n) noexcept { return acquire(n); }
    TryAcquireResult<SemaphorePermit> try_acquire_many(std::size_t n) { return try_acquire(n); }
    static AcquireOwned acquire_many_owned(std::shared_ptr<Semaphore> sem, std::size_t n) {
        return acquire_owned(std::move(sem), n);
    }
    static TryAcquireResult<OwnedSemaphorePermit> try_acquire_many_owned(
        std::shared_ptr<Semaphore> sem, std::size_t n) {
        return try_acquire_owned(std::move(sem), n);
    }

    /// Waits for `n` permits by blocking the calling thread, for plain threads and
    /// `spawn_blocking` code that shares a semaphore with tasks. Same queue, same fairness as
    /// `acquire(n)`. Throws `AcquireError` if the semaphore is or gets closed.
    ///
    /// Refuses (throws `std::logic_error`) when called on a thread that is running a
    /// runtime's tasks or a `block_on` / `LocalExecutor` future: it would block the thread
    /// those tasks need, and the task that would give the permits back might be one of them.
    /// Tokio's blocking calls panic there for the same reason. Use `co_await acquire(n)` in
    /// async code, or move the blocking code into `spawn_blocking`.
    ///
    /// Tokio's `Semaphore` has no blocking acquire (users reach for one anyway); this one
    /// follows Tokio's `Mutex::blocking_lock` and the channels' `blocking_*` forms.
    ///
    /// ```cpp
    /// std::thread worker([&] {
    ///     auto permit = limit.blocking_acquire();  // parks this thread until a permit is free
    ///     do_blocking_io();
    /// });
    /// ```
    SemaphorePermit blocking_acquire(std::size_t n = 1);
    /// Tokio-style name for `blocking_acquire(n)`.
    SemaphorePermit blocking_acquire_many(std::size_t n) { return blocking_acquire(n); }

    /// Adds `n` permits, handing them to waiters first. Throws std::length_error past
    /// `kMaxPermits`.
    void add_permits(std::size_t n);
    /// Takes up to `n` of the permits free right now out of the semaphore for good, and
    /// returns how many it took (Tokio's `forget_permits`). Permits held by someone are not
    /// touched (`forget()` on a permit does that), and with waiters queued no permit is free.
    ///
    /// ```cpp
    /// weft::sync::Semaphore s(5);
    /// s.forget_permits(3);   // == 3: two left
    /// s.forget_permits(10);  // == 2: none left
    /// ```
    std::size_t forget_permits(std::size_t n);
    /// Permits free right now.
    std::size_t available_permits() const;
    /// Closes the semaphore: waiting and later acquires throw `AcquireError`.
    void close();
    bool is_closed() const;

  private:
    friend class Acquire;
    friend class SemaphorePermit;
    friend class OwnedSemaphorePermit;
    using Waiter = weft::detail::SemaphoreWaiter;
    // Gives `n` permits back: to the waiters in order first, waking each one fully served
    // (after unlocking, and without locking again unless permits are left for the next one).
    void release(std::size_t n) noexcept;
    void link(Waiter* w) noexcept;
    void unlink(Waiter* w) noexcept;

    mutable weft::detail::SpinLock mu_;  // a few pointer moves; never held while waking
    std::size_t permits_;
    bool closed_ = false;
    weft::detail::WaiterList<Waiter> waiters_;  // oldest first
};

}  // namespace weft::sync
