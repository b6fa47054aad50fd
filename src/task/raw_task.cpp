#include "weft/detail/raw_task.hpp"

#include <cassert>
#include <new>

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

// Marks the task complete (and, with `cancelled`, cancelled), then hands its output over:
// dropped at once if nobody holds the JoinHandle, else announced to the JoinHandle's waker.
void finish(TaskHeader* t, bool cancelled) noexcept {
    std::uint32_t add = COMPLETE | (cancelled ? CANCELLED : 0);
    std::uint32_t s = t->state.load(std::memory_order_relaxed);
    // acq_rel: release the output to the JoinHandle; acquire its join_waker.
    while (!t->state.compare_exchange_weak(s, (s | add) & ~(RUNNING | NOTIFIED),
                                           std::memory_order_acq_rel)) {
    }
    if (!(s & JOIN_INTEREST)) {
        if (!cancelled) t->frame().destroy();
    } else if (s & JOIN_WAKER) {
        t->join_waker.wake_by_ref();
    }
}

}  // namespace

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

RunResult run_task(TaskHeader* t) noexcept {
    std::uint32_t s = t->state.load(std::memory_order_acquire);
    for (;;) {
        if (s & COMPLETE) {  // finished while queued (only during shutdown)
            release_ref(t);
            return RunResult::Idle;
        }
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
    if (poll_chain(t, cx)) {
        finish(t, false);
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
        // keeps every other waker from queueing it a second time.
        if (s & NOTIFIED) return RunResult::Requeue;
        if (t->state.compare_exchange_weak(s, s & ~RUNNING, std::memory_order_acq_rel)) break;
    }
    release_ref(t);
    return RunResult::Idle;
}

}  // namespace weft::detail
