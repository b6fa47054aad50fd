#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "support/drop_hook_waker.hpp"
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
                  EXPECT_TRUE((co_await tx.send({p, i})).ok());
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
                  EXPECT_TRUE((co_await tx.send({p, i})).ok());
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

// Issue 16: after `close()`, a value from a permit reserved before it is still delivered, and
// the stream ends only once every such permit is used or dropped (Tokio's semantics). Before,
// recv() ended at once and the permit's value came out after the end of the stream.
TEST(Mpsc, CloseWaitsForReservedPermitsBeforeEndingTheStream) {
    auto [tx, rx] = mpsc::channel<int>(4);
    CountingWaker w;
    auto r1 = tx.reserve();
    auto p1 = poll_output(r1, w);
    ASSERT_TRUE(p1.has_value() && p1->has_value());
    auto r2 = tx.reserve();
    auto p2 = poll_output(r2, w);
    ASSERT_TRUE(p2.has_value() && p2->has_value());
    EXPECT_TRUE(tx.try_send(1).ok());
    rx.close();
    EXPECT_TRUE(tx.try_send(9).is_closed());  // no new sends
    auto f = rx.recv();
    EXPECT_EQ(poll_output(f, w), std::optional<std::optional<int>>(1));  // buffered
    EXPECT_FALSE(poll_output(f, w).has_value());  // two permits out: may still deliver
    std::move(**p1).send(2);
    EXPECT_EQ(w.total_wakes(), 1);
    EXPECT_EQ(poll_output(f, w), std::optional<std::optional<int>>(2));
    EXPECT_FALSE(poll_output(f, w).has_value());  // one permit still out
    p2.reset();                                   // dropped unused: nothing more can come
    EXPECT_EQ(w.total_wakes(), 2);
    EXPECT_EQ(poll_output(f, w), std::make_optional(std::optional<int>()));
    EXPECT_EQ(poll_output(f, w), std::make_optional(std::optional<int>()));  // stays
    p1.reset();
    EXPECT_EQ(w.live(), 0);
}

// The same across tasks: a consumer that closes while producers on other workers hold permits
// gets every reserved value before the end, and nothing after it.
TEST(Mpsc, CloseWithPermitsOutDeliversTheirValuesBeforeTheEndAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    for (int round = 0; round < 100; ++round) {
        auto [tx, rx] = mpsc::channel<int>(8);
        std::atomic<int> holding{0};
        std::atomic<bool> closed{false};
        rt.block_on([&]() -> weft::Task<void> {
            std::vector<weft::JoinHandle<void>> producers;
            for (int i = 0; i < 4; ++i) {
                producers.push_back(weft::spawn([&, i]() -> weft::Task<void> {
                    auto p = co_await tx.reserve();
                    EXPECT_TRUE(p.has_value());
                    holding++;
                    while (!closed)
                        co_await weft::yield_now();
                    for (int k = 0; k < i; ++k)
                        co_await weft::yield_now();
                    std::move(*p).send(1);
                }));
            }
            while (holding < 4)
                co_await weft::yield_now();
            rx.close();
            closed = true;
            int n = 0;
            while (auto v = co_await rx.recv())
                n += *v;
            EXPECT_EQ(n, 4);  // every reserved value, before the end
            for (auto& h : producers)
                co_await h;
            EXPECT_FALSE(rx.try_recv().has_value());  // and nothing after it
        });
    }
}

// Issue 16: dropping the receiver releases the waker it registered at once, even while
// senders live (before, it stayed, with the task behind it, until the last sender went).
TEST(Mpsc, DroppingTheReceiverReleasesItsWakerWhileSendersLive) {
    {
        auto [tx, rx] = mpsc::channel<int>(1);
        CountingWaker w;
        {
            auto gone = std::move(rx);
            auto f = gone.recv();
            EXPECT_FALSE(poll_output(f, w).has_value());
            EXPECT_EQ(w.live(), 1);  // stored in the channel
        }
        EXPECT_EQ(w.live(), 0);
        EXPECT_TRUE(tx.is_closed());
    }
    {
        auto [tx, rx] = mpsc::unbounded_channel<int>();
        CountingWaker w;
        {
            auto gone = std::move(rx);
            std::vector<int> out;
            auto f = gone.recv_many(out, 4);
            EXPECT_FALSE(poll_output(f, w).has_value());
        }
        EXPECT_EQ(w.live(), 0);
        EXPECT_TRUE(tx.send(1).is_closed());
    }
}

// Issue 16: a waker is user code on drop too. A receive (or a send waiting for capacity)
// polled again with another waker drops the one it replaces; if that drop re-enters the
// channel (here: it sends on it), dropping it under the channel's spin lock spun forever.
TEST(Mpsc, AReplacedWakerIsDroppedOutsideTheChannelsLock) {
    Watchdog dog(std::chrono::seconds(10));
    {
        auto [tx, rx] = mpsc::channel<int>(2);
        DropHookWaker a([&] { EXPECT_TRUE(tx.try_send(7).ok()); });
        auto f = rx.recv();
        {
            weft::Waker wa = a.make();
            weft::Context cx(wa);
            EXPECT_TRUE(f.poll(cx).is_pending());
        }
        CountingWaker b;
        EXPECT_FALSE(poll_output(f, b).has_value());  // drops a's waker: a sends 7
        EXPECT_TRUE(a.hook_ran);
        EXPECT_EQ(poll_output(f, b), std::make_optional(std::optional<int>(7)));
    }
    {  // a sender waiting for capacity
        auto [tx, rx] = mpsc::channel<int>(1);
        EXPECT_TRUE(tx.try_send(1).ok());
        DropHookWaker a([&] { EXPECT_TRUE(tx.try_send(2).is_full()); });
        auto s = tx.send(3);
        {
            weft::Waker wa = a.make();
            weft::Context cx(wa);
            EXPECT_TRUE(s.poll(cx).is_pending());
        }
        CountingWaker b;
        EXPECT_FALSE(poll_output(s, b).has_value());
        EXPECT_TRUE(a.hook_ran);
        EXPECT_EQ(rx.try_recv(), 1);
        auto done = poll_output(s, b);
        ASSERT_TRUE(done.has_value());
        EXPECT_TRUE(done->ok());
    }
    {  // reserve
        auto [tx, rx] = mpsc::channel<int>(1);
        EXPECT_TRUE(tx.try_send(1).ok());
        DropHookWaker a([&] { EXPECT_TRUE(tx.try_send(2).is_full()); });
        auto r = tx.reserve();
        {
            weft::Waker wa = a.make();
            weft::Context cx(wa);
            EXPECT_TRUE(r.poll(cx).is_pending());
        }
        CountingWaker b;
        EXPECT_FALSE(poll_output(r, b).has_value());
        EXPECT_TRUE(a.hook_ran);
    }
}
