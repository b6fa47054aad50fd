#pragma once
// Internal: the state machine of a spawned task, in one place.
//
// Every spawned task has one atomic word, `TaskHeader::state`, of type TaskState. Every change
// to it is a named transition below; nothing else in the tree reads or writes the word (the
// JoinHandle, the AbortHandle, the wakers and the executors all go through these functions, via
// raw_task.hpp). A wake racing with a poll, an abort racing with a completion, a JoinHandle
// dropped while the task finishes: each race is decided by one read-modify-write on this word.
//
// ## Bit layout
//   bit 0 NOTIFIED      queued, or must be re-queued when the running poll ends
//   bit 1 RUNNING       an executor is polling it (see EXACT_RUNNING)
//   bit 2 COMPLETE      the future finished (output stored) or was cancelled
//   bit 3 CANCELLED     before COMPLETE: abort was requested; with COMPLETE: the task ended by
//                       cancellation and its frame holds no output (a poll that completes
//                       clears it: completion wins over a late abort, see transition_to_complete)
//   bit 4 JOIN_INTEREST the JoinHandle is alive
//   bit 5 JOIN_WAKER    TaskHeader::join_waker holds the JoinHandle's waker
//   bit 6 SPAWNED       the frame belongs to a task (the frame holds one reference until the
//                       task completes or is cancelled, when the frame is destroyed)
//   bit 7 HAS_ERROR     TaskHeader::error holds the coroutine's exception
//   bit 8 HAS_META      the task has an id or name in the side table (task_meta.cpp)
//   bit 9 EXACT_RUNNING RUNNING is cleared even when the task is re-queued, so that it means
//                       "being polled now" (a Scope's children: see transition_to_cancelled_here)
//   bit 10 TRACING      a task dump is reading the task's await chain (see begin_trace): nobody
//                       may claim the task for a poll or a cancellation until it is cleared
//   bits 11.. reference count (21 bits: 2 million references to one task)
//
// ## References
// A spawned task's header is kept alive by: the coroutine frame (while it exists), the
// JoinHandle (and each AbortHandle), each cloned Waker, and one for being in a run queue or
// being polled. The last ref_dec frees the block (header + frame memory).
//
// ## The fields of TaskHeader, and who may touch them
//   state       anyone holding a reference, through the transitions below only.
//   slot        the task's executor (its registry index), on the executor's threads.
//   scheduler   written once by the spawner before the task is first queued; read-only after.
//   chain       while !COMPLETE: only the thread that holds RUNNING (polls it), or the thread
//               that cancels it (cancel_task when it won RUNNING or found it idle through
//               transition_to_cancelled_here's claim). A dump may read it while it holds
//               TRACING and no probe shows the task being polled (begin_trace).
//   trace       written by the spawner before the task is shared and by the thread polling it;
//               read by a dump as `chain`.
//   error       written by the coroutine while it runs (set_error, with HAS_ERROR); after
//               COMPLETE, read by whoever owns the output (the JoinHandle, or the executor when
//               nobody joins: see transition_to_complete's result).
//   finished    written by the final suspend of the poll that completes the task; read after
//               COMPLETE by whoever owns the output, as `error`.
//   join_waker  see the join-waker protocol.
// The output itself lives in the (destroyed) frame's memory (see OutputSlot in coro/task.hpp)
// and follows `finished`'s rule.
//
// ## The join-waker protocol
// The JoinHandle's waker lives in TaskHeader::join_waker, a plain (non-atomic) Waker. The bit
// JOIN_WAKER says who owns that field:
//   1. While JOIN_WAKER is clear, only the JoinHandle may touch join_waker (write or replace it).
//   2. While JOIN_WAKER is set, only the task's side may touch it, and only to read it (wake it
//      by reference); the JoinHandle may also read it (will_wake), never write it.
//   3. The JoinHandle sets JOIN_WAKER (set_join_waker) only after writing join_waker, and only
//      while COMPLETE is clear; the RMW releases the waker to the completing thread. If it finds
//      COMPLETE, it does not set the bit: the output is ready and it reads it at once.
//   4. To replace a stored waker, the JoinHandle first clears JOIN_WAKER (unset_join_waker),
//      which only succeeds while COMPLETE is clear; the field is then its own again (rule 1).
//      If COMPLETE was set first, the task's side may be reading the waker: the handle leaves
//      it alone and reads the output instead.
//   5. The completing thread sets COMPLETE in one RMW (transition_to_complete) that acquires
//      the handle's release of rule 3; if that RMW found JOIN_WAKER set, it wakes join_waker
//      (after COMPLETE is set, no handle can take the field back by rule 4).
//   6. Dropping the handle (drop_join_handle) clears JOIN_INTEREST and JOIN_WAKER in one RMW;
//      the Waker object stays in the header until the block is freed (its destructor drops it).
//   7. COMPLETE is never cleared, so after rule 5 nobody writes join_waker again.
//
// ## Memory orders
// Each transition states its order and why, once, at its definition. The pattern: a transition
// that hands the task (its frame, its output, the join waker) from one thread to another is
// acq_rel; bits set before the task is shared, or that only route to data guarded otherwise,
// are relaxed.

