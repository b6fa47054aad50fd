// weft::sync::broadcast: Tokio's semantics polled by hand (every receiver sees every value,
// lag arithmetic, capacity rounding, close, subscribe/resubscribe, len, cancel safety, value
// lifetimes), then under a 2-worker runtime: receivers in lock step with a sender (a lost
// wake-up hangs them: the watchdog fails it) and a free-running sender that overtakes its
// receivers, whose lags must add up exactly.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/drop_hook_waker.hpp"
#include "support/test_support.hpp"
#include "weft/sync/broadcast.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
namespace broadcast = weft::sync::broadcast;

namespace {

// The value of a receive that must have one.
template <class T>
std::optional<T> val(broadcast::RecvResult<T> r) {
    if (!r.ok()) return std::nullopt;
    return std::move(r).value();
}

using Counted = LiveCounted;

}  // namespace

TEST(Broadcast, EveryReceiverSeesEveryValueInOrder) {
    auto [tx, rx1] = broadcast::channel<std::string>(16);
    auto rx2 = tx.subscribe();
    EXPECT_EQ(tx.receiver_count(), 2u);
    for (int i = 0; i < 5; ++i) {
        auto r = tx.send(std::to_string(i));
        EXPECT_TRUE(r.ok());
        EXPECT_EQ(r.receiver_count(), 2u);
    }
    for (auto* rx : {&rx1, &rx2}) {
        for (int i = 0; i < 5; ++i)
            EXPECT_EQ(val(rx->try_recv()), std::to_string(i));
        EXPECT_TRUE(rx->try_recv().is_empty());
    }
}

TEST(Broadcast, SendWithoutReceiversFailsAndHandsTheValueBack) {
    auto [tx, rx] = broadcast::channel<std::string>(4);
    { auto gone = std::move(rx); }
    EXPECT_EQ(tx.receiver_count(), 0u);
    auto r = tx.send("kept");
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(r.is_closed());
    EXPECT_EQ(r.receiver_count(), 0u);
    EXPECT_EQ(std::move(r).into_value(), "kept");
    // A new subscriber makes sends succeed again, and sees only what comes after it.
    auto rx2 = tx.subscribe();
    EXPECT_TRUE(rx2.try_recv().is_empty());
    EXPECT_EQ(tx.send("x").receiver_count(), 1u);
    EXPECT_EQ(val(rx2.try_recv()), "x");
}

TEST(Broadcast, SubscribersAndResubscribersStartAtTheNewestPosition) {
    auto [tx, rx] = broadcast::channel<int>(8);
    (void)tx.send(1);
    auto late = tx.subscribe();
    auto again = rx.resubscribe();  // not at rx's cursor (1 is unread there) but at the tail
    (void)tx.send(2);
    EXPECT_EQ(val(rx.try_recv()), 1);
    EXPECT_EQ(val(rx.try_recv()), 2);
    EXPECT_EQ(val(late.try_recv()), 2);
    EXPECT_EQ(val(again.try_recv()), 2);
    EXPECT_TRUE(late.try_recv().is_empty());
    EXPECT_TRUE(again.try_recv().is_empty());
}

// Tokio's own example: capacity 2, send 1..5; the receiver lost 1, 2, 3 and goes on with 4.
TEST(Broadcast, ASlowReceiverLagsByExactlyWhatWasOverwritten) {
    auto [tx, rx] = broadcast::channel<int>(2);
    auto rx2 = tx.subscribe();
    for (int i = 1; i <= 5; ++i)
        EXPECT_TRUE(tx.send(i).ok());
    EXPECT_EQ(rx.len(), 5u) << "sent but unread, more than the capacity";
    auto r = rx.try_recv();
    EXPECT_TRUE(r.is_lagged());
    EXPECT_EQ(r.lagged_by(), 3u);
    EXPECT_EQ(rx.len(), 2u);
    EXPECT_EQ(val(rx.try_recv()), 4);
    EXPECT_EQ(val(rx.try_recv()), 5);
    EXPECT_TRUE(rx.try_recv().is_empty());
    // The same through the recv future.
    weft::block_on([&rx2]() -> weft::Task<void> {
        auto a = co_await rx2.recv();
        EXPECT_TRUE(a.is_lagged());
        EXPECT_EQ(a.lagged_by(), 3u);
        auto b = co_await rx2.recv();
        EXPECT_TRUE(b.ok() && *b == 4);
        auto c = co_await rx2.recv();
        EXPECT_TRUE(c.ok() && *c == 5);
    }());
    // A receiver that lags again later counts only the new loss.
    for (int i = 6; i <= 10; ++i)
        (void)tx.send(i);
    auto again = rx.try_recv();
    EXPECT_TRUE(again.is_lagged());
    EXPECT_EQ(again.lagged_by(), 3u);  // 6, 7, 8
    EXPECT_EQ(val(rx.try_recv()), 9);
}

