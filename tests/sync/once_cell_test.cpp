// weft::sync::OnceCell: the initialiser runs once while concurrent callers wait; a failed or
// cancelled initialiser lets the next caller try; set / get / take; and a race of many tasks on
// 2 workers with failing initialisers.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::sync::OnceCell;
using weft::sync::SetError;

namespace {
// Runs the executor's ready tasks until none is left ready.
void run_until_stalled(weft::LocalExecutor& ex) {
    while (ex.try_tick()) {
    }
}
}  // namespace

TEST(OnceCell, ConcurrentCallersWaitForTheOneInitialiser) {
    Watchdog dog;
    weft::LocalExecutor ex;
    OnceCell<std::string> cell;
    int inits = 0;
    std::vector<std::string> seen;
    auto caller = [](OnceCell<std::string>& cell, int& inits,
                     std::vector<std::string>& seen) -> weft::Task<void> {
        auto init = [&inits]() -> weft::Task<std::string> {
            ++inits;
            co_await weft::yield_now();  // the other callers arrive meanwhile, and wait
            co_await weft::yield_now();
            co_return "config";
        };
        const std::string& v = co_await cell.get_or_init(init);
        seen.push_back(v);
    };
    for (int i = 0; i < 5; ++i)
        ex.spawn(caller(cell, inits, seen)).detach();
    run_until_stalled(ex);
    EXPECT_EQ(inits, 1);
    ASSERT_EQ(seen.size(), 5u);
    for (const std::string& s : seen)
        EXPECT_EQ(s, "config");
    ASSERT_NE(cell.get(), nullptr);
    EXPECT_EQ(*cell.get(), "config");
    EXPECT_TRUE(cell.initialized());
}

TEST(OnceCell, AFailedInitialiserLetsTheNextCallerTry) {
    Watchdog dog;
    weft::LocalExecutor ex;
    OnceCell<int> cell;
    int inits = 0;
    std::vector<std::string> outcome(3);
    auto caller = [](OnceCell<int>& cell, int& inits, std::string& out) -> weft::Task<void> {
        auto init = [&inits]() -> weft::Task<int> {
            int me = ++inits;
            co_await weft::yield_now();
            if (me == 1) throw std::runtime_error("disk on fire");
            co_return 10 * me;
        };
        try {
            int v = co_await cell.get_or_init(init);
            out = std::to_string(v);
        } catch (const std::runtime_error& e) {
            out = e.what();
        }
    };
    for (int i = 0; i < 3; ++i)
        ex.spawn(caller(cell, inits, outcome[static_cast<std::size_t>(i)])).detach();
    run_until_stalled(ex);
    EXPECT_EQ(inits, 2) << "the second caller retries; the third waits for it";
    EXPECT_EQ(outcome[0], "disk on fire") << "the error goes to the caller that ran the init";
    EXPECT_EQ(outcome[1], "20");
    EXPECT_EQ(outcome[2], "20");
}

TEST(OnceCell, ACancelledInitialiserIsDestroyedAndTheNextCallerTakesOver) {
    Watchdog dog;
    weft::LocalExecutor ex;
    OnceCell<int> cell;
    Lifetimes life;
    auto trigger = std::make_shared<Trigger>();
    auto first = ex.spawn(
        [](OnceCell<int>& cell, Lifetimes& life, std::shared_ptr<Trigger> t) -> weft::Task<int> {
            auto init = [&life, t]() -> weft::Task<int> {
                Tracked local(life);
                co_return co_await TriggerFuture(t);  // never completed: the task is aborted
            };
            co_return co_await cell.get_or_init(init);
        }(cell, life, trigger));
    auto second = ex.spawn([](OnceCell<int>& cell) -> weft::Task<int> {
        auto init = []() -> weft::Task<int> { co_return 2; };
        co_return co_await cell.get_or_init(init);
    }(cell));
    run_until_stalled(ex);
    EXPECT_EQ(life.alive(), 1) << "the first initialiser is running";
    EXPECT_FALSE(cell.initialized());
    first.abort();
    run_until_stalled(ex);
    EXPECT_EQ(life.alive(), 0) << "the cancelled initialiser's locals were destroyed";
    EXPECT_TRUE(cell.initialized());
    EXPECT_EQ(*cell.get(), 2);
    int v = 0;
    ex.run([](weft::JoinHandle<int> h, int& v) -> weft::Task<void> { v = co_await h; }(
                                                   std::move(second), v));
    EXPECT_EQ(v, 2);
}

