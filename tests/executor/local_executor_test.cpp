#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "support/counting_new.hpp"
#include "support/test_support.hpp"

using namespace weft_test;

namespace {

weft::Task<int> square(int x) {
    co_await weft::yield_now();
    co_return x* x;
}

weft::Task<int> hold(Lifetimes& l) {
    Tracked t(l);
    co_await weft::pending<void>();
    co_return 0;
}

weft::Task<void> yielder(int n, int& counter) {
    for (int i = 0; i < n; ++i) {
        ++counter;
        co_await weft::yield_now();
    }
}

// Runs the executor until every spawned task has ended.
void run_until_no_tasks(weft::LocalExecutor& ex) {
    ex.run([&]() -> weft::Task<void> {
        while (ex.task_count() > 0)
            co_await weft::yield_now();
    });
}

}  // namespace

TEST(LocalExecutor, SpawnAndAwaitHandles) {
    weft::LocalExecutor ex;
    int sum = ex.run([&]() -> weft::Task<int> {
        std::vector<weft::JoinHandle<int>> hs;
        for (int i = 0; i < 10; ++i)
            hs.push_back(ex.spawn(square(i)));
        int s = 0;
        for (auto& h : hs)
            s += co_await h;
        co_return s;
    });
    EXPECT_EQ(sum, 285);
    EXPECT_EQ(ex.task_count(), 0u);
}

TEST(LocalExecutor, TasksSpawnedBeforeRunMakeProgressWhileMainWaits) {
    weft::LocalExecutor ex;
    int counter = 0;
    auto h = ex.spawn(yielder(100, counter));
    ex.run(std::move(h));
    EXPECT_EQ(counter, 100);
}

TEST(LocalExecutor, HandleRethrowsTheTasksExceptionAndTheExecutorRunsOn) {
    weft::LocalExecutor ex;
    auto bad = []() -> weft::Task<int> {
        co_await weft::yield_now();
        throw std::runtime_error("task failed");
    };
    int counter = 0;
    ex.spawn(bad()).detach();  // unobserved failure: dropped, nothing else disturbed
    auto other = ex.spawn(yielder(10, counter));
    auto r = ex.run([&]() -> weft::Task<std::string> {
        std::string what = "no exception";
        try {
            co_await ex.spawn(bad());
        } catch (const std::runtime_error& e) {
            what = e.what();
        }
        co_await other;
        co_return what;
    });
    EXPECT_EQ(r, "task failed");
    EXPECT_EQ(counter, 10);
}

TEST(LocalExecutor, AbortOfASuspendedTaskRunsDestructorsAndThrowsJoinError) {
    weft::LocalExecutor ex;
    Lifetimes l;
    auto h = ex.spawn(hold(l));
    ex.run([&]() -> weft::Task<void> {
        co_await weft::yield_now();  // let the task start and suspend
        EXPECT_EQ(l.alive(), 1);
        EXPECT_FALSE(h.is_finished());
        h.abort();
        EXPECT_THROW(co_await h, weft::JoinError);
    });
    EXPECT_EQ(l.alive(), 0);
    EXPECT_EQ(ex.task_count(), 0u);
}

TEST(LocalExecutor, AbortOfAFinishedTaskKeepsItsOutput) {
    weft::LocalExecutor ex;
    auto h = ex.spawn(weft::ready(11));
    ex.run([&]() -> weft::Task<void> {
        while (!h.is_finished())
            co_await weft::yield_now();
        h.abort();
        EXPECT_EQ(co_await h, 11);
    });
}

TEST(LocalExecutor, AbortBeforeFirstPollNeverRunsTheTask) {
    weft::LocalExecutor ex;
    bool ran = false;
    auto h = ex.spawn([&]() -> weft::Task<void> {
        ran = true;
        co_return;
    });
    h.abort();
    EXPECT_THROW(ex.run(std::move(h)), weft::JoinError);
    EXPECT_FALSE(ran);
}

TEST(LocalExecutor, DetachedTaskRunsToCompletion) {
    weft::LocalExecutor ex;
    int counter = 0;
    ex.spawn(yielder(5, counter)).detach();
    { auto dropped = ex.spawn(yielder(5, counter)); }  // dropping the handle detaches too
    run_until_no_tasks(ex);
    EXPECT_EQ(counter, 10);
}

TEST(LocalExecutor, DroppingTheExecutorCancelsEveryTask) {
    Lifetimes l;
    weft::JoinHandle<int> survivor;
    {
        weft::LocalExecutor ex;
        for (int i = 0; i < 100; ++i)
            ex.spawn(hold(l)).detach();
        survivor = ex.spawn(hold(l));
        ex.run(weft::yield_now());
        while (ex.try_tick()) {
        }
        EXPECT_EQ(l.alive(), 101);
    }
    EXPECT_EQ(l.alive(), 0);
    EXPECT_TRUE(survivor.is_finished());
    EXPECT_THROW(weft::block_on(survivor), weft::JoinError);
}

TEST(LocalExecutor, SpawnedCallableKeepsItsCapturesAlive) {
    weft::LocalExecutor ex;
    auto trig = std::make_shared<Trigger>();
    auto h = ex.spawn([s = std::string(100, 'x'), trig]() -> weft::Task<std::size_t> {
        co_await TriggerFuture(trig);
        co_return s.size();  // the lambda object lives in the task, so `s` is still valid
    });
    std::size_t n = ex.run([&]() -> weft::Task<std::size_t> {
        co_await weft::yield_now();
        trig->complete();
        co_return co_await h;
    });
    EXPECT_EQ(n, 100u);
}