TEST(Broadcast, CapacityIsRoundedUpToAPowerOfTwo) {
    {
        auto [tx, rx] = broadcast::channel<int>(3);  // keeps 4
        for (int i = 1; i <= 5; ++i)
            (void)tx.send(i);
        auto r = rx.try_recv();
        EXPECT_TRUE(r.is_lagged());
        EXPECT_EQ(r.lagged_by(), 1u);
        for (int i = 2; i <= 5; ++i)
            EXPECT_EQ(val(rx.try_recv()), i);
    }
    {
        auto [tx, rx] = broadcast::channel<int>(4);  // already one: keeps 4
        for (int i = 1; i <= 4; ++i)
            (void)tx.send(i);
        EXPECT_EQ(val(rx.try_recv()), 1) << "4 values fit a capacity of 4";
    }
    {
        auto [tx, rx] = broadcast::channel<int>(0);  // taken as 1
        (void)tx.send(1);
        (void)tx.send(2);
        auto r = rx.try_recv();
        EXPECT_TRUE(r.is_lagged());
        EXPECT_EQ(r.lagged_by(), 1u);
        EXPECT_EQ(val(rx.try_recv()), 2);
    }
}

TEST(Broadcast, TheStreamClosesWithTheLastSenderAfterTheValuesLeft) {
    auto [tx, rx] = broadcast::channel<int>(4);
    CountingWaker w;
    auto other = rx.resubscribe();
    auto pending = other.recv();
    EXPECT_TRUE(poll_once(pending, w).is_pending());
    {
        auto tx2 = tx;
        (void)tx2.send(1);
        EXPECT_EQ(w.total_wakes(), 1);
        EXPECT_EQ(val(std::move(poll_once(pending, w)).value()), 1);
    }
    EXPECT_FALSE(rx.is_closed()) << "one sender is left";
    (void)tx.send(2);
    auto waiting = other.recv();
    EXPECT_EQ(val(std::move(poll_once(waiting, w)).value()), 2);
    auto last = other.recv();
    EXPECT_TRUE(poll_once(last, w).is_pending());
    { auto gone = std::move(tx); }
    EXPECT_EQ(w.total_wakes(), 2) << "dropping the last sender wakes waiting receivers";
    EXPECT_TRUE(std::move(poll_once(last, w)).value().is_closed());
    EXPECT_TRUE(rx.is_closed());
    EXPECT_EQ(val(rx.try_recv()), 1) << "values sent before the close are still received";
    EXPECT_EQ(val(rx.try_recv()), 2);
    EXPECT_TRUE(rx.try_recv().is_closed());
    EXPECT_TRUE(weft::block_on(rx.recv()).is_closed());
}

TEST(Broadcast, ASendWakesOnlyAfterItsValueIsThereAndWakesEveryWaiter) {
    auto [tx, rx] = broadcast::channel<int>(4);
    // More waiters than a send wakes per critical section (32): all of them must be woken.
    static constexpr int kReceivers = 100;
    std::vector<broadcast::Receiver<int>> rxs;
    rxs.reserve(kReceivers);  // the futures borrow the receivers: no reallocation
    for (int i = 0; i < kReceivers; ++i)
        rxs.push_back(tx.subscribe());
    std::vector<CountingWaker> ws(kReceivers);
    std::vector<broadcast::Receiver<int>::RecvFuture> fs;
    fs.reserve(kReceivers);  // polled futures must not move
    for (int i = 0; i < kReceivers; ++i) {
        fs.push_back(rxs[i].recv());
        EXPECT_TRUE(poll_once(fs[i], ws[i]).is_pending());
        EXPECT_TRUE(poll_once(fs[i], ws[i]).is_pending()) << "polling again stays queued once";
    }
    EXPECT_EQ(tx.send(7).receiver_count(), kReceivers + 1u);
    for (int i = 0; i < kReceivers; ++i) {
        EXPECT_EQ(ws[i].total_wakes(), 1) << i;
        EXPECT_EQ(val(std::move(poll_once(fs[i], ws[i])).value()), 7);
    }
    EXPECT_EQ(val(rx.try_recv()), 7);
}

