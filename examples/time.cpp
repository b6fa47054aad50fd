// Timers: sleeps, a timeout that cancels a slow operation, an interval, and the paused clock
// that makes an hour-long timeout take no time in a test.
#include <chrono>
#include <cstdio>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

struct Noisy {  // says when the cancelled operation's frame is destroyed
    const char* name;
    ~Noisy() { std::printf("  (%s: destroyed)\n", name); }
};

weft::Task<const char*> request(const char* name, std::chrono::milliseconds latency) {
    Noisy guard{name};
    co_await weft::time::sleep(latency);
    co_return name;
}

long ms_since(weft::time::Instant t) {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.elapsed()).count());
}

int main() {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    rt.block_on([]() -> weft::Task<void> {
        auto start = weft::time::Instant::now();
        // Two requests under a 100 ms limit: the fast one answers, the slow one is cancelled.
        for (auto [name, latency] : {std::pair{"fast", 20ms}, std::pair{"slow", 500ms}}) {
            auto r = co_await weft::time::timeout(100ms, request(name, latency));
            if (r) {
                std::printf("%s answered after %ld ms\n", *r, ms_since(start));
            } else {
                std::printf("%s timed out after %ld ms\n", name, ms_since(start));
            }
        }
        // An interval: ticks every 50 ms, the first at once.
        start = weft::time::Instant::now();
        auto iv = weft::time::interval(50ms);
        for (int i = 0; i < 4; ++i) {
            co_await iv.tick();
            std::printf("tick %d at %ld ms\n", i, ms_since(start));
        }
    });

    // The paused clock: with every task idle the runtime jumps to the next deadline.
    auto test_rt = weft::RuntimeBuilder::new_current_thread().start_paused(true).build();
    auto wall = std::chrono::steady_clock::now();
    test_rt.block_on([]() -> weft::Task<void> {
        auto start = weft::time::Instant::now();
        auto r = co_await weft::time::timeout(1h, weft::pending<void>());
        std::printf("paused clock: a 1 h timeout %s after %ld s of runtime time",
                    r.is_elapsed() ? "elapsed" : "did not elapse",
                    static_cast<long>(
                        std::chrono::duration_cast<std::chrono::seconds>(start.elapsed()).count()));
    });
    std::printf(", %lld ms of wall time\n",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - wall)
                                           .count()));
}
