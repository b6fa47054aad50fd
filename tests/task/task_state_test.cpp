// The task state machine (detail::TaskState, state.hpp) on its own, on one thread: each
// transition's result and the word it leaves, from each state where it is used.

#include "weft/detail/task/state.hpp"

#include <gtest/gtest.h>

using namespace weft::detail;
namespace ts = weft::detail::task_state;

namespace {

// A freshly spawned task: queued (NOTIFIED), JoinHandle alive, three references.
struct Spawned {
    TaskState s;
    Spawned() { s.init_spawned(); }
    std::uint32_t bits() const { return s.load().bits; }
    std::uint32_t flags() const { return bits() & ~ts::REF_MASK; }
    std::uint32_t refs() const { return s.load().ref_count(); }
};

constexpr std::uint32_t kSpawned = ts::SPAWNED | ts::JOIN_INTEREST;

// Polls the task to completion, with its output.
void complete(Spawned& t) {
    ASSERT_EQ(t.s.transition_to_running(), ToRunning::Success);
    t.s.transition_to_complete(Completion::Output);
}

// Checks that `op` leaves the word as it was.
template <class Op>
void expect_unchanged(Spawned& t, Op op) {
    std::uint32_t before = t.bits();
    op();
    EXPECT_EQ(t.bits(), before);
}

}  // namespace

TEST(TaskState, InitSpawnedIsQueuedJoinableWithThreeReferences) {
    Spawned t;
    EXPECT_EQ(t.flags(), kSpawned | ts::NOTIFIED);
    EXPECT_EQ(t.refs(), 3u);
    Snapshot s = t.s.load();
    EXPECT_TRUE(s.is_spawned());
    EXPECT_TRUE(s.is_notified());
    EXPECT_TRUE(s.is_join_interested());
    EXPECT_FALSE(s.is_running() || s.is_complete() || s.is_cancelled() || s.has_join_waker());
}

TEST(TaskState, RefIncAndRefDecReportTheLastReference) {
    Spawned t;
    t.s.ref_inc();
    EXPECT_EQ(t.refs(), 4u);
    EXPECT_FALSE(t.s.ref_dec());
    EXPECT_FALSE(t.s.ref_dec());
    EXPECT_FALSE(t.s.ref_dec());
    EXPECT_EQ(t.flags(), kSpawned | ts::NOTIFIED);  // flags untouched
    EXPECT_TRUE(t.s.ref_dec());
    EXPECT_EQ(t.refs(), 0u);
}

TEST(TaskState, ToRunningFromQueuedClearsNotified) {
    Spawned t;
    EXPECT_EQ(t.s.transition_to_running(), ToRunning::Success);
    EXPECT_EQ(t.flags(), kSpawned | ts::RUNNING);
    EXPECT_EQ(t.refs(), 3u);
}

TEST(TaskState, ToRunningToleratesRunningLeftByAFastRequeue) {
    Spawned t;
    ASSERT_EQ(t.s.transition_to_running(), ToRunning::Success);
    EXPECT_EQ(t.s.transition_to_notified_by_ref(), Notify::DoNothing);  // woken while running
    ASSERT_EQ(t.s.transition_to_idle(), ToIdle::Requeue);               // RUNNING left set
    EXPECT_EQ(t.flags(), kSpawned | ts::RUNNING | ts::NOTIFIED);
    EXPECT_EQ(t.s.transition_to_running(), ToRunning::Success);
    EXPECT_EQ(t.flags(), kSpawned | ts::RUNNING);
}

TEST(TaskState, ToRunningOfACancelledTaskTakesRunningAndSaysCancelled) {
    Spawned t;
    ASSERT_EQ(t.s.request_cancel(), CancelRequest::Requested);
    EXPECT_EQ(t.s.transition_to_running(), ToRunning::Cancelled);
    EXPECT_EQ(t.flags(), kSpawned | ts::RUNNING | ts::CANCELLED);
}

TEST(TaskState, ToRunningOfACompleteTaskChangesNothing) {
    Spawned t;
    t.s.set_exact_running();
    ASSERT_EQ(t.s.transition_to_running(), ToRunning::Success);
    ASSERT_EQ(t.s.transition_to_idle(), ToIdle::Idle);
    ASSERT_FALSE(t.s.ref_dec());  // the queue's reference, as run_task drops it
    t.s.drop_join_handle();
    ASSERT_EQ(t.s.transition_to_cancelled_here(), CancelHere::ClaimedSubmit);
    std::uint32_t before = t.bits();
    EXPECT_EQ(t.s.transition_to_running(), ToRunning::Complete);
    EXPECT_EQ(t.bits(), before);
}

TEST(TaskState, ToIdleWithoutAWakeClearsRunning) {
    Spawned t;
    ASSERT_EQ(t.s.transition_to_running(), ToRunning::Success);
    EXPECT_EQ(t.s.transition_to_idle(), ToIdle::Idle);
    EXPECT_EQ(t.flags(), kSpawned);
    EXPECT_EQ(t.refs(), 3u);  // the caller drops the queue's reference itself
}

