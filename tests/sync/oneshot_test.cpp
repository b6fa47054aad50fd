#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

using namespace weft_test;
namespace oneshot = weft::sync::oneshot;

TEST(Oneshot, SendThenReceive) {
    auto [tx, rx] = oneshot::channel<std::unique_ptr<int>>();
    EXPECT_FALSE(tx.is_closed());
    EXPECT_TRUE(std::move(tx).send(std::make_unique<int>(7)).ok());
    EXPECT_EQ(*weft::block_on(rx), 7);
}

TEST(Oneshot, AWaitingReceiverIsWokenWithTheLatestWaker) {
    auto [tx, rx] = oneshot::channel<int>();
    CountingWaker a, b;
    {
        weft::Waker wa = a.make();
        weft::Context cx(wa);
        EXPECT_TRUE(rx.poll(cx).is_pending());
        EXPECT_TRUE(rx.poll(cx).is_pending());  // same waker: kept, not cloned again
    }
    EXPECT_EQ(a.clones, 2);  // make() + the one stored
    weft::Waker wb = b.make();
    weft::Context cx(wb);
    EXPECT_TRUE(rx.poll(cx).is_pending());  // replaced: a's clone dropped
    EXPECT_EQ(a.live(), 0);
    EXPECT_TRUE(std::move(tx).send(5).ok());
    EXPECT_EQ(a.total_wakes(), 0);
    EXPECT_EQ(b.total_wakes(), 1);
    auto p = rx.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(std::move(p).value(), 5);
}

TEST(Oneshot, DroppedSenderMakesTheReceiverThrowRecvError) {
    auto [tx, rx] = oneshot::channel<int>();
    CountingWaker w;
    weft::Waker wk = w.make();
    weft::Context cx(wk);
    EXPECT_TRUE(rx.poll(cx).is_pending());
    { auto gone = std::move(tx); }
    EXPECT_EQ(w.total_wakes(), 1);
    EXPECT_THROW((void)rx.poll(cx), weft::sync::RecvError);
}

TEST(Oneshot, DroppedOrClosedReceiverHandsTheValueBack) {
    {
        auto [tx, rx] = oneshot::channel<std::unique_ptr<int>>();
        { auto gone = std::move(rx); }
        EXPECT_TRUE(tx.is_closed());
        auto r = std::move(tx).send(std::make_unique<int>(3));
        ASSERT_FALSE(r.ok());
        EXPECT_TRUE(r.is_closed());
        EXPECT_EQ(*std::move(r).into_value(), 3);
    }
    {
        auto [tx, rx] = oneshot::channel<int>();
        rx.close();
        EXPECT_TRUE(std::move(tx).send(1).is_closed());
        EXPECT_THROW((void)rx.try_recv(), weft::sync::RecvError);
    }
    {  // close after the send: the value is still there
        auto [tx, rx] = oneshot::channel<int>();
        EXPECT_TRUE(std::move(tx).send(9).ok());
        rx.close();
        EXPECT_EQ(rx.try_recv(), 9);
    }
}

TEST(Oneshot, TryRecvAndValuesDestroyedExactlyOnce) {
    Lifetimes lt;
    {
        auto [tx, rx] = oneshot::channel<std::shared_ptr<Tracked>>();
        EXPECT_EQ(rx.try_recv(), std::nullopt);
        EXPECT_TRUE(std::move(tx).send(std::make_shared<Tracked>(lt)).ok());
        EXPECT_EQ(lt.alive(), 1);  // held by the channel, never received
    }
    EXPECT_EQ(lt.made, 1);
    EXPECT_EQ(lt.alive(), 0);
}