#include <atomic>
#include <cstdint>

#include "weft/detail/task/platform.hpp"
#if !WEFT_FREESTANDING
#include <thread>
#endif

namespace weft::detail {

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
inline constexpr std::uint32_t TRACING = 1u << 10;
inline constexpr std::uint32_t REF_ONE = 1u << 11;
inline constexpr std::uint32_t REF_MASK = ~(REF_ONE - 1);
}  // namespace task_state

/// A value of the state word, read at one instant.
struct Snapshot {
    std::uint32_t bits;

    bool is_notified() const noexcept { return bits & task_state::NOTIFIED; }
    bool is_running() const noexcept { return bits & task_state::RUNNING; }
    bool is_complete() const noexcept { return bits & task_state::COMPLETE; }
    bool is_cancelled() const noexcept { return bits & task_state::CANCELLED; }
    bool is_join_interested() const noexcept { return bits & task_state::JOIN_INTEREST; }
    bool has_join_waker() const noexcept { return bits & task_state::JOIN_WAKER; }
    bool is_spawned() const noexcept { return bits & task_state::SPAWNED; }
    bool has_error() const noexcept { return bits & task_state::HAS_ERROR; }
    bool has_meta() const noexcept { return bits & task_state::HAS_META; }
    bool is_exact_running() const noexcept { return bits & task_state::EXACT_RUNNING; }
    bool is_tracing() const noexcept { return bits & task_state::TRACING; }
    std::uint32_t ref_count() const noexcept { return bits / task_state::REF_ONE; }
};

/// transition_to_running's outcome.
enum class ToRunning {
    Success,    // RUNNING taken (NOTIFIED cleared): poll it
    Cancelled,  // RUNNING taken, but an abort was requested: cancel it instead of polling
    Complete,   // already complete (cancelled where it stood): nothing to poll, no change
};

/// transition_to_idle's outcome.
enum class ToIdle {
    Idle,       // RUNNING cleared, not woken: the caller drops the queue's reference
    Requeue,    // woken during the poll: the caller re-queues it with the reference it holds
    Cancelled,  // an abort was requested: the caller cancels it (still holding RUNNING)
};

/// transition_to_notified_by_ref's outcome.
enum class Notify {
    DoNothing,  // queued, running (re-queued when its poll ends) or complete
    Submit,     // was idle: a reference was added for the queue; the caller must schedule it
};

/// How a task ends (transition_to_complete).
enum class Completion {
    Output,     // its future finished: the output is stored; drops the frame's reference too
    Cancelled,  // its future was destroyed unfinished: no output
};

/// request_cancel's outcome.
enum class CancelRequest {
    AlreadyDone,  // complete, or an abort was requested already: no change
    Requested,    // CANCELLED set: the caller wakes the task so its executor sees it
};

/// transition_to_cancelled_here's outcome.
enum class CancelHere {
    Complete,       // already complete: nothing to do
    Running,        // being polled: CANCELLED set, the poller cancels it when its poll ends
    Claimed,        // was queued: now COMPLETE|CANCELLED, the caller destroys its future
    ClaimedSubmit,  // was idle: as Claimed, plus a queue reference: the caller also schedules it
};

/// set_join_waker's and unset_join_waker's outcome.
enum class JoinWaker {
    Done,      // the bit was changed
    Complete,  // the task completed first: the bit was left alone; read the output
};

/// The atomic state word of a spawned task (see above).
class TaskState {
  public:
    // --- Reading ---------------------------------------------------------------------------

    /// acquire: pairs with the release half of every transition below, so that after seeing
    /// COMPLETE the reader sees the output and `error`/`finished` (rule 5 of the protocol).
    Snapshot load() const noexcept { return {word_.load(std::memory_order_acquire)}; }

    /// relaxed: for bits the calling thread set itself, bits set before the task was shared
    /// (SPAWNED), or bits that only route to data guarded otherwise (HAS_META: the side table's
    /// mutex; HAS_ERROR: read by the output's owner after an acquire of COMPLETE).
    Snapshot load_relaxed() const noexcept { return {word_.load(std::memory_order_relaxed)}; }

