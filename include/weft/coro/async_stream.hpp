#pragma once
/// \file
/// `AsyncStream<T>`: the async generator. A coroutine returning `AsyncStream<T>` may both
/// `co_await` and `co_yield`.

#include <cassert>
#include <coroutine>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "weft/coro/task.hpp"
#include "weft/stream/stream.hpp"

namespace weft {

template <class T>
class AsyncStream;

namespace detail {

// An AsyncStream's frame has a TaskHeader in front, like a Task's, and is run one of two ways:
//
// - Polled on its own (poll_next, for hand-written consumers and combinators): the frame is
//   the root of its own chain, its awaits link and park in its own header (chain.hpp). A
//   `co_yield` parks on a leaf that is always ready, poll_next takes the item and clears the
//   slot, so the next poll_next resumes the body right after the co_yield.
// - Awaited, `co_await next(gen)` inside a coroutine (NextAwaiter below): the frame is linked
//   into the awaiting chain as a child, the way an awaited Task is, with a borrowed link
//   (chain.hpp). Its awaits link and park in the awaiter's chain, and a `co_yield` hands
//   control straight back to the awaiting coroutine as a `co_return` would. A body at a
//   co_yield is resumed directly from the awaiter, on the awaiting coroutine's stack, so an
//   item that is ready costs one resume and one return, no suspension of the awaiting
//   coroutine and no scope of its own.
//
// Either way the item is constructed once, by `co_yield`, in the slot its consumer pointed
// the promise at (`out_`: the awaiter's, or poll_next's local).
//
// Between the two, the generator's header holds where its body stands: {null, null} at a
// co_yield (or not started: resume the frame), or the parked chain of a body waiting on a
// co_await, which a cancelled `co_await next(gen)` hands back (hand_back in chain.hpp). Both
// ways of running it start from there, so a stream can be polled, awaited, cancelled
// mid-item and awaited again in any order and it yields every item once, in order.
template <class T>
class StreamPromise : public PromiseBase {
  public:
    AsyncStream<T> get_return_object() noexcept;
    void unhandled_exception() noexcept { header()->set_error(std::current_exception()); }
    void return_void() noexcept {}

    // At a co_yield the body is the innermost coroutine of the chain running it. Linked (the
    // innermost link is its own), it unlinks itself and hands control to the link's parent:
    // the awaiting coroutine, or, when NextAwaiter::await_ready runs the body, no coroutine
    // (null), so that the resume() there simply returns.
    struct YieldAwaiter {
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<>) const noexcept {
            PollScope* s = current_scope;
            ChainSlot& c = s->chain->chain;  // running: {null, innermost link or null}
            if (auto* l = static_cast<ChildLink*>(c.ptr)) {
                c.ptr = l->outer;
                s->next = l->parent;
            } else {  // the root, under poll_next (which clears the leaf)
                s->parked = {&kOps, nullptr};
            }
        }
        void await_resume() const noexcept {}
        static bool resume_at_once(void*, Context&) noexcept { return true; }
        static constexpr LeafOps kOps{&resume_at_once, &leaf_type_name<YieldAwaiter>};
    };
    template <class U = T>
    requires std::constructible_from<T, U&&> YieldAwaiter yield_value(U&& v) {
        out_->emplace(std::forward<U>(v));
        return {};
    }

    // Where the next co_yield puts its item; set by whoever runs the body, before each run.
    void set_out(std::optional<T>* out) noexcept { out_ = out; }
    TaskHeader* header() noexcept {
        return header_of(std::coroutine_handle<StreamPromise>::from_promise(*this));
    }

  private:
    std::optional<T>* out_ = nullptr;
};

// `co_await next(gen)` on an AsyncStream: links the generator under the awaiting coroutine
// (see StreamPromise). It spends the cooperative budget as any other await does, so a loop
// over a generator that never waits still yields to its executor every kCoopBudget items.
template <class T>
class NextAwaiter : public ChildLink {
  public:
    NextAwaiter(AsyncStream<T>& s, [[maybe_unused]] const AwaitSite& at) noexcept : s_(&s) {
        borrowed = true;
#if WEFT_TASK_TRACE
        site = at;
#endif
    }
    NextAwaiter(const NextAwaiter&) = delete;

