// weft::sync::watch: Tokio's semantics polled by hand (borrow and the seen version, changed()
// and the sender going away, send failing without receivers, send_modify/send_if_modified,
// copied receivers, closed(), cancel safety, value lifetimes), then under a 2-worker runtime:
// receivers in lock step with the sender (a lost wake-up hangs them: the watchdog fails it),
// and receivers that must all end on the final value of a sender that does not wait for them.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"
#include "weft/sync/watch.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
namespace watch = weft::sync::watch;

namespace {

// The output of a changed() future polled once: nullopt while pending.
template <class F>
std::optional<bool> changed_once(F& f, CountingWaker& w) {
    auto p = poll_once(f, w);
    if (p.is_pending()) return std::nullopt;
    return p.value();
}

using Counted = LiveCounted;

}  // namespace

TEST(Watch, BorrowSeesTheLatestValueAndTheSeenVersion) {
    auto [tx, rx] = watch::channel<std::string>("initial");
    EXPECT_FALSE(rx.has_changed()) << "the initial value counts as seen";
    {
        auto r = rx.borrow();
        EXPECT_EQ(*r, "initial");
        EXPECT_FALSE(r.has_changed());
    }
    EXPECT_TRUE(tx.send("one").ok());
    EXPECT_TRUE(tx.send("two").ok());
    EXPECT_TRUE(rx.has_changed());
    {
        auto r = rx.borrow();  // does not mark it seen
        EXPECT_EQ(*r, "two");
        EXPECT_TRUE(r.has_changed());
        EXPECT_EQ(r->size(), 3u);
    }
    EXPECT_TRUE(rx.has_changed());
    {
        auto r = rx.borrow_and_update();
        EXPECT_EQ(r.get(), "two");
        EXPECT_TRUE(r.has_changed());
    }
    EXPECT_FALSE(rx.has_changed());
    EXPECT_FALSE(rx.borrow_and_update().has_changed());
    EXPECT_EQ(*tx.borrow(), "two");
    EXPECT_FALSE(tx.borrow().has_changed());
}

TEST(Watch, ChangedWaitsForANewerValueAndMarksItSeen) {
    auto [tx, rx] = watch::channel<int>(0);
    CountingWaker w;
    {
        auto c = rx.changed();
        EXPECT_EQ(changed_once(c, w), std::nullopt);
        EXPECT_EQ(changed_once(c, w), std::nullopt);
        tx.send_replace(1);
        tx.send_replace(2);
        tx.send_replace(3);
        EXPECT_GE(w.total_wakes(), 1);
        EXPECT_EQ(changed_once(c, w), std::optional<bool>(true));
    }
    EXPECT_FALSE(rx.has_changed()) << "changed() marked the newest value seen";
    EXPECT_EQ(*rx.borrow(), 3) << "only the latest value is kept";
    // A value already newer than the seen one completes changed() at once.
    tx.send_replace(4);
    auto c = rx.changed();
    EXPECT_EQ(changed_once(c, w), std::optional<bool>(true));
    auto d = rx.changed();
    EXPECT_EQ(changed_once(d, w), std::nullopt);
}

TEST(Watch, ChangedReturnsFalseOnceTheSenderIsGoneAndTheLastValueWasSeen) {
    auto [tx, rx] = watch::channel<int>(0);
    auto rx2 = rx;
    CountingWaker w;
    auto pending = rx2.changed();
    EXPECT_EQ(changed_once(pending, w), std::nullopt);
    EXPECT_TRUE(tx.send(1).ok());
    { auto gone = std::move(tx); }  // sends 1, then goes
    EXPECT_GE(w.total_wakes(), 1);
    EXPECT_TRUE(rx.is_closed());
    // The value sent just before the sender went is reported first ...
    EXPECT_EQ(weft::block_on(rx.changed()), true);
    EXPECT_EQ(*rx.borrow(), 1) << "the value stays readable";
    EXPECT_EQ(weft::block_on(rx.changed()), false);
    EXPECT_EQ(weft::block_on(rx.changed()), false);
    EXPECT_EQ(changed_once(pending, w), std::optional<bool>(true));
    // ... and a waiting changed() is woken by the sender going.
    auto [tx3, rx3] = watch::channel<int>(0);
    CountingWaker w3;
    auto c3 = rx3.changed();
    EXPECT_EQ(changed_once(c3, w3), std::nullopt);
    { auto gone = std::move(tx3); }
    EXPECT_EQ(w3.total_wakes(), 1);
    EXPECT_EQ(changed_once(c3, w3), std::optional<bool>(false));
    EXPECT_FALSE(rx3.has_changed());
}

