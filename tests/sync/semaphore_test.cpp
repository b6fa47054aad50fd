// weft::sync::Semaphore: permits and their RAII return, FIFO fairness (a large request at the
// head is filled bit by bit and holds back smaller ones), try_acquire not jumping the queue,
// cancel safety, close, owned permits, and a bound on concurrent holders across 2 workers.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "support/drop_hook_waker.hpp"
#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using weft::sync::Acquire;
using weft::sync::AcquireError;
using weft::sync::Semaphore;
using weft::sync::SemaphorePermit;
using weft::sync::TryAcquireError;

TEST(Semaphore, PermitsGoBackWhenDropped) {
    Semaphore s(3);
    CountingWaker w;
    Acquire a = s.acquire(2);
    auto p = poll_output(a, w);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->num_permits(), 2u);
    EXPECT_EQ(s.available_permits(), 1u);
    p.reset();
    EXPECT_EQ(s.available_permits(), 3u);
    Acquire zero = s.acquire(0);
    EXPECT_TRUE(poll_output(zero, w));
}

TEST(Semaphore, ServesWaitersInOrderAndFillsALargeRequestBitByBit) {
    Semaphore s(0);
    CountingWaker wa, wb;
    Acquire a = s.acquire(3), b = s.acquire(1);
    EXPECT_FALSE(poll_output(a, wa));
    EXPECT_FALSE(poll_output(b, wb));
    s.add_permits(1);  // to a (the head), not to b, although b needs only 1
    EXPECT_EQ(wb.total_wakes(), 0);
    EXPECT_EQ(wa.total_wakes(), 0) << "a is still 2 short";
    EXPECT_FALSE(poll_output(b, wb));
    s.add_permits(2);
    EXPECT_EQ(wa.total_wakes(), 1);
    auto pa = poll_output(a, wa);
    ASSERT_TRUE(pa);
    EXPECT_EQ(pa->num_permits(), 3u);
    EXPECT_FALSE(poll_output(b, wb));
    pa.reset();  // 3 back: 1 to b, 2 left
    EXPECT_EQ(wb.total_wakes(), 1);
    auto pb = poll_output(b, wb);
    EXPECT_TRUE(pb);
    EXPECT_EQ(s.available_permits(), 2u);
}

TEST(Semaphore, TryAcquireDoesNotJumpTheQueue) {
    Semaphore s(1);
    CountingWaker w;
    Acquire big = s.acquire(2);  // takes the 1 there is and waits for 1 more
    EXPECT_FALSE(poll_output(big, w));
    auto [p, why] = s.try_acquire(1);
    EXPECT_FALSE(p);
    EXPECT_EQ(why, TryAcquireError::NoPermits);
    s.add_permits(1);
    auto got = poll_output(big, w);
    EXPECT_TRUE(got);
    auto [none, why2] = s.try_acquire(1);
    EXPECT_FALSE(none);
    EXPECT_EQ(why2, TryAcquireError::NoPermits);
    s.add_permits(1);
    auto [one, unused] = s.try_acquire(1);
    EXPECT_TRUE(one);
}

TEST(Semaphore, ADroppedWaiterGivesWhatItWasHandedToTheNext) {
    Semaphore s(2);
    CountingWaker wa, wb;
    auto a = std::make_unique<Acquire>(s.acquire(5));
    Acquire b = s.acquire(2);
    EXPECT_FALSE(poll_output(*a, wa));  // took the 2 free permits, waits for 3 more
    EXPECT_FALSE(poll_output(b, wb));
    EXPECT_EQ(s.available_permits(), 0u);
    a.reset();  // dropped: its 2 go to b
    EXPECT_EQ(wb.total_wakes(), 1);
    auto pb = poll_output(b, wb);
    ASSERT_TRUE(pb);
    pb.reset();
    EXPECT_EQ(s.available_permits(), 2u) << "no permit lost";
    EXPECT_EQ(wa.live(), 0) << "the dropped waiter's waker was released";
}