TEST(TaskState, ToIdleAfterAWakeRequeuesAndKeepsRunningUnlessExact) {
    Spawned t;
    ASSERT_EQ(t.s.transition_to_running(), ToRunning::Success);
    ASSERT_EQ(t.s.transition_to_notified_by_ref(), Notify::DoNothing);
    EXPECT_EQ(t.s.transition_to_idle(), ToIdle::Requeue);
    EXPECT_EQ(t.flags(), kSpawned | ts::RUNNING | ts::NOTIFIED);  // no RMW on the fast path
    EXPECT_EQ(t.refs(), 3u);

    Spawned e;
    e.s.set_exact_running();
    ASSERT_EQ(e.s.transition_to_running(), ToRunning::Success);
    ASSERT_EQ(e.s.transition_to_notified_by_ref(), Notify::DoNothing);
    EXPECT_EQ(e.s.transition_to_idle(), ToIdle::Requeue);
    EXPECT_EQ(e.flags(), kSpawned | ts::EXACT_RUNNING | ts::NOTIFIED);  // RUNNING exact
}

TEST(TaskState, ToIdleAfterAnAbortSaysCancelledAndKeepsRunning) {
    Spawned t;
    ASSERT_EQ(t.s.transition_to_running(), ToRunning::Success);
    ASSERT_EQ(t.s.request_cancel(), CancelRequest::Requested);
    EXPECT_EQ(t.s.transition_to_idle(), ToIdle::Cancelled);
    // (abort_task then wakes it: request_cancel itself only sets CANCELLED.)
    EXPECT_EQ(t.flags(), kSpawned | ts::RUNNING | ts::CANCELLED);
}

TEST(TaskState, NotifyByRefFromEachState) {
    // Idle: NOTIFIED and a reference for the queue.
    Spawned idle;
    ASSERT_EQ(idle.s.transition_to_running(), ToRunning::Success);
    ASSERT_EQ(idle.s.transition_to_idle(), ToIdle::Idle);
    EXPECT_EQ(idle.s.transition_to_notified_by_ref(), Notify::Submit);
    EXPECT_EQ(idle.flags(), kSpawned | ts::NOTIFIED);
    EXPECT_EQ(idle.refs(), 4u);
    // Queued: nothing.
    EXPECT_EQ(idle.s.transition_to_notified_by_ref(), Notify::DoNothing);
    EXPECT_EQ(idle.refs(), 4u);
    // Running: NOTIFIED only.
    Spawned running;
    ASSERT_EQ(running.s.transition_to_running(), ToRunning::Success);
    EXPECT_EQ(running.s.transition_to_notified_by_ref(), Notify::DoNothing);
    EXPECT_EQ(running.flags(), kSpawned | ts::RUNNING | ts::NOTIFIED);
    EXPECT_EQ(running.refs(), 3u);
    // Complete: nothing.
    Spawned done;
    complete(done);
    expect_unchanged(done,
                     [&] { EXPECT_EQ(done.s.transition_to_notified_by_ref(), Notify::DoNothing); });
}

TEST(TaskState, CompleteWithOutputDropsTheFrameReferenceAndClearsALateAbort) {
    Spawned t;
    ASSERT_EQ(t.s.transition_to_running(), ToRunning::Success);
    ASSERT_EQ(t.s.request_cancel(), CancelRequest::Requested);  // too late: the poll completes
    Snapshot prev = t.s.transition_to_complete(Completion::Output);
    EXPECT_TRUE(prev.is_running());
    EXPECT_TRUE(prev.is_cancelled());
    EXPECT_TRUE(prev.is_join_interested());
    EXPECT_EQ(t.flags(), kSpawned | ts::COMPLETE);
    EXPECT_EQ(t.refs(), 2u);
}

TEST(TaskState, CompleteByCancellationKeepsTheFrameReference) {
    Spawned t;
    ASSERT_EQ(t.s.transition_to_running(), ToRunning::Success);
    Snapshot prev = t.s.transition_to_complete(Completion::Cancelled);
    EXPECT_FALSE(prev.is_complete());
    EXPECT_EQ(t.flags(), kSpawned | ts::COMPLETE | ts::CANCELLED);
    EXPECT_EQ(t.refs(), 3u);  // the frame's operator delete drops its own
}

TEST(TaskState, CompleteReportsTheJoinWakerAndTheJoinInterest) {
    Spawned t;
    ASSERT_EQ(t.s.transition_to_running(), ToRunning::Success);
    ASSERT_EQ(t.s.set_join_waker(), JoinWaker::Done);
    Snapshot prev = t.s.transition_to_complete(Completion::Output);
    EXPECT_TRUE(prev.has_join_waker());
    EXPECT_TRUE(prev.is_join_interested());

    Spawned d;
    d.s.drop_join_handle();
    ASSERT_EQ(d.s.transition_to_running(), ToRunning::Success);
    prev = d.s.transition_to_complete(Completion::Output);
    EXPECT_FALSE(prev.is_join_interested());  // the output is the executor's to drop
}

