// weft::time::interval / interval_at under each missed-tick behaviour, on the paused clock.

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "support/test_support.hpp"
#include "support/time_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::time::Instant;
using weft::time::MissedTickBehavior;

namespace {

// Ticks of a 10 ms interval (offsets from its start, in ms) taken after the caller was busy
// from 0 to 35 ms.
std::vector<long> ticks_after_a_late_start(MissedTickBehavior b) {
    weft::Runtime rt = paused_runtime();
    return rt.block_on([b]() -> weft::Task<std::vector<long>> {
        Instant start = Instant::now();
        auto iv = weft::time::interval(10ms);
        iv.set_missed_tick_behavior(b);
        std::vector<long> out;
        auto record = [&](Instant due) {
            out.push_back(
                std::chrono::duration_cast<std::chrono::milliseconds>(due - start).count());
        };
        record(co_await iv.tick());          // 0, at once
        co_await weft::time::advance(35ms);  // busy elsewhere: ticks 10, 20, 30 are missed
        for (int i = 0; i < 5; ++i)
            record(co_await iv.tick());
        co_return out;
    });
}

}  // namespace

TEST(Interval, TicksAtEveryPeriodFromItsStart) {
    block_on_paused([]() -> weft::Task<void> {
        Instant start = Instant::now();
        auto iv = weft::time::interval_at(start + 100ms, 250ms);
        EXPECT_EQ(iv.period(), 250ms);
        EXPECT_EQ(iv.missed_tick_behavior(), MissedTickBehavior::Burst);
        for (int i = 0; i < 4; ++i) {
            Instant due = co_await iv.tick();
            EXPECT_EQ(due, start + 100ms + i * 250ms);
            EXPECT_EQ(Instant::now(), due);  // paused clock: exactly on time
        }
        // A dropped tick() loses nothing: the next one returns the same tick.
        {
            auto t = iv.tick();
            weft::Context cx(weft::Waker::noop());
            EXPECT_TRUE(t.poll(cx).is_pending());
        }
        EXPECT_EQ(co_await iv.tick(), start + 100ms + 4 * 250ms);
        // reset(): the next tick is one period from now.
        iv.reset();
        EXPECT_EQ(co_await iv.tick(), Instant::now());
        EXPECT_EQ(Instant::now(), start + 100ms + 5 * 250ms);
    });
}

TEST(Interval, BurstCatchesUpOnMissedTicks) {
    Watchdog dog;
    EXPECT_EQ(ticks_after_a_late_start(MissedTickBehavior::Burst),
              (std::vector<long>{0, 10, 20, 30, 40, 50}));
}

TEST(Interval, DelayRestartsTheScheduleFromTheLateTick) {
    Watchdog dog;
    EXPECT_EQ(ticks_after_a_late_start(MissedTickBehavior::Delay),
              (std::vector<long>{0, 10, 45, 55, 65, 75}));
}

TEST(Interval, SkipDropsMissedTicksAndStaysOnTheGrid) {
    Watchdog dog;
    EXPECT_EQ(ticks_after_a_late_start(MissedTickBehavior::Skip),
              (std::vector<long>{0, 10, 40, 50, 60, 70}));
}

TEST(Interval, RejectsAZeroPeriod) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    rt.block_on([]() -> weft::Task<void> {
        EXPECT_THROW((void)weft::time::interval(0ms), std::invalid_argument);
        co_return;
    });
}

// Issue 16: an interval of any period up to the maximum saturates: each later tick is clamped to
// 30 years ahead (Tokio's far future), and nothing overflows (UBSan aborts this build).
TEST(Interval, AHugePeriodSaturatesToThirtyYears) {
    block_on_paused([]() -> weft::Task<void> {
        Instant start = Instant::now();
        auto iv = weft::time::interval(std::chrono::hours::max());
        EXPECT_EQ(iv.period(), std::chrono::nanoseconds::max());
        EXPECT_EQ(co_await iv.tick(), start);  // at once
        EXPECT_EQ(co_await iv.tick(), start + kFarFuture);
        EXPECT_EQ(Instant::now(), start + kFarFuture);
        EXPECT_EQ(co_await iv.tick(), start + 2 * kFarFuture);
        // Skip and Delay with a huge period: the same clamp.
        for (auto b : {MissedTickBehavior::Delay, MissedTickBehavior::Skip}) {
            auto other = weft::time::interval(std::chrono::nanoseconds::max());
            other.set_missed_tick_behavior(b);
            Instant first = co_await other.tick();
            co_await weft::time::advance(1s);  // the next tick is not late: it is far
            EXPECT_EQ(co_await other.tick(), first + kFarFuture);
        }
    });
}

// ---- issue 16: Tokio's reset_immediately / reset_after / reset_at ----