TEST(Watch, SendFailsWithoutReceiversButSendReplaceSetsTheValue) {
    auto [tx, rx] = watch::channel<std::string>("a");
    EXPECT_EQ(tx.receiver_count(), 1u);
    EXPECT_FALSE(tx.is_closed());
    { auto gone = std::move(rx); }
    EXPECT_TRUE(tx.is_closed());
    auto r = tx.send("b");
    EXPECT_TRUE(r.is_closed());
    EXPECT_EQ(std::move(r).into_value(), "b");
    EXPECT_EQ(*tx.borrow(), "a") << "a failed send leaves the value alone";
    EXPECT_EQ(tx.send_replace("c"), "a");
    EXPECT_EQ(*tx.borrow(), "c");
    auto rx2 = tx.subscribe();
    EXPECT_FALSE(rx2.has_changed()) << "a new receiver counts the current value as seen";
    EXPECT_EQ(tx.receiver_count(), 1u);
    EXPECT_TRUE(tx.send("d").ok());
    EXPECT_TRUE(rx2.has_changed());
    EXPECT_EQ(*rx2.borrow_and_update(), "d");
}

TEST(Watch, SendModifyAndSendIfModified) {
    auto [tx, rx] = watch::channel<std::vector<int>>({});
    tx.send_modify([](std::vector<int>& v) { v.push_back(1); });
    EXPECT_TRUE(rx.has_changed());
    EXPECT_EQ(rx.borrow_and_update()->size(), 1u);
    auto add_below_3 = [](std::vector<int>& v) {
        if (v.size() >= 3) return false;
        v.push_back(static_cast<int>(v.size()) + 1);
        return true;
    };
    EXPECT_TRUE(tx.send_if_modified(add_below_3));
    EXPECT_TRUE(tx.send_if_modified(add_below_3));
    EXPECT_FALSE(tx.send_if_modified(add_below_3));
    EXPECT_TRUE(rx.has_changed());
    EXPECT_EQ(rx.borrow_and_update()->size(), 3u);
    EXPECT_FALSE(tx.send_if_modified(add_below_3));
    EXPECT_FALSE(rx.has_changed()) << "an unmodified value is not a change";
    // A modification that throws counts as a change (the value may be half changed).
    EXPECT_THROW(tx.send_modify([](std::vector<int>& v) {
        v.clear();
        throw std::runtime_error("half way");
    }),
                 std::runtime_error);
    EXPECT_TRUE(rx.has_changed());
    EXPECT_TRUE(rx.borrow_and_update()->empty());
    tx.send_modify([](std::vector<int>& v) { v.push_back(9); });  // the lock was released
    EXPECT_EQ(rx.borrow()->size(), 1u);
}

TEST(Watch, ACopiedReceiverStartsWithTheSameSeenVersion) {
    auto [tx, rx] = watch::channel<int>(0);
    tx.send_replace(1);
    auto seen_nothing = rx;  // 1 not seen in either
    EXPECT_TRUE(seen_nothing.has_changed());
    EXPECT_EQ(*rx.borrow_and_update(), 1);
    auto seen_one = rx;  // 1 seen in both
    EXPECT_FALSE(seen_one.has_changed());
    EXPECT_TRUE(seen_nothing.has_changed()) << "copies keep their own seen version";
    EXPECT_EQ(tx.receiver_count(), 3u);
    seen_nothing = seen_one;
    EXPECT_FALSE(seen_nothing.has_changed());
    EXPECT_EQ(tx.receiver_count(), 3u);
}

