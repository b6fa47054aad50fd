#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/drop_hook_waker.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
namespace mpsc = weft::sync::mpsc;

namespace {
// `producers` tasks on `rt`, producer p sending (p, 0), (p, 1), ... (p, per_producer - 1).
void spawn_producers(weft::Runtime& rt, const mpsc::Sender<std::pair<int, int>>& tx, int producers,
                     int per_producer) {
    for (int p = 0; p < producers; ++p) {
        rt.spawn([p, tx, per_producer]() -> weft::Task<void> {
              for (int i = 0; i < per_producer; ++i)
                  EXPECT_TRUE((co_await tx.send(std::make_pair(p, i))).ok());
          }).detach();
    }
}
}  // namespace

TEST(Mpsc, ValuesArriveInOrderAndTheStreamEndsWithTheLastSender) {
    auto tx_rx = mpsc::channel<int>(4);
    auto& tx = tx_rx.first;
    auto& rx = tx_rx.second;
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
    EXPECT_EQ(rx.try_recv().into_optional(), 1);
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
    EXPECT_EQ(rx.try_recv().into_optional(), 0);
    EXPECT_EQ(w1.total_wakes(), 1);
    EXPECT_EQ(w2.total_wakes(), 0);
    EXPECT_TRUE(poll_once(s1, w1).is_ready());
    EXPECT_EQ(rx.try_recv().into_optional(), 1);
    EXPECT_EQ(w2.total_wakes(), 1);
    EXPECT_EQ(w3.total_wakes(), 0);
    EXPECT_TRUE(poll_once(s2, w2).is_ready());
    EXPECT_EQ(rx.try_recv().into_optional(), 2);
    EXPECT_EQ(w3.total_wakes(), 1);
    EXPECT_TRUE(poll_once(s3, w3).is_ready());
    EXPECT_EQ(rx.try_recv().into_optional(), 3);
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
    EXPECT_EQ(rx.try_recv().into_optional(), std::nullopt);
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
    auto tx_rx = mpsc::channel<int>(1);
    auto& tx = tx_rx.first;
    auto& rx = tx_rx.second;
    weft::block_on([&]() -> weft::Task<void> {
        {
            auto permit = co_await tx.reserve();
            EXPECT_TRUE(permit.has_value());
            EXPECT_TRUE(tx.try_send(1).is_full());  // the slot is reserved
        }                                           // dropped unused: the slot is free again
        EXPECT_TRUE(tx.try_send(1).ok());
        EXPECT_EQ(rx.try_recv().into_optional(), 1);
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
        EXPECT_EQ(rx.try_recv().into_optional(), std::to_string(i));
    { auto gone = std::move(tx); }
    EXPECT_EQ(weft::block_on(rx.recv()), std::nullopt);
}

// Producers on two workers and threads outside the runtime, a small buffer, racing: every
// message arrives exactly once and each producer's messages keep their order.
TEST(Mpsc, StressManyProducersAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    static constexpr int kProducers = 4, kPerProducer = 50000;
    auto tx_rx = mpsc::channel<std::pair<int, int>>(16);
    auto& tx = tx_rx.first;
    auto& rx = tx_rx.second;
    spawn_producers(rt, tx, kProducers, kPerProducer);
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
    auto tx_rx = mpsc::channel<std::pair<int, int>>(kCap);
    auto& tx = tx_rx.first;
    auto& rx = tx_rx.second;
    spawn_producers(rt, tx, kProducers, kPerProducer);
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
        auto ch_tx =
            mpsc::channel<int>(8);  // (not a structured binding: clang 14 cannot capture one)
        auto& tx = ch_tx.first;
        auto& rx = ch_tx.second;
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
        auto ch_tx =
            mpsc::channel<int>(2);  // (not a structured binding: clang 14 cannot capture one)
        auto& tx = ch_tx.first;
        auto& rx = ch_tx.second;
        DropHookWaker a([&] { EXPECT_TRUE(tx.try_send(7).ok()); });
        auto f = rx.recv();
        EXPECT_TRUE(poll_once(f, a).is_pending());
        CountingWaker b;
        EXPECT_FALSE(poll_output(f, b).has_value());  // drops a's waker: a sends 7
        EXPECT_TRUE(a.hook_ran);
        EXPECT_EQ(poll_output(f, b), std::make_optional(std::optional<int>(7)));
    }
    {                                        // a sender waiting for capacity
        auto ch_tx = mpsc::channel<int>(1);  // (no structured binding: clang 14 cannot capture one)
        auto& tx = ch_tx.first;
        auto& rx = ch_tx.second;
        EXPECT_TRUE(tx.try_send(1).ok());
        DropHookWaker a([&] { EXPECT_TRUE(tx.try_send(2).is_full()); });
        auto s = tx.send(3);
        EXPECT_TRUE(poll_once(s, a).is_pending());
        CountingWaker b;
        EXPECT_FALSE(poll_output(s, b).has_value());
        EXPECT_TRUE(a.hook_ran);
        EXPECT_EQ(rx.try_recv().into_optional(), 1);
        auto done = poll_output(s, b);
        ASSERT_TRUE(done.has_value());
        EXPECT_TRUE(done->ok());
    }
    {                                        // reserve
        auto ch_tx = mpsc::channel<int>(1);  // (no structured binding: clang 14 cannot capture one)
        auto& tx = ch_tx.first;
        EXPECT_TRUE(tx.try_send(1).ok());
        DropHookWaker a([&] { EXPECT_TRUE(tx.try_send(2).is_full()); });
        CountingWaker b;  // before r: the pending r keeps b's waker until it is dropped
        auto r = tx.reserve();
        EXPECT_TRUE(poll_once(r, a).is_pending());
        EXPECT_FALSE(poll_output(r, b).has_value());
        EXPECT_TRUE(a.hook_ran);
    }
}

// ---- Tokio's API (issue 16, item 6) ----

TEST(Mpsc, ReceiverTellsClosedEmptyAndLen) {
    auto [tx, rx] = mpsc::channel<int>(4);
    EXPECT_FALSE(rx.is_closed());
    EXPECT_TRUE(rx.is_empty());
    EXPECT_EQ(rx.len(), 0u);
    EXPECT_TRUE(tx.try_send(1).ok());
    EXPECT_TRUE(tx.try_send(2).ok());
    EXPECT_FALSE(rx.is_empty());
    EXPECT_EQ(rx.len(), 2u);
    rx.close();
    EXPECT_TRUE(rx.is_closed());
    EXPECT_EQ(rx.len(), 2u);  // still there to receive
    {
        auto [tx2, rx2] = mpsc::unbounded_channel<int>();
        { auto gone = std::move(tx2); }
        EXPECT_TRUE(rx2.is_closed());  // every sender gone
    }
}

TEST(Mpsc, TryRecvTellsEmptyFromDisconnected) {
    {
        auto [tx, rx] = mpsc::channel<int>(2);
        auto e = rx.try_recv();
        EXPECT_FALSE(e);
        EXPECT_TRUE(e.is_empty());
        EXPECT_FALSE(e.is_disconnected());
        EXPECT_TRUE(tx.try_send(5).ok());
        { auto gone = std::move(tx); }
        auto v = rx.try_recv();
        ASSERT_TRUE(v);
        EXPECT_EQ(*v, 5);  // buffered values first
        EXPECT_TRUE(rx.try_recv().is_disconnected());
    }
    {  // closed, with a permit out: empty (it may still send), then disconnected once dropped
        auto [tx, rx] = mpsc::channel<int>(2);
        auto p = tx.try_reserve();
        ASSERT_TRUE(p);
        rx.close();
        EXPECT_TRUE(rx.try_recv().is_empty());
        std::move(*p).send(8);
        EXPECT_EQ(rx.try_recv().into_optional(), 8);
        EXPECT_TRUE(rx.try_recv().is_disconnected());
    }
    {
        auto [tx, rx] = mpsc::unbounded_channel<int>();
        rx.close();
        EXPECT_TRUE(rx.try_recv().is_disconnected());
    }
}

TEST(Mpsc, TryReserveAndCapacity) {
    auto [tx, rx] = mpsc::channel<int>(2);
    EXPECT_EQ(tx.max_capacity(), 2u);
    EXPECT_EQ(tx.capacity(), 2u);
    auto p1 = tx.try_reserve();
    ASSERT_TRUE(p1);
    EXPECT_EQ(tx.capacity(), 1u);
    EXPECT_TRUE(tx.try_send(1).ok());
    EXPECT_EQ(tx.capacity(), 0u);
    auto full = tx.try_reserve();
    EXPECT_FALSE(full);
    EXPECT_TRUE(full.is_full());
    std::move(*p1).send(2);
    EXPECT_EQ(tx.capacity(), 0u);  // the slot holds its value now
    EXPECT_EQ(rx.try_recv().into_optional(), 1);
    EXPECT_EQ(tx.capacity(), 1u);
    {
        auto p = tx.try_reserve();
        ASSERT_TRUE(p);
        EXPECT_EQ(tx.capacity(), 0u);
    }  // dropped unused: the slot comes back
    EXPECT_EQ(tx.capacity(), 1u);
    EXPECT_TRUE(tx.try_reserve_many(3).is_full());  // more than max_capacity
    EXPECT_TRUE(tx.try_reserve_many(2).is_full());  // only 1 free
    {
        auto ps = tx.try_reserve_many(1);
        ASSERT_TRUE(ps);
        EXPECT_EQ(ps->size(), 1u);
    }
    rx.close();
    EXPECT_TRUE(tx.try_reserve().is_closed());
    EXPECT_TRUE(tx.try_reserve_many(1).is_closed());
}

TEST(Mpsc, ReserveManyWaitsForAllItsSlotsInQueueOrder) {
    auto [tx, rx] = mpsc::channel<int>(3);
    EXPECT_TRUE(tx.try_send(1).ok());
    EXPECT_TRUE(tx.try_send(2).ok());
    CountingWaker w, w2;
    auto many = tx.reserve_many(3);
    EXPECT_FALSE(poll_output(many, w).has_value());  // takes the free slot, waits for 2 more
    EXPECT_EQ(tx.capacity(), 0u);
    EXPECT_TRUE(tx.try_send(9).is_full());  // cannot overtake the waiting reserve_many
    auto one = tx.reserve();
    EXPECT_FALSE(poll_output(one, w2).has_value());  // queued behind it
    EXPECT_EQ(rx.try_recv().into_optional(), 1);
    EXPECT_EQ(w.total_wakes(), 0);  // 2 of 3
    EXPECT_EQ(rx.try_recv().into_optional(), 2);
    EXPECT_EQ(w.total_wakes(), 1);  // 3 of 3
    auto ps = poll_output(many, w);
    ASSERT_TRUE(ps.has_value() && ps->has_value());
    EXPECT_EQ((*ps)->size(), 3u);
    auto p = (*ps)->next();
    ASSERT_TRUE(p.has_value());
    std::move(*p).send(10);
    EXPECT_EQ((*ps)->size(), 2u);
    EXPECT_EQ(w2.total_wakes(), 0);
    ps.reset();  // the two permits not taken go back: to the waiting reserve
    EXPECT_EQ(w2.total_wakes(), 1);
    auto p2 = poll_output(one, w2);
    ASSERT_TRUE(p2.has_value() && p2->has_value());
    EXPECT_EQ(tx.capacity(), 1u);  // 10 buffered, one reserved, one free
    EXPECT_EQ(rx.try_recv().into_optional(), 10);
    // More than max_capacity can never be served: fails at once, as Tokio's.
    auto too_many = tx.reserve_many(4);
    auto r = poll_output(too_many, w);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->has_value());
}