TEST(Interval, ResetImmediatelyTicksNowAndGoesOnOnePeriodLater) {
    block_on_paused([]() -> weft::Task<void> {
        Instant start = Instant::now();
        auto iv = weft::time::interval(10ms);
        EXPECT_EQ(co_await iv.tick(), start);
        co_await weft::time::advance(3ms);
        iv.reset_immediately();
        EXPECT_EQ(co_await iv.tick(), start + 3ms);  // at once: the clock did not move
        EXPECT_EQ(Instant::now(), start + 3ms);
        EXPECT_EQ(co_await iv.tick(), start + 13ms);
        // Late by far more than the period, reset_immediately ignores the missed ticks
        // (Burst would otherwise replay them).
        co_await weft::time::advance(100ms);
        iv.reset_immediately();
        EXPECT_EQ(co_await iv.tick(), start + 113ms);
        EXPECT_EQ(co_await iv.tick(), start + 123ms);
    });
}

TEST(Interval, ResetAfterWaitsThatLongEvenBeyondThePeriod) {
    block_on_paused([]() -> weft::Task<void> {
        Instant start = Instant::now();
        auto iv = weft::time::interval(10ms);
        EXPECT_EQ(co_await iv.tick(), start);
        iv.reset_after(25ms);
        EXPECT_EQ(co_await iv.tick(), start + 25ms);
        EXPECT_EQ(Instant::now(), start + 25ms);
        EXPECT_EQ(co_await iv.tick(), start + 35ms);
        iv.reset_after(2ms);  // shorter than the period too
        EXPECT_EQ(co_await iv.tick(), start + 37ms);
        iv.reset_after(std::chrono::hours::max());  // saturates (clamped to 30 years)
        EXPECT_EQ(co_await iv.tick(), start + 37ms + kFarFuture);
        // reset(): one period from now.
        iv.reset();
        Instant now = Instant::now();
        EXPECT_EQ(co_await iv.tick(), now + 10ms);
    });
}

TEST(Interval, ResetAtAFutureInstantTicksThereAndForgetsMissedTicks) {
    block_on_paused([]() -> weft::Task<void> {
        Instant start = Instant::now();
        auto iv = weft::time::interval(10ms);
        EXPECT_EQ(co_await iv.tick(), start);
        co_await weft::time::advance(35ms);  // ticks 10, 20, 30 are missed ...
        iv.reset_at(start + 50ms);           // ... and forgotten
        EXPECT_EQ(co_await iv.tick(), start + 50ms);
        EXPECT_EQ(co_await iv.tick(), start + 60ms);
    });
}

// A reset_at in the past is a missed tick: it is returned at once, then each missed-tick
// behaviour does what it does after any late tick (Tokio's semantics).
TEST(Interval, ResetAtAPastInstantIsAMissedTickForEveryBehaviour) {
    Watchdog dog;
    auto ticks = [](MissedTickBehavior b) {
        weft::Runtime rt = paused_runtime();
        return rt.block_on([b]() -> weft::Task<std::vector<long>> {
            auto iv = weft::time::interval(10ms);
            iv.set_missed_tick_behavior(b);
            Instant start = co_await iv.tick();
            co_await weft::time::advance(100ms);
            iv.reset_at(start + 65ms);  // 35 ms ago
            std::vector<long> out;
            for (int i = 0; i < 5; ++i) {
                Instant due = co_await iv.tick();
                out.push_back(
                    std::chrono::duration_cast<std::chrono::milliseconds>(due - start).count());
            }
            co_return out;
        });
    };
    EXPECT_EQ(ticks(MissedTickBehavior::Burst), (std::vector<long>{65, 75, 85, 95, 105}));
    EXPECT_EQ(ticks(MissedTickBehavior::Delay), (std::vector<long>{65, 110, 120, 130, 140}));
    EXPECT_EQ(ticks(MissedTickBehavior::Skip), (std::vector<long>{65, 105, 115, 125, 135}));
}

// A reset wakes a tick() that is already waiting in another task, at the new time.
TEST(Interval, AResetWakesAWaitingTick) {
    block_on_paused([]() -> weft::Task<void> {
        Instant start = Instant::now();
        auto iv = weft::time::interval_at(start + 1h, 1h);
        auto waiter = weft::spawn([](weft::time::Interval& iv) -> weft::Task<Instant> {
            co_return co_await iv.tick();
        }(iv));
        while (timers_registered() == 0)
            co_await weft::yield_now();
        iv.reset_immediately();
        EXPECT_EQ(co_await waiter, start);  // woken now; the clock did not jump an hour
        EXPECT_EQ(Instant::now(), start);
        auto again = weft::spawn([](weft::time::Interval& iv) -> weft::Task<Instant> {
            co_return co_await iv.tick();
        }(iv));
        while (timers_registered() == 0)
            co_await weft::yield_now();
        iv.reset_at(start + 5s);  // earlier than the hour it was waiting for
        EXPECT_EQ(co_await again, start + 5s);
        EXPECT_EQ(Instant::now(), start + 5s);
    });
}