TEST(Watch, MarkChangedAndMarkUnchanged) {
    auto [tx, rx] = watch::channel<int>(0);
    rx.mark_changed();
    EXPECT_TRUE(rx.has_changed());
    EXPECT_EQ(weft::block_on(rx.changed()), true);
    EXPECT_FALSE(rx.has_changed());
    tx.send_replace(1);
    rx.mark_unchanged();
    EXPECT_FALSE(rx.has_changed());
    EXPECT_FALSE(rx.borrow().has_changed());
}

TEST(Watch, ClosedCompletesWhenEveryReceiverIsGone) {
    auto [tx, rx] = watch::channel<int>(0);
    auto rx2 = std::make_unique<watch::Receiver<int>>(rx);
    CountingWaker w;
    auto closed = tx.closed();
    EXPECT_TRUE(poll_once(closed, w).is_pending());
    { auto gone = std::move(rx); }
    EXPECT_EQ(w.total_wakes(), 0) << "one receiver is left";
    EXPECT_TRUE(poll_once(closed, w).is_pending());
    rx2.reset();
    EXPECT_EQ(w.total_wakes(), 1);
    EXPECT_TRUE(poll_once(closed, w).is_ready());
    EXPECT_TRUE(tx.is_closed());
    weft::block_on(tx.closed());  // at once now
}

TEST(Watch, ADroppedChangedLosesNothing) {
    auto [tx, rx] = watch::channel<int>(0);
    CountingWaker w;
    {
        auto c = rx.changed();
        EXPECT_EQ(changed_once(c, w), std::nullopt);
    }  // dropped while waiting
    EXPECT_EQ(w.live(), 0) << "its waker was released";
    tx.send_replace(1);
    EXPECT_EQ(w.total_wakes(), 0);
    {
        auto c = rx.changed();
        EXPECT_EQ(changed_once(c, w), std::optional<bool>(true)) << "1 was not lost";
    }
    {
        auto c = rx.changed();
        EXPECT_EQ(changed_once(c, w), std::nullopt);
        tx.send_replace(2);
        EXPECT_EQ(w.total_wakes(), 1);
    }  // woken for 2 but dropped before its poll: 2 is still unseen
    EXPECT_TRUE(rx.has_changed());
    EXPECT_EQ(weft::block_on(rx.changed()), true);
    EXPECT_EQ(*rx.borrow(), 2);
}

TEST(Watch, OneValueLivesInTheChannelAndReplacedOnesAreDestroyed) {
    Counted::alive = 0;
    Counted::double_destroyed = 0;
    {
        auto [tx, rx] = watch::channel<Counted>(Counted(0));
        EXPECT_EQ(Counted::alive, 1);
        EXPECT_TRUE(tx.send(Counted(1)).ok());
        EXPECT_EQ(Counted::alive, 1) << "the old value was destroyed";
        {
            Counted old = tx.send_replace(Counted(2));
            EXPECT_EQ(old.v, 1);
            EXPECT_EQ(Counted::alive, 2);
        }
        EXPECT_EQ(Counted::alive, 1);
        tx.send_modify([](Counted& c) { c.v = 3; });
        EXPECT_EQ(Counted::alive, 1);
        auto rx2 = rx;
        { auto gone = std::move(rx); }
        EXPECT_EQ(rx2.borrow()->v, 3);
        { auto gone = std::move(tx); }
        EXPECT_EQ(Counted::alive, 1) << "the receiver keeps the value";
        EXPECT_EQ(rx2.borrow()->v, 3);
    }
    EXPECT_EQ(Counted::alive, 0);
    EXPECT_EQ(Counted::double_destroyed, 0);
}

