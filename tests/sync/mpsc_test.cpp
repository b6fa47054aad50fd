#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

using namespace weft_test;
namespace mpsc = weft::sync::mpsc;

TEST(Mpsc, ValuesArriveInOrderAndTheStreamEndsWithTheLastSender) {
    auto [tx, rx] = mpsc::channel<int>(4);
    weft::LocalExecutor ex;
    auto tx2 = tx;
    ex.spawn([tx = std::move(tx)]() -> weft::Task<void> {
          for (int i = 0; i < 100; ++i)
              EXPECT_TRUE((co_await tx.send(i)).ok());
      }).detach();
    ex.spawn([tx2 = std::move(tx2)]() -> weft::Task<void> {
          EXPECT_TRUE((co_await tx2.send(-1)).ok());
      }).detach();
    std::vector<int> got = ex.run([&]() -> weft::Task<std::vector<int>> {
        std::vector<int> v;
        while (auto x = co_await rx.recv())
            v.push_back(*x);
        co_return v;
    });
    ASSERT_EQ(got.size(), 101u);
    int next = 0;
    for (int x : got) {
        if (x == -1) continue;
        EXPECT_EQ(x, next++);  // one producer's values keep their order
    }
}

TEST(Mpsc, TrySendReportsFullAndClosed) {
    auto [tx, rx] = mpsc::channel<int>(2);
    EXPECT_TRUE(tx.try_send(1).ok());
    EXPECT_TRUE(tx.try_send(2).ok());
    auto full = tx.try_send(3);
    EXPECT_TRUE(full.is_full());
    EXPECT_EQ(std::move(full).into_value(), 3);
    EXPECT_EQ(rx.try_recv(), 1);
    EXPECT_TRUE(tx.try_send(3).ok());
    rx.close();
    EXPECT_TRUE(tx.is_closed());
    EXPECT_TRUE(tx.try_send(4).is_closed());
    // Values buffered before the close are still received, then the end.
    EXPECT_EQ(weft::block_on(rx.recv()), 2);
    EXPECT_EQ(weft::block_on(rx.recv()), 3);
    EXPECT_EQ(weft::block_on(rx.recv()), std::nullopt);
}

TEST(Mpsc, WaitingSendersAreServedInOrder) {
    auto [tx, rx] = mpsc::channel<int>(1);
    EXPECT_TRUE(tx.try_send(0).ok());
    CountingWaker w1, w2, w3;
    auto s1 = tx.send(1);
    auto s2 = tx.send(2);
    EXPECT_TRUE(poll_once(s1, w1).is_pending());
    EXPECT_TRUE(poll_once(s2, w2).is_pending());
    // A new try_send cannot overtake the waiting senders.
    EXPECT_TRUE(tx.try_send(9).is_full());
    auto s3 = tx.send(3);
    EXPECT_TRUE(poll_once(s3, w3).is_pending());
    // Each receive hands the freed slot to the oldest waiting sender, and wakes only that one.
    EXPECT_EQ(rx.try_recv(), 0);
    EXPECT_EQ(w1.total_wakes(), 1);
    EXPECT_EQ(w2.total_wakes(), 0);
    EXPECT_TRUE(poll_once(s1, w1).is_ready());
    EXPECT_EQ(rx.try_recv(), 1);
    EXPECT_EQ(w2.total_wakes(), 1);
    EXPECT_EQ(w3.total_wakes(), 0);
    EXPECT_TRUE(poll_once(s2, w2).is_ready());
    EXPECT_EQ(rx.try_recv(), 2);
    EXPECT_EQ(w3.total_wakes(), 1);
    EXPECT_TRUE(poll_once(s3, w3).is_ready());
    EXPECT_EQ(rx.try_recv(), 3);
}

