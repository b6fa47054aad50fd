#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "support/test_support.hpp"

using namespace weft_test;

namespace {

weft::Task<int> answer() {
    co_return 42;
}
weft::Task<int> add_one(weft::Task<int> inner) {
    co_return 1 + co_await inner;
}

weft::Task<int> deep(int n) {
    if (n == 0) co_return 0;
    co_return 1 + co_await deep(n - 1);
}

weft::Task<void> deep_pending(int n, Lifetimes& l, std::shared_ptr<Trigger> t) {
    Tracked tracked(l);
    if (n == 0) {
        co_await TriggerFuture(t);
        co_return;
    }
    co_await deep_pending(n - 1, l, t);
}

weft::Task<int> thrower() {
    throw std::runtime_error("boom");
    co_return 0;
}

}  // namespace

TEST(Task, IsLazy) {
    bool ran = false;
    auto f = [&]() -> weft::Task<void> {
        ran = true;
        co_return;
    };
    {
        auto t = f();
        EXPECT_FALSE(ran);
    }
    EXPECT_FALSE(ran);  // destroyed without ever running
    weft::block_on(f());
    EXPECT_TRUE(ran);
}

TEST(Task, AwaitsTasksAndFutures) {
    EXPECT_EQ(weft::block_on(add_one(answer())), 43);
    auto f = []() -> weft::Task<int> { co_return co_await weft::ready(7) + co_await answer(); };
    EXPECT_EQ(weft::block_on(f()), 49);
}

TEST(Task, ExceptionPropagatesToTheAwaiter) {
    auto outer = []() -> weft::Task<std::string> {
        try {
            co_await thrower();
        } catch (const std::runtime_error& e) {
            co_return e.what();
        }
        co_return "no exception";
    };
    EXPECT_EQ(weft::block_on(outer()), "boom");
    EXPECT_THROW(weft::block_on(thrower()), std::runtime_error);
}

TEST(Task, ExceptionFromAFuturesPollReachesTheCoroutine) {
    auto fails_later = weft::poll_fn([n = 0](weft::Context& cx) mutable -> weft::Poll<int> {
        if (++n < 3) {
            cx.waker().wake_by_ref();
            return weft::Pending;
        }
        throw std::logic_error("poll failed");
    });
    auto t = [](auto fut) -> weft::Task<bool> {
        try {
            co_await fut;
        } catch (const std::logic_error&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(weft::block_on(t(std::move(fails_later))));
}

TEST(Task, DrivenByHandWithOwnWaker) {
    auto trig = std::make_shared<Trigger>();
    auto t = [](std::shared_ptr<Trigger> trig) -> weft::Task<int> {
        int v = co_await TriggerFuture(trig);
        co_return v * 2;
    }(trig);
    CountingWaker counting;
    {
        weft::Waker w = counting.make();
        weft::Context cx(w);
        EXPECT_TRUE(t.poll(cx).is_pending());
        EXPECT_EQ(counting.live(), 2);  // ours + the one the future stored
        trig->complete(21);             // wakes (consumes) the stored waker
        EXPECT_EQ(counting.wakes, 1);
        auto p = t.poll(cx);
        ASSERT_TRUE(p.is_ready());
        EXPECT_EQ(p.value(), 42);
        EXPECT_FALSE(t.valid());
        EXPECT_THROW((void)t.poll(cx), std::logic_error);
    }
    EXPECT_EQ(counting.live(), 0);
}

TEST(Task, HandWrittenTimerFutureCanBeAwaited) {
    auto t = []() -> weft::Task<int> {
        co_await TimerFuture(std::chrono::milliseconds(5));
        co_return 1;
    };
    Watchdog dog;
    EXPECT_EQ(weft::block_on(t()), 1);
}

TEST(Task, DestroyingASuspendedTaskRunsEveryDestructorAndReleasesWakers) {
    Lifetimes l;
    auto trig = std::make_shared<Trigger>();
    CountingWaker counting;
    {
        auto t = deep_pending(50, l, trig);
        weft::Waker w = counting.make();
        weft::Context cx(w);
        EXPECT_TRUE(t.poll(cx).is_pending());
        EXPECT_EQ(l.alive(), 51);
        EXPECT_TRUE(trig->has_waker());
    }
    EXPECT_EQ(l.alive(), 0);
    EXPECT_EQ(trig.use_count(), 1);  // every frame holding the trigger is gone
    // The waker the leaf stored lives in the trigger (the future's shared state), not the task.
    trig->complete();
    EXPECT_EQ(counting.live(), 0);
}

TEST(Task, CancellationRunsDestructorsInnermostFirst) {
    std::vector<int> order;
    struct Mark {
        std::vector<int>* o;
        int id;
        ~Mark() { o->push_back(id); }
    };
    auto inner = [](std::vector<int>* o) -> weft::Task<void> {
        Mark m{o, 2};
        co_await weft::pending<void>();
    };
    auto outer = [&](std::vector<int>* o) -> weft::Task<void> {
        Mark m{o, 1};
        co_await inner(o);
    };
    {
        auto t = outer(&order);
        weft::Context cx(weft::Waker::noop());
        EXPECT_TRUE(t.poll(cx).is_pending());
    }
    EXPECT_EQ(order, (std::vector<int>{2, 1}));
}

namespace {

// The depth Task's documentation promises.
constexpr int kDeep = 100000;

// A chain kDeep deep, polled once: parked on `trig`, every frame alive.
weft::Task<void> parked_deep_chain(Lifetimes& l, const std::shared_ptr<Trigger>& trig) {
    auto t = deep_pending(kDeep, l, trig);
    weft::Context cx(weft::Waker::noop());
    EXPECT_TRUE(t.poll(cx).is_pending());
    EXPECT_EQ(l.alive(), kDeep + 1);
    return t;
}

}  // namespace

TEST(Task, DeepChainCompletesWithoutOverflow) {
    EXPECT_EQ(weft::block_on(deep(kDeep)), kDeep);
}

TEST(Task, DeepSuspendedChainIsCancelledWithoutOverflow) {
    Lifetimes l;
    auto trig = std::make_shared<Trigger>();
    { auto t = parked_deep_chain(l, trig); }
    EXPECT_EQ(l.alive(), 0);
}

TEST(Task, DeepSuspendedChainResumesAndCompletes) {
    Lifetimes l;
    auto trig = std::make_shared<Trigger>();
    auto t = parked_deep_chain(l, trig);
    weft::Context cx(weft::Waker::noop());
    trig->complete();
    EXPECT_TRUE(t.poll(cx).is_ready());
    EXPECT_EQ(l.alive(), 0);
}

TEST(Task, MovableBetweenPolls) {
    auto trig = std::make_shared<Trigger>();
    auto t = [](std::shared_ptr<Trigger> tr) -> weft::Task<int> {
        co_return co_await TriggerFuture(tr);
    }(trig);
    weft::Context cx(weft::Waker::noop());
    EXPECT_TRUE(t.poll(cx).is_pending());
    weft::Task<int> moved = std::move(t);
    trig->complete(9);
    auto p = moved.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), 9);
}
