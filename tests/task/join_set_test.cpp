// weft::JoinSet: outputs in completion order, exceptions and aborts joined one by one,
// dropping the set aborts its tasks (their destructors run), shutdown, try_join_next,
// JoinSet<void>, and 20,000 tasks joined across 2 workers.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using weft::JoinSet;

namespace {

weft::Task<int> when_triggered(std::shared_ptr<Trigger> t, int v) {
    co_await TriggerFuture(t);
    co_return v;
}

std::vector<std::shared_ptr<Trigger>> triggers(int n) {
    std::vector<std::shared_ptr<Trigger>> ts;
    for (int i = 0; i < n; ++i)
        ts.push_back(std::make_shared<Trigger>());
    return ts;
}

// Completes the triggers in `order`, one per turn of the executor.
weft::Task<void> complete_in_order(std::vector<std::shared_ptr<Trigger>>& ts,
                                   std::vector<int> order) {
    for (int i : order) {
        co_await weft::yield_now();
        ts[static_cast<std::size_t>(i)]->complete();
    }
}

// Spawns one task per trigger into `set`; task i returns i * scale.
void spawn_triggered(JoinSet<int>& set, const std::vector<std::shared_ptr<Trigger>>& ts,
                     int scale) {
    for (std::size_t i = 0; i < ts.size(); ++i)
        set.spawn(when_triggered(ts[i], static_cast<int>(i) * scale));
}

void run_until_stalled(weft::LocalExecutor& ex) {
    while (ex.try_tick()) {
    }
}

}  // namespace

TEST(JoinSet, JoinsInCompletionOrderThenEnds) {
    Watchdog dog;
    weft::LocalExecutor ex;
    auto ts = triggers(3);
    std::vector<int> got;
    ex.run([&]() -> weft::Task<void> {
        JoinSet<int> set;
        spawn_triggered(set, ts, 1);
        EXPECT_EQ(set.len(), 3u);
        auto order = weft::spawn(complete_in_order(ts, {2, 0, 1}));
        while (auto v = co_await set.join_next())
            got.push_back(*v);
        EXPECT_TRUE(set.is_empty());
        EXPECT_EQ(co_await set.join_next(), std::nullopt) << "an empty set ends at once";
        co_await order;
    });
    EXPECT_EQ(got, (std::vector<int>{2, 0, 1}));
}

TEST(JoinSet, ExceptionsAndAbortsAreJoinedOneByOneAndTheSetGoesOn) {
    weft::LocalExecutor ex;
    auto trigger = std::make_shared<Trigger>();
    ex.run([&]() -> weft::Task<void> {
        JoinSet<int> set;
        set.spawn([]() -> weft::Task<int> {
            co_await weft::yield_now();
            throw std::runtime_error("task failed");
        });
        weft::AbortHandle stuck = set.spawn(when_triggered(trigger, 1));
        set.spawn([]() -> weft::Task<int> {
            co_await weft::yield_now();
            co_await weft::yield_now();
            co_return 7;
        });
        stuck.abort();
        int ok = 0, failed = 0, aborted = 0;
        while (!set.is_empty()) {
            try {
                auto v = co_await set.join_next();
                EXPECT_EQ(v, 7);
                ++ok;
            } catch (const weft::JoinError&) {
                ++aborted;
            } catch (const std::runtime_error& e) {
                EXPECT_STREQ(e.what(), "task failed");
                ++failed;
            }
        }
        EXPECT_EQ(ok, 1);
        EXPECT_EQ(failed, 1);
        EXPECT_EQ(aborted, 1);
    });
}

TEST(JoinSet, DestroyingTheSetAbortsItsTasksAndRunsTheirDestructors) {
    weft::LocalExecutor ex;
    Lifetimes life;
    auto trigger = std::make_shared<Trigger>();
    {
        JoinSet<int> set;
        for (int i = 0; i < 5; ++i) {
            set.spawn_on(ex, [](Lifetimes& life, std::shared_ptr<Trigger> t) -> weft::Task<int> {
                Tracked held(life);
                co_return co_await TriggerFuture(t);  // never completed
            }(life, trigger));
        }
        run_until_stalled(ex);
        EXPECT_EQ(life.alive(), 5);
    }
    run_until_stalled(ex);
    EXPECT_EQ(life.alive(), 0) << "a task outlived its JoinSet";
    EXPECT_EQ(ex.task_count(), 0u);
}

TEST(JoinSet, ShutdownAbortsAndWaitsForEveryTask) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    Lifetimes life;
    rt.block_on([&]() -> weft::Task<void> {
        JoinSet<void> set;
        for (int i = 0; i < 8; ++i) {
            set.spawn([](Lifetimes& life) -> weft::Task<void> {
                Tracked held(life);
                co_await weft::time::sleep(std::chrono::hours(1));
            }(life));
        }
        set.spawn([]() -> weft::Task<void> { co_return; });  // finishes first
        co_await weft::yield_now();
        co_await set.shutdown();
        EXPECT_TRUE(set.is_empty());
        EXPECT_EQ(life.alive(), 0) << "shutdown returned before a task was destroyed";
    });
}

