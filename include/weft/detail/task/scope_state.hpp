#pragma once
// Internal: what a weft::Scope and its children share.
//
// The scope future holds one reference, and every child (ScopeChild, below) one more, so the
// state outlives whichever of them ends last. `live` counts the children whose futures still
// exist: a child counts itself when its ScopeChild is made and uncounts itself when its future
// has been destroyed, so `live == 0` means every child's destructors have run. The scope waits
// for that: in its poll through `waker`, in its destructor by blocking on `live`.

#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/detail/sync/spin_lock.hpp"
#include "weft/detail/task/raw_task.hpp"
#include "weft/future/future.hpp"
#include "weft/task/waker.hpp"

namespace weft::detail {

class ScopeState {
  public:
    ScopeState() = default;
    ScopeState(const ScopeState&) = delete;

    void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    /// A child's future was made (retains the state).
    void child_started() noexcept;
    /// A child's future was destroyed (releases the state; may free it).
    void child_done() noexcept;
    /// A child (or the body) failed: the first exception is kept, every child is cancelled.
    void fail(std::exception_ptr e) noexcept;
    /// Tracks a spawned child whose JoinHandle was detached; takes over one reference to it.
    /// Cancels it at once if the scope was already cancelled.
    void track(TaskHeader* t);

    /// True once a child or the body failed (or the scope was dropped).
    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
    /// Registers `cx`'s waker for the last child's end; true if no child is left.
    bool poll_children(Context& cx);
    std::exception_ptr take_error() noexcept;
    /// For the scope's destructor: cancels every child and blocks until all are destroyed.
    void cancel_and_wait() noexcept;

  private:
    ~ScopeState();
    // Cancels the children in `snapshot` (in place where nobody polls them).
    static void cancel_all(const std::vector<TaskHeader*>& snapshot) noexcept;
    static void release_all(const std::vector<TaskHeader*>& snapshot) noexcept;
    std::vector<TaskHeader*> cancel_under_lock() noexcept;

    std::atomic<std::uint32_t> refs_{1};
    std::atomic<std::uint32_t> live_{0};  // changed under mu_; atomic for the blocking wait
    std::atomic<bool> cancelled_{false};
    SpinLock mu_;
    std::exception_ptr error_;           // guarded by mu_
    std::optional<Waker> waker_;         // guarded by mu_
    std::vector<TaskHeader*> children_;  // guarded by mu_; one reference each
    std::size_t compact_at_ = 64;        // guarded by mu_
};

/// A scope's child as a future: polls the child's future, reports its exception to the scope,
/// and uncounts itself once that future is destroyed (when it finishes, or when the task is
/// cancelled and this is destroyed). `F` is a future, or a callable that makes one (kept
/// alive, like spawn's, for as long as the future it made).
template <class F>
class ScopeChild {
    static constexpr bool kIsFuture = Future<F>;
    using Fut =
        typename std::conditional_t<kIsFuture, std::type_identity<F>, std::invoke_result<F&>>::type;

  public:
    using Output = void;

    ScopeChild(ScopeState* st, F f) : st_(st), f_(std::move(f)) { st_->child_started(); }
    ScopeChild(ScopeChild&& o) noexcept  // only before the first poll (into_task's parameter)
        : st_(std::exchange(o.st_, nullptr)), f_(std::move(o.f_)) {}
    ScopeChild& operator=(ScopeChild&&) = delete;
    ~ScopeChild() { end(); }

    Poll<void> poll(Context& cx) {
        try {
            if constexpr (kIsFuture) {
                if (f_->poll(cx).is_pending()) return Pending;
            } else {
                if (!fut_) fut_.emplace((*f_)());
                if (fut_->poll(cx).is_pending()) return Pending;
            }
        } catch (...) {
            st_->fail(std::current_exception());
        }
        end();
        return Ready;
    }

  private:
    // Destroys the child's future where it stands (it may be pinned), then the callable that
    // made it, and only then tells the scope: so the scope never sees a child gone whose
    // destructors are still to run.
    void end() noexcept {
        ScopeState* st = std::exchange(st_, nullptr);
        if (st == nullptr) return;
        if constexpr (!kIsFuture) fut_.reset();
        f_.reset();
        st->child_done();
    }

    ScopeState* st_;
    std::optional<F> f_;
    [[no_unique_address]] std::conditional_t<kIsFuture, std::monostate, std::optional<Fut>> fut_;
};

}  // namespace weft::detail
