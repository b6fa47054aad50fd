// weft::AsyncStream: a generator body that both co_awaits and co_yields; items in order, the
// end, exceptions, laziness, cancellation at every suspension point (destructors run), deep
// awaits inside the body, and a generator consumed across 2 workers. Then `co_await next(gen)`,
// which links the generator into the awaiting chain: a cancelled next (select, timeout, a
// dropped task) while the body waits on a real await hands the body back and the stream goes
// on with the right item, whether awaited or polled next; throwing, destroying mid-body,
// nested generators, and the cooperative budget of a loop over a generator that never waits.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::AsyncStream;
using weft::stream::next;

namespace {

AsyncStream<int> count_to(int n) {
    for (int i = 1; i <= n; ++i)
        co_yield i;
}

weft::Task<int> twice(int v) {
    co_await weft::yield_now();
    co_return 2 * v;
}

// Yields, awaits a Task and a pending future between items.
AsyncStream<std::string> mixed(std::vector<std::string>& log) {
    log.push_back("start");
    co_yield "a";
    int v = co_await twice(21);
    co_yield std::to_string(v);
    co_await weft::time::sleep(1ms);
    log.push_back("slept");
    co_yield "z";
    log.push_back("end");
}

template <class S>
weft::Task<std::vector<weft::stream::item_t<S>>> collect_all(S s) {
    std::vector<weft::stream::item_t<S>> out;
    while (auto v = co_await next(s))
        out.push_back(std::move(*v));
    co_return out;
}

}  // namespace

static_assert(weft::stream::Stream<AsyncStream<int>>);

