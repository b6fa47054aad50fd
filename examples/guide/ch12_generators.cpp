// Chapter 12: streams. A hand-written stream (poll_next), an async generator that awaits and
// yields (weft::AsyncStream), and combinators chained with `|`.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;
namespace stream = weft::stream;

// 1. A stream by hand: the async version of an iterator. This one is always ready.
struct Countdown {
    using Item = int;
    int n;
    weft::Poll<std::optional<int>> poll_next(weft::Context&) {
        if (n == 0) return std::optional<int>();  // Ready(nullopt): the end
        return std::optional<int>(n--);           // Ready(item)
    }
};
static_assert(stream::Stream<Countdown>);

// 2. An async generator: a coroutine that can co_await and co_yield. It produces one reading
// every 10 ms, and says when it runs, to show that it is lazy.
weft::AsyncStream<int> sensor(int count) {
    for (int i = 0; i < count; ++i) {
        co_await weft::time::sleep(10ms);
        int reading = (i * 37) % 50;
        std::printf("  sensor: yields %d\n", reading);
        co_yield reading;
    }
    std::printf("  sensor: done\n");
}

weft::Task<void> async_main() {
    std::printf("1. a hand-written stream\n");
    Countdown countdown{3};
    while (std::optional<int> v = co_await stream::next(countdown))
        std::printf("  countdown %d\n", *v);

    std::printf("2. a generator, consumed one item at a time\n");
    weft::AsyncStream<int> readings = sensor(3);
    std::printf("  (created; nothing has run yet)\n");
    while (std::optional<int> r = co_await stream::next(readings))
        std::printf("  consumer: got %d\n", *r);

    std::printf("3. combinators: the first two readings above 20, as strings\n");
    auto high = sensor(10) | stream::filter([](int v) { return v > 20; }) |
                stream::map([](int v) { return std::to_string(v) + " (high)"; }) | stream::take(2);
    std::vector<std::string> got = co_await stream::collect(std::move(high));
    for (const std::string& s : got)
        std::printf("  collected %s\n", s.c_str());
}

int main() {
    auto rt = weft::RuntimeBuilder::new_current_thread().start_paused(true).build();
    rt.block_on(async_main());
}
