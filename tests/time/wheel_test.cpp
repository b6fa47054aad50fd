// The hierarchical timer wheel, checked against a plain ordered model under random inserts,
// removals and advances (including deadlines past the wheel's 2^36-tick cycle).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "weft/detail/time/timer_wheel.hpp"

using weft::detail::TimerEntry;
using weft::detail::TimerWheel;

namespace {

struct Harness {
    TimerWheel wheel;
    std::vector<std::unique_ptr<TimerEntry>> entries;
    std::set<TimerEntry*> live;  // the model: what is in the wheel
    std::uint64_t now = 0;

    TimerEntry* add(std::uint64_t tick) {
        entries.push_back(std::make_unique<TimerEntry>());
        TimerEntry* e = entries.back().get();
        e->tick = tick;
        wheel.insert(e);
        live.insert(e);
        return e;
    }
    void remove(TimerEntry* e) {
        wheel.remove(e);
        live.erase(e);
    }
    // Advances to `to` and checks: exactly the live entries with tick <= to fire, none early.
    void advance_and_check(std::uint64_t to) {
        std::set<TimerEntry*> expected;
        for (TimerEntry* e : live)
            if (e->tick <= to) expected.insert(e);
        std::set<TimerEntry*> fired;
        wheel.advance(to, [&](TimerEntry* e) {
            EXPECT_LE(e->tick, to) << "fired early";
            EXPECT_TRUE(fired.insert(e).second) << "fired twice";
        });
        EXPECT_EQ(fired, expected);
        for (TimerEntry* e : fired)
            live.erase(e);
        now = to;
        EXPECT_EQ(wheel.size(), live.size());
        EXPECT_EQ(wheel.elapsed(), to);
        check_next();
    }
    // next_expiration is never after the earliest deadline (else a sleep would fire late).
    void check_next() {
        auto next = wheel.next_expiration();
        if (live.empty()) {
            EXPECT_FALSE(next.has_value());
            return;
        }
        ASSERT_TRUE(next.has_value());
        std::uint64_t earliest = ~std::uint64_t{0};
        for (TimerEntry* e : live)
            earliest = std::min(earliest, e->tick);
        EXPECT_LE(*next, earliest);
        EXPECT_GT(*next, now);
    }
};

}  // namespace

TEST(TimerWheel, FiresEachEntryAtItsTickAcrossEveryLevel) {
    Harness h;
    // One entry per level and slot boundary, from 1 ms to beyond the 2^36 cycle.
    std::vector<std::uint64_t> ticks = {1,
                                        2,
                                        63,
                                        64,
                                        65,
                                        4095,
                                        4096,
                                        4097,
                                        262143,
                                        262144,
                                        (1ull << 24) + 5,
                                        (1ull << 30) + 7,
                                        (1ull << 36) - 1,
                                        (1ull << 36),
                                        (1ull << 36) + 1,
                                        (1ull << 40) + 3};
    for (auto t : ticks)
        h.add(t);
    h.check_next();
    for (auto t : ticks) {
        h.advance_and_check(t - 1);  // nothing at t yet
        h.advance_and_check(t);      // exactly the entry at t
    }
    EXPECT_TRUE(h.wheel.empty());
}

TEST(TimerWheel, RandomInsertRemoveAdvanceMatchesTheModel) {
    std::mt19937_64 rng(12345);
    Harness h;
    for (int round = 0; round < 20000; ++round) {
        int op = static_cast<int>(rng() % 10);
        if (op < 5) {
            // Mostly near deadlines, some far ones (other levels, other cycles).
            std::uint64_t span = op < 3 ? 200 : (op == 3 ? (1ull << 20) : (1ull << 38));
            h.add(h.now + 1 + rng() % span);
        } else if (op < 7 && !h.live.empty()) {
            auto it = h.live.begin();
            std::advance(it, static_cast<long>(rng() % h.live.size()));
            h.remove(*it);
        } else {
            std::uint64_t step = op == 9 ? rng() % (1ull << 22) : rng() % 100;
            h.advance_and_check(h.now + step);
        }
    }
    h.advance_and_check(h.now + (1ull << 41));
    EXPECT_TRUE(h.wheel.empty());
}

TEST(TimerWheel, AdvancingStraightToNextExpirationFiresTheEarliest) {
    std::mt19937_64 rng(7);
    Harness h;
    for (int i = 0; i < 2000; ++i)
        h.add(1 + rng() % (1ull << 26));
    // Walking from one expiration to the next never skips an entry and ends empty.
    int steps = 0;
    while (auto next = h.wheel.next_expiration()) {
        h.advance_and_check(*next);
        ASSERT_LT(++steps, 100000);
    }
    EXPECT_TRUE(h.live.empty());
}
