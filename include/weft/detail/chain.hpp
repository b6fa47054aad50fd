#pragma once
// Internal: how a chain of coroutines awaiting each other is polled and destroyed.
//
// A `Task` awaiting another `Task` forms a chain; only the innermost coroutine is ever parked,
// on a *leaf*: a future that returned Pending. The chain's state lives in the root frame's
// TaskHeader: the parked leaf, and the innermost parent->child link (each link points to the
// one outside it). Polling the chain (poll_chain) re-polls the leaf and, when it is ready,
// resumes the innermost coroutine. Control moves between coroutines through a trampoline
// (PollScope::next) instead of nested resume() calls, so a chain 100,000 deep uses constant
// native stack whatever the compiler does with symmetric transfer. Destroying a chain
// (destroy_chain) walks the links from the innermost outwards, so destructors run in the order
// a synchronous unwind would run them, again without recursion.

#include <cassert>
#include <coroutine>
#include <exception>
#include <utility>

#include "weft/detail/task_header.hpp"
#include "weft/task/context.hpp"

namespace weft::detail {

// A future-awaiter the chain is parked on (it lives in the innermost frame).
struct LeafAwaiter {
    bool (*repoll)(LeafAwaiter* self, Context& cx);  // true: resume the innermost coroutine
};

// The awaiter through which a parent coroutine awaits a child task; lives in the parent frame.
struct ChildLink {
    std::coroutine_handle<> parent;
    ChildLink* outer = nullptr;     // the link through which `parent` is awaited, or null
    std::coroutine_handle<> child;  // owned; emptied when destroy_chain destroyed it
};

// The state of the chain being polled on this thread.
struct PollScope {
    Context* cx;
    TaskHeader* chain;              // root frame's header
    std::coroutine_handle<> next;   // coroutine the trampoline resumes next
    LeafAwaiter* parked = nullptr;  // set by the awaiter the chain suspended on
    std::exception_ptr leaf_error;  // a leaf's poll threw: rethrown inside the coroutine
};

// Awaiters find the current poll here rather than through a pointer in every frame: a chain is
// only ever resumed by poll_chain, on this thread, so the scope is always the innermost one.
inline constinit thread_local PollScope* current_scope = nullptr;

inline std::coroutine_handle<> innermost_coro(TaskHeader* chain) noexcept {
    return chain->innermost ? chain->innermost->child : chain->frame();
}

// Polls the chain rooted at `chain`'s frame; returns true when the root coroutine finished.
inline bool poll_chain(TaskHeader* chain, Context& cx) {
    PollScope scope{&cx, chain, {}, nullptr, {}};
    PollScope* outer = std::exchange(current_scope, &scope);
    struct Restore {
        PollScope* outer;
        ~Restore() { current_scope = outer; }
    } restore{outer};

    if (LeafAwaiter* leaf = chain->leaf) {
        if (!leaf->repoll(leaf, cx)) return false;
        chain->leaf = nullptr;
    } else {
        assert(!chain->frame().done());
    }
    scope.next = innermost_coro(chain);
    do {
        std::exchange(scope.next, {}).resume();
    } while (scope.next);

    if (chain->frame().done()) return true;
    assert(scope.parked && "a weft::Task suspended without registering a waker");
    chain->leaf = scope.parked;
    return false;
}

// Destroys the chain rooted at `chain`'s frame, innermost coroutine first.
inline void destroy_chain(TaskHeader* chain) noexcept {
    for (ChildLink* l = chain->innermost; l != nullptr; l = l->outer) {
        std::exchange(l->child, {}).destroy();
    }
    chain->innermost = nullptr;
    chain->frame().destroy();
}

}  // namespace weft::detail
