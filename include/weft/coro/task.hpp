#pragma once
/// \file
/// `Task<T>`: the async function type. A coroutine returning `Task<T>` is an async function.

#include <cassert>
#include <coroutine>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/detail/task/chain.hpp"
#include "weft/detail/task/platform.hpp"
#include "weft/detail/task/task_header.hpp"
#include "weft/future/future.hpp"

namespace weft {

template <class T = void>
class Task;

namespace detail {

template <class T>
struct is_task : std::false_type {};
template <class T>
struct is_task<Task<T>> : std::true_type {};
template <class T>
inline constexpr bool is_task_v = is_task<std::remove_cvref_t<T>>::value;

// Awaits any Future inside a Task. It refers to the future rather than owning it: an rvalue
// operand of co_await is a temporary that lives until the end of the full-expression, that is
// past await_resume, and it lives in the coroutine frame, so it is pinned either way. Copying
// it into the awaiter would only store it twice.
template <class F>
class FutureAwaiter : LeafBase {
    using Out = output_t<F>;

  public:
    explicit FutureAwaiter(std::remove_reference_t<F>& f,
                           [[maybe_unused]] const AwaitSite& site) noexcept
        : fut_(f) {
#if WEFT_TASK_TRACE
        this->site = site;
#endif
    }

    // The first poll happens here, so a future that is ready at once does not suspend, unless
    // the chain used up its cooperative budget: then it yields first (see kCoopBudget).
    bool await_ready() {
        PollScope* s = current_scope;
        if (!s->spend_budget()) return false;
        auto p = fut_.poll(*s->cx);
        if (p.is_pending()) return false;
        store(std::move(p));
        return true;
    }
    void await_suspend(std::coroutine_handle<>) noexcept {
        PollScope* s = current_scope;
        s->parked = {&kOps, static_cast<LeafBase*>(this)};
        if (s->out_of_budget) {  // not polled yet: ask to be polled again right away
            s->out_of_budget = false;
            s->cx->waker().wake_by_ref();
        }
    }
    Out await_resume() {
        if (PollScope* s = current_scope; s->leaf_error) {
            rethrow_if_error(std::exchange(s->leaf_error, {}));
        }
        if constexpr (!std::is_void_v<Out>) return std::move(*value_);
    }

  private:
    void store(Poll<Out>&& p) {
        if constexpr (!std::is_void_v<Out>) value_.emplace(std::move(p).value());
    }
    // A throwing poll is the future's outcome: poll_chain resumes the coroutine right away and
    // await_resume rethrows it there, as if the coroutine itself had thrown it.
    static bool do_repoll(void* self, Context& cx) {
        auto* me = static_cast<FutureAwaiter*>(static_cast<LeafBase*>(self));
#if WEFT_EXCEPTIONS
        try {
#endif
            auto p = me->fut_.poll(cx);
            if (p.is_pending()) return false;
            me->store(std::move(p));
#if WEFT_EXCEPTIONS
        } catch (...) {
            current_scope->leaf_error = current_error();
        }
#endif
        return true;
    }

    static constexpr LeafOps kOps{&FutureAwaiter::do_repoll,
                                  &leaf_type_name<std::remove_cvref_t<F>>};

    std::remove_reference_t<F>& fut_;
    [[no_unique_address]] std::conditional_t<std::is_void_v<Out>, std::monostate,
                                             std::optional<value_or_monostate_t<Out>>>
        value_;
};

template <class T>
class Promise;

// Awaits a child Task: links it under the awaiting coroutine and lets the trampoline run it.
template <class U>
class TaskAwaiter : public ChildLink {
  public:
    TaskAwaiter(std::coroutine_handle<Promise<U>> h,
                [[maybe_unused]] const AwaitSite& at) noexcept {
        child = h;
#if WEFT_TASK_TRACE
        site = at;
#endif
    }
    TaskAwaiter(const TaskAwaiter&) = delete;
    ~TaskAwaiter() {
        if (child) child.destroy();
    }