TEST(Semaphore, CloseFailsWaitersAndLaterAcquiresButNotHeldPermits) {
    Semaphore s(1);
    CountingWaker w;
    Acquire held = s.acquire(1);
    auto p = poll_output(held, w);
    ASSERT_TRUE(p);
    Acquire waiting = s.acquire(1);
    EXPECT_FALSE(poll_output(waiting, w));
    s.close();
    EXPECT_TRUE(s.is_closed());
    EXPECT_EQ(w.total_wakes(), 1);
    EXPECT_THROW(poll_output(waiting, w), AcquireError);
    Acquire later = s.acquire(1);
    EXPECT_THROW(poll_output(later, w), AcquireError);
    EXPECT_EQ(s.try_acquire(1).second, TryAcquireError::Closed);
    p.reset();  // a held permit still goes back
    EXPECT_EQ(s.available_permits(), 1u);
}

TEST(Semaphore, ForgetKeepsPermitsOut) {
    Semaphore s(2);
    auto [p, unused] = s.try_acquire(2);
    ASSERT_TRUE(p);
    p->forget();
    p.reset();
    EXPECT_EQ(s.available_permits(), 0u);
    EXPECT_THROW(s.add_permits(Semaphore::kMaxPermits + 1), std::length_error);
}

TEST(Semaphore, AnOwnedPermitMovesIntoASpawnedTask) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    auto s = std::make_shared<Semaphore>(1);
    rt.block_on([&]() -> weft::Task<void> {
        weft::sync::OwnedSemaphorePermit permit = co_await Semaphore::acquire_owned(s);
        EXPECT_EQ(s->available_permits(), 0u);
        auto h = weft::spawn([](weft::sync::OwnedSemaphorePermit p) -> weft::Task<std::size_t> {
            co_return p.num_permits();
        }(std::move(permit)));
        EXPECT_EQ(co_await h, 1u);
        auto again = co_await s->acquire();  // back once the task dropped it
        EXPECT_EQ(again.num_permits(), 1u);
    });
}

// 12 tasks on 2 workers take 1 to 3 of 4 permits at a time, 400 times each: the permits held
// at once never exceed 4, and every acquire completes (a lost wake-up hangs: the watchdog
// fails it).
TEST(Semaphore, HoldersNeverExceedThePermitsAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    Semaphore s(4);
    std::atomic<int> held{0}, most{0}, done{0};
    rt.block_on([&]() -> weft::Task<void> {
        std::vector<weft::JoinHandle<void>> hs;
        for (int t = 0; t < 12; ++t) {
            hs.push_back(
                weft::spawn([](Semaphore& s, std::atomic<int>& held, std::atomic<int>& most,
                               std::atomic<int>& done, int t) -> weft::Task<void> {
                    std::mt19937 rng(static_cast<unsigned>(t));
                    for (int i = 0; i < 400; ++i) {
                        auto n = static_cast<std::size_t>(1 + rng() % 3);
                        auto permit = co_await s.acquire(n);
                        int now = held += static_cast<int>(n);
                        int m = most.load();
                        while (now > m && !most.compare_exchange_weak(m, now)) {
                        }
                        if (i % 3 == 0) co_await weft::yield_now();
                        held -= static_cast<int>(n);
                    }
                    done++;
                }(s, held, most, done, t)));
        }
        for (auto& h : hs)
            co_await h;
    });
    EXPECT_EQ(done.load(), 12);
    EXPECT_LE(most.load(), 4);
    EXPECT_GE(most.load(), 2);
    EXPECT_EQ(s.available_permits(), 4u);
}

// Issue 16: an `acquire()` polled again with another waker replaces the one it stored;
// dropping the old one under the semaphore's spin lock spun forever when that drop re-entered
// the semaphore.
TEST(Semaphore, AReplacedWakerIsDroppedOutsideTheLock) {
    Watchdog dog(std::chrono::seconds(10));
    weft::sync::Semaphore sem(0);
    DropHookWaker a([&] { sem.add_permits(1); });
    auto f = sem.acquire(1);
    {
        weft::Waker wa = a.make();
        weft::Context cx(wa);
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    CountingWaker b;
    EXPECT_TRUE(poll_once(f, b).is_pending());  // drops a's waker: it adds the permit
    EXPECT_TRUE(a.hook_ran);
    EXPECT_EQ(b.total_wakes(), 1);
    auto p = poll_output(f, b);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->num_permits(), 1u);
}