TEST(Watch, AReceiverTaskFollowsTheValueOnALocalExecutor) {
    Watchdog dog;  // a lost wake-up (the close at the end) would hang ex.run
    auto [tx, rx] = watch::channel<int>(0);
    weft::LocalExecutor ex;
    auto h = ex.spawn([](watch::Receiver<int> rx) -> weft::Task<std::vector<int>> {
        std::vector<int> seen;
        while (co_await rx.changed())
            seen.push_back(*rx.borrow_and_update());
        co_return seen;
    }(rx));
    ex.spawn([](watch::Sender<int> tx) -> weft::Task<void> {
          for (int i = 1; i <= 5; ++i) {
              tx.send_replace(i);
              co_await weft::yield_now();
              co_await weft::yield_now();
          }
      }(std::move(tx)))
        .detach();
    std::vector<int> seen = ex.run([&]() -> weft::Task<std::vector<int>> { co_return co_await h; });
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back(), 5);
    for (std::size_t i = 1; i < seen.size(); ++i)
        EXPECT_LT(seen[i - 1], seen[i]);
}

// Lock step: the sender sets value i only once every receiver has seen i - 1, so each
// receiver waits in changed() for every value, and one lost wake-up (from a send or from the
// sender going at the end) hangs the test: the watchdog fails it.
TEST(Watch, StressLockStepAcrossWorkersLosesNoWakeUp) {
    Watchdog dog(std::chrono::seconds(60));
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    static constexpr int kReceivers = 3, kRounds = 3000;
    auto tx_rx = watch::channel<int>(0);
    auto& tx = tx_rx.first;
    auto& rx = tx_rx.second;
    std::atomic<int> acks{0};
    std::vector<weft::JoinHandle<int>> hs;
    for (int r = 0; r < kReceivers; ++r) {
        hs.push_back(
            rt.spawn([](watch::Receiver<int> rx, std::atomic<int>& acks) -> weft::Task<int> {
                int last = 0;
                while (co_await rx.changed()) {
                    int v = *rx.borrow_and_update();
                    EXPECT_EQ(v, last + 1) << "lock step: no value is skipped";
                    last = v;
                    acks++;
                }
                co_return last;
            }(rx, acks)));
    }
    { auto gone = std::move(rx); }
    rt.block_on([&]() -> weft::Task<void> {
        for (int i = 1; i <= kRounds; ++i) {
            while (acks.load() < (i - 1) * kReceivers)
                co_await weft::yield_now();
            EXPECT_TRUE(tx.send(i).ok());
        }
        auto gone = std::move(tx);
    });
    for (auto& h : hs)
        EXPECT_EQ(rt.block_on(std::move(h)), kRounds);
}

// Free running: a sender on a plain thread and send_modify from a task race to bump the
// value; receivers do not slow anyone down. Every receiver must see the value only grow and
// reach the final one, whichever values it skipped; the sender goes only once all have (so
// they are waiting in changed() then), and their loops must end: a lost wake-up for the last
// send or for the close hangs the test, and the watchdog fails it.
TEST(Watch, StressEveryReceiverEndsOnTheFinalValue) {
    Watchdog dog(std::chrono::seconds(60));
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    static constexpr int kReceivers = 4, kPerSender = 20000;
    auto [tx, rx] = watch::channel<long>(0);
    std::atomic<int> at_final{0};
    std::vector<weft::JoinHandle<long>> hs;
    for (int r = 0; r < kReceivers; ++r) {
        hs.push_back(
            rt.spawn([](watch::Receiver<long> rx, std::atomic<int>& at_final) -> weft::Task<long> {
                long last = 0;
                int n = 0;
                while (co_await rx.changed()) {
                    long v = *rx.borrow_and_update();
                    EXPECT_GT(v, last);
                    last = v;
                    if (v == 2L * kPerSender) at_final++;
                    if (++n % 64 == 0) co_await weft::yield_now();
                }
                co_return last;
            }(rx, at_final)));
    }
    { auto gone = std::move(rx); }
    // The sender is shared by a thread and a task (send_modify is const and thread-safe);
    // it goes when both are done.
    auto shared_tx = std::make_shared<watch::Sender<long>>(std::move(tx));
    std::thread outside([shared_tx] {
        for (int i = 0; i < kPerSender; ++i)
            shared_tx->send_modify([](long& v) { ++v; });
    });
    rt.block_on([&]() -> weft::Task<void> {
        for (int i = 0; i < kPerSender; ++i) {
            shared_tx->send_modify([](long& v) { ++v; });
            if (i % 256 == 0) co_await weft::yield_now();
        }
    });
    outside.join();
    EXPECT_EQ(*shared_tx->borrow(), 2L * kPerSender);
    while (at_final.load() < kReceivers)  // each must be woken for the last send
        std::this_thread::yield();
    shared_tx.reset();  // closes: each must be woken again, and its loop ends
    for (auto& h : hs)
        EXPECT_EQ(rt.block_on(std::move(h)), 2L * kPerSender);
}

