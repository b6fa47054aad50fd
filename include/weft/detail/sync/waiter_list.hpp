#pragma once
// Internal: the FIFO of waiting tasks that weft's sync types keep (mpsc senders, Notify,
// Semaphore). Intrusive: each node lives inside a future that is pinned once polled, so
// waiting allocates nothing. Not thread-safe: the owner guards it with its lock.

#include <utility>

#include "weft/task/waker.hpp"

namespace weft::detail {

/// Stores `w` in `slot` (a waiter's waker, kept under its owner's lock) and returns the waker
/// it replaces, for the caller to drop *after* unlocking. A waker's `drop` is user code as much
/// as its `wake` (the last reference to a task, a callback of the user's own vtable), and it may
/// re-enter the very primitive whose lock is held: dropping it under a spin lock then spins
/// forever (issue 16). Same task: nothing is cloned and the no-op waker is returned, so a
/// future that re-registers on every poll pays no vtable call.
///
/// ```cpp
/// Waker old;  // declared before the lock: destroyed after it is released
/// {
///     std::lock_guard lock(mu);
///     old = replace_waker(w.waker, cx.waker());
/// }
/// ```
[[nodiscard]] inline Waker replace_waker(Waker& slot, const Waker& w) {
    if (slot.will_wake(w)) return {};
    return std::exchange(slot, w);
}

/// The links of a node in a `WaiterList`, and the waker of the task it stands for. `Self` is
/// the node type: `struct SemaphoreWaiter : WaiterNode<SemaphoreWaiter> { ... };`.
template <class Self>
struct WaiterNode {
    Self* next = nullptr;
    Self* prev = nullptr;
    Waker waker;  // guarded by the owner's lock
};

/// `Node` has `Node* next` and `Node* prev` (a `WaiterNode<Node>`, usually).
template <class Node>
class WaiterList {
  public:
    bool empty() const noexcept { return head_ == nullptr; }
    Node* front() const noexcept { return head_; }

    void push_back(Node* n) noexcept {
        n->prev = tail_;
        n->next = nullptr;
        (tail_ ? tail_->next : head_) = n;
        tail_ = n;
    }
    void remove(Node* n) noexcept {
        (n->prev ? n->prev->next : head_) = n->next;
        (n->next ? n->next->prev : tail_) = n->prev;
        n->next = n->prev = nullptr;
    }
    /// The oldest node, removed; null if empty.
    Node* pop_front() noexcept {
        Node* n = head_;
        if (n != nullptr) remove(n);
        return n;
    }
    /// The newest node, removed; null if empty.
    Node* pop_back() noexcept {
        Node* n = tail_;
        if (n != nullptr) remove(n);
        return n;
    }

  private:
    Node* head_ = nullptr;
    Node* tail_ = nullptr;
};

}  // namespace weft::detail
