// weft::sync::Semaphore: permits and their RAII return, FIFO fairness (a large request at the
// head is filled bit by bit and holds back smaller ones), try_acquire not jumping the queue,
// cancel safety, close, owned permits, and a bound on concurrent holders across 2 workers.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/drop_hook_waker.hpp"
#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using weft::sync::Acquire;
using weft::sync::AcquireError;
using weft::sync::OwnedSemaphorePermit;
using weft::sync::Semaphore;
using weft::sync::SemaphorePermit;
using weft::sync::TryAcquireError;
using namespace std::chrono_literals;

// A try_acquire's permit as an optional (empty on failure), so that a test can give it back
// early with reset().
template <class P>
std::optional<P> permit_of(weft::sync::TryAcquireResult<P> r) {
    if (!r) return std::nullopt;
    return std::move(r).into_permit();
}

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
    auto p = s.try_acquire(1);
    EXPECT_FALSE(p);
    EXPECT_EQ(p.error(), TryAcquireError::NoPermits);
    EXPECT_TRUE(p.is_no_permits());
    EXPECT_FALSE(p.is_closed());
    s.add_permits(1);
    auto got = poll_output(big, w);
    EXPECT_TRUE(got);
    auto none = s.try_acquire(1);
    EXPECT_FALSE(none);
    EXPECT_EQ(none.error(), TryAcquireError::NoPermits);
    s.add_permits(1);
    auto one = permit_of(s.try_acquire(1));
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

// A waiter filled and woken by a release, then dropped before it polls again (the path that
// needs no lock): its permits go on to the next waiter.
TEST(Semaphore, AWaiterDroppedAfterItsWakeGivesItsPermitsToTheNext) {
    Semaphore s(1);
    CountingWaker wa, wb;
    auto held = permit_of(s.try_acquire(1));
    ASSERT_TRUE(held);
    auto a = std::make_unique<Acquire>(s.acquire(1));
    Acquire b = s.acquire(1);
    EXPECT_FALSE(poll_output(*a, wa));
    EXPECT_FALSE(poll_output(b, wb));
    held.reset();  // a is filled and woken
    EXPECT_EQ(wa.total_wakes(), 1);
    EXPECT_EQ(wb.total_wakes(), 0);
    a.reset();  // never polled again: its permit goes to b
    EXPECT_EQ(wb.total_wakes(), 1);
    auto pb = poll_output(b, wb);
    ASSERT_TRUE(pb);
    pb.reset();
    EXPECT_EQ(s.available_permits(), 1u) << "no permit lost";
    EXPECT_EQ(wa.live(), 0);
    EXPECT_EQ(wb.live(), 0);
}

// Two threads race on one permit, polling acquires by hand: each waits, and either polls until
// its permit comes or drops the waiter, sometimes just as the other thread's release fills it.
// No permit is lost or doubled (TSan checks the lock-free check after the wake), nothing hangs.
TEST(Semaphore, WaitersFilledAndDroppedConcurrentlyLoseNoPermit) {
    Watchdog dog;
    Semaphore s(1);
    std::atomic<int> held{0}, most{0};
    auto body = [&](unsigned seed) {
        std::mt19937 rng(seed);
        CountingWaker w;
        for (int i = 0; i < 5000; ++i) {
            auto a = std::make_unique<Acquire>(s.acquire(1));
            std::optional<SemaphorePermit> p = poll_output(*a, w);
            bool cancel = rng() % 4 == 0;
            while (!p && !cancel) {
                std::this_thread::yield();
                p = poll_output(*a, w);
            }
            if (cancel && !p) {
                for (unsigned k = rng() % 64; k > 0; --k)  // let a release race with the drop
                    std::atomic_signal_fence(std::memory_order_seq_cst);
                a.reset();
                continue;
            }
            int now = ++held;
            int m = most.load();
            while (now > m && !most.compare_exchange_weak(m, now)) {
            }
            --held;
            p.reset();
        }
        EXPECT_EQ(w.live(), 0) << "every stored waker was dropped or woken";
    };
    std::thread t1(body, 1u), t2(body, 2u);
    t1.join();
    t2.join();
    EXPECT_EQ(most.load(), 1);
    EXPECT_EQ(s.available_permits(), 1u);
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
    EXPECT_EQ(s.try_acquire(1).error(), TryAcquireError::Closed);
    EXPECT_TRUE(s.try_acquire(1).is_closed());
    p.reset();  // a held permit still goes back
    EXPECT_EQ(s.available_permits(), 1u);
}

