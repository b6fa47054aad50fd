#include <gtest/gtest.h>

#include <thread>

#include "support/test_support.hpp"

using namespace weft_test;

TEST(BlockOn, ReturnsTheOutputAndRethrows) {
    EXPECT_EQ(weft::block_on(weft::ready(5)), 5);
    auto t = []() -> weft::Task<void> {
        throw std::out_of_range("x");
        co_return;
    };
    EXPECT_THROW(weft::block_on(t()), std::out_of_range);
}

TEST(BlockOn, PollsAnLvalueInPlace) {
    auto trig = std::make_shared<Trigger>();
    trig->complete(3);
    TriggerFuture f(trig);
    EXPECT_EQ(weft::block_on(f), 3);
}

// The waker fires from another thread, before or after block_on parks: neither order may lose
// the wake. Many rounds make both orders happen; the watchdog turns a lost wake into a failure.
TEST(BlockOn, CrossThreadWakeUnparks) {
    Watchdog dog;
    for (int round = 0; round < 2000; ++round) {
        auto trig = std::make_shared<Trigger>();
        std::thread waker([trig] {
            while (!trig->has_waker())
                std::this_thread::yield();
            trig->complete(7);
        });
        EXPECT_EQ(weft::block_on(TriggerFuture(trig)), 7);
        waker.join();
    }
}