    // --- Set-up, before the task is shared -------------------------------------------------

    /// A frame being spawned: queued, JoinHandle alive, three references (the frame, the
    /// JoinHandle, the run queue). relaxed: nobody else sees the task yet; handing it to its
    /// executor (a queue push) publishes it.
    void init_spawned() noexcept {
        using namespace task_state;
        word_.store(SPAWNED | NOTIFIED | JOIN_INTEREST | 3 * REF_ONE, std::memory_order_relaxed);
    }

    /// Keeps RUNNING exact (cleared on every requeue), for transition_to_cancelled_here.
    /// relaxed: done before the task is handed to its executor, as init_spawned.
    void set_exact_running() noexcept {
        word_.fetch_or(task_state::EXACT_RUNNING, std::memory_order_relaxed);
    }

    // --- Flags owned by one thread at a time -----------------------------------------------

    /// relaxed: set by the coroutine's thread while it runs; the completion's acq_rel RMW
    /// publishes it with `error` itself.
    void set_has_error() noexcept {
        word_.fetch_or(task_state::HAS_ERROR, std::memory_order_relaxed);
    }
    /// relaxed: cleared by the output's owner, the only one who reads `error` then.
    void clear_has_error() noexcept {
        word_.fetch_and(~task_state::HAS_ERROR, std::memory_order_relaxed);
    }
    /// relaxed: the bit only says whether to look in the side table, whose mutex orders the
    /// table itself (a name is recorded before the task is spawned).
    void set_has_meta() noexcept {
        word_.fetch_or(task_state::HAS_META, std::memory_order_relaxed);
    }

    // --- References ------------------------------------------------------------------------

    /// relaxed: a new reference is made from an existing one, which keeps the task alive.
    void ref_inc() noexcept { word_.fetch_add(task_state::REF_ONE, std::memory_order_relaxed); }

    /// Drops one reference; true if it was the last (the caller frees the block).
    /// acq_rel: the last owner must see every write other owners made before their release.
    [[nodiscard]] bool ref_dec() noexcept {
        std::uint32_t prev = word_.fetch_sub(task_state::REF_ONE, std::memory_order_acq_rel);
        return (prev & task_state::REF_MASK) == task_state::REF_ONE;
    }

    // --- The executor's side ---------------------------------------------------------------

    /// Before a poll: clears NOTIFIED and sets RUNNING, unless the task is complete. Waits while
    /// a dump holds TRACING (a few microseconds: the time to copy the chain).
    /// acq_rel: acquire everything the waker's thread wrote before waking us (and the previous
    /// poll's writes, released by transition_to_idle; and a dump's end_trace). release: the
    /// probe's `polling` store made just before (run_task), for a dump whose begin_trace comes
    /// after this claim. RUNNING may already be set (the fast requeue of transition_to_idle
    /// leaves it): that is tolerated.
    ToRunning transition_to_running() noexcept {
        using namespace task_state;
        std::uint32_t s = word_.load(std::memory_order_acquire);
        for (;;) {
            // Cancelled where it stood by transition_to_cancelled_here, which queued it for
            // this visit: the executor now unregisters it and drops the queue's reference.
            if (s & COMPLETE) return ToRunning::Complete;
            if (s & TRACING) {
                s = wait_untraced();
                continue;
            }
            if (word_.compare_exchange_weak(s, (s & ~NOTIFIED) | RUNNING,
                                            std::memory_order_acq_rel))
                break;
        }
        return (s & CANCELLED) ? ToRunning::Cancelled : ToRunning::Success;
    }

    /// After a poll that returned Pending.
    /// acq_rel: release this poll's writes to the next poller (maybe on another thread, after
    /// a wake); acquire a waker's NOTIFIED and an abort's CANCELLED set meanwhile.
    ToIdle transition_to_idle() noexcept {
        using namespace task_state;
        std::uint32_t s = word_.load(std::memory_order_acquire);
        for (;;) {
            // Aborted during its own poll (or from another thread meanwhile).
            if (s & CANCELLED) return ToIdle::Cancelled;
            // Woken during its own poll: back on the queue with the reference the caller holds.
            // RUNNING stays set (transition_to_running tolerates it), which saves an RMW;
            // NOTIFIED already keeps every other waker from queueing it a second time. Only a
            // task that may be cancelled in place needs RUNNING to mean "being polled now"
            // (transition_to_cancelled_here waits for exactly that), and pays for the RMW.
            if ((s & (NOTIFIED | EXACT_RUNNING)) == NOTIFIED) return ToIdle::Requeue;
            if (word_.compare_exchange_weak(s, s & ~RUNNING, std::memory_order_acq_rel)) break;
        }
        return (s & NOTIFIED) ? ToIdle::Requeue : ToIdle::Idle;
    }

