#include <gtest/gtest.h>

#include "support/test_support.hpp"

using weft_test::CountingWaker;

TEST(Waker, CopyClonesAndDestructionDrops) {
    CountingWaker c;
    {
        weft::Waker a = c.make();
        {
            weft::Waker b = a;  // clone
            EXPECT_EQ(c.clones, 2);
            EXPECT_EQ(c.live(), 2);
        }
        EXPECT_EQ(c.drops, 1);
    }
    EXPECT_EQ(c.live(), 0);
}

TEST(Waker, MoveCostsNoRefcountTraffic) {
    CountingWaker c;
    weft::Waker a = c.make();
    weft::Waker b = std::move(a);
    weft::Waker d;
    d = std::move(b);
    EXPECT_EQ(c.clones, 1);
    EXPECT_EQ(c.drops, 0);
    EXPECT_TRUE(a.is_noop());
    EXPECT_TRUE(b.is_noop());
    EXPECT_FALSE(d.is_noop());
}

TEST(Waker, WakeConsumesWakeByRefKeeps) {
    CountingWaker c;
    weft::Waker a = c.make();
    a.wake_by_ref();
    EXPECT_EQ(c.wakes_by_ref, 1);
    EXPECT_EQ(c.live(), 1);
    std::move(a).wake();
    EXPECT_EQ(c.wakes, 1);
    EXPECT_EQ(c.live(), 0);
    EXPECT_TRUE(a.is_noop());
}

TEST(Waker, CopyAssignSkipsCloneWhenItWouldWakeTheSameTask) {
    CountingWaker c, other;
    weft::Waker a = c.make();
    weft::Waker b = c.make();
    ASSERT_TRUE(a.will_wake(b));
    a = b;  // same target: no clone, no drop
    EXPECT_EQ(c.clones, 2);
    EXPECT_EQ(c.drops, 0);
    weft::Waker o = other.make();
    EXPECT_FALSE(a.will_wake(o));
    a = o;  // different target: clone the new one, drop the old one
    EXPECT_EQ(other.clones, 2);
    EXPECT_EQ(c.drops, 1);
}

TEST(Waker, NoopWakerIsInertAndWillWakeItself) {
    const weft::Waker& n = weft::Waker::noop();
    n.wake_by_ref();
    weft::Waker copy = n;
    std::move(copy).wake();
    EXPECT_TRUE(n.will_wake(weft::Waker::noop()));
    EXPECT_TRUE(weft::Waker().is_noop());
}

TEST(Waker, IntoRawReleasesOwnership) {
    CountingWaker c;
    weft::Waker a = c.make();
    weft::RawWaker raw = std::move(a).into_raw();
    EXPECT_TRUE(a.is_noop());
    EXPECT_EQ(c.drops, 0);  // ownership left with the raw handle, nothing was dropped
    {
        weft::Waker back = weft::Waker::from_raw(raw);
        EXPECT_EQ(c.live(), 1);
    }
    EXPECT_EQ(c.live(), 0);  // the rebuilt waker dropped the one reference
}

TEST(Poll, ReadyAndPendingForValuesAndVoid) {
    weft::Poll<int> p = weft::Pending;
    EXPECT_TRUE(p.is_pending());
    weft::Poll<int> r = 5;
    ASSERT_TRUE(r.is_ready());
    EXPECT_EQ(r.value(), 5);
    auto m = std::move(r).map([](int v) { return v * 2; });
    EXPECT_EQ(m.value(), 10);
    weft::Poll<void> v = weft::Ready;
    EXPECT_TRUE(v.is_ready());
    EXPECT_TRUE(weft::Poll<void>(weft::Pending).is_pending());
}