TEST(Mpsc, ADroppedReserveManyPassesTheSlotsItWasHandedOn) {
    auto [tx, rx] = mpsc::channel<int>(2);
    EXPECT_TRUE(tx.try_send(1).ok());
    EXPECT_TRUE(tx.try_send(2).ok());
    CountingWaker w, w2;
    std::optional<mpsc::Sender<int>::ReserveManyFuture> many(tx.reserve_many(2));
    EXPECT_FALSE(poll_output(*many, w).has_value());
    auto one = tx.reserve();
    EXPECT_FALSE(poll_output(one, w2).has_value());
    EXPECT_EQ(rx.try_recv().into_optional(), 1);  // one slot handed to `many`
    EXPECT_EQ(w2.total_wakes(), 0);
    many.reset();  // dropped half-filled: its slot goes to the next waiter
    EXPECT_EQ(w2.total_wakes(), 1);
    auto p = poll_output(one, w2);
    ASSERT_TRUE(p.has_value() && p->has_value());
}

TEST(Mpsc, OwnedPermitsOwnTheirSender) {
    auto [tx, rx] = mpsc::channel<std::string>(1);
    CountingWaker w;
    auto f = tx.clone().reserve_owned();
    auto p = poll_output(f, w);
    ASSERT_TRUE(p.has_value() && p->has_value());
    EXPECT_EQ(tx.strong_count(), 2u);  // the permit's own sender
    { auto gone = std::move(tx); }     // the permit keeps the channel open
    auto back = std::move(**p).send("owned");
    p.reset();
    EXPECT_EQ(rx.try_recv().into_optional(), "owned");
    // try_reserve_owned: the Sender back on failure
    EXPECT_TRUE(back.try_send("fill").ok());
    auto r = std::move(back).try_reserve_owned();
    ASSERT_TRUE(r.is_full());
    mpsc::Sender<std::string> again = std::move(r).into_inner();
    EXPECT_EQ(rx.try_recv().into_optional(), "fill");
    auto r2 = std::move(again).try_reserve_owned();
    ASSERT_TRUE(r2);
    mpsc::Sender<std::string> released = std::move(r2).into_permit().release();
    EXPECT_EQ(released.capacity(), 1u);  // released unused
    rx.close();
    auto closed = released.clone().reserve_owned();
    auto c = poll_output(closed, w);
    ASSERT_TRUE(c.has_value());
    EXPECT_FALSE(c->has_value());
}

