#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "weft/detail/task/raw_task.hpp"
#include "weft/detail/task/scope_state.hpp"
#include "weft/task/task_id.hpp"

namespace weft::detail {

ScopeState::~ScopeState() {
    for (TaskHeader* t : children_)
        release_ref(t);
}

void ScopeState::child_started() noexcept {
    retain();
    std::lock_guard lock(mu_);
    live_.fetch_add(1, std::memory_order_relaxed);
}

void ScopeState::child_done() noexcept {
    std::optional<Waker> waker;
    bool last;
    {
        std::lock_guard lock(mu_);
        // release: the child's destructors happen-before whoever sees the count drop.
        last = live_.fetch_sub(1, std::memory_order_release) == 1;
        if (last) waker = std::exchange(waker_, std::nullopt);
    }
    if (last) {
        if (waker) std::move(*waker).wake();
        live_.notify_all();  // a destructor blocked in cancel_and_wait (our reference keeps us)
    }
    release();
}

std::vector<TaskHeader*> ScopeState::cancel_under_lock() noexcept {
    cancelled_.store(true, std::memory_order_release);
    // A reference each for the snapshot: track() may forget finished children meanwhile.
    for (TaskHeader* t : children_)
        add_ref(t);
    return children_;
}

void ScopeState::cancel_all(const std::vector<TaskHeader*>& snapshot) noexcept {
    TaskHeader* self = current_task();
    for (TaskHeader* t : snapshot) {
        if (t != self) cancel_detached_here(t);
    }
}

void ScopeState::release_all(const std::vector<TaskHeader*>& snapshot) noexcept {
    for (TaskHeader* t : snapshot)
        release_ref(t);
}

void ScopeState::fail(std::exception_ptr e) noexcept {
    std::vector<TaskHeader*> snapshot;
    std::optional<Waker> waker;
    {
        std::lock_guard lock(mu_);
        if (cancelled_.load(std::memory_order_relaxed)) {
            if (!error_) error_ = std::move(e);  // dropped already: nobody will see it anyway
            return;
        }
        error_ = std::move(e);
        snapshot = cancel_under_lock();
        waker = std::exchange(waker_, std::nullopt);  // the scope stops polling its body
    }
    // Outside the lock: a sibling destroyed here runs its destructors, and ends in child_done.
    cancel_all(snapshot);
    release_all(snapshot);
    if (waker) std::move(*waker).wake();
}

void ScopeState::track(TaskHeader* t) {
    bool cancel;
    {
        std::lock_guard lock(mu_);
        if (children_.size() >= compact_at_) {
            // Forget the children that ended, so a long-lived scope stays small.
            std::erase_if(children_, [](TaskHeader* c) {
                if (!task_is_finished(c)) return false;
                release_ref(c);
                return true;
            });
            compact_at_ = std::max<std::size_t>(64, 2 * children_.size());
        }
        children_.push_back(t);
        cancel = cancelled_.load(std::memory_order_relaxed);
        if (cancel) add_ref(t);  // as cancel_under_lock's snapshot does
    }
    if (cancel) {
        cancel_detached_here(t);
        release_ref(t);
    }
}

bool ScopeState::poll_children(Context& cx) {
    std::optional<Waker> old;  // a replaced waker: dropped after the lock (user code on drop)
    std::lock_guard lock(mu_);
    if (live_.load(std::memory_order_acquire) == 0) return true;
    if (!waker_ || !waker_->will_wake(cx.waker())) old = std::exchange(waker_, cx.waker());
    return false;
}

std::exception_ptr ScopeState::take_error() noexcept {
    std::lock_guard lock(mu_);
    return std::exchange(error_, nullptr);
}

void ScopeState::cancel_and_wait() noexcept {
    std::vector<TaskHeader*> snapshot;
    {
        std::lock_guard lock(mu_);
        snapshot = cancel_under_lock();
    }
    cancel_all(snapshot);
    // What is left is being polled on other threads: each is destroyed when its poll ends.
    // (A child spawned from here on is cancelled by track() as it arrives.)
    TaskHeader* self = current_task();
    for (TaskHeader* t : snapshot) {
        if (t == self && !task_is_finished(t)) {
            std::fputs("weft: a Scope was destroyed from inside one of its own children\n", stderr);
            std::abort();
        }
    }
    release_all(snapshot);
    for (std::uint32_t n; (n = live_.load(std::memory_order_acquire)) != 0;)
        live_.wait(n, std::memory_order_acquire);
}

}  // namespace weft::detail
