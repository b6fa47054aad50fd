// task::consume_budget and task::unconstrained (Tokio's cooperative scheduling): 128 awaits a
// poll, then one yield; every task poll starts with a fresh budget; unconstrained never yields.

#include <gtest/gtest.h>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;

namespace {

// Awaits consume_budget `n` times; counts how often `ticks` changed meanwhile, that is how
// often the other task got a turn.
weft::Task<int> spend(int n, const int& ticks) {
    int changes = 0, seen = ticks;
    for (int i = 0; i < n; ++i) {
        co_await weft::task::consume_budget();
        if (ticks != seen) {
            ++changes;
            seen = ticks;
        }
    }
    co_return changes;
}

// The other task: counts its turns until told to stop.
weft::Task<void> ticker(int& ticks, const bool& done) {
    while (!done) {
        ++ticks;
        co_await weft::yield_now();
    }
}

}  // namespace

TEST(Budget, UnconstrainedNeverYields) {
    Watchdog dog;
    weft::LocalExecutor ex;
    int ticks = 0, constrained = -1, unconstrained = -1;
    bool done = false;
    ex.run([&]() -> weft::Task<void> {
        auto other = weft::spawn(ticker(ticks, done));
        constrained = co_await spend(1280, ticks);
        unconstrained = co_await weft::task::unconstrained(spend(1280, ticks));
        done = true;
        co_await other;
    });
    EXPECT_GE(constrained, 9);
    EXPECT_EQ(unconstrained, 0) << "the other task never ran inside unconstrained";
}

// A loop whose awaits are always ready lets another task run once every 128 units, and only
// then: each poll of the task starts with a fresh budget.
TEST(Budget, EachTaskPollStartsWithAFreshBudget) {
    Watchdog dog;
    weft::LocalExecutor ex;
    int ticks = 0, changes = 0;
    bool done = false;
    ex.run([&]() -> weft::Task<void> {
        auto other = weft::spawn(ticker(ticks, done));
        changes = co_await spend(1280, ticks);
        done = true;
        co_await other;
    });
    EXPECT_GE(changes, 9) << "the other task got a turn once each 128 units";
    EXPECT_LE(changes, 11) << "and no more often: the budget was refilled at each poll";
}

TEST(Budget, WorksOnTheMultiThreadRuntimeAndInBlockOn) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    long sum = rt.block_on([]() -> weft::Task<long> {
        auto h = weft::spawn([]() -> weft::Task<long> {
            long s = 0;
            for (int i = 0; i < 10000; ++i) {
                co_await weft::task::consume_budget();
                s += i;
            }
            co_return s;
        });
        long s = 0;
        for (int i = 0; i < 10000; ++i) {
            co_await weft::task::consume_budget();
            s += i;
        }
        co_return s + co_await h;
    });
    EXPECT_EQ(sum, 2L * (10000L * 9999L / 2));
}
