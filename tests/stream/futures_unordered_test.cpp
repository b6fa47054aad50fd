// weft::stream::FuturesUnordered: outputs in completion order, a wake polls only its own
// future, a throwing future leaves the set, a self-waking future cannot monopolise a poll,
// dropping the set cancels its futures, and a push wakes a pending poll.

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "support/drop_hook_waker.hpp"
#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using weft::stream::FuturesUnordered;

namespace {

// Counts its polls; ready with `v` once its trigger completed.
class Counted {
  public:
    using Output = int;
    Counted(std::shared_ptr<Trigger> t, int v, int& polls)
        : f_(std::move(t)), v_(v), polls_(&polls) {}
    weft::Poll<int> poll(weft::Context& cx) {
        ++*polls_;
        if (f_.poll(cx).is_pending()) return weft::Pending;
        return v_;
    }

  private:
    TriggerFuture f_;
    int v_;
    int* polls_;
};

template <class S>
auto poll_with(S& s, CountingWaker& w) {
    weft::Waker wk = w.make();
    weft::Context cx(wk);
    return s.poll_next(cx);
}

}  // namespace

TEST(FuturesUnordered, GivesOutputsInCompletionOrderPollingOnlyWokenFutures) {
    std::vector<std::shared_ptr<Trigger>> ts;
    std::vector<int> polls(3, 0);
    FuturesUnordered<Counted> set;
    for (int i = 0; i < 3; ++i) {
        ts.push_back(std::make_shared<Trigger>());
        set.push(Counted(ts.back(), 10 + i, polls[static_cast<std::size_t>(i)]));
    }
    CountingWaker w;
    EXPECT_TRUE(poll_with(set, w).is_pending());
    EXPECT_EQ(polls, (std::vector<int>{1, 1, 1}));
    ts[1]->complete();
    EXPECT_EQ(w.total_wakes(), 1) << "the set's task is woken by its future";
    auto p = poll_with(set, w);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), 11);
    EXPECT_EQ(polls, (std::vector<int>{1, 2, 1})) << "only the woken future was polled";
    EXPECT_EQ(set.len(), 2u);
    ts[2]->complete();
    ts[0]->complete();
    EXPECT_EQ(poll_with(set, w).value(), 12);
    EXPECT_EQ(poll_with(set, w).value(), 10);
    EXPECT_EQ(poll_with(set, w).value(), std::nullopt) << "empty: the end";
}

// (yield_now wakes its task's waker during its own poll: here, an entry's waker while the set
// is polling that entry. With that wake lost, this test stalls and the watchdog fails it.)
TEST(FuturesUnordered, AThrowingFutureLeavesTheSetAndTheRestGoOn) {
    Watchdog dog;
    weft::LocalExecutor ex;
    std::vector<int> got;
    int errors = 0;
    ex.run([&]() -> weft::Task<void> {
        FuturesUnordered<weft::Task<int>> set;
        for (int i = 0; i < 4; ++i) {
            set.push([](int i) -> weft::Task<int> {
                for (int k = 0; k < i; ++k)
                    co_await weft::yield_now();
                if (i == 1) throw std::runtime_error("one");
                co_return i;
            }(i));
        }
        for (;;) {
            try {
                auto v = co_await weft::stream::next(set);
                if (!v) break;
                got.push_back(*v);
            } catch (const std::runtime_error&) {
                ++errors;
            }
        }
    });
    EXPECT_EQ(got, (std::vector<int>{0, 2, 3}));
    EXPECT_EQ(errors, 1);
}

TEST(FuturesUnordered, ASelfWakingFutureCannotKeepAPollGoing) {
    int polls = 0;
    auto spinner = weft::poll_fn([&polls](weft::Context& cx) -> weft::Poll<int> {
        ++polls;
        cx.waker().wake_by_ref();  // always wants to run again
        return weft::Pending;
    });
    FuturesUnordered<decltype(spinner)> set;
    set.push(spinner);
    set.push(spinner);
    CountingWaker w;
    EXPECT_TRUE(poll_with(set, w).is_pending());
    EXPECT_EQ(polls, 2) << "each future polled once per poll_next";
    EXPECT_GE(w.total_wakes(), 1) << "and the task asked to come back";
}

TEST(FuturesUnordered, DroppingTheSetCancelsItsFutures) {
    Lifetimes life;
    auto trigger = std::make_shared<Trigger>();
    CountingWaker w;
    {
        FuturesUnordered<weft::Task<int>> set;
        for (int i = 0; i < 3; ++i) {
            set.push([](Lifetimes& life, std::shared_ptr<Trigger> t) -> weft::Task<int> {
                Tracked held(life);
                co_return co_await TriggerFuture(t);
            }(life, trigger));
        }
        EXPECT_TRUE(poll_with(set, w).is_pending());
        EXPECT_EQ(life.alive(), 3);
    }
    EXPECT_EQ(life.alive(), 0);
    trigger->complete();  // a wake after the set is gone finds nothing to do
}

TEST(FuturesUnordered, APushWakesAPendingPoll) {
    FuturesUnordered<weft::ReadyFuture<int>> set;
    CountingWaker w;
    EXPECT_EQ(poll_with(set, w).value(), std::nullopt) << "an empty set ends at once";
    auto trigger = std::make_shared<Trigger>();
    int polls = 0;
    FuturesUnordered<Counted> waiting;
    waiting.push(Counted(trigger, 1, polls));
    EXPECT_TRUE(poll_with(waiting, w).is_pending());
    int before = w.total_wakes();
    waiting.push(Counted(std::make_shared<Trigger>(), 2, polls));
    EXPECT_EQ(w.total_wakes(), before + 1);
}

// Issue 16: the set polled again with another waker replaces the one it stored; that waker
// was dropped under the set's spin lock, so a drop that wakes one of the set's own futures
// (whose entry waker takes the same lock) spun forever.
TEST(FuturesUnordered, AReplacedWakerIsDroppedOutsideTheSetsLock) {
    Watchdog dog(std::chrono::seconds(10));
    auto t = std::make_shared<Trigger>();
    int polls = 0;
    FuturesUnordered<Counted> set;
    set.push(Counted(t, 5, polls));
    DropHookWaker a([&] { t->complete(); });
    {
        weft::Waker wa = a.make();
        weft::Context cx(wa);
        EXPECT_TRUE(set.poll_next(cx).is_pending());
    }
    CountingWaker b;
    EXPECT_TRUE(poll_with(set, b).is_pending());  // drops a's waker: its future completes
    EXPECT_TRUE(a.hook_ran);
    EXPECT_EQ(b.total_wakes(), 1);
    auto p = poll_with(set, b);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(std::move(p).value(), std::optional<int>(5));
}