TEST(LocalExecutor, HandWrittenFutureCanBeSpawned) {
    weft::LocalExecutor ex;
    Watchdog dog;
    auto h = ex.spawn(TimerFuture(std::chrono::milliseconds(2)));
    ex.run(std::move(h));
}

TEST(LocalExecutor, ChainedSpawnDepth) {
    weft::LocalExecutor ex;
    int reached = 0;
    struct Chain {
        static weft::Task<void> link(weft::LocalExecutor& ex, int left, int& reached) {
            reached++;
            if (left > 0) ex.spawn(link(ex, left - 1, reached)).detach();
            co_return;
        }
    };
    ex.spawn(Chain::link(ex, 100000, reached)).detach();
    run_until_no_tasks(ex);
    EXPECT_EQ(reached, 100001);
}

// A wake from another thread queues the task and unparks run(); both orders (wake before or
// after run() parks) happen over the rounds.
TEST(LocalExecutor, CrossThreadWakeWakesAParkedLoop) {
    Watchdog dog;
    weft::LocalExecutor ex;
    for (int round = 0; round < 500; ++round) {
        auto trig = std::make_shared<Trigger>();
        auto h =
            ex.spawn([trig]() -> weft::Task<int> { co_return co_await TriggerFuture(trig) + 1; });
        std::thread t([trig, round] {
            while (!trig->has_waker())
                std::this_thread::yield();
            trig->complete(round);
        });
        EXPECT_EQ(ex.run(std::move(h)), round + 1);
        t.join();
    }
}

TEST(LocalExecutor, AbortFromAnotherThreadCancelsOnTheExecutorThread) {
    Watchdog dog;
    weft::LocalExecutor ex;
    struct RecordsThread {
        std::thread::id* where;
        ~RecordsThread() { *where = std::this_thread::get_id(); }
    };
    std::thread::id destroyed_on;
    auto h = ex.spawn([&]() -> weft::Task<void> {
        RecordsThread r{&destroyed_on};
        co_await weft::pending<void>();
    });
    while (ex.try_tick()) {  // the task starts and parks
    }
    std::thread t([&] { h.abort(); });
    t.join();
    EXPECT_EQ(destroyed_on, std::thread::id());  // the aborting thread destroyed nothing
    EXPECT_THROW(ex.run(std::move(h)), weft::JoinError);
    EXPECT_EQ(destroyed_on, std::this_thread::get_id());  // the executor's thread did
}

TEST(LocalExecutor, OneAllocationPerSpawnedTask) {
    if (!kCountsAllocations) GTEST_SKIP() << "allocations are not counted in this build";
    weft::LocalExecutor ex;
    auto spawn_all = [&](int n) {
        for (int i = 0; i < n; ++i)
            ex.spawn(square(i)).detach();
    };
    spawn_all(1000);  // grows the registry once; later spawns reuse its capacity
    while (ex.try_tick()) {
    }
    ASSERT_EQ(ex.task_count(), 0u);
    long before = thread_allocations();
    spawn_all(1000);
    EXPECT_EQ(thread_allocations() - before,
              1000);  // the coroutine frame, header included; nothing else
    while (ex.try_tick()) {
    }
}

TEST(LocalExecutor, WakingAndRequeueingDoNotAllocate) {
    if (!kCountsAllocations) GTEST_SKIP() << "allocations are not counted in this build";
    weft::LocalExecutor ex;
    int counter = 0;
    for (int i = 0; i < 10; ++i)
        ex.spawn(yielder(1000, counter)).detach();
    long before = thread_allocations();
    while (ex.try_tick()) {
    }
    EXPECT_EQ(counter, 10000);
    EXPECT_EQ(thread_allocations() - before, 0);
}

TEST(LocalExecutor, WakerClonesKeepAFinishedTasksHeaderAlive) {
    weft::Waker kept;
    {
        weft::LocalExecutor ex;
        ex.run([&]() -> weft::Task<void> {
            auto h = ex.spawn(weft::poll_fn([&](weft::Context& cx) -> weft::Poll<void> {
                kept = cx.waker();  // a clone that outlives the task and the executor
                return weft::Ready;
            }));
            co_await h;
        });
    }
    // The clone is a real task waker whose task and executor are gone; waking it must be a
    // no-op on a header kept alive by the clone (ASan, which runs this suite, catches a
    // use-after-free here).
    ASSERT_FALSE(kept.is_noop());
    weft::Waker second = kept;
    EXPECT_TRUE(second.will_wake(kept));
    kept.wake_by_ref();
    std::move(kept).wake();
    EXPECT_TRUE(kept.is_noop());
    std::move(second).wake();
}

TEST(LocalExecutor, AnAlwaysReadyTaskDoesNotStarveOthers) {
    Watchdog dog;
    weft::LocalExecutor ex;
    bool stop = false;
    auto spinner = ex.spawn([&]() -> weft::Task<long> {
        long n = 0;
        while (!stop)
            n += co_await weft::ready(1);
        co_return n;
    });
    ex.spawn([&]() -> weft::Task<void> {
          stop = true;
          co_return;
      }).detach();
    EXPECT_GT(ex.run(std::move(spinner)), 0);
}
