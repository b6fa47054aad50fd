#pragma once
/// \file
/// `weft::sync::RwLock<T>`: an async, fair reader-writer lock whose guards may be held across
/// `co_await`.

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/detail/sync/lock_guard.hpp"
#include "weft/sync/semaphore.hpp"

namespace weft::sync {

template <class T>
class RwLock;

/// Shared, read-only access to the value of an `RwLock`; releases it when destroyed (Tokio's
/// `RwLockReadGuard`). Move-only. Many read guards can exist at once.
template <class T>
class RwLockReadGuard : public weft::detail::PermitGuard<const T> {
  public:
    RwLockReadGuard(RwLockReadGuard&&) noexcept = default;
    RwLockReadGuard& operator=(RwLockReadGuard&&) noexcept = default;

  private:
    friend class RwLock<T>;
    template <class>
    friend class RwLockWriteGuard;
    template <class, class, class>
    friend class weft::detail::GuardFuture;
    // p: one of the lock's permits.
    RwLockReadGuard(std::monostate, SemaphorePermit p, const T* v) noexcept
        : weft::detail::PermitGuard<const T>({}, std::move(p), v) {}
};

/// Exclusive access to the value of an `RwLock`; releases it when destroyed (Tokio's
/// `RwLockWriteGuard`). Move-only.
template <class T>
class RwLockWriteGuard : public weft::detail::PermitGuard<T> {
  public:
    RwLockWriteGuard(RwLockWriteGuard&&) noexcept = default;
    RwLockWriteGuard& operator=(RwLockWriteGuard&&) noexcept = default;

    /// Turns this write access into read access without letting a writer in between: the
    /// waiting readers at the head of the queue (up to the next waiting writer) get in at once.
    ///
    /// ```cpp
    /// auto w = co_await cache.write();
    /// w->refresh();
    /// weft::sync::RwLockReadGuard<Cache> r = std::move(w).downgrade();
    /// ```
    RwLockReadGuard<T> downgrade() && {
        SemaphorePermit all = std::move(this->permit_);
        std::optional<SemaphorePermit> one = all.split(1);
        return RwLockReadGuard<T>({}, std::move(*one), this->value_);
    }  // `all`, now holding the rest, goes back here: to the queue in order

    /// `downgrade()` to a read guard of a part of the value (Tokio's `downgrade_map`): `f`
    /// gets the value (`const T&`) and returns a reference to a part of it, which the read
    /// guard then gives access to. As with `downgrade`, no writer gets in between, and the
    /// readers at the head of the queue get in at once. `f` runs before anything changes: if
    /// it throws, this write guard is left as it was.
    ///
    /// ```cpp
    /// auto w = co_await state.write();
    /// w->config = load();
    /// weft::sync::RwLockReadGuard<Config> cfg =
    ///     std::move(w).downgrade_map([](const State& s) -> const Config& { return s.config; });
    /// ```
    template <class F>
    auto downgrade_map(F&& f) && {
        using R = decltype(std::forward<F>(f)(std::as_const(*this->value_)));
        static_assert(std::is_lvalue_reference_v<R>,
                      "weft::sync::RwLockWriteGuard::downgrade_map: f must return a reference "
                      "into the value");
        using U = std::remove_cvref_t<R>;
        const U* part = &std::forward<F>(f)(std::as_const(*this->value_));
        SemaphorePermit all = std::move(this->permit_);
        std::optional<SemaphorePermit> one = all.split(1);
        return RwLockReadGuard<U>({}, std::move(*one), part);
    }  // as in downgrade

  private:
    friend class RwLock<T>;
    template <class, class, class>
    friend class weft::detail::GuardFuture;
    // p: all of the lock's permits.
    RwLockWriteGuard(std::monostate, SemaphorePermit p, T* v) noexcept
        : weft::detail::PermitGuard<T>({}, std::move(p), v) {}
};

/// A read guard that keeps the lock alive, so that it can move into a spawned task (Tokio's
/// `OwnedRwLockReadGuard`): made by `RwLock::read_owned`.
template <class T>
class OwnedRwLockReadGuard : public weft::detail::PermitGuard<const T, std::shared_ptr<RwLock<T>>> {
  public:
    OwnedRwLockReadGuard(OwnedRwLockReadGuard&&) noexcept = default;
    OwnedRwLockReadGuard& operator=(OwnedRwLockReadGuard&&) = delete;

  private:
    template <class, class, class>
    friend class weft::detail::GuardFuture;
    OwnedRwLockReadGuard(std::shared_ptr<RwLock<T>> l, SemaphorePermit p, const T* v) noexcept
        : weft::detail::PermitGuard<const T, std::shared_ptr<RwLock<T>>>(std::move(l), std::move(p),
                                                                         v) {}
};

/// A write guard that keeps the lock alive, so that it can move into a spawned task (Tokio's
/// `OwnedRwLockWriteGuard`): made by `RwLock::write_owned`.
template <class T>
class OwnedRwLockWriteGuard : public weft::detail::PermitGuard<T, std::shared_ptr<RwLock<T>>> {
  public:
    OwnedRwLockWriteGuard(OwnedRwLockWriteGuard&&) noexcept = default;
    OwnedRwLockWriteGuard& operator=(OwnedRwLockWriteGuard&&) = delete;

