// weft::stream combinators: each one's items and end, the pipe and call forms, ordering,
// laziness (take stops polling its source), merge's fairness and its end, zip's pairing with
// streams that are pending at different times, and then/for_each with async callbacks.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
namespace stream = weft::stream;
using weft::AsyncStream;
using V = std::vector<int>;

namespace {

// 1..n, with a pending poll (a yield to the executor) before every item when `slow`.
AsyncStream<int> numbers(int n, bool slow = false, int* polled = nullptr) {
    for (int i = 1; i <= n; ++i) {
        if (slow) co_await weft::yield_now();
        if (polled != nullptr) ++*polled;
        co_yield i;
    }
}

template <class S>
auto run_collect(S s) {
    return weft::block_on(stream::collect(std::move(s)));
}

}  // namespace

TEST(StreamCombinators, IterOnceAndEmpty) {
    EXPECT_EQ(run_collect(stream::iter(V{1, 2, 3})), (V{1, 2, 3}));
    EXPECT_EQ(run_collect(stream::once(7)), (V{7}));
    EXPECT_TRUE(run_collect(stream::empty<int>()).empty());
    std::vector<std::unique_ptr<int>> ptrs;
    ptrs.push_back(std::make_unique<int>(5));
    auto moved = run_collect(stream::iter(std::move(ptrs)));  // move-only items are moved out
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(*moved[0], 5);
}

TEST(StreamCombinators, MapFilterFilterMapInPipeAndCallForms) {
    auto piped = numbers(10) | stream::filter([](int v) { return v % 2 == 0; }) |
                 stream::map([](int v) { return v * 10; });
    EXPECT_EQ(run_collect(std::move(piped)), (V{20, 40, 60, 80, 100}));
    auto called = stream::map(stream::filter(numbers(5), [](int v) { return v > 3; }),
                              [](int v) { return std::to_string(v); });
    EXPECT_EQ(run_collect(std::move(called)), (std::vector<std::string>{"4", "5"}));
    auto fm = stream::iter(std::vector<std::string>{"1", "x", "3"}) |
              stream::filter_map([](std::string s) -> std::optional<int> {
                  if (s == "x") return std::nullopt;
                  return std::stoi(s);
              });
    EXPECT_EQ(run_collect(std::move(fm)), (V{1, 3}));
}

TEST(StreamCombinators, TakeStopsPollingItsSource) {
    int polled = 0;
    EXPECT_EQ(run_collect(numbers(100, false, &polled) | stream::take(3)), (V{1, 2, 3}));
    EXPECT_EQ(polled, 3) << "take polled its source past the n-th item";
    EXPECT_EQ(run_collect(numbers(2) | stream::take(5)), (V{1, 2}));
    EXPECT_TRUE(run_collect(numbers(2) | stream::take(0)).empty());
}

TEST(StreamCombinators, TakeWhileSkipEnumerateChain) {
    int polled = 0;
    EXPECT_EQ(
        run_collect(numbers(10, false, &polled) | stream::take_while([](int v) { return v < 4; })),
        (V{1, 2, 3}));
    EXPECT_EQ(polled, 4) << "the first failing item ends it; nothing is polled after";
    EXPECT_EQ(run_collect(numbers(5) | stream::skip(3)), (V{4, 5}));
    EXPECT_TRUE(run_collect(numbers(2) | stream::skip(3)).empty());
    auto e = run_collect(stream::iter(std::vector<std::string>{"a", "b"}) | stream::enumerate());
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[1].first, 1u);
    EXPECT_EQ(e[1].second, "b");
    EXPECT_EQ(run_collect(numbers(2) | stream::chain(numbers(3))), (V{1, 2, 1, 2, 3}));
}

TEST(StreamCombinators, ZipPairsItemsInStepAndEndsWithTheShorter) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    // One side is pending before each item, the other never: pairs stay in step.
    auto z = rt.block_on(stream::collect(numbers(5, true) | stream::zip(numbers(3))));
    ASSERT_EQ(z.size(), 3u);
    for (std::size_t i = 0; i < z.size(); ++i) {
        EXPECT_EQ(z[i].first, static_cast<int>(i) + 1);
        EXPECT_EQ(z[i].second, static_cast<int>(i) + 1);
    }
}