TEST(JoinSet, TryJoinNextAndVoidOutputs) {
    weft::LocalExecutor ex;
    ex.run([&]() -> weft::Task<void> {
        JoinSet<void> set;
        EXPECT_EQ(set.try_join_next(), std::nullopt);
        set.spawn([]() -> weft::Task<void> { co_return; });
        EXPECT_EQ(set.try_join_next(), std::nullopt) << "not run yet";
        co_await weft::yield_now();
        EXPECT_TRUE(set.try_join_next().has_value());
        EXPECT_TRUE(set.is_empty());
    });
}

// 20,000 tasks on 2 workers, spawned from a worker and joined as they finish: every output
// arrives exactly once, and a lost wake-up of the set trips the watchdog.
TEST(JoinSet, JoinsManyTasksAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    static constexpr int kTasks = 20000;
    std::vector<int> seen(kTasks, 0);
    rt.block_on(rt.spawn([&]() -> weft::Task<void> {
        JoinSet<int> set;
        for (int i = 0; i < kTasks; ++i) {
            set.spawn([](int i) -> weft::Task<int> {
                if (i % 3 == 0) co_await weft::yield_now();
                co_return i;
            }(i));
        }
        while (auto v = co_await set.join_next())
            seen[static_cast<std::size_t>(*v)]++;
    }));
    for (int i = 0; i < kTasks; ++i)
        ASSERT_EQ(seen[static_cast<std::size_t>(i)], 1) << i;
}

// ---- issue 16: join_all (Tokio's) ----

TEST(JoinSet, JoinAllGivesEveryOutputInCompletionOrder) {
    Watchdog dog;
    weft::LocalExecutor ex;
    auto ts = triggers(4);
    std::vector<int> got;
    ex.run([&]() -> weft::Task<void> {
        JoinSet<int> set;
        spawn_triggered(set, ts, 10);
        auto order = weft::spawn(complete_in_order(ts, {3, 1, 0, 2}));
        got = co_await set.join_all();
        EXPECT_TRUE(set.is_empty());
        co_await order;
        JoinSet<int> empty;
        auto none = co_await empty.join_all();
        EXPECT_TRUE(none.empty());
        JoinSet<void> voids;
        for (int i = 0; i < 3; ++i)
            voids.spawn([]() -> weft::Task<void> { co_return; });
        auto units = co_await voids.join_all();
        EXPECT_EQ(units.size(), 3u);
    });
    EXPECT_EQ(got, (std::vector<int>{30, 10, 0, 20}));
}

TEST(JoinSet, JoinAllRethrowsATasksExceptionAndAbortsTheRest) {
    Watchdog dog;
    weft::LocalExecutor ex;
    Lifetimes life;
    auto never = std::make_shared<Trigger>();
    ex.run([&]() -> weft::Task<void> {
        JoinSet<int> set;
        for (int i = 0; i < 3; ++i) {
            set.spawn([](Lifetimes& life, std::shared_ptr<Trigger> t) -> weft::Task<int> {
                Tracked held(life);
                co_return co_await TriggerFuture(t);  // never completed
            }(life, never));
        }
        set.spawn([]() -> weft::Task<int> {
            co_await weft::yield_now();
            throw std::runtime_error("task failed");
        });
        try {
            (void)co_await set.join_all();
            ADD_FAILURE() << "join_all did not rethrow";
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "task failed");
        }
        EXPECT_EQ(set.len(), 3u) << "the other tasks stay in the set, aborted";
        int aborted = 0;
        while (!set.is_empty()) {
            try {
                auto next = set.join_next();
                (void)co_await next;
            } catch (const weft::JoinError&) {
                ++aborted;
            }
        }
        EXPECT_EQ(aborted, 3);
        EXPECT_EQ(life.alive(), 0);
    });
}

TEST(JoinSet, JoinAllThrowsTheJoinErrorOfAnAbortedTask) {
    weft::LocalExecutor ex;
    auto never = std::make_shared<Trigger>();
    ex.run([&]() -> weft::Task<void> {
        JoinSet<int> set;
        weft::AbortHandle stuck = set.spawn(when_triggered(never, 1));
        set.spawn(when_triggered(never, 2));
        stuck.abort();
        EXPECT_THROW((void)co_await set.join_all(), weft::JoinError);
        EXPECT_EQ(set.len(), 1u);
        co_await set.shutdown();
    });
}

// join_all across 2 workers: 5,000 tasks; every output arrives exactly once (a lost wake-up of
// the set trips the watchdog).
TEST(JoinSet, JoinAllJoinsManyTasksAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    static constexpr int kTasks = 5000;
    std::vector<int> outs = rt.block_on(rt.spawn([]() -> weft::Task<std::vector<int>> {
        JoinSet<int> set;
        for (int i = 0; i < kTasks; ++i) {
            set.spawn([](int i) -> weft::Task<int> {
                if (i % 3 == 0) co_await weft::yield_now();
                co_return i;
            }(i));
        }
        co_return co_await set.join_all();
    }));
    ASSERT_EQ(outs.size(), static_cast<std::size_t>(kTasks));
    std::vector<int> seen(kTasks, 0);
    for (int v : outs)
        seen[static_cast<std::size_t>(v)]++;
    for (int i = 0; i < kTasks; ++i)
        EXPECT_EQ(seen[static_cast<std::size_t>(i)], 1) << i;
}
