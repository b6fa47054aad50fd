// Chapter 3: a ticker task should tick every 10 ms. On a current-thread runtime, a task that
// computes for 150 ms without awaiting stops it. Slicing the work with yield_now() lets the
// ticker in between slices (each yield lets due timers fire first); moving the work to the
// blocking pool with spawn_blocking() frees the thread altogether.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>

#include "weft/weft.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Ticks {
    bool stop = false;
    int count = 0;
    Clock::duration longest_gap{};
};

// Wakes every 10 ms and notes the longest gap between two ticks.
weft::Task<void> ticker(Ticks* t) {
    auto last = Clock::now();
    while (!t->stop) {
        co_await weft::time::sleep(10ms);
        auto now = Clock::now();
        if (now - last > t->longest_gap) t->longest_gap = now - last;
        last = now;
        ++t->count;
    }
}

// CPU-bound work: arithmetic until `d` has passed. No I/O, no waiting, no co_await.
std::uint64_t crunch_for(Clock::duration d) {
    std::uint64_t x = 1;
    auto end = Clock::now() + d;
    while (Clock::now() < end) {
        for (int i = 0; i < 1000; ++i)
            x = x * 6364136223846793005u + 1442695040888963407u;
    }
    return x;
}

// Wrong: 150 ms of computing inside a task. Nothing else runs on this thread meanwhile.
weft::Task<std::uint64_t> crunch_in_task() {
    co_return crunch_for(150ms);
}

// Cooperative: the same work in 5 ms slices, with a yield_now() between slices. Between
// slices, due timers fire and ready tasks get a turn; during a slice, nothing else runs.
weft::Task<std::uint64_t> crunch_with_yields() {
    std::uint64_t x = 0;
    for (int slice = 0; slice < 30; ++slice) {
        x += crunch_for(5ms);
        co_await weft::yield_now();
    }
    co_return x;
}

// The fix for long work: run it on the blocking pool, another thread, and await the result.
weft::Task<std::uint64_t> crunch_on_blocking_pool() {
    auto job = weft::spawn_blocking([] { return crunch_for(150ms); });
    co_return co_await job;
}

// Not called: the classic mistake. std::this_thread::sleep_for blocks the whole thread, so
// every task on it stops too. weft::time::sleep suspends only this task.
weft::Task<void> wait_wrong() {
    std::this_thread::sleep_for(100ms);  // blocks the thread: nothing else runs meanwhile
    co_return;
}

weft::Task<void> wait_right() {
    co_await weft::time::sleep(100ms);  // suspends this task: the thread runs others meanwhile
}

template <class MakeWork>
weft::Task<void> measure(const char* label, MakeWork make_work) {
    Ticks ticks;
    auto tick_task = weft::spawn(ticker(&ticks));
    co_await weft::time::sleep(30ms);  // let the ticker get going
    ticks = Ticks{};
    co_await weft::spawn(make_work());
    ticks.stop = true;
    co_await tick_task;
    auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(ticks.longest_gap);
    std::printf("%-26s ticks: %2d   longest gap between ticks: %3lld ms\n", label, ticks.count,
                static_cast<long long>(gap.count()));
}

int main() {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread()
                           .on_stall([](const weft::runtime::StallReport& r) {
                               std::printf("  (stall detector: one poll has run %lld ms)\n",
                                           static_cast<long long>(r.running.count() / 1'000'000));
                           })
                           .build();
    rt.block_on([]() -> weft::Task<void> {
        co_await measure("crunch in a task:", crunch_in_task);
        co_await measure("crunch with yield_now:", crunch_with_yields);
        co_await measure("crunch on spawn_blocking:", crunch_on_blocking_pool);
    });
    return 0;
}