    bool await_ready() const noexcept {
        return false;
    }
    void await_suspend(std::coroutine_handle<> h) noexcept {
        PollScope* s = current_scope;
        ChainSlot& c = s->chain->chain;  // running: {null, innermost link or null}
        parent = h;
        outer = static_cast<ChildLink*>(c.ptr);
        c.ptr = static_cast<ChildLink*>(this);
        s->next = child;
    }
    U await_resume() {
        return std::coroutine_handle<Promise<U>>::from_address(child.address()).promise().take();
    }
};

// The part of a Task's promise shared whatever its output type. It holds no data: the
// coroutine's exception is kept in the frame's TaskHeader (see set_error), which keeps a
// parked `Task<void>` frame 8 bytes smaller.
struct PromiseBase {
    std::suspend_always initial_suspend() const noexcept { return {}; }

    struct FinalAwaiter {
        bool await_ready() const noexcept { return false; }
        // The finishing coroutine is the innermost of its chain: hand control back to its
        // parent through the trampoline (no nested resume); the root simply stays suspended.
        void await_suspend(std::coroutine_handle<>) const noexcept {
            PollScope* s = current_scope;
            ChainSlot& c = s->chain->chain;  // running: {null, innermost link or null}
            if (auto* l = static_cast<ChildLink*>(c.ptr)) {
                c.ptr = l->outer;
                s->next = l->parent;
            }
        }
        void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() const noexcept { return {}; }

    // Each co_await records where it is (a default argument: the compiler's location of the
    // co_await expression), for task dumps and the stall detector (WEFT_TASK_TRACE).
    template <class U>
    TaskAwaiter<U> await_transform(Task<U>&& t, AwaitSite at = AwaitSite::here()) noexcept;
    template <class U>
    TaskAwaiter<U> await_transform(Task<U>& t, AwaitSite at = AwaitSite::here()) noexcept;

    template <Future F>
    requires(!is_task_v<F>) FutureAwaiter<F> await_transform(F&& f,
                                                             AwaitSite at = AwaitSite::here())
    noexcept { return FutureAwaiter<F>(f, at); }

    // Every frame is allocated with a TaskHeader in front (see task_header.hpp), from
    // allocate_task_memory (out of line, see there). Hosted, a failed allocation throws
    // std::bad_alloc at the call; freestanding it returns null, and the call returns an empty
    // Task (get_return_object_on_allocation_failure): the caller finds `!task.valid()`.
#if WEFT_EXCEPTIONS
    static void* operator new(std::size_t size) {
        void* mem = allocate_task_memory(size + sizeof(TaskHeader));
        return reinterpret_cast<char*>(::new (mem) TaskHeader()) + sizeof(TaskHeader);
    }
#else
    static void* operator new(std::size_t size) noexcept {
        void* mem = allocate_task_memory(size + sizeof(TaskHeader));
        if (mem == nullptr) return nullptr;
        return reinterpret_cast<char*>(::new (mem) TaskHeader()) + sizeof(TaskHeader);
    }
#endif
    static void operator delete(void* frame) noexcept {
        TaskHeader* h = TaskHeader::of_frame(frame);
        if (h->is_spawned()) {
            // The frame's own reference; the header (and, for a task that completed, its
            // output: see retire_frame) may outlive the frame. A completing task's frame gives
            // its reference up in the same RMW that marks the task complete.
            if (h != retiring_frame) release_ref(h);
        } else {
            h->~TaskHeader();
            free_task_memory(h);
        }
    }

  protected:
    static TaskHeader* header_of(std::coroutine_handle<> h) noexcept {
        return TaskHeader::of_frame(h.address());
    }
    // The header in front of the frame must exist, so the frame may not be elided into the
    // caller's (Clang's CoroElide would do that to a Task created and destroyed in one
    // function): let the frame address escape. GCC never elides coroutine frames.
    static void keep_frame_on_heap([[maybe_unused]] void* frame) noexcept {
#if defined(__clang__)
        asm volatile("" : : "r"(frame) : "memory");
#endif
    }
};

// The output of a Task<T>, in its promise. A spawned task's frame is destroyed as soon as the
// task completes (its parameters and everything else in it go then, as Tokio drops a finished
// future), while the output stays where it is: the slot has a trivial destructor, so destroying
// the frame leaves the output alive in the frame's memory, which the task's header keeps
// allocated (see PromiseBase::operator delete) until the JoinHandle takes the output or the
// output is dropped unread (drop_kept_output). A Task that is not spawned destroys an untaken
// output with its frame, as before.
template <class T>
struct OutputSlot {
    alignas(T) unsigned char bytes[sizeof(T)];
    bool full = false;

