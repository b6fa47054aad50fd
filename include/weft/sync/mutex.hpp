#pragma once
/// \file
/// `weft::sync::Mutex<T>`: an async, fair mutex whose guard may be held across `co_await`.

#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <variant>

#include "weft/detail/sync/lock_guard.hpp"
#include "weft/sync/semaphore.hpp"

namespace weft::sync {

template <class T>
class Mutex;

/// Access to the value of a locked `Mutex`; unlocks when destroyed (Tokio's `MutexGuard`).
/// Move-only. May be held across `co_await` (unlike a `std::mutex` guard: see `Mutex`).
template <class T>
class MutexGuard : public weft::detail::PermitGuard<T> {
  public:
    MutexGuard(MutexGuard&&) noexcept = default;
    MutexGuard& operator=(MutexGuard&&) noexcept = default;

  private:
    friend class Mutex<T>;
    template <class, class, class>
    friend class weft::detail::GuardFuture;
    // p: the mutex's one permit.
    MutexGuard(std::monostate, SemaphorePermit p, T* v) noexcept
        : weft::detail::PermitGuard<T>({}, std::move(p), v) {}
};

/// As `MutexGuard`, but keeping the mutex alive, so that it can move into a spawned task
/// (Tokio's `OwnedMutexGuard`): made by `Mutex::lock_owned`.
template <class T>
class OwnedMutexGuard : public weft::detail::PermitGuard<T, std::shared_ptr<Mutex<T>>> {
  public:
    OwnedMutexGuard(OwnedMutexGuard&&) noexcept = default;
    OwnedMutexGuard& operator=(OwnedMutexGuard&&) = delete;

  private:
    friend class Mutex<T>;
    template <class, class, class>
    friend class weft::detail::GuardFuture;
    OwnedMutexGuard(std::shared_ptr<Mutex<T>> m, SemaphorePermit p, T* v) noexcept
        : weft::detail::PermitGuard<T, std::shared_ptr<Mutex<T>>>(std::move(m), std::move(p), v) {}
};

/// Tokio's `Mutex<T>`: a value behind an async lock. `co_await m.lock()` waits without
/// blocking the thread and gives a `MutexGuard`; the lock is released when the guard goes.
///
/// - **Fair (FIFO):** waiters get the lock in the order they asked for it; a `try_lock`
///   never takes it from a waiter (nor does `try_lock_owned`). It is a `Semaphore` with one
///   permit.
/// - **Cancel safe:** dropping a pending `lock()` leaves the queue; it never leaves the mutex
///   locked, and never makes the next waiter miss its turn.
/// - **Hold the guard across `co_await` freely.** That is what this mutex is for. With a
///   `std::mutex`, holding its guard across a `co_await` is the classic async deadlock: the
///   task suspends with the thread's lock held; another task on the same thread then blocks
///   on that lock, and the thread that would resume the first task is the one now blocked. A
///   `std::mutex` is still the right tool (and faster) for a short critical section with no
///   `co_await` inside. docs/sync.md has both, side by side.
///
/// ```cpp
/// weft::sync::Mutex<std::vector<std::string>> log;
/// weft::Task<void> record(std::string line) {
///     auto guard = co_await log.lock();
///     guard->push_back(std::move(line));
///     co_await flush_if_full(*guard);  // still locked: fine
/// }
/// ```
template <class T>
class Mutex {
  public:
    explicit Mutex(T value = T()) : sem_(1), value_(std::move(value)) {}
    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;

    /// The future of `lock()`: a `MutexGuard` once every earlier waiter was served.
    using LockFuture = weft::detail::GuardFuture<MutexGuard<T>, T>;
    /// The future of `lock_owned()`.
    using LockOwnedFuture =
        weft::detail::GuardFuture<OwnedMutexGuard<T>, T, std::shared_ptr<Mutex>>;

    /// Waits for the lock. Cancel safe (see the class comment).
    LockFuture lock() noexcept { return LockFuture({}, sem_.acquire(), &value_); }
    /// The lock if it is free and nobody waits for it; empty otherwise.
    std::optional<MutexGuard<T>> try_lock() {
        TryAcquireResult<SemaphorePermit> p = sem_.try_acquire(1);
        if (!p) return std::nullopt;
        return MutexGuard<T>({}, std::move(p).into_permit(), &value_);
    }
    /// `lock()` with a guard that owns a reference to the mutex:
    /// `co_await Mutex<T>::lock_owned(m)`.
    static LockOwnedFuture lock_owned(std::shared_ptr<Mutex> m) noexcept {
        Mutex& mu = *m;
        return LockOwnedFuture(std::move(m), mu.sem_.acquire(), &mu.value_);
    }
    /// `try_lock()` with a guard that owns a reference to the mutex (Tokio's
    /// `try_lock_owned`): the lock if it is free and nobody waits for it, else empty. Never
    /// waits, and never takes the lock from a waiter.
    ///
    /// ```cpp
    /// if (auto g = weft::sync::Mutex<State>::try_lock_owned(state)) {
    ///     weft::spawn(flush(std::move(*g))).detach();  // the guard keeps the mutex alive
    /// }
    /// ```
    static std::optional<OwnedMutexGuard<T>> try_lock_owned(std::shared_ptr<Mutex> m) {
        TryAcquireResult<SemaphorePermit> p = m->sem_.try_acquire(1);
        if (!p) return std::nullopt;
        T* v = &m->value_;
        return OwnedMutexGuard<T>(std::move(m), std::move(p).into_permit(), v);
    }
    /// The value without locking, for a caller that knows nobody else can reach the mutex
    /// (Rust's `get_mut(&mut self)`, which the borrow checker proves; here it is on you).
    T& get_mut() noexcept { return value_; }

    /// Moves the value out (Tokio's `into_inner`, which consumes the mutex):
    /// `T v = std::move(m).into_inner();`. The mutex is left holding a moved-from `T`; nobody
    /// may lock it again. Rust proves that no guard is left; weft checks what it can: it throws
    /// `std::logic_error` if the mutex is locked.
    T into_inner() && {
        if (sem_.available_permits() != 1)
            throw std::logic_error("weft::sync::Mutex::into_inner: the mutex is locked");
        return std::move(value_);
    }

  private:
    Semaphore sem_;
    T value_;
};

}  // namespace weft::sync
