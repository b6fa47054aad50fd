// weft::sync::CancellationToken: cancel wakes every waiter, now and later; children follow
// their parent but not the other way; a DropGuard cancels on scope exit; and a cancel from
// another thread stops tasks selecting on cancelled() across 2 workers.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::sync::CancellationToken;
using weft::sync::WaitForCancellation;

TEST(CancellationToken, CancelWakesEveryWaiterAndLaterWaitsCompleteAtOnce) {
    CancellationToken t;
    CancellationToken copy = t;  // copies share the flag
    CountingWaker wa, wb;
    WaitForCancellation a = t.cancelled(), b = copy.cancelled();
    EXPECT_FALSE(poll_once(a, wa).is_ready());
    EXPECT_FALSE(poll_once(b, wb).is_ready());
    EXPECT_FALSE(t.is_cancelled());
    copy.cancel();
    EXPECT_TRUE(t.is_cancelled());
    EXPECT_EQ(wa.total_wakes(), 1);
    EXPECT_EQ(wb.total_wakes(), 1);
    EXPECT_TRUE(poll_once(a, wa).is_ready());
    EXPECT_TRUE(poll_once(b, wb).is_ready());
    WaitForCancellation later = t.cancelled();
    EXPECT_TRUE(poll_once(later, wa).is_ready());
    t.cancel();  // again: nothing
    EXPECT_TRUE(t.is_cancelled());
}

TEST(CancellationToken, AFutureMadeBeforeTheCancelButNotPolledCompletes) {
    CancellationToken t;
    WaitForCancellation f = t.cancelled();
    t.cancel();
    CountingWaker w;
    EXPECT_TRUE(poll_once(f, w).is_ready());
}

TEST(CancellationToken, ChildrenFollowTheirParentButNotTheOtherWay) {
    CancellationToken root;
    CancellationToken child = root.child_token();
    CancellationToken grandchild = child.child_token();
    CancellationToken sibling = root.child_token();
    CountingWaker w;
    WaitForCancellation g = grandchild.cancelled();
    EXPECT_FALSE(poll_once(g, w).is_ready());
    sibling.cancel();  // a child's cancel stays below it
    EXPECT_FALSE(root.is_cancelled());
    EXPECT_FALSE(child.is_cancelled());
    root.cancel();
    EXPECT_TRUE(child.is_cancelled());
    EXPECT_TRUE(grandchild.is_cancelled());
    EXPECT_EQ(w.total_wakes(), 1);
    EXPECT_TRUE(poll_once(g, w).is_ready());
    CancellationToken late = root.child_token();
    EXPECT_TRUE(late.is_cancelled()) << "a child of a cancelled token starts cancelled";
}

TEST(CancellationToken, CancelReachesTheLiveChildrenAmongManyDroppedOnes) {
    CancellationToken root;
    std::vector<CancellationToken> kept;
    for (int i = 0; i < 1000; ++i) {
        CancellationToken c = root.child_token();  // most dropped at once: pruned from the list
        if (i % 100 == 0) kept.push_back(c.child_token());
    }
    root.cancel();
    // A grandchild keeps its parent's state alive: the root's cancel still reaches it
    // although the parent token itself was dropped (as in Tokio).
    for (auto& k : kept)
        EXPECT_TRUE(k.is_cancelled());
    CancellationToken live = root.child_token();
    EXPECT_TRUE(live.is_cancelled());
    CancellationToken root2;
    std::vector<CancellationToken> kids;
    for (int i = 0; i < 1000; ++i) {
        CancellationToken c = root2.child_token();
        if (i % 10 == 0) kids.push_back(c);
    }
    root2.cancel();
    for (auto& k : kids)
        EXPECT_TRUE(k.is_cancelled());
}

TEST(CancellationToken, ADropGuardCancelsOnScopeExitUnlessDisarmed) {
    CancellationToken a, b;
    { auto guard = a.drop_guard(); }
    EXPECT_TRUE(a.is_cancelled());
    {
        auto guard = b.drop_guard();
        CancellationToken back = std::move(guard).disarm();
        EXPECT_FALSE(back.is_cancelled());
    }
    EXPECT_FALSE(b.is_cancelled());
}

