#pragma once
// Internal: how a chain of coroutines awaiting each other is polled and destroyed.
//
// A `Task` awaiting another `Task` forms a chain. Only the innermost coroutine is ever parked,
// on a *leaf*: a future that returned Pending. The chain's state is one ChainSlot in the root
// frame's TaskHeader, in one of three states (once the chain is over, the same space holds the
// coroutine's exception or the finished task's output-drop hook: see TaskHeader):
//   {null, null}           running (or not started) with no child awaited
//   {null, link}           a child is awaited; `link` is the innermost parent->child link and
//                          each link points to the one outside it. When the chain is parked,
//                          the innermost link holds the leaf.
//   {ops, leaf}            parked on a leaf in the root coroutine itself
// Keeping the leaf's operations here, not in the awaiter, keeps every awaiter one pointer
// (plus, with WEFT_TASK_TRACE, the AwaitSite a task dump shows).
//
// Polling the chain (poll_chain) re-polls the leaf and, when it is ready, resumes the innermost
// coroutine. Control moves between coroutines through a trampoline (PollScope::next) instead of
// nested resume() calls, so a chain 100,000 deep uses constant native stack whatever the
// compiler does with symmetric transfer. Destroying a chain (destroy_chain) walks the links
// from the innermost outwards, so destructors run in the order a synchronous unwind would run
// them, again without recursion.
//
// A generator (AsyncStream) awaited through `co_await next(gen)` is linked into the awaiting
// chain like a child task, but the link does not own it (`borrowed`): the generator outlives
// the await. Its body runs inside the awaiter's chain (its own awaits link and park there) and
// a `co_yield` hands control back to the link's parent as a `co_return` would. Destroying the
// chain while a generator is linked (the await was cancelled) must leave the generator
// usable: destroy_chain cuts the chain at the outermost borrowed link and hands the part
// below it, the generator's own awaits and the parked leaf, back to the generator's header
// (hand_back), where its next poll_next, or the next `co_await next(gen)`, picks it up.

#include <cassert>
#include <coroutine>
#include <utility>

#include "weft/detail/task/task_header.hpp"
#include "weft/task/context.hpp"

namespace weft::detail {

// The awaiter through which a parent coroutine awaits a child task; lives in the parent frame.
struct ChildLink {
    std::coroutine_handle<> parent;
    ChildLink* outer = nullptr;        // the link through which `parent` is awaited, or null
    std::coroutine_handle<> child;     // owned; emptied when destroy_chain destroyed it
    ChainSlot leaf{nullptr, nullptr};  // the parked leaf, when `child` is the innermost
    bool borrowed = false;             // `child` is a generator this link does not own
#if WEFT_TASK_TRACE
    AwaitSite site;  // the co_await in `parent` that awaits `child`
#endif
};

// Every leaf awaiter derives from LeafBase and parks with a pointer to that base, so that a dump
// (and a poll's probe) can read its site without knowing the awaiter's type. A leaf with no
// awaiter object (ptr null) has no site. Empty without WEFT_TASK_TRACE.
struct LeafBase {
#if WEFT_TASK_TRACE
    AwaitSite site;
#endif
};
// The site a chain parked on `leaf` resumes from.
inline AwaitSite leaf_site([[maybe_unused]] const ChainSlot& leaf) noexcept {
#if WEFT_TASK_TRACE
    if (leaf.ptr != nullptr) return static_cast<const LeafBase*>(leaf.ptr)->site;
#endif
    return {};
}

// A __PRETTY_FUNCTION__ that names T (LeafOps::type_name; dump.cpp cuts the name out). A
// freestanding build has no task dumps: the names (some 500 bytes of flash in the embedded
// demo) stay out of it.
template <class T>
const char* leaf_type_name() noexcept {
#if WEFT_FREESTANDING
    return "";
#else
    return __PRETTY_FUNCTION__;
#endif
}

// Awaits that may complete at once within one poll of a chain before the next one yields
// (the cooperative budget; Tokio's is also 128). It keeps a task whose futures are always ready
// from starving the other tasks of its worker.
inline constexpr int kCoopBudget = 128;

// The state of the chain being polled on this thread.
struct PollScope {
    Context* cx;
    TaskHeader* chain;                   // root frame's header
    std::coroutine_handle<> next;        // coroutine the trampoline resumes next
    ChainSlot parked{nullptr, nullptr};  // set by the awaiter the chain suspended on
    ErrorPtr leaf_error;                 // a leaf's poll threw: rethrown inside the coroutine
    int budget = kCoopBudget;            // awaits left before the chain must yield
    bool out_of_budget = false;          // the awaiter now suspending skipped its poll
    bool unconstrained = false;          // inside task::unconstrained: the budget never runs out

