#include "weft/detail/task/raw_task.hpp"

#include <cassert>
#include <new>
#include <utility>

#include "weft/detail/task/runtime_context.hpp"
#include "weft/task/task_id.hpp"

namespace weft::detail {

using namespace task_state;

namespace {

TaskHeader* header(const void* p) {
    return static_cast<TaskHeader*>(const_cast<void*>(p));
}

RawWaker waker_clone(const void* p) {
    add_ref(header(p));
    return {p, &task_waker_vtable};
}
void waker_wake(const void* p) {
    wake_task(header(p));
    release_ref(header(p));
}
void waker_wake_by_ref(const void* p) {
    wake_task(header(p));
}
void waker_drop(const void* p) {
    release_ref(header(p));
}

// The task's own waker for the duration of one poll, without a reference of its own: the
// executor's reference keeps the task alive, so the Waker is never dropped (Rust's WakerRef).
class BorrowedWaker {
  public:
    explicit BorrowedWaker(TaskHeader* t) noexcept {
        ::new (&storage_) Waker(Waker::from_raw({t, &task_waker_vtable}));
    }
    BorrowedWaker(const BorrowedWaker&) = delete;
    const Waker& get() const noexcept {
        return *std::launder(reinterpret_cast<const Waker*>(&storage_));
    }

  private:
    alignas(Waker) unsigned char storage_[sizeof(Waker)];
};

// Marks the task complete (and, with `cancelled`, cancelled) and wakes the JoinHandle.
// Returns true if nobody holds the JoinHandle: the output is then the caller's to drop.
//
// A task that completed (not cancelled) has had its frame destroyed by retire_frame, whose
// reference is dropped here, in the same RMW. Its output is kept even if an abort set
// CANCELLED during that poll: whoever sees COMPLETE without CANCELLED owns dropping the output
// (JoinHandle::take_output, detach, or the executor when nobody joins). Completion wins over
// an abort that came too late, as in Tokio. (Keeping CANCELLED here made the JoinHandle throw
// JoinError and release only its own reference, so the task block, the JoinSet waker in it,
// and through the task's scheduler reference the whole runtime leaked.)
bool finish(TaskHeader* t, bool cancelled) noexcept {
    std::uint32_t set = COMPLETE | (cancelled ? CANCELLED : 0);
    std::uint32_t clear = RUNNING | NOTIFIED | (cancelled ? 0 : CANCELLED);
    std::uint32_t frame_ref = cancelled ? 0 : REF_ONE;  // see retire_frame
    std::uint32_t s = t->state.load(std::memory_order_relaxed);
    // acq_rel: release the output to the JoinHandle; acquire its join_waker.
    while (!t->state.compare_exchange_weak(s, ((s | set) & ~clear) - frame_ref,
                                           std::memory_order_acq_rel)) {
    }
    if (!(s & JOIN_INTEREST)) return !cancelled;
    if (s & JOIN_WAKER) t->join_waker.wake_by_ref();
    return false;
}

// Destroys the frame of a task whose coroutine just completed, before the completion is
// published: its parameters and whatever else it holds go now, not when the JoinHandle takes
// the output (Tokio drops a future as soon as it completes; ported code relies on it, e.g. a
// finished producer's Sender parameter must close its channel). The output stays in the frame's
// memory (see OutputSlot in task.hpp); the frame's reference is dropped by finish(), so the
// block outlives the frame until the output is taken or dropped.
void retire_frame(TaskHeader* t) noexcept {
    // Saved and restored: a destructor in the frame may itself run tasks to completion (a
    // LocalExecutor::run inside a blocking-pool task's destructor), retiring other frames.
    TaskHeader* outer = std::exchange(retiring_frame, t);
    t->frame().destroy();
    retiring_frame = outer;
}

// The task being polled, in the runtime context (runtime_context.hpp).
class CurrentTask {
  public:
    explicit CurrentTask(TaskHeader* t) noexcept
        : prev_(std::exchange(runtime_context().task, t)) {}
    ~CurrentTask() { runtime_context().task = prev_; }
    CurrentTask(const CurrentTask&) = delete;