TEST(Mpsc, ADroppedSendSendsNothingAndPassesItsSlotOn) {
    auto [tx, rx] = mpsc::channel<std::unique_ptr<int>>(1);
    EXPECT_TRUE(tx.try_send(std::make_unique<int>(0)).ok());
    CountingWaker w1, w2;
    auto s2 = tx.send(std::make_unique<int>(2));
    {
        auto s1 = tx.send(std::make_unique<int>(1));
        EXPECT_TRUE(poll_once(s1, w1).is_pending());
        EXPECT_TRUE(poll_once(s2, w2).is_pending());
        EXPECT_EQ(*rx.try_recv().value(), 0);  // the slot goes to s1 ...
        EXPECT_EQ(w1.total_wakes(), 1);
    }  // ... which is dropped before it runs: the slot must reach s2
    EXPECT_EQ(w2.total_wakes(), 1);
    EXPECT_TRUE(poll_once(s2, w2).is_ready());
    EXPECT_EQ(*rx.try_recv().value(), 2);  // 1 was never sent
    EXPECT_EQ(rx.try_recv(), std::nullopt);
}

TEST(Mpsc, ADroppedRecvLosesNothing) {
    auto [tx, rx] = mpsc::channel<int>(1);
    CountingWaker w;
    {
        auto r = rx.recv();
        EXPECT_TRUE(poll_once(r, w).is_pending());
    }
    EXPECT_TRUE(tx.try_send(5).ok());
    EXPECT_EQ(weft::block_on(rx.recv()), 5);
}

TEST(Mpsc, ADroppedReceiverFailsSendsAndDestroysBufferedValues) {
    Lifetimes lt;
    auto [tx, rx] = mpsc::channel<std::unique_ptr<Tracked>>(1);
    EXPECT_TRUE(tx.try_send(std::make_unique<Tracked>(lt)).ok());
    CountingWaker w;
    auto s = tx.send(std::make_unique<Tracked>(lt));
    EXPECT_TRUE(poll_once(s, w).is_pending());
    { auto gone = std::move(rx); }
    EXPECT_EQ(lt.alive(), 1);  // the buffered one is destroyed; the one in `s` is not
    EXPECT_EQ(w.total_wakes(), 1);
    auto p = poll_once(s, w);
    ASSERT_TRUE(p.is_ready());
    auto r = std::move(p).value();
    EXPECT_TRUE(r.is_closed());
    EXPECT_NE(std::move(r).into_value(), nullptr);  // handed back
    EXPECT_EQ(lt.alive(), 0);
}

TEST(Mpsc, ReservedPermitsSendOrGiveTheSlotBack) {
    auto [tx, rx] = mpsc::channel<int>(1);
    weft::block_on([&]() -> weft::Task<void> {
        {
            auto permit = co_await tx.reserve();
            EXPECT_TRUE(permit.has_value());
            EXPECT_TRUE(tx.try_send(1).is_full());  // the slot is reserved
        }                                           // dropped unused: the slot is free again
        EXPECT_TRUE(tx.try_send(1).ok());
        EXPECT_EQ(rx.try_recv(), 1);
        auto permit = co_await tx.reserve();
        std::move(*permit).send(2);
        EXPECT_EQ(co_await rx.recv(), 2);
        rx.close();
        EXPECT_FALSE((co_await tx.reserve()).has_value());
    }());
}

TEST(Mpsc, UnboundedNeverWaits) {
    auto [tx, rx] = mpsc::unbounded_channel<std::string>();
    for (int i = 0; i < 1000; ++i)
        EXPECT_TRUE(tx.send(std::to_string(i)).ok());
    for (int i = 0; i < 1000; ++i)
        EXPECT_EQ(rx.try_recv(), std::to_string(i));
    { auto gone = std::move(tx); }
    EXPECT_EQ(weft::block_on(rx.recv()), std::nullopt);
}

// Producers on two workers and threads outside the runtime, a small buffer, racing: every
// message arrives exactly once and each producer's messages keep their order.
TEST(Mpsc, StressManyProducersAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    static constexpr int kProducers = 4, kPerProducer = 50000;
    auto [tx, rx] = mpsc::channel<std::pair<int, int>>(16);
    for (int p = 0; p < kProducers; ++p) {
        rt.spawn([p, tx]() -> weft::Task<void> {
              for (int i = 0; i < kPerProducer; ++i)
                  EXPECT_TRUE((co_await tx.send(std::make_pair(p, i))).ok());
          }).detach();
    }
    std::thread outside([tx = std::move(tx)] {
        for (int i = 0; i < kPerProducer; ++i)
            EXPECT_TRUE(weft::block_on(tx.send({kProducers, i})).ok());
    });
    auto next = rt.block_on([&]() -> weft::Task<std::vector<int>> {
        std::vector<int> n(kProducers + 1, 0);
        while (auto m = co_await rx.recv()) {
            EXPECT_EQ(m->second, n[m->first]);
            ++n[m->first];
        }
        co_return n;
    });
    outside.join();
    for (int n : next)
        EXPECT_EQ(n, kPerProducer);
}

