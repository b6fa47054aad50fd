// yield_now on a Runtime lets due timers through, as Tokio's does (deferred_wakes.hpp): a task
// that yields between slices of CPU work must not hold a ticking timer back for a whole batch
// of polls (128 on the current-thread runtime, 61 on a worker). Found writing the guide's
// chapter 3, whose ticker stopped while a task crunched in slices with yield_now.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <utility>

#include "support/test_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;

namespace {

void spin_for(std::chrono::microseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
    }
}

// A ticker sleeping 2 ms at a time beside a task that spins 0.5 ms, then yields, 300 times
// (150 ms): the ticks seen while the spinner ran. About 60 when each yield lets the due timer
// fire; 2 or 3 when it fires once a batch of polls (64 ms of spinning), 5 once every 61 polls.
int ticks_beside_a_yielding_spinner(weft::Runtime& rt) {
    std::atomic<bool> done{false};
    std::atomic<int> ticks{0};
    rt.block_on([&]() -> weft::Task<void> {
        auto ticker = weft::spawn([&]() -> weft::Task<void> {
            while (!done.load()) {
                co_await weft::time::sleep(2ms);
                ticks.fetch_add(1);
            }
        });
        auto spinner = weft::spawn([&]() -> weft::Task<void> {
            for (int i = 0; i < 300; ++i) {
                spin_for(500us);
                co_await weft::yield_now();
            }
            done = true;
        });
        co_await std::move(spinner);
        co_await std::move(ticker);
    });
    return ticks.load();
}

}  // namespace

TEST(YieldNow, LetsDueTimersFireOnTheCurrentThreadRuntime) {
    Watchdog dog;
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    EXPECT_GE(ticks_beside_a_yielding_spinner(rt), 15);
}

TEST(YieldNow, LetsDueTimersFireOnAWorker) {
    Watchdog dog;
    // One worker: the ticker and the spinner share it (with two, the ticker could run beside).
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    EXPECT_GE(ticks_beside_a_yielding_spinner(rt), 15);
}

// A task that yielded is not lost when block_on returns while its wake waits for the drivers:
// the next block_on runs it. Here the task wakes block_on's future, then yields: block_on's
// future completes in the next turn, before the worker drains the deferred wakes.
TEST(YieldNow, ATaskThatYieldedRunsInTheNextBlockOn) {
    Watchdog dog(10s);
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    std::atomic<int> steps{0};
    weft::JoinHandle<void> h;
    rt.block_on([&]() -> weft::Task<void> {
        auto [tx, rx] = weft::sync::oneshot::channel<int>();
        h = weft::spawn([&, tx = std::move(tx)]() mutable -> weft::Task<void> {
            steps = 1;
            EXPECT_TRUE(std::move(tx).send(1));
            co_await weft::yield_now();
            steps = 2;
        });
        co_await std::move(rx);
    });
    EXPECT_EQ(steps.load(), 1);  // block_on returned with the task deferred
    rt.block_on([&]() -> weft::Task<void> { co_await std::move(h); });
    EXPECT_EQ(steps.load(), 2);
}

// A future polled by some other executor inside a task (its own waker, not the task's) is
// woken at once: the worker's deferred wakes are drained only when the worker's loop runs
// again, which an executor waiting inside the task for that very wake would never let happen.
TEST(YieldNow, UnderAnotherWakerInsideATaskWakesAtOnce) {
    Watchdog dog;
    for (bool current_thread : {true, false}) {
        weft::Runtime rt = current_thread ? weft::RuntimeBuilder::new_current_thread().build()
                                          : weft::Runtime::builder().worker_threads(1).build();
        int wakes = rt.block_on([]() -> weft::Task<int> {
            co_return co_await weft::spawn([]() -> weft::Task<int> {
                CountingWaker w;
                weft::YieldNow y;
                EXPECT_TRUE(poll_once(y, w).is_pending());
                co_return w.total_wakes();
            });
        });
        EXPECT_EQ(wakes, 1) << (current_thread ? "current-thread" : "multi-thread");
    }
}

// A task that yields is not starved by tasks that keep the queue from ever running dry (two
// tasks passing a message back and forth): its wake is also released every batch of polls.
TEST(YieldNow, ATaskThatYieldsIsNotStarvedByAQueueThatNeverRunsDry) {
    Watchdog dog(10s);
    for (bool current_thread : {true, false}) {
        weft::Runtime rt = current_thread ? weft::RuntimeBuilder::new_current_thread().build()
                                          : weft::Runtime::builder().worker_threads(1).build();
        std::atomic<bool> done{false};
        int rounds = rt.block_on([&]() -> weft::Task<int> {
            auto [to_b, b_rx] = weft::sync::mpsc::unbounded_channel<int>();
            auto [to_a, a_rx] = weft::sync::mpsc::unbounded_channel<int>();
            auto a = weft::spawn(
                [&, to_b = std::move(to_b), a_rx = std::move(a_rx)]() mutable -> weft::Task<int> {
                    int n = 0;
                    while (!done.load()) {
                        EXPECT_TRUE(to_b.send(n));
                        co_await a_rx.recv();
                        ++n;
                    }
                    co_return n;
                });
            auto b = weft::spawn(
                [to_a = std::move(to_a), b_rx = std::move(b_rx)]() mutable -> weft::Task<void> {
                    while (auto v = co_await b_rx.recv()) {
                        if (!to_a.send(*v)) break;
                    }
                });
            auto yielder = weft::spawn([&]() -> weft::Task<void> {
                for (int i = 0; i < 10; ++i)
                    co_await weft::yield_now();
                done = true;
            });
            co_await std::move(yielder);
            int n = co_await std::move(a);
            co_await std::move(b);
            co_return n;
        });
        EXPECT_GT(rounds, 0) << (current_thread ? "current-thread" : "multi-thread");
    }
}

// Under block_on (no runtime) yield_now still wakes at once: it completes.
TEST(YieldNow, CompletesUnderBlockOn) {
    Watchdog dog;
    int after = weft::block_on([]() -> weft::Task<int> {
        for (int i = 0; i < 3; ++i)
            co_await weft::yield_now();
        co_return 7;
    }());
    EXPECT_EQ(after, 7);
}