TEST(Broadcast, ADroppedRecvLosesNothing) {
    auto [tx, rx] = broadcast::channel<int>(4);
    CountingWaker w;
    {
        auto r = rx.recv();
        EXPECT_TRUE(poll_once(r, w).is_pending());
    }  // dropped while waiting
    EXPECT_EQ(w.live(), 0) << "its waker was released";
    (void)tx.send(1);
    EXPECT_EQ(w.total_wakes(), 0) << "the dropped recv left the waiter list";
    {
        auto r = rx.recv();
        EXPECT_TRUE(poll_once(r, w).is_ready());  // 1: nothing was lost ...
    }
    {
        auto r = rx.recv();
        EXPECT_TRUE(poll_once(r, w).is_pending());
        (void)tx.send(2);
        EXPECT_EQ(w.total_wakes(), 1);
    }  // ... and a recv woken for 2 but dropped before its poll does not take 2
    EXPECT_EQ(val(weft::block_on(rx.recv())), 2);
}

TEST(Broadcast, LenCountsWhatSomeReceiverHasNotRead) {
    auto [tx, rx1] = broadcast::channel<int>(4);
    auto rx2 = tx.subscribe();
    EXPECT_TRUE(tx.is_empty());
    (void)tx.send(1);
    (void)tx.send(2);
    EXPECT_EQ(tx.len(), 2u);
    EXPECT_EQ(val(rx1.try_recv()), 1);
    EXPECT_EQ(tx.len(), 2u) << "rx2 has not read 1";
    EXPECT_EQ(val(rx2.try_recv()), 1);
    EXPECT_EQ(tx.len(), 1u);
    EXPECT_EQ(rx1.len(), 1u);
    for (int i = 3; i <= 9; ++i)
        (void)tx.send(i);
    EXPECT_EQ(tx.len(), 4u) << "at most the capacity";
    { auto gone = std::move(rx2); }
    EXPECT_EQ(tx.len(), 4u) << "rx1 still has all 4 to read";
    while (rx1.try_recv().ok() || rx1.len() > 0) {
    }
    EXPECT_TRUE(tx.is_empty());
    EXPECT_TRUE(rx1.is_empty());
}

TEST(Broadcast, AValueIsDestroyedOnceEveryReceiverHasItAndNeverTwice) {
    Counted::alive = 0;
    Counted::double_destroyed = 0;
    {
        auto [tx, rx1] = broadcast::channel<Counted>(4);
        auto rx2 = tx.subscribe();
        EXPECT_TRUE(tx.send(Counted(1)).ok());
        EXPECT_TRUE(tx.send(Counted(2)).ok());
        EXPECT_EQ(Counted::alive, 2) << "one copy of each value in the channel";
        {
            auto a = rx1.try_recv();
            EXPECT_EQ(Counted::alive, 3) << "rx1's copy";
        }
        EXPECT_EQ(Counted::alive, 2) << "rx2 has not read 1: it stays";
        { auto b = rx2.try_recv(); }
        EXPECT_EQ(Counted::alive, 1) << "read by both: 1 is gone, 2 is left";
        // A receiver dropped without reading gives up its claim.
        { auto c = rx1.try_recv(); }
        EXPECT_EQ(Counted::alive, 1);
        { auto gone = std::move(rx2); }
        EXPECT_EQ(Counted::alive, 0) << "nobody is left to read 2";
        // Overwritten values are destroyed by the send that overwrites them.
        for (int i = 0; i < 10; ++i)
            EXPECT_TRUE(tx.send(Counted(i)).ok());
        EXPECT_EQ(Counted::alive, 4) << "the last 4, unread by rx1";
        auto r = rx1.try_recv();
        EXPECT_TRUE(r.is_lagged());
        EXPECT_EQ(r.lagged_by(), 6u);
        // A failed send hands its value back alive.
        { auto gone = std::move(rx1); }
        EXPECT_EQ(Counted::alive, 0);
        auto f = tx.send(Counted(99));
        EXPECT_FALSE(f.ok());
        EXPECT_EQ(Counted::alive, 1);
        EXPECT_EQ(std::move(f).into_value().v, 99);
    }
    EXPECT_EQ(Counted::alive, 0);
    EXPECT_EQ(Counted::double_destroyed, 0);
    // Values still unread when the whole channel goes are destroyed with it.
    {
        auto [tx, rx] = broadcast::channel<Counted>(2);
        (void)tx.send(Counted(1));
        auto rx2 = rx.resubscribe();
        (void)tx.send(Counted(2));
    }
    EXPECT_EQ(Counted::alive, 0);
    EXPECT_EQ(Counted::double_destroyed, 0);
}

