#include "weft/detail/task/raw_task.hpp"

#include <cassert>
#include <new>
#include <utility>

#include "weft/detail/task/probe.hpp"
#include "weft/detail/task/runtime_context.hpp"
#include "weft/task/task_id.hpp"

namespace weft::detail {

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

// Marks the task complete (Completion::Cancelled: cancelled) and wakes the JoinHandle.
// Returns DropOutput::Yes if nobody holds the JoinHandle: the output is then the caller's.
//
// A task that completed (not cancelled) has had its frame destroyed by retire_frame, whose
// reference transition_to_complete drops in the same RMW. Its output is kept even if an abort
// set CANCELLED during that poll: whoever sees COMPLETE without CANCELLED owns dropping the
// output (JoinHandle::take_output, detach, or the executor when nobody joins). Completion wins
// over an abort that came too late, as in Tokio. (Keeping CANCELLED here made the JoinHandle
// throw JoinError and release only its own reference, so the task block, the JoinSet waker in
// it, and through the task's scheduler reference the whole runtime leaked.)
DropOutput finish(TaskHeader* t, Completion how) noexcept {
    Snapshot prev = t->state.transition_to_complete(how);
    if (!prev.is_join_interested())
        return how == Completion::Output ? DropOutput::Yes : DropOutput::No;
    if (prev.has_join_waker()) t->join_waker.wake_by_ref();  // protocol rule 5
    return DropOutput::No;
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
    if (t->state.transition_to_notified_by_ref() == Notify::Submit) t->scheduler->schedule(t);
}

void abort_task(TaskHeader* t) noexcept {
    if (t->state.request_cancel() == CancelRequest::Requested) wake_task(t);
}

void cancel_task(TaskHeader* t) noexcept {
    destroy_chain(t);
    finish(t, Completion::Cancelled);
}

CancelledHere cancel_detached_here(TaskHeader* t) noexcept {
    assert(!t->state.load_relaxed().is_join_interested());
    assert(t->state.load_relaxed().is_exact_running());
    switch (t->state.transition_to_cancelled_here()) {
        case CancelHere::Complete:
            return CancelledHere::Yes;
        case CancelHere::Running:
            return CancelledHere::No;
        case CancelHere::Claimed:
            destroy_chain(t);
            return CancelledHere::Yes;
        case CancelHere::ClaimedSubmit:
            destroy_chain(t);
            t->scheduler->schedule(t);
            return CancelledHere::Yes;
    }
    return CancelledHere::Yes;
}

void drop_frame_and_release(TaskHeader* t) noexcept {
    // The frame was destroyed when the task completed (retire_frame); the output it left is
    // dropped here, unread.
    Snapshot st = t->state.load();
    if (st.has_error()) {
        // An exception nobody will see unless it is reported.
        t->scheduler->unhandled_exception(t, t->error);
    } else if (auto drop = t->finished.drop_output) {
        drop(t);
        st = t->state.load();  // the output may have held our wakers
    }
    // The task is finished, so no new reference can appear (wakers are cloned from wakers, and
    // a finished task is never queued): if ours is the last, free the block without an RMW.
    if (st.ref_count() == 1) {
        Scheduler* s = t->scheduler;
        t->~TaskHeader();
        free_task_memory(t);
        if (s != nullptr) s->task_released();
        return;
    }
    release_ref(t);
}

// Tells the thread's probe (if any) that the poll is over when run_task returns, after any
// cancellation that followed it: until then the task's chain is this thread's.
class ProbeScope {
  public:
    ProbeScope(WorkerProbe* p, TaskHeader* t) noexcept : probe_(p) {
        // Before the task is claimed: a dump that marks the task TRACING after our claim sees
        // this store (the claim's release: see transition_to_running and dump.cpp).
        if (probe_ != nullptr) probe_->polling.store(t, std::memory_order_relaxed);
    }
    ~ProbeScope() {
        if (probe_ != nullptr) probe_->poll_end();
    }
    ProbeScope(const ProbeScope&) = delete;

  private:
    WorkerProbe* probe_;
};

// Claimed for polling: count the poll and say where it resumes (the chain is ours now).
inline void note_poll([[maybe_unused]] WorkerProbe* probe,
                      [[maybe_unused]] TaskHeader* t) noexcept {
#if WEFT_TASK_TRACE
    if (t->trace.polls != ~std::uint32_t{0}) ++t->trace.polls;
    if (probe != nullptr) probe->poll_begin(t, leaf_site(parked_leaf(t->chain)));
#else
    if (probe != nullptr) probe->poll_begin(t, AwaitSite{});
#endif
}

RunOutcome run_task(TaskHeader* t) noexcept {
    WorkerProbe* probe = runtime_context().probe;
    ProbeScope probe_scope(probe, t);
    switch (t->state.transition_to_running()) {
        case ToRunning::Complete:
            // Cancelled where it stood by cancel_detached_here, which queued it for this visit:
            // the executor now unregisters it and drops the queue's reference.
            return {RunResult::Finished};
        case ToRunning::Cancelled:
            cancel_task(t);
            return {RunResult::Finished};
        case ToRunning::Success:
            break;
    }
    note_poll(probe, t);

    BorrowedWaker waker(t);
    Context cx(waker.get());
    // The poll starts here and ends when poll_chain returns: the place for per-poll hooks
    // (task::id() reads current_task; the probe tells observers, see probe.hpp).
    CurrentTask current(t);
    if (poll_chain(t, cx)) {
        retire_frame(t);
        return {RunResult::Finished, finish(t, Completion::Output)};
    }

    switch (t->state.transition_to_idle()) {
        case ToIdle::Cancelled:  // aborted during its own poll (or from another thread)
            cancel_task(t);
            return {RunResult::Finished};
        case ToIdle::Requeue:
            return {RunResult::Requeue};
        case ToIdle::Idle:
            break;
    }
    release_ref(t);
    return {RunResult::Idle};
}

void* allocate_task_memory(std::size_t size) {
    return ::operator new(size);
}

void free_task_memory(void* block) noexcept {
    ::operator delete(block);
}

}  // namespace weft::detail
