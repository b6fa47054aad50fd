// weft::AsyncStream: a generator body that both co_awaits and co_yields; items in order, the
// end, exceptions, laziness, cancellation at every suspension point (destructors run), deep
// awaits inside the body, and a generator consumed across 2 workers.

#include <gtest/gtest.h>

#include <memory>
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
