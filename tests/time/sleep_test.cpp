// weft::time::sleep / sleep_until / Sleep::reset and the paused clock, on both runtime
// flavours, plus the errors outside a runtime and after shutdown.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/test_support.hpp"
#include "support/time_support.hpp"
#include "weft/detail/io/io_driver.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::time::Instant;

namespace {}  // namespace

TEST(Sleep, NeverCompletesBeforeItsDeadlineOnEitherFlavour) {
    Watchdog dog;
    for (bool current : {false, true}) {
        weft::Runtime rt = current ? weft::RuntimeBuilder::new_current_thread().build()
                                   : weft::Runtime::builder().worker_threads(2).build();
        // Spawned tasks on workers, each checking the real clock after its sleep.
        std::vector<weft::JoinHandle<std::int64_t>> hs;
        for (int i = 0; i < 50; ++i) {
            hs.push_back(rt.spawn([i]() -> weft::Task<std::int64_t> {
                auto d = std::chrono::milliseconds(1 + i % 20);
                auto start = std::chrono::steady_clock::now();
                co_await weft::time::sleep(d);
                co_return (std::chrono::steady_clock::now() - start - d).count();
            }));
        }
        rt.block_on([&]() -> weft::Task<void> {
            for (auto& h : hs) {
                std::int64_t overshoot = co_await h;
                EXPECT_GE(overshoot, 0) << "a sleep completed early";
                EXPECT_LT(overshoot, std::chrono::nanoseconds(2s).count());
            }
        });
        // And on the block_on thread itself.
        rt.block_on([]() -> weft::Task<void> {
            auto start = std::chrono::steady_clock::now();
            co_await weft::time::sleep(15ms);
            EXPECT_GE(std::chrono::steady_clock::now() - start, 15ms);
        });
    }
}

TEST(Sleep, ManySleepsFireInDeadlineOrder) {
    block_on_paused([]() -> weft::Task<void> {
        // 300 distinct deadlines from 1 ms to ~3 years, spread over every wheel level and
        // beyond the wheel's cycle, spawned in random order.
        std::vector<std::int64_t> ms;
        for (int i = 0; i < 300; ++i)
            ms.push_back(1 + static_cast<std::int64_t>(i) * i * i * 3500);
        std::vector<std::int64_t> spawn_order = ms;
        std::shuffle(spawn_order.begin(), spawn_order.end(), std::mt19937(3));
        auto fired = std::make_shared<std::vector<std::int64_t>>();
        Instant start = Instant::now();
        std::vector<weft::JoinHandle<void>> hs;
        for (std::int64_t d : spawn_order) {
            hs.push_back(weft::spawn(
                [](std::int64_t d, Instant start,
                   std::shared_ptr<std::vector<std::int64_t>> fired) -> weft::Task<void> {
                    co_await weft::time::sleep_until(start + std::chrono::milliseconds(d));
                    // Paused clock: it wakes exactly at its (whole-millisecond) deadline.
                    EXPECT_EQ(Instant::now() - start, std::chrono::milliseconds(d));
                    fired->push_back(d);
                }(d, start, fired)));
        }
        for (auto& h : hs)
            co_await h;
        EXPECT_EQ(*fired, ms);
        EXPECT_EQ(timers_registered(), 0u);
    });
}

TEST(Sleep, DroppingAPendingSleepUnregistersIt) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    rt.block_on([]() -> weft::Task<void> {
        {
            auto s = weft::time::sleep(1h);
            weft::Context cx(weft::Waker::noop());
            EXPECT_TRUE(s.poll(cx).is_pending());
            EXPECT_EQ(timers_registered(), 1u);
        }
        EXPECT_EQ(timers_registered(), 0u);
        // A task sleeping for an hour, aborted: its sleep goes with it.
        auto h = weft::spawn(weft::time::sleep(1h));
        while (timers_registered() == 0)
            co_await weft::yield_now();
        h.abort();
        EXPECT_THROW(co_await h, weft::JoinError);
        EXPECT_EQ(timers_registered(), 0u);
        // select: the losing sleep is dropped at once.
        auto r = co_await weft::select(weft::time::sleep(1h), weft::time::sleep(1ms));
        EXPECT_EQ(r.index(), 1u);
        EXPECT_EQ(timers_registered(), 0u);
    });
}