TEST(Broadcast, TasksOnALocalExecutor) {
    Watchdog dog;  // a lost wake-up would hang ex.run
    auto [tx, rx] = broadcast::channel<int>(64);
    weft::LocalExecutor ex;
    std::vector<weft::JoinHandle<int>> sums;
    for (int r = 0; r < 3; ++r) {
        sums.push_back(ex.spawn([](broadcast::Receiver<int> rx) -> weft::Task<int> {
            int sum = 0;
            for (;;) {
                auto v = co_await rx.recv();
                if (v.is_closed()) break;
                EXPECT_TRUE(v.ok());
                if (v.ok()) sum += *v;
            }
            co_return sum;
        }(r == 0 ? std::move(rx) : tx.subscribe())));
    }
    ex.spawn([](broadcast::Sender<int> tx) -> weft::Task<void> {
          for (int i = 1; i <= 10; ++i) {
              EXPECT_EQ(tx.send(i).receiver_count(), 3u);
              co_await weft::yield_now();
          }
      }(std::move(tx)))
        .detach();
    int total = ex.run([&]() -> weft::Task<int> {
        int t = 0;
        for (auto& s : sums)
            t += co_await s;
        co_return t;
    });
    EXPECT_EQ(total, 3 * 55);
}

// Lock step: the sender sends a value only once every receiver has acknowledged the previous
// one, so each receiver waits for every value, and a single lost wake-up (from a send, or
// from the close at the end) hangs the test; the watchdog turns that into a failure. A sender
// on a plain thread outside the runtime takes turns with one inside it.
TEST(Broadcast, StressLockStepAcrossWorkersLosesNoWakeUp) {
    Watchdog dog(std::chrono::seconds(60));
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    static constexpr int kReceivers = 3, kRounds = 3000;
    auto tx_rx = broadcast::channel<int>(2);
    auto& tx = tx_rx.first;
    auto& rx = tx_rx.second;
    std::atomic<int> acks{0};
    std::vector<broadcast::Receiver<int>> rxs;
    for (int r = 0; r < kReceivers; ++r)
        rxs.push_back(r == 0 ? std::move(rx) : tx.subscribe());
    std::vector<weft::JoinHandle<int>> hs;
    for (auto& r : rxs) {
        hs.push_back(
            rt.spawn([](broadcast::Receiver<int> rx, std::atomic<int>& acks) -> weft::Task<int> {
                int expect = 0;
                for (;;) {
                    auto v = co_await rx.recv();
                    if (v.is_closed()) break;
                    EXPECT_TRUE(v.ok()) << "lagged in lock step";
                    if (!v.ok()) continue;
                    EXPECT_EQ(*v, expect);
                    expect = *v + 1;
                    acks++;
                }
                co_return expect;
            }(std::move(r), acks)));
    }
    auto wait_acks = [&acks](int n) {
        while (acks.load() < n)
            std::this_thread::yield();
    };
    std::thread outside([&, tx2 = tx] {
        for (int i = 1; i < kRounds; i += 2) {  // the odd values
            wait_acks(i * kReceivers);
            EXPECT_TRUE(tx2.send(i).ok());
        }
    });
    rt.block_on([&]() -> weft::Task<void> {
        for (int i = 0; i < kRounds; i += 2) {  // the even values
            while (acks.load() < i * kReceivers)
                co_await weft::yield_now();
            EXPECT_TRUE(tx.send(i).ok());
        }
        auto gone = std::move(tx);
    });
    outside.join();
    for (auto& h : hs)
        EXPECT_EQ(rt.block_on(std::move(h)), kRounds);
    EXPECT_EQ(acks.load(), kRounds * kReceivers);
}

