// weft::sync::Notify: Tokio's semantics polled by hand (the permit, FIFO order, notify_waiters
// and futures created before it, enable, cancel safety), then under a 2-worker runtime: a
// ping-pong and a condition-variable style loop that would hang on a lost wake-up (a
// watchdog turns that into a failure).

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "support/drop_hook_waker.hpp"
#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using weft::sync::Notified;
using weft::sync::Notify;

TEST(Notify, NotifyOneWithNobodyWaitingStoresOnePermit) {
    Notify n;
    n.notify_one();
    n.notify_one();  // still one permit
    CountingWaker w;
    Notified a = n.notified();
    EXPECT_TRUE(poll_once(a, w).is_ready()) << "the permit completes the first notified() at once";
    Notified b = n.notified();
    EXPECT_FALSE(poll_once(b, w).is_ready()) << "only one permit is kept";
    n.notify_one();
    EXPECT_EQ(w.total_wakes(), 1);
    EXPECT_TRUE(poll_once(b, w).is_ready());
}

TEST(Notify, NotifyOneWakesTheLongestWaitingFirst) {
    Notify n;
    CountingWaker wa, wb, wc;
    Notified a = n.notified(), b = n.notified(), c = n.notified();
    EXPECT_FALSE(poll_once(b, wb).is_ready());  // b waits first, then c, then a
    EXPECT_FALSE(poll_once(c, wc).is_ready());
    EXPECT_FALSE(poll_once(a, wa).is_ready());
    n.notify_one();
    EXPECT_EQ(wb.total_wakes(), 1);
    EXPECT_EQ(wc.total_wakes() + wa.total_wakes(), 0);
    EXPECT_TRUE(poll_once(b, wb).is_ready());
    EXPECT_FALSE(poll_once(a, wa).is_ready());
    n.notify_one();
    EXPECT_EQ(wc.total_wakes(), 1);
    EXPECT_TRUE(poll_once(c, wc).is_ready());
    EXPECT_FALSE(poll_once(a, wa).is_ready());
}

TEST(Notify, NotifyWaitersWakesEveryWaiterAndStoresNoPermit) {
    Notify n;
    std::vector<CountingWaker> ws(5);
    std::vector<std::optional<Notified>> fs;
    fs.reserve(ws.size());  // polled futures must not move
    for (auto& w : ws) {
        fs.emplace_back(n.notified());
        EXPECT_FALSE(poll_once(*fs.back(), w).is_ready());
    }
    n.notify_waiters();
    for (std::size_t i = 0; i < ws.size(); ++i) {
        EXPECT_EQ(ws[i].total_wakes(), 1);
        EXPECT_TRUE(poll_once(*fs[i], ws[i]).is_ready());
    }
    CountingWaker late;
    Notified after = n.notified();
    EXPECT_FALSE(poll_once(after, late).is_ready()) << "notify_waiters stored a permit";
}

TEST(Notify, AFutureCreatedBeforeNotifyWaitersCompletesEvenIfNotPolledYet) {
    Notify n;
    CountingWaker w;  // before the futures: the pending `after` keeps w's waker until it goes
    Notified before = n.notified();  // created, not polled: the "check, then await" window
    n.notify_waiters();
    Notified after = n.notified();
    EXPECT_TRUE(poll_once(before, w).is_ready());
    EXPECT_FALSE(poll_once(after, w).is_ready());
}

TEST(Notify, EnableRegistersBeforeTheFirstPoll) {
    Notify n;
    CountingWaker wa, wb;
    Notified a = n.notified();
    a.enable();  // in the queue now, ahead of b
    Notified b = n.notified();
    EXPECT_FALSE(poll_once(b, wb).is_ready());
    n.notify_one();
    EXPECT_EQ(wb.total_wakes(), 0) << "the notification went to b, not the enabled a";
    EXPECT_TRUE(poll_once(a, wa).is_ready());
    EXPECT_FALSE(poll_once(b, wb).is_ready());
}