TEST(Sleep, ResetMovesTheDeadlineAndKeepsTheWaker) {
    block_on_paused([]() -> weft::Task<void> {
        Instant start = Instant::now();
        // A task waits on a sleep of an hour; we pull its deadline in while it waits.
        weft::time::Sleep* shared = nullptr;
        auto h = weft::spawn([](weft::time::Sleep** out) -> weft::Task<Instant> {
            auto s = weft::time::sleep(1h);
            *out = &s;
            co_await s;
            co_return Instant::now();
        }(&shared));
        while (shared == nullptr || timers_registered() == 0)
            co_await weft::yield_now();
        shared->reset(start + 5s);
        EXPECT_EQ(co_await h, start + 5s);

        // Later, and after completion: the next await waits for the new deadline.
        auto s = weft::time::sleep(10ms);
        s.reset(start + 20s);
        co_await s;
        EXPECT_EQ(Instant::now(), start + 20s);
        s.reset(Instant::now() + 1s);
        EXPECT_FALSE(s.is_elapsed());
        co_await s;
        EXPECT_EQ(Instant::now(), start + 21s);
        // Reset into the past while registered: woken at once.
        auto again = weft::spawn([](weft::time::Sleep** out) -> weft::Task<void> {
            auto s = weft::time::sleep(1h);
            *out = &s;
            co_await s;
        }(&shared));
        shared = nullptr;
        while (shared == nullptr || timers_registered() == 0)
            co_await weft::yield_now();
        shared->reset(start);
        co_await again;
        EXPECT_EQ(Instant::now(), start + 21s);  // the clock did not move for it
    });
}

TEST(PausedClock, AnHourLongSleepTakesMilliseconds) {
    Watchdog dog;
    weft::Runtime rt = paused_runtime();
    auto wall = std::chrono::steady_clock::now();
    rt.block_on([]() -> weft::Task<void> {
        Instant start = Instant::now();
        co_await weft::time::sleep(1h);
        EXPECT_EQ(Instant::now() - start, 1h);
        // Without timers the clock stands still.
        co_await weft::yield_now();
        EXPECT_EQ(Instant::now() - start, 1h);
    });
    EXPECT_LT(std::chrono::steady_clock::now() - wall, 5s);
}

TEST(PausedClock, AdvanceFiresWhatIsDueAndLetsItRunFirst) {
    Watchdog dog;
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    rt.block_on([]() -> weft::Task<void> {
        weft::time::pause();
        EXPECT_THROW(weft::time::pause(), std::logic_error);
        Instant start = Instant::now();
        std::atomic<int> done{0};
        auto a = weft::spawn([](std::atomic<int>& done) -> weft::Task<void> {
            co_await weft::time::sleep(10s);
            done++;
        }(done));
        auto b = weft::spawn([](std::atomic<int>& done) -> weft::Task<void> {
            co_await weft::time::sleep(30s);
            done++;
        }(done));
        co_await weft::yield_now();  // both register
        co_await weft::time::advance(10s);
        EXPECT_EQ(done.load(), 1);
        EXPECT_EQ(Instant::now() - start, 10s);
        co_await weft::time::advance(19s);
        EXPECT_EQ(done.load(), 1);
        co_await weft::time::advance(1s);
        EXPECT_EQ(done.load(), 2);
        co_await a;
        co_await b;
        // Resumed, time goes on from the paused time: never backwards.
        weft::time::resume();
        EXPECT_THROW(weft::time::resume(), std::logic_error);
        EXPECT_THROW(co_await weft::time::advance(1s), std::logic_error);
        EXPECT_GE(Instant::now() - start, 30s);
        auto before = Instant::now();
        co_await weft::time::sleep(5ms);  // real time again
        EXPECT_GE(Instant::now() - before, 5ms);
    });
}

TEST(PausedClock, DoesNotAutoAdvanceWhileABlockingTaskRuns) {
    block_on_paused([]() -> weft::Task<void> {
        Instant start = Instant::now();
        // The blocking task finishes (in real time) before the 1 h timer: the paused clock
        // must wait for it rather than jump to the timer.
        auto blocking = weft::spawn_blocking([] {
            std::this_thread::sleep_for(30ms);
            return 7;
        });
        auto r = co_await weft::select(weft::time::sleep(1h), std::move(blocking));
        EXPECT_EQ(r.index(), 1u);
        EXPECT_EQ(std::get<1>(r), 7);
        EXPECT_LT(Instant::now() - start, 1h);
    });
}

