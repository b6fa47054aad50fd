// Stream adapters (mpsc receiver, interval, lines of a reader) and the time-based combinators
// (timeout, throttle, chunks_timeout), on a current-thread runtime with the clock paused, so
// that every instant checked is exact.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
namespace stream = weft::stream;
using weft::time::Instant;

namespace {

weft::Runtime paused_runtime() {
    return weft::RuntimeBuilder::new_current_thread().start_paused(true).build();
}

// Yields `items`, sleeping `gaps[i]` before item i.
weft::AsyncStream<int> spaced(std::vector<int> items, std::vector<std::chrono::milliseconds> gaps) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        co_await weft::time::sleep(gaps[i]);
        co_yield items[i];
    }
}

long ms_since(Instant t0) {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Instant::now().duration_since(t0))
            .count());
}

}  // namespace

TEST(StreamAdapters, ReceiverStreamEndsWhenTheChannelDoes) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    auto v = rt.block_on([]() -> weft::Task<std::vector<int>> {
        auto [tx, rx] = weft::sync::mpsc::channel<int>(2);
        weft::spawn([](weft::sync::mpsc::Sender<int> tx) -> weft::Task<void> {
            for (int i = 0; i < 5; ++i)
                (void)co_await tx.send(i);
        }(std::move(tx)))
            .detach();
        co_return co_await stream::collect(stream::ReceiverStream<int>(std::move(rx)) |
                                           stream::map([](int x) { return x * x; }));
    });
    EXPECT_EQ(v, (std::vector<int>{0, 1, 4, 9, 16}));
}

TEST(StreamAdapters, IntervalStreamTicksAtItsPeriod) {
    weft::Runtime rt = paused_runtime();
    rt.block_on([]() -> weft::Task<void> {
        Instant t0 = Instant::now();
        auto ticks = stream::IntervalStream(weft::time::interval(10ms)) | stream::take(4);
        std::vector<long> at;
        while (auto t = co_await stream::next(ticks))
            at.push_back(ms_since(t0));
        EXPECT_EQ(at, (std::vector<long>{0, 10, 20, 30}));
    });
}

TEST(StreamAdapters, LinesStreamSplitsOnNewlinesAcrossReadsAndKeepsALastPartialLine) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    auto lines = rt.block_on([]() -> weft::Task<std::vector<std::string>> {
        auto [a, b] = weft::io::duplex(5);  // a 5-byte pipe: lines arrive in pieces
        weft::spawn([](weft::io::DuplexStream a) -> weft::Task<void> {
            std::string text = "first\r\nsecond line\n\nlast";
            co_await weft::io::write_all(a, std::as_bytes(std::span(text)));
            co_await weft::io::shutdown(a);
        }(std::move(a)))
            .detach();
        co_return co_await stream::collect(
            stream::LinesStream(weft::io::BufReader(std::move(b), 4)));
    });
    EXPECT_EQ(lines, (std::vector<std::string>{"first", "second line", "", "last"}));
}

TEST(StreamTime, TimeoutReportsEachLateItemAndGoesOn) {
    weft::Runtime rt = paused_runtime();
    rt.block_on([]() -> weft::Task<void> {
        // Items after 5, 25 and 5 ms, each waited for at most 10 ms.
        auto s = spaced({1, 2, 3}, {5ms, 25ms, 5ms}) | stream::timeout(10ms);
        std::vector<std::string> got;
        while (auto r = co_await stream::next(s))
            got.push_back(r->ok() ? std::to_string(**r) : "late");
        EXPECT_EQ(got, (std::vector<std::string>{"1", "late", "late", "2", "3"}));
    });
}

TEST(StreamTime, ThrottleSpacesItemsButDropsNone) {
    weft::Runtime rt = paused_runtime();
    rt.block_on([]() -> weft::Task<void> {
        Instant t0 = Instant::now();
        auto s = stream::iter(std::vector<int>{1, 2, 3, 4}) | stream::throttle(20ms);
        std::vector<long> at;
        std::vector<int> items;
        while (auto v = co_await stream::next(s)) {
            items.push_back(*v);
            at.push_back(ms_since(t0));
        }
        EXPECT_EQ(items, (std::vector<int>{1, 2, 3, 4}));
        EXPECT_EQ(at, (std::vector<long>{0, 20, 40, 60}));
    });
}

TEST(StreamTime, ChunksTimeoutCutsBatchesWhenFullOrOld) {
    weft::Runtime rt = paused_runtime();
    rt.block_on([]() -> weft::Task<void> {
        Instant t0 = Instant::now();
        // 1, 2, 3 close together (full at 3), then 4 and 5 close, then a long gap, then 6.
        auto s = spaced({1, 2, 3, 4, 5, 6}, {1ms, 1ms, 1ms, 1ms, 1ms, 50ms}) |
                 stream::chunks_timeout(3, 10ms);
        std::vector<std::vector<int>> batches;
        std::vector<long> at;
        while (auto b = co_await stream::next(s)) {
            batches.push_back(*b);
            at.push_back(ms_since(t0));
        }
        EXPECT_EQ(batches, (std::vector<std::vector<int>>{{1, 2, 3}, {4, 5}, {6}}));
        // {1,2,3} full at 3 ms; {4,5}: 4 came at 4 ms, so out at 14 ms; {6} came at 55 ms and
        // goes at once, as the source ends right after it.
        EXPECT_EQ(at, (std::vector<long>{3, 14, 55}));
    });
}

TEST(StreamAdapters, BroadcastStreamGivesValuesAndLagsThenEnds) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    auto [tx, rx] = weft::sync::broadcast::channel<int>(2);
    for (int i = 1; i <= 5; ++i)
        EXPECT_TRUE(tx.send(i).ok());
    { auto drop_tx = std::move(tx); }
    auto got = rt.block_on(stream::collect(
        stream::BroadcastStream<int>(std::move(rx)) |
        stream::map([](weft::sync::broadcast::RecvResult<int> r) {
            return r.is_lagged() ? "lagged " + std::to_string(r.lagged_by()) : std::to_string(*r);
        })));
    EXPECT_EQ(got, (std::vector<std::string>{"lagged 3", "4", "5"}));
}