    T* get() noexcept { return std::launder(reinterpret_cast<T*>(bytes)); }
    template <class V>
    void emplace(V&& v) {
        ::new (static_cast<void*>(bytes)) T(std::forward<V>(v));
        full = true;
    }
    void reset() noexcept {
        if (full) {
            full = false;
            get()->~T();
        }
    }
};

template <class T>
class Promise : public PromiseBase {
  public:
    Promise() noexcept = default;
    Promise(const Promise&) = delete;
    ~Promise() {
        // A spawned task's frame is only destroyed with an output in it by retire_frame, which
        // keeps the output (see OutputSlot). Compared by address, never read: clang may elide
        // the frame of a Task awaited as a child into its parent's, and then no header is in
        // front of it (reading its state was a UBSan error in clang -O3 builds).
        if (header() != retiring_frame) value_.reset();
    }

    Task<T> get_return_object() noexcept;
#if !WEFT_EXCEPTIONS
    static Task<T> get_return_object_on_allocation_failure() noexcept;
#endif
    void unhandled_exception() noexcept {
        header()->set_error(current_error());
    }
    template <class V = T>
    requires std::constructible_from<T, V&&>
    void return_value(V&& v) {
        value_.emplace(std::forward<V>(v));
    }
    // The output, or the coroutine's exception rethrown. Call once, after the coroutine ended.
    T take() {
        rethrow_if_error(header()->take_error());
        struct Reset {
            OutputSlot<T>& s;
            ~Reset() { s.reset(); }
        } reset{value_};
        return std::move(*value_.get());
    }

    // As PromiseBase's, and records how to drop the output if nobody takes it (for a spawned
    // task, whose frame is destroyed before its output: see drop_kept_output).
    struct FinalAwaiter : PromiseBase::FinalAwaiter {
        void await_suspend(std::coroutine_handle<Promise> h) const noexcept {
            PromiseBase::FinalAwaiter::await_suspend(h);
            if constexpr (!std::is_trivially_destructible_v<T>) {
                if (h.promise().value_.full)
                    h.promise().header()->finished.drop_output = &drop_kept;
            }
        }
    };
    FinalAwaiter final_suspend() const noexcept {
        return {};
    }

  private:
    // Drops the output of a spawned task whose frame is already destroyed (see OutputSlot).
    static void drop_kept(TaskHeader* t) noexcept {
        std::coroutine_handle<Promise>::from_address(t->frame().address()).promise().value_.reset();
    }
    TaskHeader* header() noexcept {
        return header_of(std::coroutine_handle<Promise>::from_promise(*this));
    }
    OutputSlot<T> value_;
};

template <>
class Promise<void> : public PromiseBase {
  public:
    Task<void> get_return_object() noexcept;
#if !WEFT_EXCEPTIONS
    static Task<void> get_return_object_on_allocation_failure() noexcept;
#endif
    void unhandled_exception() noexcept {
        header()->set_error(current_error());
    }
    void return_void() noexcept {}
    void take() {
        rethrow_if_error(header()->take_error());
    }