TEST(PausedClock, IsRefusedOnAMultiThreadRuntimeAndOutsideOne) {
    EXPECT_THROW(weft::Runtime::builder().start_paused(true).build(), std::logic_error);
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    rt.block_on([]() -> weft::Task<void> {
        EXPECT_THROW(weft::time::pause(), std::logic_error);
        co_return;
    });
    EXPECT_THROW(weft::time::pause(), std::logic_error);
    EXPECT_THROW((void)weft::time::sleep(1ms), std::logic_error);
    try {
        (void)weft::time::sleep(1ms);
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("needs a runtime"), std::string::npos) << e.what();
    }
    // Instant::now() works anywhere (the system's steady clock).
    auto a = Instant::now();
    EXPECT_LE(a, Instant::now());
}

TEST(Sleep, ASleepThatOutlivesItsRuntimeReportsShutdown) {
    std::optional<weft::time::Sleep> s;
    {
        weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
        rt.block_on([&]() -> weft::Task<void> {
            s.emplace(weft::time::sleep(1h));
            weft::Context cx(weft::Waker::noop());
            EXPECT_TRUE(s->poll(cx).is_pending());
            co_return;
        });
    }
    weft::Context cx(weft::Waker::noop());
    EXPECT_THROW((void)s->poll(cx), std::runtime_error);
    s.reset();  // no use of the freed runtime (ASan)
}

TEST(Sleep, WorksInALocalExecutorDrivenByARuntimeThread) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    // A blocking thread of the runtime runs its own LocalExecutor; its sleeps use the
    // runtime's timers, which wake the executor from a worker thread.
    auto h = rt.spawn_blocking([] {
        weft::LocalExecutor ex;
        return ex.run([]() -> weft::Task<std::int64_t> {
            auto start = std::chrono::steady_clock::now();
            auto child = weft::spawn_local(weft::time::sleep(5ms));
            co_await weft::time::sleep(10ms);
            co_await child;
            co_return (std::chrono::steady_clock::now() - start).count();
        });
    });
    std::int64_t ns = rt.block_on(std::move(h));
    EXPECT_GE(ns, std::chrono::nanoseconds(10ms).count());
}

TEST(Sleep, TimersFromManyThreadsAtOnce) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    constexpr int kTasks = 8, kSleeps = 300;
    std::atomic<int> completed{0};
    std::vector<weft::JoinHandle<void>> hs;
    for (int t = 0; t < kTasks; ++t) {
        hs.push_back(rt.spawn([](int t, std::atomic<int>& completed) -> weft::Task<void> {
            std::mt19937 rng(static_cast<unsigned>(t));
            for (int i = 0; i < kSleeps; ++i) {
                // Short sleeps that fire, and long ones cancelled through a timeout.
                co_await weft::time::sleep(std::chrono::microseconds(rng() % 1500));
                auto r = co_await weft::time::timeout(
                    1h, weft::time::sleep(std::chrono::microseconds(rng() % 500)));
                EXPECT_TRUE(r.ok());
                completed++;
            }
        }(t, completed)));
    }
    // Plus plain threads blocking on the runtime with sleeps of their own.
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 100; ++i)
                rt.block_on([]() -> weft::Task<void> { co_await weft::time::sleep(200us); });
        });
    }
    rt.block_on([&]() -> weft::Task<void> {
        for (auto& h : hs)
            co_await h;
        EXPECT_EQ(timers_registered(), 0u);
    });
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(completed.load(), kTasks * kSleeps);
}