TEST(Semaphore, ForgetKeepsPermitsOut) {
    Semaphore s(2);
    auto p = permit_of(s.try_acquire(2));
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
    EXPECT_TRUE(poll_once(f, a).is_pending());
    CountingWaker b;
    EXPECT_TRUE(poll_once(f, b).is_pending());  // drops a's waker: it adds the permit
    EXPECT_TRUE(a.hook_ran);
    EXPECT_EQ(b.total_wakes(), 1);
    auto p = poll_output(f, b);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->num_permits(), 1u);
}

// ---- issue 16: the rest of Tokio's Semaphore API ----

TEST(Semaphore, ForgetPermitsTakesOnlyFreePermitsAndSaysHowMany) {
    Semaphore s(5);
    EXPECT_EQ(s.forget_permits(3), 3u);
    EXPECT_EQ(s.available_permits(), 2u);
    auto held = permit_of(s.try_acquire(1));
    ASSERT_TRUE(held);
    EXPECT_EQ(s.forget_permits(10), 1u);  // only the free one; the held one is untouched
    EXPECT_EQ(s.available_permits(), 0u);
    EXPECT_EQ(s.forget_permits(1), 0u);
    held.reset();  // a held permit still goes back
    EXPECT_EQ(s.available_permits(), 1u);
    // With a waiter queued, no permit is free: a given-back permit goes to it, not to forget.
    CountingWaker w;
    Acquire big = s.acquire(3);
    EXPECT_FALSE(poll_output(big, w));
    EXPECT_EQ(s.forget_permits(5), 0u);
    s.add_permits(2);
    auto p = poll_output(big, w);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->num_permits(), 3u);
}

TEST(Semaphore, MergedPermitsGoBackTogether) {
    Semaphore s(6);
    auto a = permit_of(s.try_acquire(1));
    auto b = permit_of(s.try_acquire(2));
    ASSERT_TRUE(a && b);
    a->merge(std::move(*b));
    EXPECT_EQ(a->num_permits(), 3u);
    EXPECT_EQ(b->num_permits(), 0u);
    b.reset();  // gives nothing back: its permits went to a
    EXPECT_EQ(s.available_permits(), 3u);
    // A forgotten permit merges as nothing; a moved-from one too.
    auto c = permit_of(s.try_acquire(1));
    ASSERT_TRUE(c);
    c->forget();
    a->merge(std::move(*c));
    SemaphorePermit moved = std::move(*a);
    a->merge(std::move(moved));  // a (moved-from) takes over moved's permits and semaphore
    EXPECT_EQ(a->num_permits(), 3u);
    // Permits of another semaphore, or the permit itself: refused, nothing changes.
    Semaphore other(1);
    auto o = permit_of(other.try_acquire(1));
    ASSERT_TRUE(o);
    EXPECT_THROW(a->merge(std::move(*o)), std::invalid_argument);
    EXPECT_THROW(a->merge(std::move(*a)), std::invalid_argument);
    EXPECT_EQ(a->num_permits(), 3u);
    EXPECT_EQ(o->num_permits(), 1u);
    a.reset();
    EXPECT_EQ(s.available_permits(), 5u);  // 6, less the forgotten one
    o.reset();
    EXPECT_EQ(other.available_permits(), 1u);
}