TEST(Notify, ADroppedWaiterPassesANotifyOneOn) {
    Notify n;
    CountingWaker wa, wb;
    auto a = std::make_unique<Notified>(n.notified());
    Notified b = n.notified();
    EXPECT_FALSE(poll_once(*a, wa).is_ready());
    EXPECT_FALSE(poll_once(b, wb).is_ready());
    n.notify_one();  // picks a ...
    a.reset();       // ... which is dropped before it completes: b gets the notification
    EXPECT_EQ(wb.total_wakes(), 1);
    EXPECT_TRUE(poll_once(b, wb).is_ready());
    // With nobody else waiting, a dropped pick becomes the permit again.
    auto c = std::make_unique<Notified>(n.notified());
    EXPECT_FALSE(poll_once(*c, wa).is_ready());
    n.notify_one();
    c.reset();
    Notified d = n.notified();
    EXPECT_TRUE(poll_once(d, wb).is_ready());
}

TEST(Notify, ADroppedWaiterLeavesTheQueue) {
    Notify n;
    CountingWaker wa, wb;
    {
        Notified a = n.notified();
        EXPECT_FALSE(poll_once(a, wa).is_ready());
    }  // dropped while waiting
    EXPECT_EQ(wa.live(), 0) << "its waker was released";
    Notified b = n.notified();
    EXPECT_FALSE(poll_once(b, wb).is_ready());
    n.notify_one();
    EXPECT_EQ(wb.total_wakes(), 1) << "the dropped waiter took the notification";
    EXPECT_TRUE(poll_once(b, wb).is_ready());
}

TEST(Notify, PingPongAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    Notify ping, pong;
    constexpr int kRounds = 20000;
    rt.block_on([&]() -> weft::Task<void> {
        auto other = weft::spawn([](Notify& ping, Notify& pong) -> weft::Task<int> {
            int n = 0;
            for (int i = 0; i < kRounds; ++i) {
                co_await ping.notified();
                ++n;
                pong.notify_one();
            }
            co_return n;
        }(ping, pong));
        for (int i = 0; i < kRounds; ++i) {
            ping.notify_one();
            co_await pong.notified();
        }
        EXPECT_EQ(co_await other, kRounds);
    });
}

// The condition-variable pattern with notify_waiters: create the future, check, then await.
// The stepper moves to the next value only once every waiter has seen the current one, so a
// wake-up lost between a waiter's check and its await hangs the test (the watchdog fails it).
TEST(Notify, NotifyWaitersLosesNoWakeUpBetweenCheckAndAwait) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    Notify changed;
    std::atomic<int> value{0}, acks{0};
    constexpr int kSteps = 2000, kWaiters = 3;
    rt.block_on([&]() -> weft::Task<void> {
        std::vector<weft::JoinHandle<int>> waiters;
        for (int t = 0; t < kWaiters; ++t) {
            waiters.push_back(weft::spawn([](Notify& changed, std::atomic<int>& value,
                                             std::atomic<int>& acks) -> weft::Task<int> {
                int seen = 0, waits = 0;
                while (seen < kSteps) {
                    Notified n = changed.notified();  // before the check
                    int v = value.load();
                    if (v != seen) {
                        seen = v;
                        acks++;
                        continue;
                    }
                    co_await n;
                    ++waits;
                }
                co_return waits;
            }(changed, value, acks)));
        }
        for (int i = 1; i <= kSteps; ++i) {
            value.store(i);
            changed.notify_waiters();
            while (acks.load() < i * kWaiters)
                co_await weft::yield_now();
        }
        int waits = 0;
        for (auto& w : waiters)
            waits += co_await w;
        EXPECT_EQ(acks.load(), kSteps * kWaiters);
        EXPECT_GT(waits, 0) << "no waiter ever waited: the race was not exercised";
    });
}

// Issue 16: a `notified()` polled again with another waker replaces the one it stored; dropping
// the old one under Notify's spin lock spun forever when that drop re-entered the Notify.
TEST(Notify, AReplacedWakerIsDroppedOutsideTheLock) {
    Watchdog dog(std::chrono::seconds(10));
    weft::sync::Notify n;
    DropHookWaker a([&] { n.notify_one(); });
    auto f = n.notified();
    EXPECT_TRUE(poll_once(f, a).is_pending());
    CountingWaker b;
    EXPECT_TRUE(poll_once(f, b).is_pending());  // drops a's waker: it notifies this waiter
    EXPECT_TRUE(a.hook_ran);
    EXPECT_EQ(b.total_wakes(), 1);
    EXPECT_TRUE(poll_once(f, b).is_ready());
}