TEST(Mpsc, SenderClosedCompletesWhenTheReceiverClosesOrGoes) {
    {
        auto ch_tx = mpsc::channel<int>(1);  // (no structured binding: clang 14 cannot capture one)
        auto& tx = ch_tx.first;
        auto& rx = ch_tx.second;
        CountingWaker w;
        auto f = tx.closed();
        EXPECT_TRUE(poll_once(f, w).is_pending());
        rx.close();
        EXPECT_EQ(w.total_wakes(), 1);
        EXPECT_TRUE(poll_once(f, w).is_ready());
        auto g = tx.closed();
        EXPECT_TRUE(poll_once(g, w).is_ready());  // already closed: at once
    }
    {
        auto ch_tx = mpsc::unbounded_channel<int>();  // (not a structured binding: clang 14 cannot
                                                      // capture one)
        auto& tx = ch_tx.first;
        auto& rx = ch_tx.second;
        CountingWaker w;
        auto f = tx.closed();
        EXPECT_TRUE(poll_once(f, w).is_pending());
        { auto gone = std::move(rx); }
        EXPECT_EQ(w.total_wakes(), 1);
        EXPECT_TRUE(poll_once(f, w).is_ready());
    }
    {  // across workers: a producer stops when the consumer goes
        Watchdog dog;
        weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
        auto ch_tx = mpsc::channel<int>(1);  // (no structured binding: clang 14 cannot capture one)
        auto& tx = ch_tx.first;
        auto& rx = ch_tx.second;
        rt.block_on([&]() -> weft::Task<void> {
            auto h = weft::spawn([&]() -> weft::Task<void> { co_await tx.closed(); });
            co_await weft::yield_now();
            { auto gone = std::move(rx); }
            co_await h;
        });
    }
}

