#pragma once
// Internal: the header in front of every coroutine frame, used when the frame is spawned.
//
// Every `Task` frame is allocated with a `TaskHeader` in front of it (see Promise's operator
// new). A task that is never spawned leaves the header idle; a spawned task uses it as its
// scheduler header, so spawning a `Task` costs no allocation beyond the coroutine frame itself:
// one allocation per spawned task, header and future together. The header outlives the frame:
// cancelling a task destroys its frame (running every destructor) while wakers and the
// JoinHandle may still point at the header; the block is freed when the last reference goes.

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>

#include "weft/task/context.hpp"
#include "weft/task/waker.hpp"

namespace weft::detail {

struct ChildLink;

// Where an await chain stands (see chain.hpp for the states).
struct ChainSlot {
    bool (*repoll)(void* leaf, Context& cx);  // the parked leaf's poll, or null
    void* ptr;  // with repoll: the leaf awaiter; without: the innermost ChildLink, or null
};
struct TaskHeader;

/// Where a woken task goes: implemented by each executor.
class Scheduler {
  public:
    /// Queues `task`, taking over one reference to it.
    virtual void schedule(TaskHeader* task) noexcept = 0;
    /// A task of this scheduler was freed (each spawned task keeps its scheduler alive).
    virtual void task_released() noexcept = 0;
    /// A task ended with an exception that nobody will see (no JoinHandle took it).
    virtual void unhandled_exception(TaskHeader* /*task*/, const std::exception_ptr&) noexcept {}

  protected:
    ~Scheduler() = default;
};

// State word layout (one atomic, so a wake racing with a poll is decided by one RMW):
//   bit 0 NOTIFIED      queued, or must be re-queued when the running poll ends
//   bit 1 RUNNING       an executor is polling it
//   bit 2 COMPLETE      the future finished (output stored) or was cancelled
//   bit 3 CANCELLED     before COMPLETE: abort was requested; with COMPLETE: the task ended by
//                       cancellation and its frame holds no output (a poll that completes
//                       clears it: see finish() in raw_task.cpp)
//   bit 4 JOIN_INTEREST the JoinHandle is alive
//   bit 5 JOIN_WAKER    join_waker holds the JoinHandle's waker
//   bit 6 SPAWNED       the frame belongs to a task (the frame holds one reference until the
//                       task completes or is cancelled, when the frame is destroyed)
//   bit 7 HAS_ERROR     `error` holds the coroutine's exception
//   bit 8 HAS_META      the task has an id or name in the side table (task_meta.cpp)
//   bit 9 EXACT_RUNNING RUNNING is cleared even when the task is re-queued, so that it means
//                       "being polled now" (a Scope's children: see cancel_detached_here)
//   bits 10.. reference count (22 bits: 4 million references to one task)
namespace task_state {
inline constexpr std::uint32_t NOTIFIED = 1u << 0;
inline constexpr std::uint32_t RUNNING = 1u << 1;
inline constexpr std::uint32_t COMPLETE = 1u << 2;
inline constexpr std::uint32_t CANCELLED = 1u << 3;
inline constexpr std::uint32_t JOIN_INTEREST = 1u << 4;
inline constexpr std::uint32_t JOIN_WAKER = 1u << 5;
inline constexpr std::uint32_t SPAWNED = 1u << 6;
inline constexpr std::uint32_t HAS_ERROR = 1u << 7;
inline constexpr std::uint32_t HAS_META = 1u << 8;
inline constexpr std::uint32_t EXACT_RUNNING = 1u << 9;
inline constexpr std::uint32_t REF_ONE = 1u << 10;
inline constexpr std::uint32_t REF_MASK = ~(REF_ONE - 1);
}  // namespace task_state

/// Drops a task's id and name from the side table (task_meta.cpp).
void forget_task_meta(const TaskHeader* t) noexcept;

struct TaskHeader {
    std::atomic<std::uint32_t> state{0};
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
        std::exception_ptr error;
        Finished finished;
    };
    Waker join_waker;  // guarded by JOIN_WAKER (see join_handle.hpp)

    TaskHeader() noexcept : chain{nullptr, nullptr} {}
    TaskHeader(const TaskHeader&) = delete;
    ~TaskHeader() {
        std::uint32_t s = state.load(std::memory_order_relaxed);
        if (s & task_state::HAS_ERROR) error.~exception_ptr();
        if (s & task_state::HAS_META) forget_task_meta(this);
    }

    void set_error(std::exception_ptr e) noexcept {
        ::new (&error) std::exception_ptr(std::move(e));
        state.fetch_or(task_state::HAS_ERROR, std::memory_order_relaxed);
    }
    // Moves the exception out, if there is one (the frame's coroutine has finished).
    std::exception_ptr take_error() noexcept {
        if (!(state.load(std::memory_order_relaxed) & task_state::HAS_ERROR)) return {};
        std::exception_ptr e = std::move(error);
        error.~exception_ptr();
        chain = {nullptr, nullptr};
        state.fetch_and(~task_state::HAS_ERROR, std::memory_order_relaxed);
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
inline constinit thread_local TaskHeader* retiring_frame = nullptr;

/// Drops one reference; frees the block (header + already destroyed frame) on the last one.
inline void release_ref(TaskHeader* t) noexcept {
    // acq_rel: the last owner must see every write other owners made before their release.
    std::uint32_t prev = t->state.fetch_sub(task_state::REF_ONE, std::memory_order_acq_rel);
    if ((prev & task_state::REF_MASK) == task_state::REF_ONE) {
        Scheduler* s = t->scheduler;
        t->~TaskHeader();
        free_task_memory(t);
        if (s != nullptr) s->task_released();
    }
}

inline void add_ref(TaskHeader* t) noexcept {
    // relaxed: a new reference is made from an existing one, which keeps the task alive.
    t->state.fetch_add(task_state::REF_ONE, std::memory_order_relaxed);
}

}  // namespace weft::detail