TEST(Semaphore, TryAcquireOwnedKeepsTheSemaphoreAliveAndFailsAsTryAcquire) {
    auto s = std::make_shared<Semaphore>(3);
    {
        auto p = permit_of(Semaphore::try_acquire_owned(s));
        ASSERT_TRUE(p);
        EXPECT_EQ(p->num_permits(), 1u);
        EXPECT_EQ(p->semaphore(), s);
        auto many = permit_of(Semaphore::try_acquire_many_owned(s, 2));
        ASSERT_TRUE(many);
        EXPECT_EQ(s->available_permits(), 0u);
        auto none = Semaphore::try_acquire_owned(s);
        EXPECT_FALSE(none);
        EXPECT_EQ(none.error(), TryAcquireError::NoPermits);
        std::weak_ptr<Semaphore> weak = s;
        s.reset();  // the permits keep it alive
        EXPECT_FALSE(weak.expired());
        s = weak.lock();
    }
    EXPECT_EQ(s->available_permits(), 3u);
    // It does not jump the queue.
    CountingWaker w;
    Acquire big = s->acquire(4);
    EXPECT_FALSE(poll_output(big, w));
    EXPECT_EQ(Semaphore::try_acquire_owned(s).error(), TryAcquireError::NoPermits);
    s->close();
    EXPECT_EQ(Semaphore::try_acquire_owned(s).error(), TryAcquireError::Closed);
    EXPECT_EQ(Semaphore::try_acquire_many_owned(s, 1).error(), TryAcquireError::Closed);
}

TEST(Semaphore, AnOwnedPermitSplitsAndMerges) {
    auto s = std::make_shared<Semaphore>(4);
    auto all = permit_of(Semaphore::try_acquire_owned(s, 4));
    ASSERT_TRUE(all);
    EXPECT_FALSE(all->split(5));  // more than it holds: nothing happens
    EXPECT_EQ(all->num_permits(), 4u);
    std::optional<OwnedSemaphorePermit> one = all->split(1);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->num_permits(), 1u);
    EXPECT_EQ(one->semaphore(), s);
    EXPECT_EQ(all->num_permits(), 3u);
    one.reset();
    EXPECT_EQ(s->available_permits(), 1u);
    auto zero = all->split(0);
    ASSERT_TRUE(zero);
    EXPECT_EQ(zero->num_permits(), 0u);
    // Merge back, and refuse another semaphore's permit.
    auto two = all->split(2);
    ASSERT_TRUE(two);
    all->merge(std::move(*two));
    EXPECT_EQ(all->num_permits(), 3u);
    EXPECT_EQ(two->num_permits(), 0u);
    auto other = std::make_shared<Semaphore>(1);
    auto o = permit_of(Semaphore::try_acquire_owned(other));
    ASSERT_TRUE(o);
    EXPECT_THROW(all->merge(std::move(*o)), std::invalid_argument);
    EXPECT_EQ(o->num_permits(), 1u);
    // A moved-from owned permit holds nothing (it used to keep its count).
    OwnedSemaphorePermit moved = std::move(*all);
    EXPECT_EQ(all->num_permits(), 0u);
    moved.merge(std::move(*all));
    EXPECT_EQ(moved.num_permits(), 3u);
    all.reset();
    EXPECT_EQ(s->available_permits(), 1u);
    { OwnedSemaphorePermit gone = std::move(moved); }
    EXPECT_EQ(s->available_permits(), 4u);
}

TEST(Semaphore, BlockingAcquireParksAPlainThreadUntilPermitsComeBack) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    Semaphore s(1);
    auto first = s.blocking_acquire();  // free: at once, on this plain thread
    std::atomic<bool> got{false};
    std::thread t([&] {
        SemaphorePermit p = s.blocking_acquire_many(2);
        EXPECT_EQ(p.num_permits(), 2u);
        got = true;
    });
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(got.load());  // parked: 0 free
    // A task gives permits back; the parked thread is woken from a worker.
    rt.block_on([&]() -> weft::Task<void> {
        auto h = weft::spawn([](Semaphore& s, SemaphorePermit p) -> weft::Task<void> {
            co_await weft::time::sleep(5ms);
            s.add_permits(1);
            SemaphorePermit back = std::move(p);  // and p's permit goes back here
            co_return;
        }(s, std::move(first)));
        co_await h;
    });
    t.join();
    EXPECT_TRUE(got.load());
    EXPECT_EQ(s.available_permits(), 2u);
    // From spawn_blocking it is allowed (the blocking pool is for exactly this).
    std::size_t n =
        rt.block_on(rt.spawn_blocking([&] { return s.blocking_acquire(2).num_permits(); }));
    EXPECT_EQ(n, 2u);
}

