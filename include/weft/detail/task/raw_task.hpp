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
// Each of these decisions is one transition of TaskState (state.hpp), which documents the bits,
// who may touch each field of the header, and the join-waker protocol. This file composes the
// transitions with what happens to the frame (poll, cancel, retire, free).

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
               // unregister it, then release_finished
};

/// Whether a finished task's output is the caller's to drop (nobody holds the JoinHandle).
enum class DropOutput : bool { No, Yes };

/// run_task's outcome: `output` is meaningful on RunResult::Finished only.
struct RunOutcome {
    RunResult result;
    DropOutput output = DropOutput::No;
};

/// Polls a task taken off a run queue (the caller owns the queue's reference). A task that
/// completes has its coroutine frame (its parameters included) destroyed before the completion
/// is published; only its output is kept, in the same block, for the JoinHandle. On Finished,
/// `output` says whether the caller must also drop that output (see release_finished).
RunOutcome run_task(TaskHeader* t) noexcept;

/// Drops a completed task's output (left by its already destroyed frame: see OutputSlot in
/// task.hpp) and the caller's reference. When that is the last reference, frees the block
/// without touching the refcount again.
void drop_frame_and_release(TaskHeader* t) noexcept;

/// After RunResult::Finished (and unregistering the task): drops the output if `output` says
/// so, and the caller's reference.
inline void release_finished(TaskHeader* t, DropOutput output) noexcept {
    if (output == DropOutput::Yes) {
        drop_frame_and_release(t);
    } else {
        release_ref(t);
    }
}

/// True once the task has completed or been cancelled (see TaskState::load for the order).
inline bool task_is_finished(const TaskHeader* t) noexcept {
    return t->state.load().is_complete();
}

/// Cancels a task that is not running now: destroys its future (innermost coroutine first),
/// marks it complete and wakes its JoinHandle. The caller holds a reference.
void cancel_task(TaskHeader* t) noexcept;

/// For an executor's shutdown, over the tasks it still has registered: cancels `t` unless it
/// already finished (cancel_detached_here may have cancelled it, queued for a last visit that
/// the shutdown replaces). The caller holds a reference.
inline void cancel_unless_finished(TaskHeader* t) noexcept {
    if (!task_is_finished(t)) cancel_task(t);
}

/// Makes a task that was just prepared with init_spawned (and not yet handed to its executor)
/// keep RUNNING exact, so that cancel_detached_here may be used on it.
inline void allow_cancel_here(TaskHeader* t) noexcept {
    t->state.set_exact_running();
}

/// Cancels a task whose JoinHandle is gone (detached) right here, on the calling thread, if no
/// executor is polling it now: destroys its future (every destructor runs before this returns)
/// (CancelledHere::Yes). If it is being polled on another thread, requests the abort
/// (CancelledHere::No): that thread destroys the future when its poll ends. Either way the task's
/// executor visits it once more to unregister it. Used where a caller must not return before a
/// task's destructors have run (Scope's destructor) even when the executor cannot run meanwhile.

/// Returns whether the canceller ran the destructors here (true) or left them to the thread
/// polling the task now (false).
enum class CancelledHere : bool { No, Yes };
CancelledHere cancel_detached_here(TaskHeader* t) noexcept;

/// Initialises the header of a frame being spawned: queued, JoinHandle alive, three references
/// (the frame, the JoinHandle, the run queue). The spawner then sets `scheduler`.
inline void init_spawned(TaskHeader* t) noexcept {
    t->state.init_spawned();
}

// --- The JoinHandle's side (the join-waker protocol: see state.hpp) ---------------------------

enum class JoinPoll { Pending, Ready };

/// A JoinHandle's poll: Ready once the task completed (then join_take); otherwise registers
/// `w` in join_waker (rules 1 to 4) and returns Pending.
inline JoinPoll join_poll(TaskHeader* t, const Waker& w) {
    Snapshot s = t->state.load();
    if (s.is_complete()) return JoinPoll::Ready;
    if (s.has_join_waker()) {
        if (t->join_waker.will_wake(w)) return JoinPoll::Pending;
        // Take the slot back before replacing the waker (rule 4).
        if (t->state.unset_join_waker() == JoinWaker::Complete) return JoinPoll::Ready;
    }
    t->join_waker = w;
    return t->state.set_join_waker() == JoinWaker::Done ? JoinPoll::Pending : JoinPoll::Ready;
}

enum class JoinOutput { Output, Cancelled };

/// Consumes the JoinHandle of a completed task. On Cancelled the handle's reference is dropped
/// here; on Output the caller moves the output out of the frame and then calls
/// drop_frame_and_release (which drops what is left of it, and the handle's reference).
inline JoinOutput join_take(TaskHeader* t) noexcept {
    if (t->state.drop_join_handle().is_cancelled()) {
        release_ref(t);
        return JoinOutput::Cancelled;
    }
    return JoinOutput::Output;
}

/// Drops a JoinHandle without taking the output: the task runs on, and its output is dropped
/// by whoever sees the completion (here, if the task already completed).
inline void join_detach(TaskHeader* t) noexcept {
    Snapshot s = t->state.drop_join_handle();
    if (s.is_complete() && !s.is_cancelled()) {
        drop_frame_and_release(t);
    } else {
        release_ref(t);
    }
}

}  // namespace weft::detail