    /// Marks the task complete (clearing RUNNING and NOTIFIED). With Completion::Output it also
    /// clears a CANCELLED set by an abort that came too late (completion wins, as in Tokio:
    /// whoever sees COMPLETE without CANCELLED owns dropping the output), and drops the frame's
    /// reference in the same RMW (the frame was destroyed by retire_frame). Returns the state
    /// before: the caller wakes join_waker if it had JOIN_WAKER (protocol rule 5), and owns the
    /// output if it had no JOIN_INTEREST.
    /// acq_rel: release the output (and `error`, `finished`) to the JoinHandle; acquire its
    /// join_waker (rule 3).
    Snapshot transition_to_complete(Completion how) noexcept {
        using namespace task_state;
        const bool output = how == Completion::Output;
        const std::uint32_t set = COMPLETE | (output ? 0 : CANCELLED);
        const std::uint32_t clear = RUNNING | NOTIFIED | (output ? CANCELLED : 0);
        const std::uint32_t frame_ref = output ? REF_ONE : 0;
        std::uint32_t s = word_.load(std::memory_order_relaxed);
        while (!word_.compare_exchange_weak(s, ((s | set) & ~clear) - frame_ref,
                                            std::memory_order_acq_rel)) {
        }
        return {s};
    }

    // --- Wakers ----------------------------------------------------------------------------

    /// A wake through a reference to a waker. An idle task becomes NOTIFIED and gains a
    /// reference for its queue (Submit: the caller schedules it); a running one becomes
    /// NOTIFIED only (its executor re-queues it when the poll ends, exactly once); a queued or
    /// complete one is left alone. (A wake by value is this, then the waker's own ref_dec after
    /// scheduling: that reference keeps the header alive through the schedule call.)
    /// acq_rel: release what the waker's thread wrote to the next poll; acquire so that the
    /// running executor's transition_to_idle and this RMW are ordered.
    Notify transition_to_notified_by_ref() noexcept {
        using namespace task_state;
        std::uint32_t s = word_.load(std::memory_order_acquire);
        for (;;) {
            if (s & (COMPLETE | NOTIFIED)) return Notify::DoNothing;
            if (s & RUNNING) {
                // The executor re-queues it when the poll ends (transition_to_idle re-reads).
                if (word_.compare_exchange_weak(s, s | NOTIFIED, std::memory_order_acq_rel))
                    return Notify::DoNothing;
            } else if (word_.compare_exchange_weak(s, (s | NOTIFIED) + REF_ONE,
                                                   std::memory_order_acq_rel)) {
                return Notify::Submit;
            }
        }
    }

    // --- Cancellation ----------------------------------------------------------------------

    /// An abort (JoinHandle::abort, AbortHandle::abort): sets CANCELLED on an unfinished task;
    /// a finished task keeps its output. On Requested the caller wakes the task.
    /// acq_rel: the executor that sees CANCELLED (transition_to_running/idle) sees what the
    /// aborting thread wrote before.
    CancelRequest request_cancel() noexcept {
        using namespace task_state;
        return update_unless<std::memory_order_relaxed, std::memory_order_acq_rel>(
                   COMPLETE | CANCELLED, CANCELLED, 0)
                   ? CancelRequest::Requested
                   : CancelRequest::AlreadyDone;
    }

    /// Cancels a detached task (no JOIN_INTEREST) with EXACT_RUNNING on the calling thread if
    /// nobody polls it now: COMPLETE keeps pollers, wakers and aborts away from the frame from
    /// then on, and NOTIFIED (with a queue reference, unless it is queued already) sends it to
    /// its executor once more, which then unregisters it. A running task only gets CANCELLED.
    /// acq_rel: acquire everything its last poll wrote before destroying what it made; release
    /// the destruction to the executor's last visit.
    CancelHere transition_to_cancelled_here() noexcept {
        using namespace task_state;
        std::uint32_t s = word_.load(std::memory_order_acquire);
        for (;;) {
            if (s & COMPLETE) return CancelHere::Complete;
            if (s & TRACING) {  // a dump is reading the chain we would destroy
                s = wait_untraced();
                continue;
            }
            if (s & RUNNING) {
                // Being polled: the poller sees CANCELLED when its poll ends
                // (transition_to_idle) and cancels the task on its own thread.
                if (word_.compare_exchange_weak(s, s | CANCELLED, std::memory_order_acq_rel))
                    return CancelHere::Running;
                continue;
            }
            std::uint32_t next = s | COMPLETE | CANCELLED | NOTIFIED;
            if (!(s & NOTIFIED)) next += REF_ONE;
            if (word_.compare_exchange_weak(s, next, std::memory_order_acq_rel))
                return (s & NOTIFIED) ? CancelHere::Claimed : CancelHere::ClaimedSubmit;
        }
    }