// ---- issue 16: Receiver::wait_for (Tokio's) ----

namespace {
// The output of a wait_for future polled once: nullopt while pending, else whether it found a
// value (and that value, -1 for "the sender is gone").
template <class F>
std::optional<int> wait_for_once(F& f, CountingWaker& w) {
    auto p = poll_once(f, w);
    if (p.is_pending()) return std::nullopt;
    auto& r = p.value();
    return r ? **r : -1;
}
}  // namespace

TEST(Watch, WaitForChecksTheCurrentValueFirstEvenIfSeen) {
    auto [tx, rx] = watch::channel<int>(5);
    EXPECT_FALSE(rx.has_changed());  // 5 is seen already
    CountingWaker w;
    auto at_least_5 = [](const int& v) { return v >= 5; };
    auto f = rx.wait_for(at_least_5);
    auto p = poll_once(f, w);
    ASSERT_TRUE(p.is_ready());
    ASSERT_TRUE(p.value());
    EXPECT_EQ(**p.value(), 5);
    EXPECT_FALSE(p.value()->has_changed());
}

TEST(Watch, WaitForWaitsForAMatchingValueAndMarksEachValueSeen) {
    auto [tx, rx] = watch::channel<int>(0);
    CountingWaker w;
    std::vector<int> given;
    auto at_least_3 = [&given](const int& v) {
        given.push_back(v);
        return v >= 3;
    };
    {
        auto f = rx.wait_for(at_least_3);
        EXPECT_EQ(wait_for_once(f, w), std::nullopt);
        EXPECT_EQ(wait_for_once(f, w), std::nullopt);  // nothing new: pred not called again
        tx.send_replace(1);
        EXPECT_EQ(w.total_wakes(), 1);
        EXPECT_EQ(wait_for_once(f, w), std::nullopt);
        EXPECT_FALSE(rx.has_changed()) << "1 was given to pred: seen";
        tx.send_replace(2);
        tx.send_replace(4);  // 2 is replaced before the receiver looks: skipped
        auto p = poll_once(f, w);
        ASSERT_TRUE(p.is_ready());
        ASSERT_TRUE(p.value());
        EXPECT_EQ(**p.value(), 4);
        EXPECT_TRUE(p.value()->has_changed());
    }  // the Ref (read lock) goes here
    EXPECT_EQ(given, (std::vector<int>{0, 1, 4}));
    EXPECT_FALSE(rx.has_changed());
    tx.send_replace(0);  // the lock is free again: sends work
    EXPECT_TRUE(rx.has_changed());
}

