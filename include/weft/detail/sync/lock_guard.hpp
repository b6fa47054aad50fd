#pragma once
// Internal: what the guards and lock futures of `Mutex` and `RwLock` share. Both locks are a
// `Semaphore` (a mutex of one permit, an RwLock of `max_readers`): a guard is the permits it
// holds plus a pointer to the value, and, for an owned guard, a reference that keeps the lock
// alive; a lock future is an `Acquire` whose permit becomes a guard.

#include <memory>
#include <utility>
#include <variant>

#include "weft/sync/semaphore.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::detail {

// A guard's state and access. `V` is `T` (exclusive access) or `const T` (shared access).
// `Keep` is `std::shared_ptr<Lock>` for an owned guard (`std::monostate`, nothing, otherwise):
// declared first, so it is destroyed after the permit, whose release touches the lock's
// semaphore.
template <class V, class Keep = std::monostate>
class PermitGuard {
  public:
    V& operator*() const noexcept { return *value_; }
    V* operator->() const noexcept { return value_; }

  protected:
    PermitGuard(Keep keep, sync::SemaphorePermit p, V* v) noexcept
        : keep_(std::move(keep)), permit_(std::move(p)), value_(v) {}

    [[no_unique_address]] Keep keep_;
    sync::SemaphorePermit permit_;  // the lock's permits: given back (unlocking) on destruction
    V* value_;
};

// The future of a lock: waits for the lock's permits (`acquire`), then gives
// `Guard(keep, permit, value)`. Cancel safe as `Acquire` is: dropped while waiting, it leaves
// the queue and passes on what it had been handed. Movable until first polled.
template <class Guard, class V, class Keep = std::monostate>
class GuardFuture {
  public:
    using Output = Guard;
    GuardFuture(Keep keep, sync::Acquire acquire, V* value) noexcept
        : keep_(std::move(keep)), value_(value), acquire_(std::move(acquire)) {}

    Poll<Guard> poll(Context& cx) {
        Poll<sync::SemaphorePermit> p = acquire_.poll(cx);
        if (p.is_pending()) return Pending;
        return Guard(keep_, std::move(p).value(), value_);
    }

  private:
    [[no_unique_address]] Keep keep_;  // declared first: outlives acquire_, which points into it
    V* value_;
    sync::Acquire acquire_;
};

}  // namespace weft::detail