TEST(TaskState, RequestCancelFromEachState) {
    Spawned t;
    EXPECT_EQ(t.s.request_cancel(), CancelRequest::Requested);
    EXPECT_TRUE(t.s.load().is_cancelled());
    EXPECT_EQ(t.s.request_cancel(), CancelRequest::AlreadyDone);  // twice: once

    Spawned done;
    complete(done);
    EXPECT_EQ(done.s.request_cancel(), CancelRequest::AlreadyDone);
    EXPECT_FALSE(done.s.load().is_cancelled());  // a finished task keeps its output
}

TEST(TaskState, CancelHereFromEachState) {
    auto detached = [](Spawned& t) {
        t.s.set_exact_running();
        t.s.drop_join_handle();
    };
    // Claimed: complete and cancelled, sent to its executor once more.
    constexpr std::uint32_t kClaimed =
        ts::SPAWNED | ts::EXACT_RUNNING | ts::NOTIFIED | ts::COMPLETE | ts::CANCELLED;
    auto expect_claimed = [&](Spawned& t, CancelHere want, std::uint32_t refs) {
        EXPECT_EQ(t.s.transition_to_cancelled_here(), want);
        EXPECT_EQ(t.flags(), kClaimed);
        EXPECT_EQ(t.refs(), refs);
    };
    // Queued: no new reference (it is in a queue already).
    Spawned queued;
    detached(queued);
    expect_claimed(queued, CancelHere::Claimed, 3u);
    // Idle: a queue reference for the executor's last visit.
    Spawned idle;
    detached(idle);
    ASSERT_EQ(idle.s.transition_to_running(), ToRunning::Success);
    ASSERT_EQ(idle.s.transition_to_idle(), ToIdle::Idle);
    expect_claimed(idle, CancelHere::ClaimedSubmit, 4u);
    // Running: only the request.
    Spawned running;
    detached(running);
    ASSERT_EQ(running.s.transition_to_running(), ToRunning::Success);
    EXPECT_EQ(running.s.transition_to_cancelled_here(), CancelHere::Running);
    EXPECT_EQ(running.flags(), ts::SPAWNED | ts::EXACT_RUNNING | ts::RUNNING | ts::CANCELLED);
    // Complete: nothing.
    Spawned done;
    detached(done);
    complete(done);
    expect_unchanged(
        done, [&] { EXPECT_EQ(done.s.transition_to_cancelled_here(), CancelHere::Complete); });
}

TEST(TaskState, JoinWakerIsSetAndUnsetOnlyBeforeCompletion) {
    Spawned t;
    EXPECT_EQ(t.s.set_join_waker(), JoinWaker::Done);
    EXPECT_TRUE(t.s.load().has_join_waker());
    EXPECT_EQ(t.s.unset_join_waker(), JoinWaker::Done);
    EXPECT_FALSE(t.s.load().has_join_waker());
    EXPECT_EQ(t.s.set_join_waker(), JoinWaker::Done);

    complete(t);
    // Rule 4: once complete, the task's side may be reading the waker: it stays set.
    EXPECT_EQ(t.s.unset_join_waker(), JoinWaker::Complete);
    EXPECT_TRUE(t.s.load().has_join_waker());

    Spawned d;
    complete(d);
    // Rule 3: no waker is published to a completed task.
    EXPECT_EQ(d.s.set_join_waker(), JoinWaker::Complete);
    EXPECT_FALSE(d.s.load().has_join_waker());
}

TEST(TaskState, DropJoinHandleClearsInterestAndWakerAndReportsTheState) {
    Spawned t;
    ASSERT_EQ(t.s.set_join_waker(), JoinWaker::Done);
    Snapshot prev = t.s.drop_join_handle();
    EXPECT_TRUE(prev.is_join_interested());
    EXPECT_TRUE(prev.has_join_waker());
    EXPECT_FALSE(prev.is_complete());
    EXPECT_EQ(t.flags(), ts::SPAWNED | ts::NOTIFIED);
    EXPECT_EQ(t.refs(), 3u);  // the caller drops the handle's reference itself

    Spawned c;
    ASSERT_EQ(c.s.request_cancel(), CancelRequest::Requested);
    ASSERT_EQ(c.s.transition_to_running(), ToRunning::Cancelled);
    c.s.transition_to_complete(Completion::Cancelled);
    prev = c.s.drop_join_handle();
    EXPECT_TRUE(prev.is_complete());
    EXPECT_TRUE(prev.is_cancelled());  // no output to drop
}

TEST(TaskState, ErrorAndMetaFlagsLeaveTheRestAlone) {
    Spawned t;
    std::uint32_t before = t.bits();
    t.s.set_has_error();
    EXPECT_TRUE(t.s.load_relaxed().has_error());
    t.s.set_has_meta();
    EXPECT_TRUE(t.s.load_relaxed().has_meta());
    t.s.clear_has_error();
    EXPECT_FALSE(t.s.load_relaxed().has_error());
    EXPECT_EQ(t.bits(), before | ts::HAS_META);
}
