#pragma once
// Internal: how a chain of coroutines awaiting each other is polled and destroyed.
//
// A `Task` awaiting another `Task` forms a chain; only the innermost coroutine is ever parked,
// on a *leaf*: a future that returned Pending. Polling the chain (poll_chain) re-polls that leaf
// and, when it is ready, resumes its coroutine. Control moves between coroutines through a
// trampoline (PollScope::next) instead of nested resume() calls, so a chain 100,000 deep uses
// constant native stack whatever the compiler does with symmetric transfer. Destroying a chain
// (destroy_chain) starts at the innermost coroutine and walks outwards, so destructors run in the
// order a synchronous unwind would run them, again without recursion.

#include <cassert>
#include <coroutine>
#include <exception>
#include <utility>

#include "weft/task/context.hpp"

namespace weft::detail {

struct PromiseBase;

// A future-awaiter the chain is parked on.
struct LeafAwaiter {
    bool (*repoll)(LeafAwaiter* self, Context& cx) = nullptr;  // true: resume the coroutine
    std::coroutine_handle<> coro;
    PromiseBase* promise = nullptr;
};

// The awaiter through which a parent coroutine awaits a child task; lives in the parent frame.
struct ChildLink {
    std::coroutine_handle<> parent;
    PromiseBase* parent_promise = nullptr;
    std::coroutine_handle<> child;  // owned; emptied when destroy_chain destroyed it
};

// The state of the chain being polled on this thread.
struct PollScope {
    Context* cx;
    std::coroutine_handle<> next;   // coroutine the trampoline resumes next
    LeafAwaiter* parked = nullptr;  // set by the awaiter the chain suspended on
};

// Awaiters find the current poll here rather than through a pointer in every frame: a chain is
// only ever resumed by poll_chain, on this thread, so the scope is always the innermost one.
inline constinit thread_local PollScope* current_scope = nullptr;

struct PromiseBase {
    ChildLink* link = nullptr;    // the parent's awaiter while awaited as a child, else null
    LeafAwaiter* leaf = nullptr;  // root only: where the chain is parked between polls
    std::exception_ptr error;     // the coroutine's exception, or a leaf's, in transit
};

// Polls the chain rooted at `root`; returns true when the root coroutine has finished.
inline bool poll_chain(std::coroutine_handle<> root, PromiseBase& rp, Context& cx) {
    PollScope scope{&cx, {}, nullptr};
    PollScope* outer = std::exchange(current_scope, &scope);
    struct Restore {
        PollScope* outer;
        ~Restore() { current_scope = outer; }
    } restore{outer};

    if (LeafAwaiter* leaf = rp.leaf) {
        if (!leaf->repoll(leaf, cx)) return false;
        rp.leaf = nullptr;
        scope.next = leaf->coro;
    } else {
        assert(!root.done());
        scope.next = root;
    }
    do {
        std::exchange(scope.next, {}).resume();
    } while (scope.next);

    if (root.done()) return true;
    assert(scope.parked && "a weft::Task suspended without registering a waker");
    rp.leaf = scope.parked;
    return false;
}

// Destroys the chain rooted at `root`, innermost coroutine first.
inline void destroy_chain(std::coroutine_handle<> root, PromiseBase& rp) noexcept {
    if (!root.done() && rp.leaf != nullptr) {
        std::coroutine_handle<> h = rp.leaf->coro;
        PromiseBase* p = rp.leaf->promise;
        while (p != &rp) {
            ChildLink* link = p->link;
            link->child = {};
            h.destroy();
            h = link->parent;
            p = link->parent_promise;
        }
    }
    root.destroy();
}

}  // namespace weft::detail