TEST(Semaphore, BlockingAcquireThrowsWhenTheSemaphoreCloses) {
    Watchdog dog;
    Semaphore s(0);
    std::atomic<bool> threw{false};
    std::thread t([&] {
        try {
            (void)s.blocking_acquire();
        } catch (const AcquireError&) {
            threw = true;
        }
    });
    std::this_thread::sleep_for(10ms);
    s.close();
    t.join();
    EXPECT_TRUE(threw.load());
    EXPECT_THROW((void)s.blocking_acquire(), AcquireError);
}

TEST(Semaphore, BlockingAcquireIsRefusedOnAThreadThatRunsTasks) {
    Semaphore s(1);
    auto check = [&s] {
        try {
            (void)s.blocking_acquire();
            ADD_FAILURE() << "blocking_acquire was not refused";
        } catch (const std::logic_error& e) {
            EXPECT_NE(std::string(e.what()).find("spawn_blocking"), std::string::npos) << e.what();
        }
    };
    for (bool current : {false, true}) {
        weft::Runtime rt = current ? weft::RuntimeBuilder::new_current_thread().build()
                                   : weft::Runtime::builder().worker_threads(1).build();
        rt.block_on([&]() -> weft::Task<void> {
            check();  // block_on's own future
            auto h = weft::spawn([](decltype(check)& check) -> weft::Task<void> {
                check();  // a spawned task
                co_return;
            }(check));
            co_await h;
        });
    }
    weft::LocalExecutor ex;
    ex.run([&]() -> weft::Task<void> {
        check();
        co_return;
    });
    EXPECT_EQ(s.available_permits(), 1u);  // nothing was taken
}

// Plain threads blocking and tasks awaiting share one queue: the holders never exceed the
// permits and every acquire completes (a lost wake-up of a parked thread hangs: the watchdog
// fails it).
TEST(Semaphore, BlockingAndAsyncAcquiresShareTheQueueUnderContention) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    Semaphore s(3);
    std::atomic<int> held{0}, most{0}, done{0};
    auto enter = [&](int n) {
        int now = held += n;
        int m = most.load();
        while (now > m && !most.compare_exchange_weak(m, now)) {
        }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 rng(static_cast<unsigned>(t + 100));
            for (int i = 0; i < 300; ++i) {
                auto n = static_cast<std::size_t>(1 + rng() % 2);
                SemaphorePermit p = s.blocking_acquire(n);
                enter(static_cast<int>(n));
                if (i % 4 == 0) std::this_thread::yield();
                held -= static_cast<int>(n);
            }
            done++;
        });
    }
    rt.block_on([&]() -> weft::Task<void> {
        std::vector<weft::JoinHandle<void>> hs;
        for (int t = 0; t < 4; ++t) {
            hs.push_back(weft::spawn([](Semaphore& s, std::atomic<int>& held,
                                        decltype(enter)& enter, int t) -> weft::Task<void> {
                std::mt19937 rng(static_cast<unsigned>(t));
                for (int i = 0; i < 300; ++i) {
                    auto n = static_cast<std::size_t>(1 + rng() % 3);
                    auto p = co_await s.acquire(n);
                    enter(static_cast<int>(n));
                    if (i % 3 == 0) co_await weft::yield_now();
                    held -= static_cast<int>(n);
                }
            }(s, held, enter, t)));
        }
        for (auto& h : hs)
            co_await h;
    });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(done.load(), 3);
    EXPECT_LE(most.load(), 3);
    EXPECT_EQ(s.available_permits(), 3u);
}
