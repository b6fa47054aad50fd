// weft::sync::Mutex: mutual exclusion with the guard held across co_await (2 workers, and two
// tasks on one thread, where a std::mutex held across the await would deadlock), FIFO order,
// try_lock never taking the lock from a waiter, cancel safety, and owned guards.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::sync::Mutex;
using weft::sync::MutexGuard;

namespace {
using IntMutex = Mutex<int>;
}  // namespace

TEST(Mutex, ExcludesAcrossWorkersWithTheGuardHeldOverAwaits) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    Mutex<long> counter(0);
    std::atomic<int> inside{0}, most{0};
    rt.block_on([&]() -> weft::Task<void> {
        std::vector<weft::JoinHandle<void>> hs;
        for (int t = 0; t < 8; ++t) {
            hs.push_back(weft::spawn([](Mutex<long>& m, std::atomic<int>& inside,
                                        std::atomic<int>& most) -> weft::Task<void> {
                for (int i = 0; i < 500; ++i) {
                    auto g = co_await m.lock();
                    int now = ++inside;
                    if (now > most.load()) most = now;
                    long v = *g;
                    co_await weft::yield_now();  // still locked across the await
                    *g = v + 1;
                    --inside;
                }
            }(counter, inside, most)));
        }
        for (auto& h : hs)
            co_await h;
    });
    EXPECT_EQ(counter.get_mut(), 8 * 500) << "an increment was lost: two holders at once";
    EXPECT_EQ(most.load(), 1);
}

TEST(Mutex, TwoTasksOnOneThreadHoldItAcrossSleepsWithoutDeadlock) {
    Watchdog dog;
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    Mutex<std::vector<int>> log;
    rt.block_on([&]() -> weft::Task<void> {
        auto writer = [](Mutex<std::vector<int>>& log, int id) -> weft::Task<void> {
            for (int i = 0; i < 5; ++i) {
                auto g = co_await log.lock();
                g->push_back(id);
                co_await weft::time::sleep(1ms);  // the other task runs meanwhile, and waits
                g->push_back(id);
            }
        };
        co_await weft::join(writer(log, 1), writer(log, 2));
    });
    const std::vector<int>& v = log.get_mut();
    ASSERT_EQ(v.size(), 20u);
    for (std::size_t i = 0; i < v.size(); i += 2)
        EXPECT_EQ(v[i], v[i + 1]) << "another task got in while the guard was held";
}

TEST(Mutex, WaitersGetTheLockInOrderAndTryLockNeverTakesIt) {
    IntMutex m(0);
    CountingWaker wa, wb;
    auto held = m.try_lock();
    ASSERT_TRUE(held);
    IntMutex::LockFuture a = m.lock(), b = m.lock();
    EXPECT_FALSE(poll_output(a, wa));
    EXPECT_FALSE(poll_output(b, wb));
    held.reset();  // unlock: to a, the first waiter
    EXPECT_EQ(wa.total_wakes(), 1);
    EXPECT_EQ(wb.total_wakes(), 0);
    EXPECT_FALSE(m.try_lock()) << "try_lock took the lock handed to a waiter";
    auto ga = poll_output(a, wa);
    ASSERT_TRUE(ga);
    **ga = 7;
    EXPECT_FALSE(poll_output(b, wb));
    ga.reset();
    auto gb = poll_output(b, wb);
    ASSERT_TRUE(gb);
    EXPECT_EQ(**gb, 7);
    gb.reset();
    EXPECT_TRUE(m.try_lock()) << "free again";
}

TEST(Mutex, ADroppedLockNeitherKeepsTheMutexNorSkipsTheNextWaiter) {
    IntMutex m(0);
    CountingWaker wa, wb;
    auto held = m.try_lock();
    auto a = std::make_unique<IntMutex::LockFuture>(m.lock());
    IntMutex::LockFuture b = m.lock();
    EXPECT_FALSE(poll_output(*a, wa));
    EXPECT_FALSE(poll_output(b, wb));
    held.reset();  // handed to a ...
    a.reset();     // ... which is dropped before it takes it: b is next
    EXPECT_EQ(wb.total_wakes(), 1);
    auto gb = poll_output(b, wb);
    ASSERT_TRUE(gb);
    gb.reset();
    EXPECT_TRUE(m.try_lock()) << "the dropped lock left the mutex locked";
}

TEST(Mutex, AnOwnedGuardMovesIntoASpawnedTask) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    auto m = std::make_shared<Mutex<int>>(1);
    rt.block_on([&]() -> weft::Task<void> {
        weft::sync::OwnedMutexGuard<int> g = co_await Mutex<int>::lock_owned(m);
        auto h = weft::spawn([](weft::sync::OwnedMutexGuard<int> g) -> weft::Task<void> {
            *g += 41;
            co_return;
        }(std::move(g)));
        co_await h;
        auto again = co_await m->lock();  // free once the task dropped the guard
        EXPECT_EQ(*again, 42);
    });
}

// ---- issue 16: try_lock_owned and into_inner (Tokio's) ----

TEST(Mutex, TryLockOwnedKeepsTheMutexAliveAndNeverTakesItFromAWaiter) {
    auto m = std::make_shared<IntMutex>(1);
    std::optional<weft::sync::OwnedMutexGuard<int>> g = IntMutex::try_lock_owned(m);
    ASSERT_TRUE(g);
    EXPECT_FALSE(IntMutex::try_lock_owned(m)) << "locked";
    EXPECT_FALSE(m->try_lock());
    **g = 2;
    std::weak_ptr<IntMutex> weak = m;
    m.reset();  // the guard keeps the mutex alive
    ASSERT_FALSE(weak.expired());
    m = weak.lock();
    // A waiter queued: the lock given back goes to it, not to try_lock_owned.
    CountingWaker w;
    IntMutex::LockFuture a = m->lock();
    EXPECT_FALSE(poll_output(a, w));
    g.reset();
    EXPECT_EQ(w.total_wakes(), 1);
    EXPECT_FALSE(IntMutex::try_lock_owned(m)) << "try_lock_owned took the lock from a waiter";
    auto ga = poll_output(a, w);
    ASSERT_TRUE(ga);
    EXPECT_EQ(**ga, 2);
    ga.reset();
    EXPECT_TRUE(IntMutex::try_lock_owned(m)) << "free again";
}

TEST(Mutex, AGuardFromTryLockOwnedMovesIntoASpawnedTask) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    auto m = std::make_shared<IntMutex>(1);
    rt.block_on([&]() -> weft::Task<void> {
        auto g = IntMutex::try_lock_owned(m);
        EXPECT_TRUE(g);
        auto h = weft::spawn([](weft::sync::OwnedMutexGuard<int> g) -> weft::Task<void> {
            co_await weft::yield_now();
            *g += 41;
        }(std::move(*g)));
        g.reset();
        co_await h;
        auto again = co_await m->lock();
        EXPECT_EQ(*again, 42);
    });
}

TEST(Mutex, IntoInnerMovesTheValueOutAndRefusesWhileLocked) {
    Mutex<std::unique_ptr<int>> m(std::make_unique<int>(5));
    {
        auto g = m.try_lock();
        ASSERT_TRUE(g);
        EXPECT_THROW((void)std::move(m).into_inner(), std::logic_error);
        EXPECT_NE(**g, nullptr) << "a refused into_inner leaves the value";
    }
    std::unique_ptr<int> v = std::move(m).into_inner();
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(*v, 5);
}