    // The fast path: a body at a co_yield (or not started) runs right here, on this stack, to
    // its next co_yield or its end, and the awaiting coroutine goes on without suspending, as
    // a plain C++ generator would. The link is in the chain meanwhile, with no parent: the
    // co_yield (or the final suspend) unlinks it and hands control to a null parent, so
    // resume() just returns here. If the body suspends instead (a pending future, a task it
    // awaits), the chain is where the body left it, below this link, and await_suspend makes
    // the awaiting coroutine the link's parent.
    //
    // Native stack: one frame per generator being run this way, so a generator awaiting
    // another awaiting another nests like plain function calls; chains of tasks still cost
    // no stack (they suspend to the trampoline).
    bool await_ready() {
        auto g = s_->h_;
        if (!g) return true;  // ended (or empty): std::nullopt
        PollScope* s = current_scope;
        if (!s->spend_budget()) return false;
        const ChainSlot& gc = g.promise().header()->chain;
        if (gc.ops != nullptr || gc.ptr != nullptr) return false;  // waits on a co_await
        ChainSlot& c = s->chain->chain;  // running: {null, innermost link or null}
        g.promise().set_out(&item_);
        child = g;
        outer = static_cast<ChildLink*>(c.ptr);
        c.ptr = static_cast<ChildLink*>(this);
        g.resume();
        return item_.has_value() || g.done();
    }
    void await_suspend(std::coroutine_handle<> h) {
        parent = h;
        if (child) return;  // the body ran in await_ready and suspended: nothing left to do
        PollScope* s = current_scope;
        const bool yield_first = std::exchange(s->out_of_budget, false);
        auto g = s_->h_;
        ChainSlot& c = s->chain->chain;  // running: {null, innermost link or null}
        g.promise().set_out(&item_);
        child = g;
        outer = static_cast<ChildLink*>(c.ptr);
        ChainSlot gc = std::exchange(g.promise().header()->chain, {nullptr, nullptr});
        if (gc.ops == nullptr && gc.ptr == nullptr) {  // at a co_yield (await_ready ran it unless
                                                       // out of budget)
            if (!yield_first) {
                c.ptr = static_cast<ChildLink*>(this);
                s->next = g;
                return;
            }
            gc = {&kReadyOps, nullptr};  // park on a leaf that is ready at once
        }
        // Park this chain on the body's leaf, under this link: the leaf it waits on (handed
        // back by a cancelled await, see chain.hpp), or the one above. Its own links, if it
        // waits inside a task it awaits, are spliced in below this one.
        ChainSlot* leaf = &this->leaf;
        std::coroutine_handle<> innermost = g;
        if (gc.ops != nullptr) {
            c.ptr = static_cast<ChildLink*>(this);
            this->leaf = gc;
        } else {
            auto* in = static_cast<ChildLink*>(gc.ptr);
            ChildLink* o = in;
            while (o->outer != nullptr)
                o = o->outer;
            o->outer = this;
            c.ptr = in;
            leaf = &in->leaf;
            innermost = in->child;
        }
        if (yield_first) {  // out of budget: not polled now, so ask to be polled again
            s->cx->waker().wake_by_ref();
        } else if (leaf->ops->repoll(leaf->ptr, *s->cx)) {
            *leaf = {nullptr, nullptr};
            s->next = innermost;
            return;
        }
        s->parked = *leaf;  // poll_chain stores it back in the innermost link
    }
    std::optional<T> await_resume() {
        // Built in place from the value: GCC copies a whole optional through the stack with a
        // byte store and a wider load, which stalls store forwarding on every item.
        if (item_) return std::optional<T>(std::in_place, std::move(*item_));
        if (auto g = s_->h_; g && g.done()) {  // the body ended, or threw
            s_->h_ = {};
            std::exception_ptr e = g.promise().header()->take_error();
            g.destroy();
            if (e) std::rethrow_exception(e);
        }
        return std::nullopt;
    }

  private:
    static bool ready_at_once(void*, Context&) noexcept {
        return true;
    }
    static constexpr LeafOps kReadyOps{&ready_at_once, &leaf_type_name<NextAwaiter>};