TEST(OnceCell, SetGetAndTake) {
    OnceCell<std::unique_ptr<int>> cell;
    EXPECT_EQ(cell.get(), nullptr);
    EXPECT_FALSE(cell.take());
    auto r = cell.set(std::make_unique<int>(1));
    EXPECT_TRUE(r.ok());
    auto again = cell.set(std::make_unique<int>(2));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error(), SetError::AlreadyInitialized);
    EXPECT_EQ(*std::move(again).into_value(), 2) << "a refused value is handed back";
    ASSERT_NE(cell.get(), nullptr);
    EXPECT_EQ(**cell.get(), 1);
    std::optional<std::unique_ptr<int>> out = cell.take();
    ASSERT_TRUE(out);
    EXPECT_EQ(**out, 1);
    EXPECT_FALSE(cell.initialized());
    // Usable again after take: get_or_init runs a new initialiser.
    int v = weft::block_on([](OnceCell<std::unique_ptr<int>>& cell) -> weft::Task<int> {
        auto init = []() -> weft::Task<std::unique_ptr<int>> {
            co_return std::make_unique<int>(3);
        };
        const std::unique_ptr<int>& p = co_await cell.get_or_init(init);
        co_return *p;
    }(cell));
    EXPECT_EQ(v, 3);
    OnceCell<int> full(7);
    EXPECT_TRUE(full.initialized());
    EXPECT_EQ(*full.get(), 7);
}

TEST(OnceCell, SetWhileAnInitialiserRunsIsRefused) {
    weft::LocalExecutor ex;
    OnceCell<int> cell;
    auto trigger = std::make_shared<Trigger>();
    auto h = ex.spawn([](OnceCell<int>& cell, std::shared_ptr<Trigger> t) -> weft::Task<int> {
        auto init = [t]() -> weft::Task<int> { co_return co_await TriggerFuture(t); };
        co_return co_await cell.get_or_init(init);
    }(cell, trigger));
    run_until_stalled(ex);
    auto r = cell.set(5);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), SetError::Initializing);
    trigger->complete(9);
    int v = 0;
    ex.run([](weft::JoinHandle<int> h, int& v) -> weft::Task<void> { v = co_await h; }(std::move(h),
                                                                                       v));
    EXPECT_EQ(v, 9);
    EXPECT_EQ(*cell.get(), 9);
}

// 200 rounds on 2 workers: 8 tasks race get_or_init on a fresh cell with an initialiser that
// yields and then fails with probability 1/2. In each round exactly one initialiser succeeds,
// every caller that did not see its own initialiser fail gets that value, and nobody hangs (a
// lost hand-over of the permit trips the watchdog).
TEST(OnceCell, RacingCallersAcrossWorkersSeeOneValue) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    int bad = 0;
    rt.block_on([](int& bad) -> weft::Task<void> {
        for (int round = 0; round < 200; ++round) {
            OnceCell<int> cell;
            std::atomic<int> successes{0}, failures{0};
            std::vector<weft::JoinHandle<int>> hs;
            hs.reserve(8);
            for (int t = 0; t < 8; ++t) {
                hs.push_back(
                    weft::spawn([](OnceCell<int>& cell, std::atomic<int>& successes,
                                   std::atomic<int>& failures, int seed) -> weft::Task<int> {
                        auto init = [&successes, &failures, seed]() -> weft::Task<int> {
                            co_await weft::yield_now();
                            if (std::minstd_rand(static_cast<unsigned>(seed))() % 2 == 0) {
                                failures++;
                                throw std::runtime_error("init failed");
                            }
                            successes++;
                            co_return 1000 + seed;
                        };
                        try {
                            co_return co_await cell.get_or_init(init);
                        } catch (const std::runtime_error&) {
                            co_return -1;
                        }
                    }(cell, successes, failures, round * 8 + t + 1)));
            }
            int failed_callers = 0;
            for (auto& h : hs) {
                int v = co_await h;
                if (v == -1) {
                    ++failed_callers;
                } else if (cell.get() == nullptr || v != *cell.get()) {
                    ++bad;
                }
            }
            if (failed_callers != failures.load()) ++bad;  // each failure reached one caller
            if (failures.load() < 8 && successes.load() != 1) ++bad;
            if (failures.load() == 8 && cell.initialized()) ++bad;
        }
    }(bad));
    EXPECT_EQ(bad, 0);
}