TEST(AsyncStream, YieldsItemsInOrderThenEnds) {
    auto v = weft::block_on(collect_all(count_to(5)));
    EXPECT_EQ(v, (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_TRUE(weft::block_on(collect_all(count_to(0))).empty());
}

TEST(AsyncStream, TheBodyCanAwaitAnyFutureBetweenYields) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    std::vector<std::string> log;
    auto v = rt.block_on(collect_all(mixed(log)));
    EXPECT_EQ(v, (std::vector<std::string>{"a", "42", "z"}));
    EXPECT_EQ(log, (std::vector<std::string>{"start", "slept", "end"}));
}

TEST(AsyncStream, IsLazyAndRunsOnlyToTheNextYield) {
    std::vector<std::string> log;
    auto s = mixed(log);
    EXPECT_TRUE(log.empty()) << "calling the coroutine ran its body";
    CountingWaker w;
    weft::Waker wk = w.make();
    weft::Context cx(wk);
    auto first = s.poll_next(cx);
    ASSERT_TRUE(first.is_ready());
    EXPECT_EQ(*first.value(), "a");
    EXPECT_EQ(log, (std::vector<std::string>{"start"}));
}

TEST(AsyncStream, AnExceptionFromTheBodyComesOutOfNextAndEndsTheStream) {
    auto s = []() -> AsyncStream<int> {
        co_yield 1;
        throw std::runtime_error("bad item");
    }();
    weft::block_on([](AsyncStream<int>& s) -> weft::Task<void> {
        EXPECT_EQ(co_await next(s), 1);
        bool threw = false;
        try {
            (void)co_await next(s);
        } catch (const std::runtime_error& e) {
            threw = std::string(e.what()) == "bad item";
        }
        EXPECT_TRUE(threw);
        EXPECT_EQ(co_await next(s), std::nullopt) << "ended after the exception";
    }(s));
}

// Dropping the stream at each of its suspension points (after each yield, and while awaiting
// a pending future) runs the destructors of every local in the body and in the Task it awaits.
TEST(AsyncStream, DroppingItAtAnySuspensionPointRunsEveryDestructor) {
    // stop_after: items taken before the drop; 4 means 1 item, then a drop while the body is
    // suspended inside the Task it awaits.
    for (int stop_after = 0; stop_after <= 4; ++stop_after) {
        Lifetimes life;
        CountingWaker w;  // declared before the trigger, which may keep a clone of it
        auto trigger = std::make_shared<Trigger>();
        {
            auto gen = [](Lifetimes& life, std::shared_ptr<Trigger> t) -> AsyncStream<int> {
                Tracked outer(life);
                co_yield 1;
                auto inner = [](Lifetimes& life, std::shared_ptr<Trigger> t) -> weft::Task<int> {
                    Tracked in_task(life);
                    co_return co_await TriggerFuture(t);  // pending until triggered
                };
                int v = co_await inner(life, t);
                co_yield v;
                Tracked later(life);
                co_yield 3;
            }(life, trigger);
            weft::Waker wk = w.make();
            weft::Context cx(wk);
            if (stop_after == 4) {
                EXPECT_EQ(gen.poll_next(cx).value(), 1);
                EXPECT_TRUE(gen.poll_next(cx).is_pending());
                EXPECT_TRUE(trigger->has_waker());
            }
            for (int i = 0; i < stop_after && stop_after != 4; ++i) {
                if (i == 1) {
                    EXPECT_TRUE(gen.poll_next(cx).is_pending());
                    EXPECT_EQ(life.alive(), 2) << "suspended inside the awaited task";
                    trigger->complete(2);
                }
                auto p = gen.poll_next(cx);
                ASSERT_TRUE(p.is_ready());
                EXPECT_EQ(p.value(), i + 1);
            }
        }
        EXPECT_EQ(life.alive(), 0) << "after " << stop_after << " items";
        EXPECT_EQ(life.made.load(), stop_after == 4 ? 2 : stop_after);
        if (stop_after == 4) {
            EXPECT_EQ(trigger.use_count(), 1) << "the awaited future was dropped";
        }
    }
}

TEST(AsyncStream, AGeneratorCanBeConsumedByAnotherTaskAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    long sum = rt.block_on([]() -> weft::Task<long> {
        auto gen = []() -> AsyncStream<long> {
            for (long i = 0; i < 20000; ++i) {
                if (i % 100 == 0) co_await weft::yield_now();
                co_yield i;
            }
        };
        auto h = weft::spawn([](AsyncStream<long> s) -> weft::Task<long> {
            long total = 0;
            while (auto v = co_await next(s))
                total += *v;
            co_return total;
        }(gen()));
        co_return co_await h;
    });
    EXPECT_EQ(sum, 20000L * 19999 / 2);
}

namespace {

// Yields 1; waits for `t` (inside a Task it awaits when `in_task`), yields what it got; then
// sleeps 50 ms and yields 3. Counts its locals in `life`.
AsyncStream<int> waits_between(Lifetimes& life, std::shared_ptr<Trigger> t, bool in_task) {
    Tracked outer(life);
    co_yield 1;
    int v = 0;
    if (in_task) {
        auto inner = [](Lifetimes& life, std::shared_ptr<Trigger> t) -> weft::Task<int> {
            Tracked in_task(life);
            co_return co_await TriggerFuture(std::move(t));
        };
        auto task = inner(life, t);
        v = co_await std::move(task);
    } else {
        v = co_await TriggerFuture(t);
    }
    co_yield v;
    co_await weft::time::sleep(50ms);
    co_yield 3;
}

// The next item of `s`, awaited inside a task of its own (so that dropping the task cancels
// the await).
weft::Task<std::optional<int>> next_in_task(AsyncStream<int>& s) {
    co_return co_await next(s);
}

}  // namespace

// A `co_await next(gen)` cancelled while the body waits (on a future, inside a task it awaits,
// on a sleep) leaves the stream where it was: the next `next` gets the right item, and every
// local is destroyed only with the stream.
TEST(AsyncStream, ACancelledNextLeavesTheStreamUsable) {
    for (bool in_task : {false, true}) {
        for (bool then_poll : {false, true}) {
            Lifetimes life;
            auto trigger = std::make_shared<Trigger>();
            weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
            rt.block_on([](Lifetimes& life, std::shared_ptr<Trigger> t, bool in_task,
                           bool then_poll) -> weft::Task<void> {
                weft::time::pause();
                auto s = waits_between(life, t, in_task);
                EXPECT_EQ(co_await next(s), 1);
                // select: the sleep wins while the body waits on the trigger.
                auto sel = weft::select(next_in_task(s), weft::time::sleep(1ms));
                auto r = co_await std::move(sel);
                EXPECT_EQ(r.index(), 1u);
                EXPECT_EQ(life.alive(), in_task ? 2 : 1) << "the body is still waiting";
                EXPECT_TRUE(t->has_waker());
                t->complete(2);
                if (then_poll) {  // polled by hand (Stream) after the cancelled await
                    auto p = weft::poll_fn([&s](weft::Context& cx) { return s.poll_next(cx); });
                    EXPECT_EQ(co_await std::move(p), 2);
                } else {
                    EXPECT_EQ(co_await next(s), 2);
                }
                // timeout: expires while the body sleeps (clock paused: deterministic).
                auto to = weft::time::timeout(10ms, next(s));
                auto r2 = co_await std::move(to);
                EXPECT_TRUE(r2.is_elapsed()) << "the 50 ms sleep ended first";
                auto to2 = weft::time::timeout(10ms, next_in_task(s));
                auto r3 = co_await std::move(to2);
                EXPECT_TRUE(r3.is_elapsed());
                EXPECT_EQ(co_await next(s), 3);
                EXPECT_EQ(co_await next(s), std::nullopt);
                EXPECT_EQ(co_await next(s), std::nullopt);
            }(life, trigger, in_task, then_poll));
            EXPECT_EQ(life.alive(), 0);
            EXPECT_EQ(life.made.load(), in_task ? 2 : 1);
        }
    }
}

// Destroying the awaiting task while the body waits hands the body back: destroying the
// stream then runs every destructor and drops the awaited future. And when the stream lives
// in the awaiting task's frame, destroying the task destroys everything.
TEST(AsyncStream, DestroyingTheAwaitingTaskMidBodyRunsEveryDestructor) {
    for (bool in_task : {false, true}) {
        Lifetimes life;
        CountingWaker w;  // declared before the triggers, which keep a clone of it
        auto trigger = std::make_shared<Trigger>();
        weft::Waker wk = w.make();
        weft::Context cx(wk);
        {
            auto s = waits_between(life, trigger, in_task);
            {
                auto first = next_in_task(s);
                EXPECT_EQ(first.poll(cx).value(), 1);
                auto second = next_in_task(s);
                EXPECT_TRUE(second.poll(cx).is_pending());
                EXPECT_EQ(life.alive(), in_task ? 2 : 1);
            }
            EXPECT_EQ(life.alive(), in_task ? 2 : 1) << "the stream was not destroyed";
            EXPECT_TRUE(trigger->has_waker());
        }
        EXPECT_EQ(life.alive(), 0);
        EXPECT_EQ(trigger.use_count(), 1) << "the awaited future was dropped";

        auto trigger2 = std::make_shared<Trigger>();
        {
            auto owner = [](Lifetimes& life, std::shared_ptr<Trigger> t,
                            bool in_task) -> weft::Task<int> {
                auto s = waits_between(life, std::move(t), in_task);
                int sum = 0;
                while (auto v = co_await next(s))
                    sum += *v;
                co_return sum;
            }(life, trigger2, in_task);
            EXPECT_TRUE(owner.poll(cx).is_pending());
            EXPECT_EQ(life.alive(), in_task ? 2 : 1);
        }
        EXPECT_EQ(life.alive(), 0);
        EXPECT_EQ(trigger2.use_count(), 1);
    }
}

// A generator that awaits another's items (and throws): the inner one is linked under the
// outer one, a cancelled await of the outer one hands both back, and an exception thrown by
// the inner body comes out through the outer one.
TEST(AsyncStream, NestedGeneratorsCancelAndThrowThroughEachOther) {
    auto inner = [](std::shared_ptr<Trigger> t) -> AsyncStream<int> {
        co_yield 1;
        co_yield co_await TriggerFuture(std::move(t));
        throw std::runtime_error("inner failed");
    };
    auto outer = [](AsyncStream<int> in) -> AsyncStream<int> {
        while (auto v = co_await next(in))
            co_yield 10 * *v;
    };
    auto trigger = std::make_shared<Trigger>();
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    rt.block_on([](AsyncStream<int> s, std::shared_ptr<Trigger> t) -> weft::Task<void> {
        weft::time::pause();
        EXPECT_EQ(co_await next_in_task(s), 10);
        auto to = weft::time::timeout(1ms, next_in_task(s));
        auto r = co_await std::move(to);
        EXPECT_TRUE(r.is_elapsed());
        t->complete(2);
        EXPECT_EQ(co_await next(s), 20);
        bool threw = false;
        try {
            (void)co_await next(s);
        } catch (const std::runtime_error& e) {
            threw = std::string(e.what()) == "inner failed";
        }
        EXPECT_TRUE(threw);
        EXPECT_EQ(co_await next(s), std::nullopt);
    }(outer(inner(trigger)), trigger));
}

// `co_await next(gen)` spends the cooperative budget: draining a generator that never waits
// lets the runtime's other tasks run in between.
TEST(AsyncStream, ALoopOverAGeneratorThatNeverWaitsYieldsToOtherTasks) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    long seen_at = rt.block_on([]() -> weft::Task<long> {
        auto flag = std::make_shared<bool>(false);
        auto h = weft::spawn([](std::shared_ptr<bool> f) -> weft::Task<void> {
            *f = true;
            co_return;
        }(flag));
        auto s = count_to(100000);
        long seen = -1;
        while (auto v = co_await next(s)) {
            if (*flag && seen < 0) seen = *v;
        }
        co_await std::move(h);
        co_return seen;
    });
    EXPECT_GT(seen_at, 0);
    EXPECT_LT(seen_at, 1000) << "the drain never yielded";
}
