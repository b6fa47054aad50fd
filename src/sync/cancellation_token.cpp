#include "weft/sync/cancellation_token.hpp"

#include <algorithm>

namespace weft::sync {

using Node = weft::detail::CancelNode;

void CancellationToken::cancel() const {
    // Depth-first over the tree, without recursion and without holding two locks at once.
    std::vector<std::shared_ptr<Node>> todo{node_};
    while (!todo.empty()) {
        std::shared_ptr<Node> n = std::move(todo.back());
        todo.pop_back();
        std::vector<std::weak_ptr<Node>> kids;
        {
            std::lock_guard lock(n->mu);
            // Set under the lock that child_token() takes, so that a child either is in the
            // list taken here or sees the flag and starts cancelled.
            if (n->cancelled.exchange(true, std::memory_order_acq_rel)) continue;
            kids.swap(n->children);
        }
        n->changed.notify_waiters();  // every cancelled() future made before the flag was set
        for (auto& k : kids)
            if (auto child = k.lock()) todo.push_back(std::move(child));
    }
}

CancellationToken CancellationToken::child_token() const {
    auto child = std::make_shared<Node>();
    child->parent = node_;
    std::lock_guard lock(node_->mu);
    if (node_->cancelled.load(std::memory_order_relaxed)) {
        child->cancelled.store(true, std::memory_order_release);
    } else {
        // Forget children already gone, so that a long-lived parent's list stays short.
        auto& c = node_->children;
        c.erase(std::remove_if(c.begin(), c.end(), [](auto& w) { return w.expired(); }), c.end());
        c.push_back(child);
    }
    return CancellationToken(std::move(child));
}

Poll<void> WaitForCancellation::poll(Context& cx) {
    pin_.pin();
    return weft::detail::poll_condition(node_->changed, wait_, cx, [&] {
        return node_->cancelled.load(std::memory_order_acquire);  // pairs with cancel's store
    });
}

}  // namespace weft::sync