TEST(Mpsc, SendTimeoutHandsTheValueBackWhenTimeRunsOut) {
    Watchdog dog;
    auto rt = weft::RuntimeBuilder::new_current_thread().build();
    auto ch_tx = mpsc::channel<std::unique_ptr<int>>(
        1);  // (not a structured binding: clang 14 cannot capture one)
    auto& tx = ch_tx.first;
    auto& rx = ch_tx.second;
    rt.block_on([&]() -> weft::Task<void> {
        auto first = std::make_unique<int>(1);
        EXPECT_TRUE(
            (co_await tx.send_timeout(std::move(first), std::chrono::milliseconds(50))).ok());
        auto second = std::make_unique<int>(2);
        auto r = co_await tx.send_timeout(std::move(second), std::chrono::milliseconds(20));
        EXPECT_TRUE(r.is_timeout());
        EXPECT_FALSE(r.ok());
        EXPECT_EQ(*std::move(r).into_value(), 2);
        EXPECT_EQ(tx.capacity(), 0u);  // nothing was sent, nothing kept
        EXPECT_EQ(*rx.try_recv().value(), 1);
        EXPECT_EQ(rx.try_recv().is_empty(), true);
        rx.close();
        auto third = std::make_unique<int>(3);
        auto c = co_await tx.send_timeout(std::move(third), std::chrono::milliseconds(20));
        EXPECT_TRUE(c.is_closed());
    });
}

