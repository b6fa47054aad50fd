#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.hpp"

using namespace weft_test;

namespace {

// Pending `n` times (waking itself each time), then ready with `v`.
weft::Task<int> after(int n, int v) {
    for (int i = 0; i < n; ++i)
        co_await weft::yield_now();
    co_return v;
}

weft::Task<int> fail_after(int n) {
    for (int i = 0; i < n; ++i)
        co_await weft::yield_now();
    throw std::runtime_error("failed after " + std::to_string(n));
}

weft::Task<int> hold_forever(Lifetimes& l) {
    Tracked t(l);
    co_await weft::pending<void>();
    co_return 0;
}

}  // namespace

TEST(Join, ReturnsEveryOutputInOrderAndRunsConcurrently) {
    std::vector<int> log;
    auto step = [&log](int id, int n) -> weft::Task<int> {
        for (int i = 0; i < n; ++i) {
            log.push_back(id);
            co_await weft::yield_now();
        }
        co_return id;
    };
    auto [a, b, c] =
        weft::block_on(weft::join(step(1, 2), step(2, 2), weft::ready(std::string("x"))));
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, 2);
    EXPECT_EQ(c, "x");
    // Interleaved: concurrent on one thread. The second poll starts at the second child (join
    // rotates the child it polls first).
    EXPECT_EQ(log, (std::vector<int>{1, 2, 2, 1}));
}

TEST(Join, VoidOutputsBecomeMonostate) {
    auto v = []() -> weft::Task<void> { co_return; };
    auto [x, y] = weft::block_on(weft::join(v(), after(1, 5)));
    EXPECT_EQ(x, std::monostate{});
    EXPECT_EQ(y, 5);
}

TEST(Join, WaitsForAllThenRethrowsTheFirstException) {
    bool slow_finished = false;
    auto slow = [&]() -> weft::Task<int> {
        co_await after(5, 0);
        slow_finished = true;
        co_return 1;
    };
    EXPECT_THROW(weft::block_on(weft::join(fail_after(1), slow())), std::runtime_error);
    EXPECT_TRUE(slow_finished);
}

TEST(TryJoin, FirstExceptionCancelsTheOthers) {
    Lifetimes l;
    try {
        weft::block_on(weft::try_join(hold_forever(l), fail_after(2)));
        FAIL() << "try_join did not throw";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "failed after 2");
    }
    EXPECT_EQ(l.made, 1);
    EXPECT_EQ(l.alive(), 0);  // the pending sibling was destroyed
}

TEST(TryJoin, AllSucceed) {
    auto [a, b] = weft::block_on(weft::try_join(after(2, 1), after(1, 2)));
    EXPECT_EQ(a + b, 3);
}

TEST(JoinAll, OutputsInRangeOrder) {
    std::vector<weft::Task<int>> tasks;
    for (int i = 0; i < 20; ++i)
        tasks.push_back(after(20 - i, i * i));
    std::vector<int> out = weft::block_on(weft::join_all(std::move(tasks)));
    ASSERT_EQ(out.size(), 20u);
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(out[i], i * i);
}

TEST(JoinAll, RethrowsAfterAllFinished) {
    std::vector<weft::Task<int>> tasks;
    tasks.push_back(after(3, 1));
    tasks.push_back(fail_after(1));
    EXPECT_THROW(weft::block_on(weft::join_all(std::move(tasks))), std::runtime_error);
}

TEST(Select, FirstReadyWinsAndLosersAreDroppedAtOnce) {
    Lifetimes l;
    auto sel = weft::select(hold_forever(l), after(2, 7));
    weft::Context cx(weft::Waker::noop());
    std::optional<std::variant<int, int>> out;
    for (int i = 0; i < 10 && !out; ++i) {
        auto p = sel.poll(cx);
        if (p.is_ready()) out = std::move(p).value();
    }
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->index(), 1u);
    EXPECT_EQ(std::get<1>(*out), 7);
    EXPECT_EQ(l.alive(), 0);  // dropped when select completed, before `sel` itself is destroyed
}

TEST(Select, ExceptionWinsAndIsRethrown) {
    Lifetimes l;
    EXPECT_THROW(weft::block_on(weft::select(hold_forever(l), fail_after(1))), std::runtime_error);
    EXPECT_EQ(l.alive(), 0);
}

TEST(Select, TiesGoToTheEarlierArgument) {
    auto r = weft::block_on(weft::select(weft::ready(1), weft::ready(2)));
    EXPECT_EQ(r.index(), 0u);
}

TEST(Select, WorksWithAHandWrittenTimer) {
    Watchdog dog;
    auto r = weft::block_on(
        weft::select(weft::pending<int>(), TimerFuture(std::chrono::milliseconds(2))));
    EXPECT_EQ(r.index(), 1u);
}

TEST(Leaves, ReadyPendingPollFnYieldNow) {
    weft::Context cx(weft::Waker::noop());
    auto r = weft::ready(3);
    EXPECT_EQ(r.poll(cx).value(), 3);
    EXPECT_THROW((void)r.poll(cx), std::logic_error);
    auto p = weft::pending<int>();
    EXPECT_TRUE(p.poll(cx).is_pending());

    CountingWaker c;
    weft::Waker w = c.make();
    weft::Context cx2(w);
    auto y = weft::yield_now();
    EXPECT_TRUE(y.poll(cx2).is_pending());
    EXPECT_EQ(c.wakes_by_ref, 1);  // it woke itself so it will be polled again
    EXPECT_TRUE(y.poll(cx2).is_ready());

    int calls = 0;
    auto f = weft::poll_fn([&](weft::Context&) -> weft::Poll<int> {
        if (++calls < 3) return weft::Pending;
        return calls;
    });
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(f.poll(cx).value(), 3);
}

#if WEFT_PIN_CHECKS
TEST(PinCheckDeathTest, MovingAPolledCombinatorAsserts) {
    auto j = weft::join(weft::pending<int>());
    weft::Context cx(weft::Waker::noop());
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_DEATH(
        {
            auto moved = std::move(j);
            (void)moved;
        },
        "moved or copied after it was polled");
}
#endif