// Regression: a cancelled timer leaves the "earliest deadline" hint early; the keeper then
// parked with no deadline (the wheel was empty), and a later timer whose deadline lay past
// the stale hint never unparked it, so that timer never fired. (Found as an intermittent
// hang of a connect under timeout, in a loop that cancels a timeout on every iteration.)
TEST(Sleep, ATimerArmedAfterACancelledOneWakesAnIdleRuntime) {
    Watchdog dog(10s);  // the bug hung block_on below for ever
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    for (int round = 0; round < 5; ++round) {
        // A 40 ms timer, cancelled before it fires (its task is aborted).
        auto doomed = rt.spawn([]() -> weft::Task<void> { co_await weft::time::sleep(40ms); });
        std::this_thread::sleep_for(5ms);
        doomed.abort();
        std::this_thread::sleep_for(5ms);  // the worker parks, keeping time, with no timer left
        // A 60 ms timer armed by this (non-worker) thread: past the cancelled one's deadline.
        auto start = std::chrono::steady_clock::now();
        rt.block_on([]() -> weft::Task<void> { co_await weft::time::sleep(60ms); });
        EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "round " << round;
    }
}

// Issue 16: a sleep of any duration up to nanoseconds::max() saturates. Its deadline is clamped
// to 30 years ahead (Tokio's far future), and the paused clock jumps there without overflowing
// (UBSan, which aborts this build on any report, caught `origin + tick * 1ms` overflowing).
TEST(PausedClock, HugeDurationsAreClampedToThirtyYearsAndFireThere) {
    block_on_paused([]() -> weft::Task<void> {
        Instant start = Instant::now();
        auto s = weft::time::sleep(std::chrono::nanoseconds::max());
        EXPECT_EQ(s.deadline(), start + kFarFuture);
        co_await s;
        EXPECT_EQ(Instant::now(), start + kFarFuture);

        start = Instant::now();
        co_await weft::time::sleep(std::chrono::hours::max());  // (hours::max() in ns overflows)
        EXPECT_EQ(Instant::now(), start + kFarFuture);

        start = Instant::now();
        auto until = weft::time::sleep_until(Instant::max());
        EXPECT_EQ(until.deadline(), start + kFarFuture);
        co_await until;
        EXPECT_EQ(Instant::now(), start + kFarFuture);

        // A timeout of any length: the inner future, polled first, wins on the shared tick.
        start = Instant::now();
        auto r = co_await weft::time::timeout(std::chrono::nanoseconds::max(),
                                              weft::time::sleep_until(Instant::max()));
        EXPECT_TRUE(r.ok());
        EXPECT_EQ(Instant::now(), start + kFarFuture);
        start = Instant::now();
        auto late = co_await weft::time::timeout(std::chrono::seconds::max(),
                                                 weft::time::sleep(std::chrono::hours::max()));
        EXPECT_TRUE(late.ok());
        EXPECT_EQ(Instant::now(), start + kFarFuture);

        // Reset to a huge deadline: clamped the same way.
        auto reset = weft::time::sleep(1ms);
        start = Instant::now();
        reset.reset(Instant::max());
        EXPECT_EQ(reset.deadline(), start + kFarFuture);
        co_await reset;
        EXPECT_EQ(Instant::now(), start + kFarFuture);
        EXPECT_EQ(timers_registered(), 0u);
    });
}

// Issue 16: on the paused clock, far deadlines one after the other carry the clock to the end
// of Instant's range (~292 years); there it saturates: every sleep completes, nothing
// overflows, nothing spins.
TEST(PausedClock, TheClockSaturatesAtTheEndOfInstantsRange) {
    block_on_paused([]() -> weft::Task<void> {
        Instant prev = Instant::now();
        for (int i = 0; i < 12; ++i) {  // 12 * 30 years > Instant's whole range
            co_await weft::time::sleep(std::chrono::nanoseconds::max());
            if (prev + kFarFuture < Instant::max() - 1ms) {
                EXPECT_EQ(Instant::now(), prev + kFarFuture) << "round " << i;
            } else {  // the last tick an Instant can hold (less than 1 ms before max())
                EXPECT_GT(Instant::now(), Instant::max() - 1ms) << "round " << i;
            }
            prev = Instant::now();
        }
        // At the end of time, every sleep completes at once.
        co_await weft::time::sleep(1ms);
        co_await weft::time::sleep(std::chrono::nanoseconds::max());
        co_await weft::time::sleep_until(Instant::max());
        auto r = co_await weft::time::timeout(1h, weft::time::sleep(2h));
        EXPECT_TRUE(r.ok());  // both deadlines saturate; the inner future is polled first
        EXPECT_EQ(timers_registered(), 0u);
    });
}

