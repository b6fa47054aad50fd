#pragma once
// Internal: the header in front of every coroutine frame, used when the frame is spawned.
//
// Every `Task` frame is allocated with a `TaskHeader` in front of it (see Promise's operator
// new). A task that is never spawned leaves the header idle; a spawned task uses it as its
// scheduler header, so spawning a `Task` costs no allocation beyond the coroutine frame itself:
// one allocation per spawned task, header and future together. The header outlives the frame:
// cancelling a task destroys its frame (running every destructor) while wakers and the
// JoinHandle may still point at the header; the block is freed when the last reference goes.

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <new>

#include "weft/config.hpp"
#include "weft/detail/task/platform.hpp"
#include "weft/detail/task/probe.hpp"
#include "weft/detail/task/state.hpp"
#include "weft/task/context.hpp"
#include "weft/task/waker.hpp"

namespace weft::detail {

struct ChildLink;

// How to poll a parked leaf awaiter again, and what to call it in a task dump: one static
// table per leaf type (see FutureAwaiter in coro/task.hpp).
struct LeafOps {
    bool (*repoll)(void* leaf, Context& cx);
    const char* (*type_name)() noexcept;  // a __PRETTY_FUNCTION__ naming the type (dump.cpp)
};

// Where an await chain stands (see chain.hpp for the states).
struct ChainSlot {
    const LeafOps* ops;  // the parked leaf's operations, or null
    void* ptr;           // with ops: the leaf awaiter; without: the innermost ChildLink, or null
};

#if WEFT_TASK_TRACE
// What a task dump shows of a spawned task beyond its await chain (WEFT_TASK_TRACE). Written by
// the spawner before the task is shared (spawned_at, spawned_at_tick) and by the thread polling
// it (polls); read by a dump while it holds the task's TRACING bit, which orders both.
struct TaskTrace {
    AwaitSite spawned_at;               // where it was spawned
    std::uint64_t spawned_at_tick = 0;  // trace_ticks() at spawn (probe.hpp)
    std::uint32_t polls = 0;            // wraps at 2^32
};
#endif
struct TaskHeader;

/// Where a woken task goes: implemented by each executor.
class Scheduler {
  public:
    /// Queues `task`, taking over one reference to it.
    virtual void schedule(TaskHeader* task) noexcept = 0;
    /// A task of this scheduler was freed (each spawned task keeps its scheduler alive).
    virtual void task_released() noexcept = 0;
    /// A task ended with an exception that nobody will see (no JoinHandle took it).
    virtual void unhandled_exception(TaskHeader* /*task*/, const ErrorPtr&) noexcept {}

  protected:
    ~Scheduler() = default;
};

/// Drops a task's id and name from the side table (task_meta.cpp).
void forget_task_meta(const TaskHeader* t) noexcept;

struct alignas(__STDCPP_DEFAULT_NEW_ALIGNMENT__) TaskHeader {
    // Who may touch each field, and when: see state.hpp.
    TaskState state;
    std::uint32_t slot = 0;          // index in the executor's task registry
    Scheduler* scheduler = nullptr;  // where wakes go
    // The await chain rooted at this frame (see chain.hpp), kept here rather than in each
    // frame. The coroutine's exception shares the space: a coroutine only throws while it is
    // running with no child awaited, when the chain slot is empty.
    //
    // Once the task completed (its chain is over), the second word tells how to drop an output
    // that outlived the frame (see OutputSlot in task.hpp); null when there is nothing to drop.
    struct Finished {
        void* error_word;                           // `error`, when HAS_ERROR
        void (*drop_output)(TaskHeader*) noexcept;  // set by the final suspend of a Task<T>
    };
    union {
        ChainSlot chain;
        ErrorPtr error;
        Finished finished;
    };
    Waker join_waker;  // guarded by JOIN_WAKER (the join-waker protocol: see state.hpp)
#if WEFT_TASK_TRACE
    TaskTrace trace;
#endif

    TaskHeader() noexcept : chain{nullptr, nullptr} {}
    TaskHeader(const TaskHeader&) = delete;
    ~TaskHeader() {
        // The last reference is being dropped: its ref_dec acquired every other owner's writes.
        Snapshot s = state.load_relaxed();
        if (s.has_error()) error.~ErrorPtr();
        if (s.has_meta()) forget_task_meta(this);
    }

    /// Whether the frame behind this header was spawned (SPAWNED is set before the task is
    /// shared and never cleared, so a relaxed read suffices).
    bool is_spawned() const noexcept {
        return state.load_relaxed().is_spawned();
    }

    void set_error(ErrorPtr e) noexcept {
        ::new (&error) ErrorPtr(std::move(e));
        state.set_has_error();
    }
    // Moves the exception out, if there is one (the frame's coroutine has finished).
    ErrorPtr take_error() noexcept {
        if (!state.load_relaxed().has_error()) return {};
        ErrorPtr e = std::move(error);
        error.~ErrorPtr();
        chain = {nullptr, nullptr};
        state.clear_has_error();
        return e;
    }

    std::coroutine_handle<> frame() const noexcept {
        return std::coroutine_handle<>::from_address(
            const_cast<char*>(reinterpret_cast<const char*>(this)) + sizeof(TaskHeader));
    }
    static TaskHeader* of_frame(void* frame) noexcept {
        return reinterpret_cast<TaskHeader*>(static_cast<char*>(frame) - sizeof(TaskHeader));
    }
};

// The frame that follows the header must keep operator new's alignment.
static_assert(sizeof(TaskHeader) % __STDCPP_DEFAULT_NEW_ALIGNMENT__ == 0);

/// The memory of a task block (header + frame): ::operator new and ::operator delete, called
/// out of line (raw_task.cpp) so that GCC 12 never sees both inlined into one caller, where
/// -O3 misreads the frame's class operator delete as mismatched (-Wmismatched-new-delete).
void* allocate_task_memory(std::size_t size);
void free_task_memory(void* block) noexcept;

/// The spawned task whose frame this thread is destroying at the task's completion
/// (retire_frame): its frame's reference is dropped by the RMW that marks it complete, not by
/// the frame's operator delete.
inline constinit WEFT_THREAD_LOCAL TaskHeader* retiring_frame = nullptr;

/// Drops one reference; frees the block (header + already destroyed frame) on the last one.
inline void release_ref(TaskHeader* t) noexcept {
    if (t->state.ref_dec()) {
        Scheduler* s = t->scheduler;
        t->~TaskHeader();
        free_task_memory(t);
        if (s != nullptr) s->task_released();
    }
}

inline void add_ref(TaskHeader* t) noexcept {
    t->state.ref_inc();
}

}  // namespace weft::detail
