#pragma once
// Internal: the FIFO of waiting tasks that weft's sync types keep (mpsc senders, Notify,
// Semaphore). Intrusive: each node lives inside a future that is pinned once polled, so
// waiting allocates nothing. Not thread-safe: the owner guards it with its lock.

namespace weft::detail {

/// `Node` has `Node* next` and `Node* prev`.
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