// ---- issue 16: notify_last (Tokio's LIFO notify_one) ----

TEST(Notify, NotifyLastWakesTheNewestWaiterFirst) {
    Notify n;
    CountingWaker wa, wb, wc;
    Notified a = n.notified(), b = n.notified(), c = n.notified();
    EXPECT_FALSE(poll_once(b, wb).is_ready());  // b waits first, then c, then a
    EXPECT_FALSE(poll_once(c, wc).is_ready());
    EXPECT_FALSE(poll_once(a, wa).is_ready());
    n.notify_last();
    EXPECT_EQ(wa.total_wakes(), 1);
    EXPECT_EQ(wb.total_wakes() + wc.total_wakes(), 0);
    EXPECT_TRUE(poll_once(a, wa).is_ready());
    EXPECT_FALSE(poll_once(b, wb).is_ready());
    n.notify_last();
    EXPECT_EQ(wc.total_wakes(), 1);
    EXPECT_EQ(wb.total_wakes(), 0);
    EXPECT_TRUE(poll_once(c, wc).is_ready());
    // notify_one still takes the oldest; notify_last with nobody waiting stores one permit.
    Notified d = n.notified();
    EXPECT_FALSE(poll_once(d, wa).is_ready());
    n.notify_one();
    EXPECT_EQ(wb.total_wakes(), 1);
    EXPECT_TRUE(poll_once(b, wb).is_ready());
    EXPECT_FALSE(poll_once(d, wa).is_ready());
    n.notify_last();
    EXPECT_TRUE(poll_once(d, wa).is_ready());
    n.notify_last();
    n.notify_last();
    Notified e = n.notified(), f = n.notified();
    EXPECT_TRUE(poll_once(e, wa).is_ready()) << "the stored permit";
    EXPECT_FALSE(poll_once(f, wb).is_ready()) << "only one permit is kept";
}

TEST(Notify, ADroppedWaiterPassesANotifyLastToTheNewestLeft) {
    Notify n;
    CountingWaker wa, wb, wc;
    Notified a = n.notified(), b = n.notified();
    auto c = std::make_unique<Notified>(n.notified());
    EXPECT_FALSE(poll_once(a, wa).is_ready());
    EXPECT_FALSE(poll_once(b, wb).is_ready());
    EXPECT_FALSE(poll_once(*c, wc).is_ready());
    n.notify_last();  // picks c ...
    c.reset();        // ... which is dropped before it completes: b, the newest left, gets it
    EXPECT_EQ(wb.total_wakes(), 1);
    EXPECT_EQ(wa.total_wakes(), 0);
    EXPECT_TRUE(poll_once(b, wb).is_ready());
    EXPECT_FALSE(poll_once(a, wa).is_ready());
}

// Waiters on 2 workers, notified only by notify_last from a plain thread: every notification
// completes a waiter, none is lost (a lost one hangs: the watchdog fails it).
TEST(Notify, NotifyLastAcrossWorkersLosesNoWakeUp) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    Notify n;
    constexpr int kTasks = 6, kRounds = 500;
    std::atomic<int> woken{0};
    std::vector<weft::JoinHandle<void>> hs;
    for (int t = 0; t < kTasks; ++t) {
        hs.push_back(rt.spawn([](Notify& n, std::atomic<int>& woken) -> weft::Task<void> {
            for (int i = 0; i < kRounds; ++i) {
                co_await n.notified();
                woken++;
            }
        }(n, woken)));
    }
    // One notification per expected wake-up, each sent once the previous one was consumed
    // (a permit stored while nobody waits counts as one).
    for (int i = 0; i < kTasks * kRounds; ++i) {
        n.notify_last();
        while (woken.load() <= i)
            std::this_thread::yield();
    }
    rt.block_on([&]() -> weft::Task<void> {
        for (auto& h : hs)
            co_await h;
    });
    EXPECT_EQ(woken.load(), kTasks * kRounds);
}