TEST(Mpsc, RecvManyTakesUpToTheLimitAndFreesASlotForEachWaitingSender) {
    auto [tx, rx] = mpsc::channel<int>(3);
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(tx.try_send(i).ok());
    CountingWaker w1, w2;
    auto s1 = tx.send(3), s2 = tx.send(4);
    EXPECT_TRUE(poll_once(s1, w1).is_pending());
    EXPECT_TRUE(poll_once(s2, w2).is_pending());
    std::vector<int> out{-1};
    EXPECT_EQ(weft::block_on(rx.recv_many(out, 2)), 2u);
    EXPECT_EQ(out, (std::vector<int>{-1, 0, 1})) << "appended, in order, at most the limit";
    EXPECT_EQ(w1.total_wakes(), 1) << "each value taken frees one slot for a waiting sender";
    EXPECT_EQ(w2.total_wakes(), 1);
    EXPECT_TRUE(poll_once(s1, w1).is_ready());
    EXPECT_TRUE(poll_once(s2, w2).is_ready());
    out.clear();
    EXPECT_EQ(weft::block_on(rx.recv_many(out, 100)), 3u);
    EXPECT_EQ(out, (std::vector<int>{2, 3, 4}));
    EXPECT_EQ(weft::block_on(rx.recv_many(out, 0)), 0u) << "limit 0 returns at once";
    {
        auto pending = rx.recv_many(out, 8);
        CountingWaker wr;
        EXPECT_TRUE(poll_once(pending, wr).is_pending()) << "waits for at least one value";
        EXPECT_TRUE(tx.try_send(9).ok());
        EXPECT_EQ(wr.total_wakes(), 1);
    }  // dropped after the wake, before taking anything: 9 stays in the channel
    out.clear();
    { auto drop_tx = std::move(tx); }
    EXPECT_EQ(weft::block_on(rx.recv_many(out, 8)), 1u);
    EXPECT_EQ(out, (std::vector<int>{9}));
    EXPECT_EQ(weft::block_on(rx.recv_many(out, 8)), 0u) << "0 once every sender is gone";
}

// recv_many as the consumer of 4 producers on 2 workers with a small buffer: every message
// arrives once, in each producer's order, no sender waits forever for the slots a batch frees
// (a lost wake-up trips the watchdog), and afterwards every slot is free again.
TEST(Mpsc, RecvManyStressAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    static constexpr int kProducers = 4, kPerProducer = 50000, kCap = 8;
    auto [tx, rx] = mpsc::channel<std::pair<int, int>>(kCap);
    for (int p = 0; p < kProducers; ++p) {
        rt.spawn([p, tx]() -> weft::Task<void> {
              for (int i = 0; i < kPerProducer; ++i)
                  EXPECT_TRUE((co_await tx.send(std::make_pair(p, i))).ok());
          }).detach();
    }
    auto next = rt.block_on([&]() -> weft::Task<std::vector<int>> {
        std::vector<int> n(kProducers, 0);
        std::vector<std::pair<int, int>> batch;
        for (int got = 0; got < kProducers * kPerProducer;) {
            std::size_t k = co_await rx.recv_many(batch, 5);
            EXPECT_TRUE(k >= 1 && k <= 5 && k == batch.size());
            for (auto [p, i] : batch) {
                EXPECT_EQ(i, n[static_cast<std::size_t>(p)]);
                ++n[static_cast<std::size_t>(p)];
            }
            got += static_cast<int>(k);
            batch.clear();
        }
        co_return n;
    });
    for (int n : next)
        EXPECT_EQ(n, kPerProducer);
    for (int i = 0; i < kCap; ++i)
        EXPECT_TRUE(tx.try_send({0, 0}).ok()) << "a batch did not give back every slot it freed";
    EXPECT_TRUE(tx.try_send({0, 0}).is_full());
}