  private:
    template <class, class, class>
    friend class weft::detail::GuardFuture;
    OwnedRwLockWriteGuard(std::shared_ptr<RwLock<T>> l, SemaphorePermit p, T* v) noexcept
        : weft::detail::PermitGuard<T, std::shared_ptr<RwLock<T>>>(std::move(l), std::move(p), v) {}
};

/// Tokio's `RwLock<T>`: a value that many tasks may read at once, or one task may write.
/// `co_await l.read()` gives a `RwLockReadGuard` (a `const T&`), `co_await l.write()` a
/// `RwLockWriteGuard` (a `T&`); the access ends when the guard goes. Guards may be held across
/// `co_await`, as `Mutex` guards may.
///
/// - **Fair (FIFO, write-preferring in effect):** requests are served in the order they were
///   made. A waiting writer blocks readers that come after it, so a steady stream of readers
///   cannot starve a writer; and a writer does not overtake readers that asked before it.
///   `try_read` / `try_write` never take the lock from a waiter.
/// - It is a `Semaphore` with `max_readers` permits: a read takes one, a write takes all of
///   them. At most `max_readers` read guards exist at once (default `kMaxReaders`); a reader
///   past that waits for one to go.
/// - **Cancel safe:** dropping a pending `read()` or `write()` leaves the queue without
///   keeping the lock or making the next waiter miss its turn; a writer dropped while it had
///   been handed part of the permits gives them to the waiters behind it.
///
/// ```cpp
/// weft::sync::RwLock<std::map<std::string, int>> table;
/// weft::Task<int> lookup(std::string key) {
///     auto r = co_await table.read();   // many lookups at once
///     auto it = r->find(key);
///     co_return it == r->end() ? 0 : it->second;
/// }
/// weft::Task<void> insert(std::string key, int v) {
///     auto w = co_await table.write();  // waits for the readers before it, blocks later ones
///     (*w)[std::move(key)] = v;
/// }
/// ```
template <class T>
class RwLock {
  public:
    /// The default (and largest) number of readers at once; Tokio's limit too.
    static constexpr std::size_t kMaxReaders = (std::size_t{1} << 29) - 1;

    explicit RwLock(T value = T()) : RwLock(std::move(value), kMaxReaders) {}
    /// A lock that lets at most `max_readers` (1 to `kMaxReaders`) read at once.
    RwLock(T value, std::size_t max_readers)
        : max_(checked(max_readers)), sem_(max_), value_(std::move(value)) {}
    RwLock(const RwLock&) = delete;
    RwLock& operator=(const RwLock&) = delete;

    /// The future of `read()`: a `RwLockReadGuard` once every earlier writer is done.
    using ReadFuture = weft::detail::GuardFuture<RwLockReadGuard<T>, const T>;
    /// The future of `write()`: a `RwLockWriteGuard` once every earlier request is done.
    using WriteFuture = weft::detail::GuardFuture<RwLockWriteGuard<T>, T>;
    /// The future of `read_owned()`.
    using ReadOwnedFuture =
        weft::detail::GuardFuture<OwnedRwLockReadGuard<T>, const T, std::shared_ptr<RwLock>>;
    /// The future of `write_owned()`.
    using WriteOwnedFuture =
        weft::detail::GuardFuture<OwnedRwLockWriteGuard<T>, T, std::shared_ptr<RwLock>>;

    /// Waits for read access. Cancel safe (see the class comment).
    ReadFuture read() noexcept { return ReadFuture({}, sem_.acquire(1), &value_); }
    /// Waits for write access. Cancel safe (see the class comment).
    WriteFuture write() noexcept { return WriteFuture({}, sem_.acquire(max_), &value_); }
    /// Read access if no writer holds the lock or waits for it; empty otherwise.
    std::optional<RwLockReadGuard<T>> try_read() {
        TryAcquireResult<SemaphorePermit> p = sem_.try_acquire(1);
        if (!p) return std::nullopt;
        return RwLockReadGuard<T>({}, std::move(p).into_permit(), &value_);
    }
    /// Write access if nobody holds the lock or waits for it; empty otherwise.
    std::optional<RwLockWriteGuard<T>> try_write() {
        TryAcquireResult<SemaphorePermit> p = sem_.try_acquire(max_);
        if (!p) return std::nullopt;
        return RwLockWriteGuard<T>({}, std::move(p).into_permit(), &value_);
    }
    /// `read()` with a guard that owns a reference to the lock:
    /// `co_await RwLock<T>::read_owned(l)`.
    static ReadOwnedFuture read_owned(std::shared_ptr<RwLock> l) noexcept {
        RwLock& lock = *l;
        return ReadOwnedFuture(std::move(l), lock.sem_.acquire(1), &lock.value_);
    }
    /// `write()` with a guard that owns a reference to the lock.
    static WriteOwnedFuture write_owned(std::shared_ptr<RwLock> l) noexcept {
        RwLock& lock = *l;
        return WriteOwnedFuture(std::move(l), lock.sem_.acquire(lock.max_), &lock.value_);
    }
    /// The value without locking, for a caller that knows nobody else can reach the lock
    /// (Rust's `get_mut(&mut self)`; here it is on you).
    T& get_mut() noexcept { return value_; }
    /// Moves the value out (Tokio's `into_inner`, which consumes the lock):
    /// `T v = std::move(l).into_inner();`. The lock is left holding a moved-from `T`; nobody
    /// may lock it again. Rust proves that no guard is left; weft checks what it can: it throws
    /// `std::logic_error` if any guard holds the lock.
    T into_inner() && {
        if (sem_.available_permits() != max_)
            throw std::logic_error("weft::sync::RwLock::into_inner: the lock is held");
        return std::move(value_);
    }
    /// The most readers at once.
    std::size_t max_readers() const noexcept { return max_; }

  private:
    static std::size_t checked(std::size_t n) {
        if (n == 0 || n > kMaxReaders)
            throw std::invalid_argument("weft::sync::RwLock: max_readers must be 1..kMaxReaders");
        return n;
    }
    std::size_t max_;
    Semaphore sem_;
    T value_;
};

}  // namespace weft::sync