  private:
    TaskHeader* header() noexcept {
        return header_of(std::coroutine_handle<Promise>::from_promise(*this));
    }
};

}  // namespace detail

/// The async function type: a coroutine returning `Task<T>` is an async function yielding `T`.
///
/// A `Task` is lazy: calling the coroutine allocates its frame and runs nothing. It runs when
/// awaited (`co_await task`), polled (it is a `Future`), spawned, or given to `block_on`.
/// Inside, `co_await` accepts any `Future` and any other `Task`; `co_return` gives the output;
/// an exception escapes to whoever awaits, polls or joins the task.
///
/// ```cpp
/// weft::Task<int> answer() { co_return 42; }
/// weft::Task<int> twice() { co_return 2 * co_await answer(); }
/// int main() { return weft::block_on(twice()) == 84 ? 0 : 1; }
/// ```
///
/// **Cancellation.** Destroying a `Task` that has not finished cancels it: every coroutine in
/// its await chain is destroyed, innermost first, so each local's destructor runs and every
/// future it was awaiting (and the waker that future registered) is released.
///
/// **Pinning.** The frame never moves, so a `Task` object itself may be moved at any time, even
/// between polls. Awaiting a task (`co_await t` or `co_await std::move(t)`) consumes it.
///
/// **Cooperative budget.** Within one poll, after 128 awaits that completed at once, the next
/// `co_await` yields to the executor first (the task is re-queued behind the others), so a task
/// whose futures are always ready cannot starve the rest of its executor.
///
/// **Depth.** Awaiting a task costs no native stack: a chain of 100,000 nested awaits (the depth
/// the tests use) runs, finishes and is cancelled in constant stack and linear time.
///
/// **Thread.** A task runs on whichever thread polls it; between polls it may move threads.
template <class T>
class [[nodiscard]] Task {
  public:
    using promise_type = detail::Promise<T>;
    using Output = T;

    Task() noexcept = default;
    Task(Task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
    Task& operator=(Task&& other) noexcept {
        if (this != &other) {
            reset();
            h_ = std::exchange(other.h_, {});
        }
        return *this;
    }
    ~Task() { reset(); }

    /// Runs the task until it suspends on a pending future or finishes. Throws the task's
    /// exception. Once ready, the frame is freed at once; polling again throws `std::logic_error`
    /// (freestanding: calls the panic handler).
    Poll<T> poll(Context& cx) {
        if (!h_) detail::panic("weft::Task polled after completion or after a move");
        if (!detail::poll_chain(detail::TaskHeader::of_frame(h_.address()), cx)) return Pending;
        auto h = std::exchange(h_, {});
        struct Free {
            std::coroutine_handle<promise_type> h;
            ~Free() { h.destroy(); }
        } free{h};
        if constexpr (std::is_void_v<T>) {
            h.promise().take();
            return Ready;
        } else {
            return h.promise().take();
        }
    }

    /// False once the task completed through `poll` (or for an empty, moved-from task).
    bool valid() const noexcept { return static_cast<bool>(h_); }

    /// Gives up ownership of the coroutine frame (used by executors).
    std::coroutine_handle<promise_type> release() noexcept { return std::exchange(h_, {}); }

  private:
    friend class detail::Promise<T>;
    friend struct detail::PromiseBase;
    explicit Task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}

    void reset() noexcept {
        if (auto h = std::exchange(h_, {}))
            detail::destroy_chain(detail::TaskHeader::of_frame(h.address()));
    }

    std::coroutine_handle<promise_type> h_;
};

namespace detail {

template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
    auto h = std::coroutine_handle<Promise<T>>::from_promise(*this);
    keep_frame_on_heap(h.address());
    return Task<T>(h);
}
inline Task<void> Promise<void>::get_return_object() noexcept {
    auto h = std::coroutine_handle<Promise<void>>::from_promise(*this);
    keep_frame_on_heap(h.address());
    return Task<void>(h);
}
#if !WEFT_EXCEPTIONS
template <class T>
Task<T> Promise<T>::get_return_object_on_allocation_failure() noexcept {
    return Task<T>();
}
inline Task<void> Promise<void>::get_return_object_on_allocation_failure() noexcept {
    return Task<void>();
}
#endif

template <class U>
TaskAwaiter<U> PromiseBase::await_transform(Task<U>&& t, AwaitSite at) noexcept {
    auto h = t.release();
    assert(h && "weft: awaiting an empty (moved-from or finished) Task");
    return TaskAwaiter<U>(h, at);
}
template <class U>
TaskAwaiter<U> PromiseBase::await_transform(Task<U>& t, AwaitSite at) noexcept {
    return await_transform(std::move(t), at);
}

}  // namespace detail

}  // namespace weft