TEST(Mpsc, WeakSendersDoNotKeepTheStreamOpen) {
    auto [tx, rx] = mpsc::channel<int>(2);
    auto weak = tx.downgrade();
    EXPECT_EQ(tx.strong_count(), 1u);
    EXPECT_EQ(tx.weak_count(), 1u);
    {
        auto up = weak.upgrade();
        ASSERT_TRUE(up.has_value());
        EXPECT_EQ(weak.strong_count(), 2u);
        EXPECT_TRUE(up->try_send(1).ok());
        EXPECT_TRUE(up->same_channel(tx));
    }
    { auto gone = std::move(tx); }
    EXPECT_FALSE(weak.upgrade().has_value());  // no sender left
    EXPECT_EQ(rx.try_recv().into_optional(), 1);
    EXPECT_TRUE(rx.try_recv().is_disconnected());  // the weak one kept nothing open
    {  // unbounded; the weak sender outliving the receiver and every sender frees the channel
        std::optional<mpsc::WeakUnboundedSender<int>> w;
        {
            auto [utx, urx] = mpsc::unbounded_channel<int>();
            w.emplace(utx.downgrade());
            auto up = w->upgrade();
            ASSERT_TRUE(up.has_value());
            EXPECT_TRUE(up->send(3).ok());
            EXPECT_EQ(urx.try_recv().into_optional(), 3);
        }
        EXPECT_FALSE(w->upgrade().has_value());
    }  // (ASan: the channel is freed exactly once, with the last weak sender)
}

TEST(Mpsc, BlockingSendAndRecvOnPlainThreads) {
    Watchdog dog;
    auto ch_tx = mpsc::channel<int>(2);  // (not a structured binding: clang 14 cannot capture one)
    auto& tx = ch_tx.first;
    auto& rx = ch_tx.second;
    std::thread producer([tx = tx] {
        for (int i = 0; i < 100; ++i)
            EXPECT_TRUE(tx.blocking_send(i).ok());
    });
    { auto gone = std::move(tx); }
    long sum = 0;
    std::thread consumer([&sum, rx = std::move(rx)]() mutable {
        while (auto v = rx.blocking_recv())
            sum += *v;
    });
    producer.join();
    consumer.join();
    EXPECT_EQ(sum, 99 * 100 / 2);
}

TEST(Mpsc, BlockingCallsRefuseInsideAnAsyncContext) {
    auto ch_tx = mpsc::channel<int>(2);  // (not a structured binding: clang 14 cannot capture one)
    auto& tx = ch_tx.first;
    auto& rx = ch_tx.second;
    auto rt = weft::RuntimeBuilder::new_current_thread().build();
    rt.block_on([&]() -> weft::Task<void> {
        EXPECT_THROW((void)tx.blocking_send(1), std::logic_error);
        EXPECT_THROW((void)rx.blocking_recv(), std::logic_error);
        // spawn_blocking is the way out
        auto r = co_await weft::spawn_blocking([&] { return tx.blocking_send(2).ok(); });
        EXPECT_TRUE(r);
        co_return;
    });
    weft::Runtime mt = weft::Runtime::builder().worker_threads(1).build();
    mt.block_on([&]() -> weft::Task<void> {
        auto h = weft::spawn([&]() -> weft::Task<bool> {
            try {
                (void)rx.blocking_recv();
            } catch (const std::logic_error&) {
                co_return true;
            }
            co_return false;
        });
        EXPECT_TRUE(co_await h);
    });
    EXPECT_EQ(rx.try_recv().into_optional(), 2);
}

static_assert(weft::stream::Stream<mpsc::Receiver<int>>);

TEST(Mpsc, TheReceiverIsAStream) {
    auto ch_tx =
        mpsc::unbounded_channel<int>();  // (not a structured binding: clang 14 cannot capture one)
    auto& tx = ch_tx.first;
    auto& rx = ch_tx.second;
    EXPECT_TRUE(tx.send(1).ok());
    EXPECT_TRUE(tx.send(2).ok());
    { auto gone = std::move(tx); }
    std::vector<int> got = weft::block_on([&]() -> weft::Task<std::vector<int>> {
        std::vector<int> v;
        while (auto x = co_await weft::stream::next(rx))
            v.push_back(*x);
        co_return v;
    }());
    EXPECT_EQ(got, (std::vector<int>{1, 2}));
}
