// Model tests of a worker's run queue (src/runtime/run_queue.hpp) at a tiny capacity, so that
// the full, overflow and wrap-around paths are hit constantly: push, pop, take_half and
// steal_into from 2-3 threads, with the overflow going to an injection queue as the scheduler
// does. Every task must be run exactly once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "fake_tasks.hpp"
#include "runtime/run_queue.hpp"
#include "support/test_support.hpp"
#include "weft/detail/runtime/remote_queue.hpp"

using weft::detail::RemoteQueue;
using weft::detail::RunQueue;
using weft::detail::TaskHeader;

namespace {

using Tiny = RunQueue<4>;

TEST(RunQueueModel, PushUntilFullThenTakeHalfFifo) {
    weft_test::FakeTasks tasks(8);
    Tiny::Local q;
    for (std::size_t i = 0; i < 4; ++i)
        ASSERT_TRUE(q.push(tasks.at(i)));
    EXPECT_FALSE(q.push(tasks.at(4)));  // full
    EXPECT_EQ(q.len(), 4u);
    TaskHeader* half[3];
    ASSERT_EQ(q.take_half(half), 2u);  // the older half
    EXPECT_EQ(half[0], tasks.at(0));
    EXPECT_EQ(half[1], tasks.at(1));
    EXPECT_TRUE(q.push(tasks.at(4)));  // room again; wraps around the ring
    EXPECT_EQ(q.pop(), tasks.at(2));
    EXPECT_EQ(q.pop(), tasks.at(3));
    EXPECT_EQ(q.pop(), tasks.at(4));
    EXPECT_EQ(q.pop(), nullptr);
    EXPECT_TRUE(q.empty());
}

TEST(RunQueueModel, StealTakesHalfAndReturnsOneToRun) {
    weft_test::FakeTasks tasks(4);
    Tiny::Local victim, thief;
    for (std::size_t i = 0; i < 4; ++i)
        ASSERT_TRUE(victim.push(tasks.at(i)));
    Tiny::Steal s = victim.stealer();
    TaskHeader* run = s.steal_into(thief);
    EXPECT_EQ(run, tasks.at(1));  // the last of the two stolen
    EXPECT_EQ(thief.pop(), tasks.at(0));
    EXPECT_EQ(thief.pop(), nullptr);
    EXPECT_EQ(victim.len(), 2u);
    EXPECT_EQ(s.len(), 2u);
    EXPECT_EQ(victim.pop(), tasks.at(2));
    EXPECT_EQ(s.steal_into(thief), tasks.at(3));  // one left: stolen alone, nothing published
    EXPECT_TRUE(thief.empty());
    EXPECT_EQ(s.steal_into(thief), nullptr);
}

TEST(RunQueueModel, StealIntoAFullQueueTakesNothing) {
    weft_test::FakeTasks tasks(8);
    Tiny::Local victim, thief;
    for (std::size_t i = 0; i < 4; ++i) {
        ASSERT_TRUE(victim.push(tasks.at(i)));
        ASSERT_TRUE(thief.push(tasks.at(4 + i)));
    }
    EXPECT_EQ(victim.stealer().steal_into(thief), nullptr);
    EXPECT_EQ(victim.len(), 4u);
}

// Three workers, each with its own tiny queue; worker 0 produces every task (pushing to its
// queue, overflowing half to the injection queue when full), all of them pop their own queue,
// take from the injection queue and steal from the others until every task has run.
void race(int workers, std::size_t n) {
    weft_test::Watchdog watchdog;
    weft_test::FakeTasks tasks(n);
    std::vector<std::unique_ptr<Tiny::Local>> queues;
    std::vector<Tiny::Steal> stealers;
    for (int i = 0; i < workers; ++i) {
        queues.push_back(std::make_unique<Tiny::Local>());
        stealers.push_back(queues.back()->stealer());
    }
    RemoteQueue inject;
    std::atomic<std::size_t> done{0};
    auto run_one = [&](TaskHeader* t) {
        tasks.take(t);
        done.fetch_add(1, std::memory_order_relaxed);
    };
    auto worker = [&](int me) {
        Tiny::Local& q = *queues[me];
        std::size_t produced = 0;
        std::uint32_t rng = 0x9E3779B9u * static_cast<std::uint32_t>(me + 1);
        while (done.load(std::memory_order_relaxed) < n) {
            if (me == 0 && produced < n) {
                // Produce a couple, then consume a little, so that queues are full and empty
                // alternately.
                for (int k = 0; k < 3 && produced < n; ++k) {
                    TaskHeader* t = tasks.at(produced++);
                    if (q.push(t)) continue;
                    TaskHeader* batch[Tiny::kCapacity / 2 + 1];
                    std::uint32_t m = q.take_half(batch);
                    batch[m++] = t;
                    ASSERT_EQ(inject.push_batch(batch, m), m);
                }
            }
            if (TaskHeader* t = q.pop()) {
                run_one(t);
                continue;
            }
            // A share along, bounded by the room left, as the scheduler does (the callback
            // runs under the injection queue's lock: it may only store the task).
            auto share = [&](std::size_t left) {
                std::size_t room = Tiny::kCapacity / 2 - std::min<std::size_t>(q.len(), 2);
                return std::min(left / 2 + 1, room);
            };
            if (TaskHeader* t = inject.pop_batch(share, [&](TaskHeader* more) {
                    bool pushed = q.push(more);
                    EXPECT_TRUE(pushed);
                })) {
                run_one(t);
                continue;
            }
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            int victim = static_cast<int>(rng % static_cast<std::uint32_t>(workers));
            if (victim == me) continue;
            if (TaskHeader* t = stealers[victim].steal_into(q)) {
                run_one(t);
                continue;
            }
            std::this_thread::yield();
        }
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i)
        threads.emplace_back(worker, i);
    for (auto& t : threads)
        t.join();
    for (std::size_t i = 0; i < n; ++i)
        ASSERT_EQ(tasks.taken[i].load(), 1) << "task " << i;
    for (auto& q : queues)
        EXPECT_TRUE(q->empty());
    EXPECT_TRUE(inject.empty());
}

TEST(RunQueueModel, TwoThreadsRunEveryTaskOnce) {
    for (int round = 0; round < 20; ++round)
        race(2, 2000);
}

TEST(RunQueueModel, ThreeThreadsRunEveryTaskOnce) {
    for (int round = 0; round < 20; ++round)
        race(3, 2000);
}

}  // namespace