// Senders and receivers on different workers, racing: every value arrives, none is lost.
TEST(Oneshot, StressAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    constexpr int kChannels = 20000;
    long sum = rt.block_on([&]() -> weft::Task<long> {
        std::vector<weft::JoinHandle<int>> receivers;
        receivers.reserve(kChannels);
        for (int i = 0; i < kChannels; ++i) {
            auto [tx, rx] = oneshot::channel<int>();
            receivers.push_back(weft::spawn(
                [rx = std::move(rx)]() mutable -> weft::Task<int> { co_return co_await rx; }));
            weft::spawn([i, tx = std::move(tx)]() mutable -> weft::Task<void> {
                if (i % 2) co_await weft::yield_now();
                EXPECT_TRUE(std::move(tx).send(i).ok());
            }).detach();
        }
        long s = 0;
        for (auto& h : receivers)
            s += co_await h;
        co_return s;
    });
    EXPECT_EQ(sum, long{kChannels} * (kChannels - 1) / 2);
}

// A receiver dropped on one thread while the sender sends on another: the value is either
// delivered-and-dropped with the channel or handed back, never both, never leaked.
TEST(Oneshot, ReceiverDropRacingWithSend) {
    Watchdog dog;
    Lifetimes lt;
    int handed_back = 0;
    for (int i = 0; i < 2000; ++i) {
        auto [tx, rx] = oneshot::channel<std::unique_ptr<Tracked>>();
        std::thread t([rx = std::move(rx)]() mutable { auto gone = std::move(rx); });
        auto r = std::move(tx).send(std::make_unique<Tracked>(lt));
        if (!r.ok()) {
            ++handed_back;
            EXPECT_NE(std::move(r).into_value(), nullptr);
        }
        t.join();
    }
    EXPECT_EQ(lt.made, 2000);
    EXPECT_EQ(lt.alive(), 0);
    std::printf("handed back %d of 2000\n", handed_back);
}

// Issue 16: after `close()`, with the sender alive and nothing sent, the receiver completes
// with the closed error (Tokio: `RecvError`) and `try_recv` says closed, not empty; a value
// sent before the close is still received.
TEST(Oneshot, CloseWithTheSenderAliveCompletesTheReceiverWithTheClosedError) {
    {
        auto [tx, rx] = oneshot::channel<int>();
        CountingWaker w;
        EXPECT_FALSE(poll_output(rx, w).has_value());  // waiting
        rx.close();
        EXPECT_TRUE(tx.is_closed());
        EXPECT_THROW((void)poll_once(rx, w), weft::sync::RecvError);
        EXPECT_THROW((void)rx.try_recv(), weft::sync::RecvError);
        EXPECT_TRUE(std::move(tx).send(1).is_closed());
    }
    {  // through the executor: awaiting a closed receiver does not hang
        Watchdog dog(std::chrono::seconds(10));
        auto [tx, rx] = oneshot::channel<int>();
        rx.close();
        EXPECT_THROW((void)weft::block_on(rx), weft::sync::RecvError);
        EXPECT_TRUE(tx.is_closed());
    }
    {
        auto [tx, rx] = oneshot::channel<int>();
        EXPECT_EQ(rx.try_recv(), std::nullopt);  // open and empty
        EXPECT_TRUE(std::move(tx).send(4).ok());
        rx.close();
        EXPECT_EQ(rx.try_recv(), 4);
    }
}

// ---- Tokio's API (issue 16, item 6) ----

