// buffer_unordered, buffered and for_each_concurrent: never more than n futures running at
// once, the order each promises (completion order / the source's order), every item handled,
// and across 2 workers with timers.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
namespace stream = weft::stream;
using V = std::vector<int>;

namespace {

struct Gauge {
    std::atomic<int> now{0}, most{0}, started{0};
    void enter() {
        started++;
        int n = ++now;
        int m = most.load();
        while (n > m && !most.compare_exchange_weak(m, n)) {
        }
    }
    void leave() { --now; }
};

// Item i takes (i * 7 % 5) yields: later items often finish first.
weft::Task<int> work(Gauge& g, int i) {
    g.enter();
    for (int k = 0; k < i * 7 % 5; ++k)
        co_await weft::yield_now();
    g.leave();
    co_return i;
}

auto jobs(Gauge& g, int n) {
    V items(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        items[static_cast<std::size_t>(i)] = i;
    return stream::iter(std::move(items)) | stream::map([&g](int i) { return work(g, i); });
}

}  // namespace

TEST(ConcurrentCombinators, BufferUnorderedRunsAtMostNAndGivesEveryOutput) {
    weft::LocalExecutor ex;
    Gauge g;
    V out = ex.run(stream::collect(jobs(g, 50) | stream::buffer_unordered(4)));
    EXPECT_EQ(g.most.load(), 4) << "not exactly n at once";
    ASSERT_EQ(out.size(), 50u);
    EXPECT_FALSE(std::is_sorted(out.begin(), out.end())) << "completion order, not source order";
    std::sort(out.begin(), out.end());
    for (int i = 0; i < 50; ++i)
        EXPECT_EQ(out[static_cast<std::size_t>(i)], i);
}

TEST(ConcurrentCombinators, BufferedRunsAtMostNAndKeepsTheSourceOrder) {
    weft::LocalExecutor ex;
    Gauge g;
    V out = ex.run(stream::collect(jobs(g, 50) | stream::buffered(4)));
    EXPECT_LE(g.most.load(), 4);
    EXPECT_GE(g.most.load(), 2) << "never ran two at once";
    ASSERT_EQ(out.size(), 50u);
    for (int i = 0; i < 50; ++i)
        EXPECT_EQ(out[static_cast<std::size_t>(i)], i);
}

TEST(ConcurrentCombinators, ForEachConcurrentNeverExceedsNAndWaitsForEveryCall) {
    weft::LocalExecutor ex;
    Gauge g;
    std::vector<int> done;
    ex.run([&]() -> weft::Task<void> {
        V items(40);
        for (int i = 0; i < 40; ++i)
            items[static_cast<std::size_t>(i)] = i;
        auto call = [&g, &done](int i) -> weft::Task<void> {
            int v = co_await work(g, i);
            done.push_back(v);
        };
        co_await stream::for_each_concurrent(stream::iter(std::move(items)), 3, call);
        EXPECT_EQ(g.now.load(), 0) << "returned with calls still running";
    });
    EXPECT_EQ(g.most.load(), 3);
    EXPECT_EQ(done.size(), 40u);
}

// On 2 workers with real timers: 8 at a time of 64 sleeps; the gauge never passes 8, and every
// sleep finishes (a lost wake-up trips the watchdog).
TEST(ConcurrentCombinators, BufferUnorderedWithTimersAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    Gauge g;
    long sum = rt.block_on([&]() -> weft::Task<long> {
        V items(64);
        for (int i = 0; i < 64; ++i)
            items[static_cast<std::size_t>(i)] = i;
        auto nap = [&g](int i) -> weft::Task<int> {
            g.enter();
            co_await weft::time::sleep(std::chrono::milliseconds(1 + i % 3));
            g.leave();
            co_return i;
        };
        co_return co_await stream::fold(
            stream::iter(std::move(items)) | stream::map(nap) | stream::buffer_unordered(8), 0L,
            [](long a, int v) { return a + v; });
    });
    EXPECT_EQ(sum, 64L * 63 / 2);
    EXPECT_EQ(g.started.load(), 64);
    EXPECT_LE(g.most.load(), 8);
}