// Issue 16: advance() by any amount saturates, and sleeps afterwards still complete.
TEST(PausedClock, AdvanceByTheMaximumDurationSaturates) {
    block_on_paused([]() -> weft::Task<void> {
        Instant start = Instant::now();
        auto s = weft::spawn(weft::time::sleep(10s));
        co_await weft::yield_now();  // registers
        co_await weft::time::advance(std::chrono::nanoseconds::max());
        co_await s;  // fired by the advance
        EXPECT_GT(Instant::now(), start + std::chrono::hours(24 * 365 * 200));
        co_await weft::time::advance(std::chrono::hours::max());
        co_await weft::time::sleep(std::chrono::nanoseconds::max());
        co_await weft::time::sleep(5ms);
        EXPECT_EQ(timers_registered(), 0u);
        // Resumed, the clock goes on from there and sleeps still work.
        weft::time::resume();
        co_await weft::time::sleep(2ms);
        weft::time::pause();
        co_await weft::time::sleep(1h);
    });
}

// Issue 16: on the real clock a huge sleep is clamped to 30 years from now, waits (it does not
// fire, or hold up other timers), and dropping it leaves nothing behind; on both flavours.
TEST(Sleep, HugeDurationsOnTheRealClockAreClampedAndWait) {
    Watchdog dog;
    for (bool current : {false, true}) {
        weft::Runtime rt = current ? weft::RuntimeBuilder::new_current_thread().build()
                                   : weft::Runtime::builder().worker_threads(2).build();
        rt.block_on([]() -> weft::Task<void> {
            Instant before = Instant::now();
            auto s = weft::time::sleep(std::chrono::nanoseconds::max());
            auto until = weft::time::sleep_until(Instant::max());
            auto hours = weft::time::sleep(std::chrono::hours::max());
            Instant after = Instant::now();
            for (weft::time::Sleep* x : {&s, &until, &hours}) {
                EXPECT_GE(x->deadline(), before + kFarFuture);
                EXPECT_LE(x->deadline(), after + kFarFuture);
            }
            weft::Context cx(weft::Waker::noop());
            EXPECT_TRUE(s.poll(cx).is_pending());
            EXPECT_TRUE(until.poll(cx).is_pending());
            EXPECT_TRUE(hours.poll(cx).is_pending());
            EXPECT_EQ(timers_registered(), 3u);
            // Other timers keep time beside them.
            auto start = std::chrono::steady_clock::now();
            auto r = co_await weft::time::timeout(std::chrono::nanoseconds::max(),
                                                  weft::time::sleep(5ms));
            EXPECT_TRUE(r.ok());
            auto e = co_await weft::time::timeout(5ms, weft::time::sleep_until(Instant::max()));
            EXPECT_TRUE(e.is_elapsed());
            EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
            EXPECT_FALSE(s.is_elapsed());
            EXPECT_EQ(timers_registered(), 3u);
        });
        rt.block_on([]() -> weft::Task<void> {
            EXPECT_EQ(timers_registered(), 0u);  // the dropped sleeps took their entries
            co_return;
        });
    }
}

// Issue 16: Tokio's is_elapsed answers whether the sleep has completed (fired, or returned
// Ready), not whether its deadline has passed: a sleep never polled is not elapsed.
TEST(Sleep, IsElapsedAnswersWhetherTheSleepCompleted) {
    block_on_paused([]() -> weft::Task<void> {
        weft::Context cx(weft::Waker::noop());
        auto s = weft::time::sleep(10ms);
        EXPECT_FALSE(s.is_elapsed());
        co_await weft::time::advance(20ms);  // the deadline passes; s was never polled
        EXPECT_FALSE(s.is_elapsed());
        EXPECT_TRUE(s.poll(cx).is_ready());  // completes without registering
        EXPECT_TRUE(s.is_elapsed());
        // Reset: pending again until it completes.
        s.reset(Instant::now() + 10ms);
        EXPECT_FALSE(s.is_elapsed());
        EXPECT_TRUE(s.poll(cx).is_pending());
        EXPECT_FALSE(s.is_elapsed());
        co_await weft::time::advance(5ms);
        EXPECT_FALSE(s.is_elapsed());
        co_await weft::time::advance(5ms);  // the driver fires it: complete before the poll
        EXPECT_TRUE(s.is_elapsed());
        EXPECT_TRUE(s.poll(cx).is_ready());
        EXPECT_TRUE(s.is_elapsed());
        // A zero sleep: complete only once polled.
        auto zero = weft::time::sleep(0ms);
        EXPECT_FALSE(zero.is_elapsed());
        co_await zero;
        EXPECT_TRUE(zero.is_elapsed());
        // A registered sleep whose deadline has passed but which the driver has not fired yet
        // has not completed.
        auto pending = weft::time::sleep(1ms);
        EXPECT_TRUE(pending.poll(cx).is_pending());
        weft::time::resume();
        std::this_thread::sleep_for(3ms);  // the real clock passes its deadline; nothing fires
        EXPECT_LE(pending.deadline(), Instant::now());
        EXPECT_FALSE(pending.is_elapsed());
        co_await pending;
        EXPECT_TRUE(pending.is_elapsed());
    });
}

