// weft::time::timeout / timeout_at: the value in time, "elapsed" with the inner future
// cancelled, the same-tick race, and 10,000,000 register+cancel cycles that allocate nothing.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

#include "support/counting_new.hpp"
#include "support/test_support.hpp"
#include "support/time_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::time::Instant;

namespace {

// Ready once the clock reaches `at` (polled again only when something wakes the task).
class ReadyAt {
  public:
    using Output = int;
    explicit ReadyAt(Instant at) : at_(at) {}
    weft::Poll<int> poll(weft::Context&) {
        if (Instant::now() >= at_) return 42;
        return weft::Pending;
    }

  private:
    Instant at_;
};

weft::Task<int> slow_value(Lifetimes& lives, std::chrono::milliseconds d) {
    Tracked guard(lives);
    co_await weft::time::sleep(d);
    co_return 7;
}

}  // namespace

TEST(Timeout, GivesTheValueWhenInTime) {
    block_on_paused([]() -> weft::Task<void> {
        Lifetimes lives;
        auto t = weft::time::timeout(10s, slow_value(lives, 5s));
        auto r = co_await t;  // (t is polled in place and still alive below)
        EXPECT_TRUE(r.ok());
        EXPECT_EQ(*r, 7);
        EXPECT_EQ(r.value(), 7);
        EXPECT_EQ(timers_registered(), 0u);  // the timeout's own timer is gone too
        // Around a ready future: no timer is ever registered.
        auto ready = co_await weft::time::timeout(1ms, weft::ready(5));
        EXPECT_EQ(*ready, 5);
        // void output.
        auto v = co_await weft::time::timeout(1s, weft::yield_now());
        EXPECT_TRUE(v.ok());
        EXPECT_NO_THROW(v.value());
    });
}

TEST(Timeout, ElapsedCancelsTheInnerFutureBeforeReturning) {
    block_on_paused([]() -> weft::Task<void> {
        Lifetimes lives;
        Instant start = Instant::now();
        auto t = weft::time::timeout(1h, slow_value(lives, 2h));
        auto r = co_await t;  // (t is polled in place and still alive below)
        EXPECT_TRUE(r.is_elapsed());
        EXPECT_FALSE(static_cast<bool>(r));
        EXPECT_EQ(Instant::now() - start, 1h);
        EXPECT_EQ(lives.made.load(), 1);
        EXPECT_EQ(lives.alive(), 0) << "the inner future was not destroyed";
        EXPECT_THROW((void)r.value(), weft::time::Elapsed);
        EXPECT_EQ(timers_registered(), 0u);  // neither the inner sleep nor the timeout's
        weft::Context cx(weft::Waker::noop());
        EXPECT_TRUE(t.poll(cx).value().is_elapsed());  // polled again: still elapsed, no crash

        auto at = co_await weft::time::timeout_at(start + 2h, weft::pending<int>());
        EXPECT_TRUE(at.is_elapsed());
        EXPECT_EQ(Instant::now() - start, 2h);
        auto v = co_await weft::time::timeout(1s, weft::pending<void>());
        EXPECT_THROW(v.value(), weft::time::Elapsed);
    });
}

TEST(Timeout, AnInnerFutureReadyOnTheDeadlineTickWins) {
    block_on_paused([]() -> weft::Task<void> {
        Instant deadline = Instant::now() + 50ms;
        // The inner future becomes ready exactly when the deadline fires: the timer wakes the
        // task, and the inner future is polled first.
        auto r = co_await weft::time::timeout_at(deadline, ReadyAt(deadline));
        EXPECT_TRUE(r.ok());
        EXPECT_EQ(*r, 42);
        EXPECT_EQ(Instant::now(), deadline);
    });
}

TEST(Timeout, ExceptionsOfTheInnerFuturePropagate) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    EXPECT_THROW(rt.block_on([]() -> weft::Task<void> {
        auto r = co_await weft::time::timeout(1s, []() -> weft::Task<int> {
            co_await weft::time::sleep(1ms);
            throw std::runtime_error("inner");
        }());
        (void)r;
    }),
                 std::runtime_error);
}

TEST(Timeout, TenMillionRegisterAndCancelCyclesAllocateNothing) {
    if (!kCountsAllocations) GTEST_SKIP() << "allocations are not counted in this build";
    Watchdog dog(std::chrono::seconds(120));
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    rt.block_on([]() -> weft::Task<void> {
        weft::Context cx(weft::Waker::noop());
        auto cycle = [&](int i) {
            // Each timeout registers a timer (its inner future is pending) and is dropped. At
            // least a second: a timeout of a few milliseconds completes at its first poll when
            // the thread is preempted for that long between making the deadline and checking it
            // (it happened under ctest -j2 on a loaded 2-core machine), and registers nothing.
            auto t = weft::time::timeout(1s + std::chrono::milliseconds(i % 5000),
                                         weft::pending<void>());
            return t.poll(cx).is_pending();
        };
        for (int i = 0; i < 1000; ++i)
            cycle(i);  // warm up
        long before = thread_allocations();
#ifdef __SANITIZE_THREAD__
        constexpr int kCycles = 1'000'000;  // ThreadSanitizer is ~10x slower; ASan runs 10M
#else
        constexpr int kCycles = 10'000'000;
#endif
        int pending = 0;
        for (int i = 0; i < kCycles; ++i)
            pending += cycle(i);
        long allocated = thread_allocations() - before;  // before a failed EXPECT allocates
        EXPECT_EQ(pending, kCycles);
        EXPECT_EQ(allocated, 0) << "registering a timer allocated";
        EXPECT_EQ(timers_registered(), 0u);
        co_return;
    });
}