    AsyncStream<T>* s_;
    std::optional<T> item_;
};

// `co_await next(gen)` (and `co_await n` for a named `Next`) in any weft coroutine uses
// NextAwaiter rather than polling the stream through poll_next.
template <class T>
class FutureAwaiter<stream::Next<AsyncStream<T>>> : public NextAwaiter<T> {
  public:
    FutureAwaiter(stream::Next<AsyncStream<T>>& n, const AwaitSite& at) noexcept
        : NextAwaiter<T>(n.stream(), at) {}
};
template <class T>
class FutureAwaiter<stream::Next<AsyncStream<T>>&> : public NextAwaiter<T> {
  public:
    FutureAwaiter(stream::Next<AsyncStream<T>>& n, const AwaitSite& at) noexcept
        : NextAwaiter<T>(n.stream(), at) {}
};

}  // namespace detail

/// The async generator: a coroutine returning `AsyncStream<T>` is a `Stream` of `T` whose body
/// can `co_await` any future and `co_yield` items. What Rust has only through macros
/// (`async-stream`) is plain C++ here.
///
/// ```cpp
/// weft::AsyncStream<std::string> lines(weft::net::TcpStream conn) {
///     weft::io::BufReader reader(std::move(conn));
///     std::string line;
///     while (co_await reader.read_line(line) != 0) {
///         co_yield std::move(line);
///         line.clear();
///     }
/// }
/// // consuming it:
/// auto s = lines(std::move(conn));
/// while (auto line = co_await weft::stream::next(s)) handle(*line);
/// ```
///
/// - **Lazy.** Calling the coroutine runs nothing; each `poll_next` runs the body to its next
///   `co_yield` (an item), its end (`std::nullopt`), or a pending `co_await` (`Pending`).
/// - **Exceptions.** An exception escaping the body comes out of the `poll_next` (so out of
///   `co_await next(s)`) that ran into it; the stream has ended then.
/// - **Cancel-safe `next`.** Dropping a `co_await next(s)` before it produced its item (a
///   `select` branch that lost, a `timeout` that expired) leaves the body where it waits; the
///   next `next(s)` or `poll_next` carries on from there, and no item is lost.
/// - **Cancellation.** Destroying an `AsyncStream` mid-way destroys its body where it stopped,
///   at a `co_yield` or a `co_await`: every local's destructor runs, and every future it was
///   awaiting is dropped (cancelled) too.
/// - **Pinning.** The frame never moves; the `AsyncStream` object itself may be moved at any
///   time. The cooperative budget and the rest of `Task`'s rules apply to the body's awaits.
template <class T>
class [[nodiscard]] AsyncStream {
  public:
    using promise_type = detail::StreamPromise<T>;
    using Item = T;

    AsyncStream() noexcept = default;
    AsyncStream(AsyncStream&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    AsyncStream& operator=(AsyncStream&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    ~AsyncStream() { reset(); }

    /// Runs the body to its next item or its end; `Pending` while it waits on a future.
    Poll<std::optional<T>> poll_next(Context& cx) {
        if (!h_) return std::optional<T>();  // ended (or empty)
        detail::TaskHeader* header = h_.promise().header();
        std::optional<T> item;
        h_.promise().set_out(&item);
        if (!detail::poll_chain(header, cx)) {
            if (!item) return Pending;
            header->chain = {nullptr, nullptr};  // at the co_yield: resume the frame next time
            return item;
        }
        auto h = std::exchange(h_, {});
        std::exception_ptr e = header->take_error();
        h.destroy();
        if (e) std::rethrow_exception(e);
        return std::optional<T>();
    }

  private:
    friend class detail::StreamPromise<T>;
    friend class detail::NextAwaiter<T>;
    explicit AsyncStream(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
    void reset() noexcept {
        if (auto h = std::exchange(h_, {}))
            detail::destroy_chain(detail::TaskHeader::of_frame(h.address()));
    }
    std::coroutine_handle<promise_type> h_;
};

namespace detail {
template <class T>
AsyncStream<T> StreamPromise<T>::get_return_object() noexcept {
    auto h = std::coroutine_handle<StreamPromise>::from_promise(*this);
    keep_frame_on_heap(h.address());
    return AsyncStream<T>(h);
}
}  // namespace detail

}  // namespace weft