// Free running: two senders (a task and a thread) outrun four receivers on a channel of 8.
// Each receiver must see each sender's values in order, and what it received plus what it
// was told it lost must be exactly what was sent.
TEST(Broadcast, StressLagsAreAccountedForExactly) {
    Watchdog dog(std::chrono::seconds(60));
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    static constexpr int kReceivers = 4, kPerSender = 20000;
    auto tx_rx = broadcast::channel<std::pair<int, int>>(8);
    auto& tx = tx_rx.first;
    auto& rx = tx_rx.second;
    std::vector<broadcast::Receiver<std::pair<int, int>>> rxs;
    for (int r = 0; r < kReceivers; ++r)
        rxs.push_back(r == 0 ? std::move(rx) : tx.subscribe());
    struct Tally {
        std::uint64_t received = 0, lost = 0;
    };
    std::vector<weft::JoinHandle<Tally>> hs;
    for (auto& r : rxs) {
        hs.push_back(rt.spawn([](broadcast::Receiver<std::pair<int, int>> rx) -> weft::Task<Tally> {
            Tally t;
            int last[2] = {-1, -1};
            for (;;) {
                auto v = co_await rx.recv();
                if (v.is_closed()) break;
                if (v.is_lagged()) {
                    EXPECT_GT(v.lagged_by(), 0u);
                    t.lost += v.lagged_by();
                    continue;
                }
                EXPECT_GT(v->second, last[v->first]) << "out of order";
                last[v->first] = v->second;
                ++t.received;
                if (t.received % 64 == 0) co_await weft::yield_now();  // fall behind now and then
            }
            co_return t;
        }(std::move(r))));
    }
    std::thread outside([tx2 = tx] {
        for (int i = 0; i < kPerSender; ++i) {
            EXPECT_TRUE(tx2.send({1, i}).ok());
            if (i % 16 == 0) std::this_thread::yield();  // let the receivers keep up at times
        }
    });
    rt.block_on([&]() -> weft::Task<void> {
        for (int i = 0; i < kPerSender; ++i) {
            EXPECT_TRUE(tx.send({0, i}).ok());
            if (i % 256 == 0) co_await weft::yield_now();
        }
        auto gone = std::move(tx);
    });
    outside.join();
    std::uint64_t lost = 0;
    for (auto& h : hs) {
        Tally t = rt.block_on(std::move(h));
        EXPECT_EQ(t.received + t.lost, 2u * kPerSender);
        lost += t.lost;
    }
    // (Not asserted: whether anything was lost depends on the scheduling.)
    std::printf("values lost to lag over %d receivers: %llu of %d\n", kReceivers,
                static_cast<unsigned long long>(lost), 2 * kPerSender * kReceivers);
}

// Issue 16: a receive polled again with another waker replaces the one it stored; dropping the
// old one under the channel's spin lock deadlocked when that drop sends on the same channel.
TEST(Broadcast, AReplacedWakerIsDroppedOutsideTheChannelsLock) {
    Watchdog dog(std::chrono::seconds(10));
    auto ch_tx =
        broadcast::channel<int>(4);  // (not a structured binding: clang 14 cannot capture one)
    auto& tx = ch_tx.first;
    auto& rx = ch_tx.second;
    DropHookWaker a([&] { EXPECT_TRUE(tx.send(7).ok()); });
    auto f = rx.recv();
    EXPECT_TRUE(poll_once(f, a).is_pending());
    CountingWaker b;
    EXPECT_FALSE(poll_output(f, b).has_value());  // drops a's waker, which sends 7
    EXPECT_TRUE(a.hook_ran);
    auto r = poll_output(f, b);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(val(std::move(*r)), 7);
}