    // An await that may complete at once spends one unit first; false: the budget is spent,
    // and the awaiter must suspend without polling (out_of_budget tells the trampoline why).
    bool spend_budget() noexcept {
        if (budget != 0) {
            --budget;
            return true;
        }
        if (unconstrained) return true;
        out_of_budget = true;
        return false;
    }
};

// Set while task::unconstrained polls its future: the chains polled meanwhile never yield for
// budget (budget.hpp). Only this thread reads or writes it.
inline constinit WEFT_THREAD_LOCAL bool unconstrained_now = false;

// Awaiters find the current poll here rather than through a pointer in every frame: a chain is
// only ever resumed by poll_chain, on this thread, so the scope is always the innermost one.
inline constinit WEFT_THREAD_LOCAL PollScope* current_scope = nullptr;

inline ChildLink* innermost_link(const ChainSlot& c) noexcept {
    return c.ops ? nullptr : static_cast<ChildLink*>(c.ptr);
}

// The parked leaf of a chain that is not running (null ops: none, first poll).
inline const ChainSlot& parked_leaf(const ChainSlot& c) noexcept {
    if (c.ops == nullptr && c.ptr != nullptr) return static_cast<const ChildLink*>(c.ptr)->leaf;
    return c;
}

// Polls the chain rooted at `chain`'s frame; returns true when the root coroutine finished.
inline bool poll_chain(TaskHeader* chain, Context& cx) {
    PollScope scope{&cx, chain, {}, {nullptr, nullptr}, {}, kCoopBudget, false, unconstrained_now};
    PollScope* outer = std::exchange(current_scope, &scope);
    struct Restore {
        PollScope* outer;
        ~Restore() { current_scope = outer; }
    } restore{outer};

    ChainSlot& c = chain->chain;
    if (c.ops) {  // parked in the root coroutine
        if (!c.ops->repoll(c.ptr, cx)) return false;
        c = {nullptr, nullptr};
        scope.next = chain->frame();
    } else if (auto* link = static_cast<ChildLink*>(c.ptr)) {  // parked in a child
        assert(link->leaf.ops);
        if (!link->leaf.ops->repoll(link->leaf.ptr, cx)) return false;
        link->leaf = {nullptr, nullptr};
        scope.next = link->child;
    } else {  // first poll
        assert(!chain->frame().done());
        scope.next = chain->frame();
    }
    do {
        std::exchange(scope.next, {}).resume();
    } while (scope.next);

    if (chain->frame().done()) return true;
    assert(scope.parked.ops && "a weft::Task suspended without registering a waker");
    if (ChildLink* link = innermost_link(c)) {
        link->leaf = scope.parked;
    } else {
        c = scope.parked;
    }
    return false;
}

// Gives the part of a parked chain below `cut`, a borrowed link, back to the generator `cut`
// links (see the top of the file); returns the link outside `cut`. `innermost` is the chain's
// innermost link. After it, the generator's header holds what its own chain would have held
// had it been polled on its own: its parked leaf, or its innermost link with the leaf in it.
inline ChildLink* hand_back(ChildLink* innermost, ChildLink* cut) noexcept {
    TaskHeader* gen = TaskHeader::of_frame(std::exchange(cut->child, {}).address());
    if (innermost == cut) {
        gen->chain = std::exchange(cut->leaf, {nullptr, nullptr});
    } else {
        ChildLink* below = innermost;
        while (below->outer != cut)
            below = below->outer;
        below->outer = nullptr;
        gen->chain = {nullptr, innermost};
    }
    return cut->outer;
}

// Destroys the chain rooted at `chain`'s frame, innermost coroutine first. A generator linked
// in it (a cancelled `co_await next(gen)`) is not destroyed but gets its part back.
inline void destroy_chain(TaskHeader* chain) noexcept {
    if (!chain->frame().done()) {
        ChildLink* l = innermost_link(chain->chain);
        ChildLink* cut = nullptr;
        for (ChildLink* p = l; p != nullptr; p = p->outer) {
            if (p->borrowed) cut = p;
        }
        if (cut != nullptr) l = hand_back(l, cut);
        for (; l != nullptr; l = l->outer) {
            std::exchange(l->child, {}).destroy();
        }
        chain->chain = {nullptr, nullptr};
    }
    chain->frame().destroy();
}

}  // namespace weft::detail