// 16 tasks on 2 workers each select their endless work against their own child token's
// cancelled(); a plain thread cancels the root. Every task must stop (the watchdog fails a
// lost wake-up), and each reports that the cancellation, not the work, ended it.
TEST(CancellationToken, ACancelFromAnotherThreadStopsEveryTask) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    for (int round = 0; round < 20; ++round) {
        CancellationToken root;
        std::atomic<int> started{0};
        std::vector<weft::JoinHandle<std::size_t>> hs;
        for (int t = 0; t < 16; ++t) {
            hs.push_back(rt.spawn(
                [](CancellationToken tok, std::atomic<int>& started) -> weft::Task<std::size_t> {
                    auto work = []() -> weft::Task<void> {
                        for (;;)
                            co_await weft::time::sleep(1ms);
                    };
                    started++;
                    auto r = co_await weft::select(tok.cancelled(), work());
                    co_return r.index();
                }(root.child_token(), started)));
        }
        while (started.load() < 16)
            std::this_thread::yield();
        std::thread canceller([&] { root.cancel(); });
        canceller.join();
        rt.block_on([&]() -> weft::Task<void> {
            for (auto& h : hs)
                EXPECT_EQ(co_await h, 0u) << "round " << round;
        });
    }
}

// ---- issue 16: equality, cancelled_owned, run_until_cancelled (tokio-util's) ----

TEST(CancellationToken, TokensAreEqualWhenTheyAreTheSameNodeOfTheTree) {
    CancellationToken a;
    CancellationToken copy = a;
    CancellationToken other;
    EXPECT_TRUE(a == copy);
    EXPECT_FALSE(a != copy);
    EXPECT_FALSE(a == other);
    CancellationToken child = a.child_token();
    EXPECT_FALSE(child == a) << "a child is its own node";
    EXPECT_FALSE(child == a.child_token());
    EXPECT_TRUE(child == CancellationToken(child));
    CancellationToken back = a.drop_guard().disarm();
    EXPECT_TRUE(back == a);
    a.cancel();  // cancellation does not change identity
    EXPECT_TRUE(a == copy);
    EXPECT_FALSE(a == other);
}

TEST(CancellationToken, CancelledOwnedKeepsTheTokenItConsumed) {
    CancellationToken parent;
    CountingWaker w;
    // The child token exists only inside the future: cancelling the parent still reaches it.
    WaitForCancellation f = parent.child_token().cancelled_owned();
    EXPECT_FALSE(poll_once(f, w).is_ready());
    CancellationToken t = parent;
    WaitForCancellation g = std::move(t).cancelled_owned();
    EXPECT_FALSE(poll_once(g, w).is_ready());
    parent.cancel();
    EXPECT_EQ(w.total_wakes(), 2);
    EXPECT_TRUE(poll_once(f, w).is_ready());
    EXPECT_TRUE(poll_once(g, w).is_ready());
}

namespace {
// The output of a run_until_cancelled future polled once: nullopt while pending.
template <class F>
auto run_once(F& f, CountingWaker& w) -> std::optional<typename F::Output> {
    auto p = poll_once(f, w);
    if (p.is_pending()) return std::nullopt;
    return std::move(p).value();
}
}  // namespace

TEST(CancellationToken, RunUntilCancelledGivesTheOutputWhenTheFutureWins) {
    CancellationToken t;
    CountingWaker w;
    auto trig = std::make_shared<Trigger>();
    auto f = t.run_until_cancelled(TriggerFuture(trig));
    EXPECT_EQ(run_once(f, w), std::nullopt);
    trig->complete(42);
    EXPECT_EQ(w.total_wakes(), 1);
    auto r = run_once(f, w);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, std::optional<int>(42));
    t.cancel();  // afterwards: nothing changes
}

