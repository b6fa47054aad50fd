#pragma once
/// \file
/// `Waker`: the handle a pending future keeps so it can ask to be polled again.

#include <utility>

#include "weft/task/raw_waker.hpp"

namespace weft {

namespace detail {
extern const RawWakerVTable noop_waker_vtable;
}

/// A handle that wakes a task: Rust's `std::task::Waker`.
///
/// A future that returns `Pending` stores a copy of `cx.waker()` and calls `wake()` when it can
/// make progress; the executor then polls it again. Copying a `Waker` calls the vtable's `clone`,
/// destroying it calls `drop`, and moving it transfers the handle with no vtable call at all
/// (the moved-from waker becomes the no-op waker). Copy-assignment skips the clone when the new
/// waker would wake the same task (`will_wake`), the common case when a future re-registers on
/// every poll.
///
/// ```cpp
/// struct Flag {
///     std::atomic<bool> set{false};
///     weft::Waker waker;            // starts as the no-op waker
/// };
/// // in poll:   flag.waker = cx.waker();  return weft::Pending;
/// // elsewhere: flag.set = true;  flag.waker.wake_by_ref();
/// ```
///
/// Thread safety: a `Waker` may be sent to and woken from any thread; one `Waker` object is not
/// itself synchronised (guard it like any other value when two threads touch it).
class Waker {
  public:
    /// The no-op waker: waking it does nothing. Default construction gives it too.
    Waker() noexcept : raw_{nullptr, &detail::noop_waker_vtable} {}

    /// Takes ownership of `raw`: the new `Waker` will call `raw.vtable->drop` when destroyed.
    /// The caller promises `raw.vtable`'s functions uphold `RawWakerVTable`'s contract.
    static Waker from_raw(RawWaker raw) noexcept { return Waker(raw); }

    /// A reference to a shared no-op waker, for polling futures by hand.
    static const Waker& noop() noexcept;

    Waker(const Waker& other) : raw_(other.raw_.vtable->clone(other.raw_.data)) {}
    Waker(Waker&& other) noexcept : raw_(std::exchange(other.raw_, noop_raw())) {}

    /// Clone-from: a no-op when `other` already wakes the same task.
    Waker& operator=(const Waker& other) {
        if (!will_wake(other)) {
            RawWaker fresh = other.raw_.vtable->clone(other.raw_.data);
            raw_.vtable->drop(raw_.data);
            raw_ = fresh;
        }
        return *this;
    }
    Waker& operator=(Waker&& other) noexcept {
        if (this != &other) {
            raw_.vtable->drop(raw_.data);
            raw_ = std::exchange(other.raw_, noop_raw());
        }
        return *this;
    }
    ~Waker() { raw_.vtable->drop(raw_.data); }

    /// Wakes the task and releases this handle; the waker is the no-op waker afterwards.
    void wake() && {
        RawWaker raw = std::exchange(raw_, noop_raw());
        raw.vtable->wake(raw.data);
    }
    /// Wakes the task and keeps this handle.
    void wake_by_ref() const { raw_.vtable->wake_by_ref(raw_.data); }

    /// True if both wakers wake the same task (same data and vtable); a cheap test that
    /// lets futures skip replacing a stored waker.
    bool will_wake(const Waker& other) const noexcept {
        return raw_.data == other.raw_.data && raw_.vtable == other.raw_.vtable;
    }

    /// True for the no-op waker (including a moved-from waker).
    bool is_noop() const noexcept { return raw_.vtable == &detail::noop_waker_vtable; }

    const RawWaker& as_raw() const noexcept { return raw_; }

    /// Gives up ownership without calling `drop`; the caller now owns the returned handle.
    RawWaker into_raw() && noexcept { return std::exchange(raw_, noop_raw()); }

  private:
    explicit Waker(RawWaker raw) noexcept : raw_(raw) {}
    static RawWaker noop_raw() noexcept { return {nullptr, &detail::noop_waker_vtable}; }

    RawWaker raw_;
};

}  // namespace weft