TEST(Oneshot, SenderClosedCompletesWhenTheReceiverClosesOrGoes) {
    {
        auto [tx, rx] = oneshot::channel<int>();
        CountingWaker w;
        auto f = tx.closed();
        EXPECT_TRUE(poll_once(f, w).is_pending());
        EXPECT_TRUE(poll_once(f, w).is_pending());  // same waker: kept
        EXPECT_EQ(w.live(), 1);
        EXPECT_FALSE(tx.is_closed());
        rx.close();
        EXPECT_EQ(w.total_wakes(), 1);
        EXPECT_EQ(w.live(), 0);
        EXPECT_TRUE(poll_once(f, w).is_ready());
        EXPECT_TRUE(tx.is_closed());
    }
    {  // receiver dropped; the sender's waker replaced before
        auto [tx, rx] = oneshot::channel<int>();
        CountingWaker a, b;
        auto f = tx.closed();
        EXPECT_TRUE(poll_once(f, a).is_pending());
        EXPECT_TRUE(poll_once(f, b).is_pending());
        EXPECT_EQ(a.live(), 0);  // replaced: released
        { auto gone = std::move(rx); }
        EXPECT_EQ(a.total_wakes(), 0);
        EXPECT_EQ(b.total_wakes(), 1);
        EXPECT_TRUE(poll_once(f, b).is_ready());
    }
    {  // a sender that polled closed() and then sends: its waker goes with it
        auto [tx, rx] = oneshot::channel<int>();
        CountingWaker w;
        {
            auto f = tx.closed();
            EXPECT_TRUE(poll_once(f, w).is_pending());
        }
        EXPECT_TRUE(std::move(tx).send(3).ok());
        EXPECT_EQ(w.live(), 0);
        EXPECT_EQ(rx.try_recv(), 3);
    }
    {  // dropped unsent, after polling closed()
        auto [tx, rx] = oneshot::channel<int>();
        CountingWaker w;
        {
            auto moved = std::move(tx);
            auto f = moved.closed();
            EXPECT_TRUE(poll_once(f, w).is_pending());
        }
        EXPECT_EQ(w.live(), 0);
        EXPECT_EQ(w.total_wakes(), 0);
    }
}

// The receiver closes on one thread while the sender waits in closed() on another: the
// sender is always woken (a lost wake-up fails the watchdog), and no waker leaks (ASan).
TEST(Oneshot, SenderClosedRacingWithTheReceiverLosesNoWakeUp) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    rt.block_on([&]() -> weft::Task<void> {
        for (int i = 0; i < 2000; ++i) {
            auto [tx, rx] = oneshot::channel<int>();
            auto h = weft::spawn([tx = std::move(tx)]() mutable -> weft::Task<bool> {
                co_await tx.closed();
                co_return tx.is_closed();
            });
            if (i % 2) co_await weft::yield_now();
            if (i % 3) {
                rx.close();
            } else {
                auto gone = std::move(rx);
            }
            EXPECT_TRUE(co_await h);
        }
    });
}

TEST(Oneshot, ReceiverIsTerminatedAndIsEmpty) {
    {
        auto [tx, rx] = oneshot::channel<int>();
        EXPECT_FALSE(rx.is_terminated());
        EXPECT_TRUE(rx.is_empty());  // nothing sent yet
        EXPECT_TRUE(std::move(tx).send(1).ok());
        EXPECT_FALSE(rx.is_empty());  // the next receive gets it
        EXPECT_FALSE(rx.is_terminated());
        CountingWaker w;
        auto v = poll_output(rx, w);
        ASSERT_TRUE(v.has_value());
        EXPECT_EQ(*v, 1);
        EXPECT_TRUE(rx.is_terminated());
        EXPECT_TRUE(rx.is_empty());  // taken
    }
    {  // the closed error terminates it too
        auto [tx, rx] = oneshot::channel<int>();
        { auto gone = std::move(tx); }
        EXPECT_TRUE(rx.is_empty());
        EXPECT_FALSE(rx.is_terminated());
        EXPECT_THROW((void)rx.try_recv(), weft::sync::RecvError);
        EXPECT_TRUE(rx.is_terminated());
    }
    {
        auto [tx, rx] = oneshot::channel<int>();
        EXPECT_EQ(rx.try_recv(), std::nullopt);
        EXPECT_FALSE(rx.is_terminated());  // empty is not the end
        EXPECT_TRUE(std::move(tx).send(2).ok());
        EXPECT_EQ(rx.try_recv(), 2);
        EXPECT_TRUE(rx.is_terminated());
    }
}

// A dropped receiver releases its registered waker at once, not when the sender goes.
TEST(Oneshot, DroppingTheReceiverReleasesItsWakerWhileTheSenderLives) {
    auto [tx, rx] = oneshot::channel<int>();
    CountingWaker w;
    {
        auto gone = std::move(rx);
        EXPECT_FALSE(poll_output(gone, w).has_value());
        EXPECT_EQ(w.live(), 1);
    }
    EXPECT_EQ(w.live(), 0);
    EXPECT_TRUE(tx.is_closed());
}