TEST(CancellationToken, RunUntilCancelledDropsTheFutureAtOnceWhenCancelled) {
    CancellationToken t;
    CountingWaker w;
    auto trig = std::make_shared<Trigger>();
    auto f = t.run_until_cancelled(TriggerFuture(trig));
    EXPECT_EQ(run_once(f, w), std::nullopt);
    EXPECT_EQ(trig.use_count(), 2);  // the future is alive inside f
    t.child_token();                 // (unrelated children do not matter)
    t.cancel();
    EXPECT_GE(w.total_wakes(), 1);
    auto r = run_once(f, w);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, std::nullopt);
    EXPECT_EQ(trig.use_count(), 1) << "the cancelled future was destroyed before returning";
    EXPECT_EQ(run_once(f, w), std::optional<std::optional<int>>(std::in_place));  // again: same
}

TEST(CancellationToken, RunUntilCancelledOnACancelledTokenNeverPollsTheFuture) {
    CancellationToken t;
    t.cancel();
    CountingWaker w;
    auto trig = std::make_shared<Trigger>();
    trig->complete(1);  // ready, yet not polled: Tokio checks the token first
    auto f = t.run_until_cancelled(TriggerFuture(trig));
    auto r = run_once(f, w);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, std::nullopt);
    EXPECT_EQ(trig->polls, 0);
}

TEST(CancellationToken, RunUntilCancelledPrefersACompletionSeenInTheSamePoll) {
    CancellationToken t;
    CountingWaker w;
    auto trig = std::make_shared<Trigger>();
    auto f = t.run_until_cancelled(TriggerFuture(trig));
    EXPECT_EQ(run_once(f, w), std::nullopt);
    t.cancel();
    trig->complete(7);  // both are ready by the next poll: the future wins
    auto r = run_once(f, w);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, std::optional<int>(7));
}

TEST(CancellationToken, RunUntilCancelledOfAVoidFutureGivesABoolAndPropagatesExceptions) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().start_paused(true).build();
    rt.block_on([]() -> weft::Task<void> {
        CancellationToken t;
        auto quick = weft::time::sleep(1ms);
        bool done = co_await t.run_until_cancelled(std::move(quick));
        EXPECT_TRUE(done);
        auto canceller = weft::spawn([](CancellationToken t) -> weft::Task<void> {
            co_await weft::time::sleep(5ms);
            t.cancel();
        }(t));
        auto slow = weft::time::sleep(1h);
        bool finished = co_await t.run_until_cancelled(std::move(slow));
        EXPECT_FALSE(finished);
        EXPECT_LT(weft::time::Instant::now().elapsed(), 1h);
        co_await canceller;
        // An exception from the future propagates.
        CancellationToken u;
        auto boom = []() -> weft::Task<int> {
            co_await weft::yield_now();
            throw std::runtime_error("boom");
        }();
        EXPECT_THROW(co_await u.run_until_cancelled(std::move(boom)), std::runtime_error);
    });
}

// Tasks on 2 workers each run a long job under run_until_cancelled; a plain thread cancels the
// token: every task ends (a lost wake-up hangs: the watchdog fails it) and every job's frame is
// destroyed.
TEST(CancellationToken, RunUntilCancelledStopsEveryTaskAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    CancellationToken stop;
    Lifetimes jobs;
    std::atomic<int> started{0};
    std::vector<weft::JoinHandle<bool>> hs;
    for (int i = 0; i < 8; ++i) {
        hs.push_back(rt.spawn([](CancellationToken stop, Lifetimes& jobs,
                                 std::atomic<int>& started) -> weft::Task<bool> {
            auto job = [](Lifetimes& jobs, std::atomic<int>& started) -> weft::Task<int> {
                Tracked alive(jobs);
                started++;
                for (;;)
                    co_await weft::time::sleep(1ms);
            }(jobs, started);
            std::optional<int> r = co_await stop.run_until_cancelled(std::move(job));
            co_return r.has_value();
        }(stop, jobs, started)));
    }
    while (started.load() < 8)
        std::this_thread::yield();
    std::thread([stop] { stop.cancel(); }).join();
    for (auto& h : hs)
        EXPECT_FALSE(rt.block_on(std::move(h)));
    EXPECT_EQ(jobs.alive(), 0);
}