TEST(Watch, WaitForGivesNulloptOnceTheSenderIsGoneAndPredFailedOnTheLastValue) {
    {
        auto [tx, rx] = watch::channel<int>(0);
        CountingWaker w;
        auto big = [](const int& v) { return v > 100; };
        auto f = rx.wait_for(big);
        EXPECT_EQ(wait_for_once(f, w), std::nullopt);
        tx.send_replace(7);
        { auto gone = std::move(tx); }
        EXPECT_GE(w.total_wakes(), 1);
        EXPECT_EQ(wait_for_once(f, w), std::optional<int>(-1));
        auto again = rx.wait_for(big);  // closed, and the value fails: at once
        EXPECT_EQ(wait_for_once(again, w), std::optional<int>(-1));
        auto any = [](const int&) { return true; };
        auto current = rx.wait_for(any);  // the last value still satisfies a new predicate
        EXPECT_EQ(wait_for_once(current, w), std::optional<int>(7));
    }
    {
        // A value sent just before the sender went is still given to pred.
        auto [tx, rx] = watch::channel<int>(0);
        CountingWaker w;
        auto odd = [](const int& v) { return v % 2 == 1; };
        auto f = rx.wait_for(odd);
        EXPECT_EQ(wait_for_once(f, w), std::nullopt);
        tx.send_replace(9);
        { auto gone = std::move(tx); }
        EXPECT_EQ(wait_for_once(f, w), std::optional<int>(9));
    }
}

TEST(Watch, ADroppedWaitForLosesNothing) {
    auto [tx, rx] = watch::channel<int>(0);
    CountingWaker w;
    auto three = [](const int& v) { return v == 3; };
    {
        auto f = rx.wait_for(three);
        EXPECT_EQ(wait_for_once(f, w), std::nullopt);
        tx.send_replace(3);
        EXPECT_EQ(w.total_wakes(), 1);
    }  // woken but dropped before its poll: 3 stays unseen
    EXPECT_EQ(w.live(), 0) << "its waker was released";
    EXPECT_TRUE(rx.has_changed());
    EXPECT_EQ(weft::block_on(rx.changed()), true);
    EXPECT_EQ(*rx.borrow(), 3);
}

TEST(Watch, AnExceptionFromTheWaitForPredicatePropagates) {
    auto [tx, rx] = watch::channel<int>(0);
    CountingWaker w;
    auto throws_on_2 = [](const int& v) {
        if (v == 2) throw std::runtime_error("pred");
        return v == 5;
    };
    auto f = rx.wait_for(throws_on_2);
    EXPECT_EQ(wait_for_once(f, w), std::nullopt);
    tx.send_replace(2);
    EXPECT_THROW(wait_for_once(f, w), std::runtime_error);
    EXPECT_FALSE(rx.has_changed()) << "the value pred threw on was given to it: seen";
    tx.send_replace(5);  // the read lock was released by the throw: sends work
    auto g = rx.wait_for(throws_on_2);
    EXPECT_EQ(wait_for_once(g, w), std::optional<int>(5));
}

// Receivers on 2 workers wait for ever higher thresholds while a plain thread counts up; each
// must get a value at or above its threshold, and the last wait (past the final value) must
// end with nullopt when the sender goes. A lost wake-up hangs: the watchdog fails it.
TEST(Watch, StressWaitForAcrossWorkersLosesNoWakeUp) {
    Watchdog dog(std::chrono::seconds(60));
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    static constexpr int kReceivers = 3, kFinal = 3000;
    auto [tx, rx] = watch::channel<int>(0);
    std::vector<weft::JoinHandle<int>> hs;
    for (int r = 0; r < kReceivers; ++r) {
        hs.push_back(rt.spawn([](watch::Receiver<int> rx, int step) -> weft::Task<int> {
            int target = 0, found = 0;
            for (;;) {
                target += step;
                auto reached = [target](const int& v) { return v >= target; };
                std::optional<watch::Ref<int>> r = co_await rx.wait_for(reached);
                if (!r) break;  // the sender is gone, below the target
                int v = **r;
                r.reset();  // the read lock goes before the next co_await
                EXPECT_GE(v, target);
                ++found;
            }
            EXPECT_GT(target, kFinal);
            co_return found;
        }(rx, 7 + r * 13)));
    }
    { auto gone = std::move(rx); }
    std::thread sender([tx = std::move(tx)]() mutable {
        for (int i = 1; i <= kFinal; ++i) {
            tx.send_replace(i);
            if (i % 64 == 0) std::this_thread::yield();
        }
    });  // the sender goes with the thread's closure
    sender.join();
    for (auto& h : hs)
        EXPECT_GT(rt.block_on(std::move(h)), 0);
}
