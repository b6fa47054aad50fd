// weft::sync::CancellationToken: cancel wakes every waiter, now and later; children follow
// their parent but not the other way; a DropGuard cancels on scope exit; and a cancel from
// another thread stops tasks selecting on cancelled() across 2 workers.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::sync::CancellationToken;
using weft::sync::WaitForCancellation;

namespace {
bool ready(WaitForCancellation& f, CountingWaker& w) {
    weft::Waker wk = w.make();
    weft::Context cx(wk);
    return f.poll(cx).is_ready();
}
}  // namespace

TEST(CancellationToken, CancelWakesEveryWaiterAndLaterWaitsCompleteAtOnce) {
    CancellationToken t;
    CancellationToken copy = t;  // copies share the flag
    CountingWaker wa, wb;
    WaitForCancellation a = t.cancelled(), b = copy.cancelled();
    EXPECT_FALSE(ready(a, wa));
    EXPECT_FALSE(ready(b, wb));
    EXPECT_FALSE(t.is_cancelled());
    copy.cancel();
    EXPECT_TRUE(t.is_cancelled());
    EXPECT_EQ(wa.total_wakes(), 1);
    EXPECT_EQ(wb.total_wakes(), 1);
    EXPECT_TRUE(ready(a, wa));
    EXPECT_TRUE(ready(b, wb));
    WaitForCancellation later = t.cancelled();
    EXPECT_TRUE(ready(later, wa));
    t.cancel();  // again: nothing
    EXPECT_TRUE(t.is_cancelled());
}

TEST(CancellationToken, AFutureMadeBeforeTheCancelButNotPolledCompletes) {
    CancellationToken t;
    WaitForCancellation f = t.cancelled();
    t.cancel();
    CountingWaker w;
    EXPECT_TRUE(ready(f, w));
}

TEST(CancellationToken, ChildrenFollowTheirParentButNotTheOtherWay) {
    CancellationToken root;
    CancellationToken child = root.child_token();
    CancellationToken grandchild = child.child_token();
    CancellationToken sibling = root.child_token();
    CountingWaker w;
    WaitForCancellation g = grandchild.cancelled();
    EXPECT_FALSE(ready(g, w));
    sibling.cancel();  // a child's cancel stays below it
    EXPECT_FALSE(root.is_cancelled());
    EXPECT_FALSE(child.is_cancelled());
    root.cancel();
    EXPECT_TRUE(child.is_cancelled());
    EXPECT_TRUE(grandchild.is_cancelled());
    EXPECT_EQ(w.total_wakes(), 1);
    EXPECT_TRUE(ready(g, w));
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