  private:
    TaskHeader* prev_;
};

}  // namespace

TaskHeader* current_task() noexcept {
    return runtime_context().task;
}

constinit const RawWakerVTable task_waker_vtable{waker_clone, waker_wake, waker_wake_by_ref,
                                                 waker_drop};

void wake_task(TaskHeader* t) noexcept {
    std::uint32_t s = t->state.load(std::memory_order_acquire);
    for (;;) {
        if (s & (COMPLETE | NOTIFIED)) return;
        if (s & RUNNING) {
            // The executor re-queues it when the poll ends (it re-reads the state with acq_rel).
            if (t->state.compare_exchange_weak(s, s | NOTIFIED, std::memory_order_acq_rel)) return;
        } else if (t->state.compare_exchange_weak(s, (s | NOTIFIED) + REF_ONE,
                                                  std::memory_order_acq_rel)) {
            t->scheduler->schedule(t);
            return;
        }
    }
}

void abort_task(TaskHeader* t) noexcept {
    // A finished task keeps its output: CANCELLED is only set on an unfinished one.
    std::uint32_t s = t->state.load(std::memory_order_relaxed);
    while (!(s & (COMPLETE | CANCELLED))) {
        if (t->state.compare_exchange_weak(s, s | CANCELLED, std::memory_order_acq_rel)) {
            wake_task(t);
            return;
        }
    }
}

void cancel_task(TaskHeader* t) noexcept {
    destroy_chain(t);
    finish(t, true);
}

bool cancel_detached_here(TaskHeader* t) noexcept {
    assert(!(t->state.load(std::memory_order_relaxed) & JOIN_INTEREST));
    assert(t->state.load(std::memory_order_relaxed) & EXACT_RUNNING);
    std::uint32_t s = t->state.load(std::memory_order_acquire);
    for (;;) {
        if (s & COMPLETE) return true;
        if (s & RUNNING) {
            // Being polled: the poller sees CANCELLED when its poll ends (run_task re-reads
            // the state with acq_rel) and cancels the task on its own thread.
            if (t->state.compare_exchange_weak(s, s | CANCELLED, std::memory_order_acq_rel))
                return false;
            continue;
        }
        // Claim it: COMPLETE keeps run_task, wakers and aborts away from the frame from now on.
        // NOTIFIED (with a queue reference, unless it is queued already) sends it to its
        // executor once more, which then unregisters it.
        std::uint32_t next = s | COMPLETE | CANCELLED | NOTIFIED;
        if (!(s & NOTIFIED)) next += REF_ONE;
        // acquire: see everything its last poll wrote before destroying what it made.
        if (t->state.compare_exchange_weak(s, next, std::memory_order_acq_rel)) break;
    }
    destroy_chain(t);
    if (!(s & NOTIFIED)) t->scheduler->schedule(t);
    return true;
}

void drop_frame_and_release(TaskHeader* t) noexcept {
    // The frame was destroyed when the task completed (retire_frame); the output it left is
    // dropped here, unread.
    std::uint32_t st = t->state.load(std::memory_order_acquire);
    if (st & HAS_ERROR) {
        // An exception nobody will see unless it is reported.
        t->scheduler->unhandled_exception(t, t->error);
    } else if (auto drop = t->finished.drop_output) {
        drop(t);
        st = t->state.load(std::memory_order_acquire);  // the output may have held our wakers
    }
    // The task is finished, so no new reference can appear (wakers are cloned from wakers, and
    // a finished task is never queued): if ours is the last, free the block without an RMW.
    if ((st & REF_MASK) == REF_ONE) {
        Scheduler* s = t->scheduler;
        t->~TaskHeader();
        free_task_memory(t);
        if (s != nullptr) s->task_released();
        return;
    }
    release_ref(t);
}

RunResult run_task(TaskHeader* t, bool& owns_frame) noexcept {
    owns_frame = false;
    std::uint32_t s = t->state.load(std::memory_order_acquire);
    for (;;) {
        // Cancelled where it stood by cancel_detached_here, which queued it for this visit:
        // the executor now unregisters it and drops the queue's reference.
        if (s & COMPLETE) return RunResult::Finished;
        // acquire: see everything the waker's thread wrote before waking us.
        if (t->state.compare_exchange_weak(s, (s & ~NOTIFIED) | RUNNING, std::memory_order_acquire))
            break;
    }
    if (s & CANCELLED) {
        cancel_task(t);
        return RunResult::Finished;
    }

    BorrowedWaker waker(t);
    Context cx(waker.get());
    // The poll starts here and ends when poll_chain returns: the place for per-poll hooks
    // (task::id() reads current_task; metrics and stall detection will hook in here too).
    CurrentTask current(t);
    if (poll_chain(t, cx)) {
        retire_frame(t);
        owns_frame = finish(t, false);
        return RunResult::Finished;
    }

    s = t->state.load(std::memory_order_acquire);
    for (;;) {
        if (s & CANCELLED) {  // aborted during its own poll (or from another thread meanwhile)
            cancel_task(t);
            return RunResult::Finished;
        }
        // Woken during its own poll: back on the queue with the reference we hold. RUNNING
        // stays set (run_task's first CAS tolerates it), which saves an RMW; NOTIFIED already
        // keeps every other waker from queueing it a second time. Only a task that may be
        // cancelled in place needs RUNNING to mean "being polled now" (cancel_detached_here
        // waits for exactly that), and pays for the RMW.
        if ((s & (NOTIFIED | EXACT_RUNNING)) == NOTIFIED) return RunResult::Requeue;
        if (t->state.compare_exchange_weak(s, s & ~RUNNING, std::memory_order_acq_rel)) break;
    }
    if (s & NOTIFIED) return RunResult::Requeue;
    release_ref(t);
    return RunResult::Idle;
}

void* allocate_task_memory(std::size_t size) {
    return ::operator new(size);
}

void free_task_memory(void* block) noexcept {
    ::operator delete(block);
}

}  // namespace weft::detail