    // --- Task dumps ---------------------------------------------------------------------

    /// A dump starts reading the task: sets TRACING and returns the state before. Unless that
    /// was COMPLETE, the dump then looks at every probe of the task's runtime: if none shows
    /// the task being polled, the chain is the dump's until end_trace (a poll or a cancel that
    /// comes later waits in transition_to_running / transition_to_cancelled_here).
    /// acq_rel: pairs with transition_to_running's release (so the probes' `polling` stores
    /// of claims before this one are visible), and with transition_to_idle's release of the last
    /// poll's chain. Only one dump runs at a time per runtime (its dump mutex).
    Snapshot begin_trace() noexcept {
        return {word_.fetch_or(task_state::TRACING, std::memory_order_acq_rel)};
    }
    /// The dump is done reading. release: its reads happen before the next claim's writes.
    void end_trace() noexcept { word_.fetch_and(~task_state::TRACING, std::memory_order_release); }

    // --- The JoinHandle's side (the join-waker protocol above) -----------------------------

    /// Rule 3: publishes join_waker (already written) unless the task completed.
    /// acq_rel: release join_waker to the completing thread. (On Complete the first read may be
    /// relaxed: drop_join_handle, which the handle calls next to take the output, acquires it.)
    JoinWaker set_join_waker() noexcept {
        using namespace task_state;
        return update_unless<std::memory_order_relaxed, std::memory_order_acq_rel>(COMPLETE,
                                                                                   JOIN_WAKER, 0)
                   ? JoinWaker::Done
                   : JoinWaker::Complete;
    }

    /// Rule 4: takes join_waker back (to replace it) unless the task completed.
    /// acquire: the field is the handle's again only once the completing side can no longer
    /// read it; on Complete, acquire the output. (The handle's own writes to join_waker come
    /// later, and set_join_waker releases them.)
    JoinWaker unset_join_waker() noexcept {
        using namespace task_state;
        return update_unless<std::memory_order_acquire, std::memory_order_acquire>(COMPLETE, 0,
                                                                                   JOIN_WAKER)
                   ? JoinWaker::Done
                   : JoinWaker::Complete;
    }

    /// Rule 6: the JoinHandle is gone (dropped, detached, or consumed by taking the output).
    /// Returns the state before: COMPLETE without CANCELLED means the output is the caller's to
    /// take or drop. acq_rel: acquire the output of a completed task; release the handle's
    /// uses of the header to whoever frees it.
    Snapshot drop_join_handle() noexcept {
        using namespace task_state;
        return {word_.fetch_and(~(JOIN_INTEREST | JOIN_WAKER), std::memory_order_acq_rel)};
    }

  private:
    // Spins until no dump holds TRACING (it holds it for the time it takes to copy one chain);
    // returns the state then. acquire: pairs with end_trace.
    std::uint32_t wait_untraced() const noexcept {
        std::uint32_t s = word_.load(std::memory_order_acquire);
        for (int spins = 0; s & task_state::TRACING; ++spins) {
#if !WEFT_FREESTANDING
            if (spins >= 64) std::this_thread::yield();
#else
            (void)spins;  // one thread: no dump can hold TRACING while this runs
#endif
            s = word_.load(std::memory_order_acquire);
        }
        return s;
    }

    // The CAS loop of the transitions that only change a task no `stop` bit is set in: sets
    // `set` and clears `clear` (with `Rmw` order; the first read with `Load`) and returns true,
    // or returns false, changing nothing, once a `stop` bit is seen.
    template <std::memory_order Load, std::memory_order Rmw>
    bool update_unless(std::uint32_t stop, std::uint32_t set, std::uint32_t clear) noexcept {
        std::uint32_t s = word_.load(Load);
        while (!(s & stop)) {
            if (word_.compare_exchange_weak(s, (s | set) & ~clear, Rmw)) return true;
        }
        return false;
    }

    std::atomic<std::uint32_t> word_{0};
};

}  // namespace weft::detail