// A timer must fire while the worker that was keeping time is stuck in a task. Here the blocker
// is woken by a timer, so the worker that fired it (the time keeper) runs it next and is stuck
// in its poll for up to 3 s; the other worker sleeps on its futex with no deadline. The sleeper's
// 60 ms timer used to wait for the blocker to finish: nobody watched the clock. The stall
// detector's sample now hands the clock to a sleeping worker when a timer is overdue.
TEST(Sleep, ATimerFiresWhileTheWorkerThatKeptTimeIsStuckInATask) {
    Watchdog dog(30s);
    weft::Runtime rt = weft::Runtime::builder()
                           .worker_threads(2)
                           .on_stall([](const weft::runtime::StallReport&) {})  // expected here
                           .build();
    for (int round = 0; round < 3; ++round) {
        std::atomic<bool> release{false}, slept{false};
        // Spawned from this thread, which is not a worker: only the workers keep time.
        auto blocker = rt.spawn([&]() -> weft::Task<void> {
            co_await weft::time::sleep(20ms);
            auto until = std::chrono::steady_clock::now() + 3s;
            while (!release.load() && std::chrono::steady_clock::now() < until)
                std::this_thread::sleep_for(1ms);  // stuck, as a task that blocks would be
        });
        auto start = std::chrono::steady_clock::now();
        auto sleeper = rt.spawn([&]() -> weft::Task<void> {
            co_await weft::time::sleep(60ms);
            slept = true;
        });
        while (!slept.load() && std::chrono::steady_clock::now() - start < 2s)
            std::this_thread::sleep_for(1ms);
        EXPECT_TRUE(slept.load()) << "round " << round << ": a 60 ms timer had not fired after 2 s";
        release = true;
        rt.block_on([&]() -> weft::Task<void> {
            co_await blocker;
            co_await sleeper;
        });
    }
}

// epoll_pwait2 refused (ENOSYS before Linux 5.11 and under valgrind 3.19, EPERM under some
// seccomp profiles): the epoll driver falls back to epoll_wait. Before, each park met the
// refusal at once and the runtime spun through a sleep at 100% CPU.
TEST(Sleep, WithoutEpollPwait2ASleepingRuntimeWaitsInsteadOfSpinning) {
    Watchdog dog;
    weft::detail::refuse_epoll_pwait2_for_testing(true);
    {
        weft::Runtime rt =
            weft::RuntimeBuilder::new_current_thread().io_driver(weft::IoDriverKind::Epoll).build();
        auto cpu = [] {
            rusage u{};
            ::getrusage(RUSAGE_THREAD, &u);
            return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
                   std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
        };
        auto cpu0 = cpu();
        auto start = std::chrono::steady_clock::now();
        rt.block_on([]() -> weft::Task<void> { co_await weft::time::sleep(300ms); });
        auto wall = std::chrono::steady_clock::now() - start;
        auto used = cpu() - cpu0;
        EXPECT_GE(wall, 300ms);
        EXPECT_LT(used, 100ms)
            << "the thread spent "
            << std::chrono::duration_cast<std::chrono::milliseconds>(used).count()
            << " ms of CPU in a 300 ms sleep";
    }
    weft::detail::refuse_epoll_pwait2_for_testing(false);
}