namespace {
// A value whose copy throws when `bad` is set (its move does not: broadcast requires that).
struct Fragile {
    int v = 0;
    bool bad = false;
    Fragile(int value, bool b) : v(value), bad(b) {}
    Fragile(const Fragile& o) : v(o.v), bad(o.bad) {
        if (bad) throw std::runtime_error("copy failed");
    }
    Fragile(Fragile&&) noexcept = default;
    Fragile& operator=(const Fragile&) = default;
};
}  // namespace

// Issue 16: as Tokio's, a receiver moves past a value whose copy threw; the exception reaches
// that receive once, and the next receive gets the next value (before, the receiver stayed on
// it and threw on every receive, never making progress). Each receiver is done with it.
TEST(Broadcast, AReceiverMovesPastAValueWhoseCopyThrows) {
    auto [tx, rx] = broadcast::channel<Fragile>(4);
    auto rx2 = tx.subscribe();
    EXPECT_TRUE(tx.send(Fragile(1, false)).ok());
    EXPECT_TRUE(tx.send(Fragile(2, true)).ok());
    EXPECT_TRUE(tx.send(Fragile(3, false)).ok());
    for (auto* r : {&rx, &rx2}) {
        EXPECT_EQ(r->try_recv()->v, 1);
        EXPECT_THROW((void)r->try_recv(), std::runtime_error);
        auto third = r->try_recv();
        ASSERT_TRUE(third.ok());
        EXPECT_EQ(third->v, 3);
        EXPECT_TRUE(r->try_recv().is_empty());
    }
    EXPECT_EQ(tx.len(), 0u);  // every claim given up: the failed value is gone too
    // Through recv(): the exception reaches the awaiting poll, then the stream goes on.
    EXPECT_TRUE(tx.send(Fragile(4, true)).ok());
    EXPECT_TRUE(tx.send(Fragile(5, false)).ok());
    CountingWaker w;
    {
        auto f = rx.recv();
        EXPECT_THROW((void)poll_once(f, w), std::runtime_error);
    }
    auto f = rx.recv();
    auto r = poll_output(f, w);
    ASSERT_TRUE(r.has_value() && r->ok());
    EXPECT_EQ((*r)->v, 5);
}

// ---- Tokio's API (issue 16, item 6) ----

TEST(Broadcast, SenderClosedCompletesWhenTheLastReceiverGoes) {
    auto [tx, rx] = broadcast::channel<int>(4);
    auto rx2 = tx.subscribe();
    CountingWaker w;
    auto f = tx.closed();
    EXPECT_TRUE(poll_once(f, w).is_pending());
    EXPECT_FALSE(tx.is_closed());
    { auto gone = std::move(rx); }
    EXPECT_EQ(w.total_wakes(), 0);  // one receiver left
    EXPECT_TRUE(poll_once(f, w).is_pending());
    { auto gone = std::move(rx2); }
    EXPECT_EQ(w.total_wakes(), 1);
    EXPECT_TRUE(tx.is_closed());
    EXPECT_TRUE(poll_once(f, w).is_ready());
    auto g = tx.closed();
    EXPECT_TRUE(poll_once(g, w).is_ready());  // none now: at once
    auto rx3 = tx.subscribe();                // open again
    auto h = tx.closed();
    EXPECT_TRUE(poll_once(h, w).is_pending());
}

// Across workers: a publisher waiting in closed() is woken by the last receiver's drop on
// another thread (a lost wake-up fails the watchdog).
TEST(Broadcast, SenderClosedAcrossWorkersLosesNoWakeUp) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    rt.block_on([&]() -> weft::Task<void> {
        for (int i = 0; i < 1000; ++i) {
            auto [tx, rx] = broadcast::channel<int>(2);
            auto h = weft::spawn([rx = std::move(rx)]() mutable -> weft::Task<void> {
                auto gone = std::move(rx);
                co_return;
            });
            co_await tx.closed();
            EXPECT_TRUE(tx.is_closed());
            co_await h;
        }
    });
}
