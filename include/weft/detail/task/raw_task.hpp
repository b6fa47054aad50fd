#pragma once
// Internal: the life cycle of a spawned task, shared by every executor.
//
// References to a spawned task's header: the coroutine frame (while it exists), the JoinHandle,
// each cloned Waker, and one for being in a run queue (or being polled). The state word's
// NOTIFIED bit decides who queues a woken task:
//   - idle task: the waker sets NOTIFIED, adds a reference and queues it;
//   - running task: the waker only sets NOTIFIED; when the poll ends, the executor sees it and
//     re-queues the task with the reference it already holds (exactly once, never lost);
//   - queued or finished task: the wake is a no-op.

#include "weft/detail/task/chain.hpp"
#include "weft/detail/task/task_header.hpp"

namespace weft::detail {

extern const RawWakerVTable task_waker_vtable;

/// Schedules `t` if it is idle (see above). Safe from any thread.
void wake_task(TaskHeader* t) noexcept;

/// Requests cancellation: the task's executor destroys its future the next time it handles it.
void abort_task(TaskHeader* t) noexcept;

enum class RunResult {
    Idle,      // pending, not woken: the queue's reference was dropped
    Requeue,   // woken while running: push it back (the caller keeps the reference)
    Finished,  // completed or cancelled (possibly elsewhere, by cancel_detached_here):
               // unregister it, then drop the frame if owns_frame, then the reference
};

/// Polls a task taken off a run queue (the caller owns the queue's reference). A task that
/// completes has its coroutine frame (its parameters included) destroyed before the completion
/// is published; only its output is kept, in the same block, for the JoinHandle. On Finished,
/// `owns_frame` says whether the caller must also drop that output (nobody holds the
/// JoinHandle).
RunResult run_task(TaskHeader* t, bool& owns_frame) noexcept;

/// Drops a completed task's output (left by its already destroyed frame: see OutputSlot in
/// task.hpp) and the caller's reference. When that is the last reference, frees the block
/// without touching the refcount again.
void drop_frame_and_release(TaskHeader* t) noexcept;

/// Cancels a task that is not running now: destroys its future (innermost coroutine first),
/// marks it complete and wakes its JoinHandle. The caller holds a reference.
void cancel_task(TaskHeader* t) noexcept;

/// For an executor's shutdown, over the tasks it still has registered: cancels `t` unless it
/// already finished (cancel_detached_here may have cancelled it, queued for a last visit that
/// the shutdown replaces). The caller holds a reference.
inline void cancel_unless_finished(TaskHeader* t) noexcept {
    if (!(t->state.load(std::memory_order_acquire) & task_state::COMPLETE)) cancel_task(t);
}

/// Makes a task that was just prepared with init_spawned (and not yet handed to its executor)
/// keep RUNNING exact, so that cancel_detached_here may be used on it.
inline void allow_cancel_here(TaskHeader* t) noexcept {
    t->state.fetch_or(task_state::EXACT_RUNNING, std::memory_order_relaxed);
}

/// Cancels a task whose JoinHandle is gone (detached) right here, on the calling thread, if no
/// executor is polling it now: destroys its future (every destructor runs before this returns)
/// and returns true. If it is being polled on another thread, requests the abort and returns
/// false: that thread destroys the future when its poll ends. Either way the task's executor
/// visits it once more to unregister it. Used where a caller must not return before a task's
/// destructors have run (Scope's destructor) even when the executor cannot run meanwhile.
bool cancel_detached_here(TaskHeader* t) noexcept;

/// Initialises the header of a frame being spawned: queued, JoinHandle alive, three references
/// (the frame, the JoinHandle, the run queue). The spawner then sets `scheduler`.
inline void init_spawned(TaskHeader* t) noexcept {
    t->state.store(task_state::SPAWNED | task_state::NOTIFIED | task_state::JOIN_INTEREST |
                       3 * task_state::REF_ONE,
                   std::memory_order_relaxed);
}

}  // namespace weft::detail