TEST(StreamCombinators, MergeTakesBothAsTheyComeAlternatingAndEndsWhenBothEnd) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    // Two always-ready streams: merge alternates between them, so neither starves.
    auto m = rt.block_on(
        stream::collect(stream::iter(V{1, 1, 1, 1}) | stream::merge(stream::iter(V{2, 2}))));
    EXPECT_EQ(m, (V{1, 2, 1, 2, 1, 1})) << "the first stream first, then alternating";
    // A slow one and a fast one: every item arrives once; each side's order is kept.
    auto m2 = rt.block_on(stream::collect(numbers(50, true) |
                                          stream::map([](int v) { return v + 1000; }) |
                                          stream::merge(numbers(50))));
    ASSERT_EQ(m2.size(), 100u);
    int next_fast = 1, next_slow = 1001;
    for (int v : m2) {
        if (v > 1000) {
            EXPECT_EQ(v, next_slow++);
        } else {
            EXPECT_EQ(v, next_fast++);
        }
    }
}

TEST(StreamCombinators, ThenAwaitsAnAsyncCallbackPerItemInOrder) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    auto slow_double = [](int v) -> weft::Task<int> {
        co_await weft::yield_now();
        co_return 2 * v;
    };
    EXPECT_EQ(rt.block_on(stream::collect(numbers(4) | stream::then(slow_double))),
              (V{2, 4, 6, 8}));
    // An exception is that item's; the stream goes on with the next.
    auto picky = [](int v) -> weft::Task<int> {
        co_await weft::yield_now();
        if (v == 2) throw std::runtime_error("two");
        co_return v;
    };
    V got;
    int errors = 0;
    rt.block_on([](auto s, V& got, int& errors) -> weft::Task<void> {
        for (;;) {
            try {
                auto v = co_await stream::next(s);
                if (!v) break;
                got.push_back(*v);
            } catch (const std::runtime_error&) {
                ++errors;
            }
        }
    }(numbers(3) | stream::then(picky), got, errors));
    EXPECT_EQ(got, (V{1, 3}));
    EXPECT_EQ(errors, 1);
}

TEST(StreamCombinators, FoldAndForEachWithSyncAndAsyncCallbacks) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    long sum =
        rt.block_on(stream::fold(numbers(100, true), 0L, [](long acc, int v) { return acc + v; }));
    EXPECT_EQ(sum, 5050);
    EXPECT_EQ(rt.block_on(numbers(4) |
                          stream::fold(std::string(),
                                       [](std::string a, int v) { return a + std::to_string(v); })),
              "1234");
    V seen;
    rt.block_on(stream::for_each(numbers(3), [&seen](int v) { seen.push_back(v); }));
    EXPECT_EQ(seen, (V{1, 2, 3}));
    seen.clear();
    auto async_push = [&seen](int v) -> weft::Task<void> {
        co_await weft::yield_now();
        seen.push_back(v);
    };
    rt.block_on(numbers(3) | stream::for_each(async_push));
    EXPECT_EQ(seen, (V{1, 2, 3}));
}

TEST(StreamCombinators, DroppingAPipelineMidWayDestroysItsGenerator) {
    Lifetimes life;
    {
        auto gen = [](Lifetimes& life) -> AsyncStream<int> {
            Tracked t(life);
            for (int i = 0;; ++i)
                co_yield i;
        };
        auto s = gen(life) | stream::map([](int v) { return v + 1; }) | stream::skip(2);
        CountingWaker w;
        weft::Waker wk = w.make();
        weft::Context cx(wk);
        EXPECT_EQ(s.poll_next(cx).value(), 3);
        EXPECT_EQ(life.alive(), 1);
    }
    EXPECT_EQ(life.alive(), 0);
}
