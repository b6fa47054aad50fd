// Model tests of the closable remote queue (include/weft/detail/runtime/remote_queue.hpp) and
// the worker-local queue built on it (local_queue.hpp): producers on several threads race a
// consumer and a close; every task is either taken exactly once or refused and handed back to
// its producer exactly once; nothing is lost.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "fake_tasks.hpp"
#include "support/test_support.hpp"
#include "weft/detail/runtime/remote_queue.hpp"

using weft::detail::RemoteQueue;
using weft::detail::TaskHeader;

namespace {

TEST(RemoteQueueModel, FifoAndClosedRefusesAndKeepsWhatWasQueued) {
    weft_test::FakeTasks tasks(4);
    RemoteQueue q;
    EXPECT_TRUE(q.empty());
    ASSERT_TRUE(q.push(tasks.at(0)));
    TaskHeader* batch[] = {tasks.at(1), tasks.at(2)};
    ASSERT_EQ(q.push_batch(batch, 2), 2u);
    EXPECT_EQ(q.len(), 3u);
    q.close();
    EXPECT_FALSE(q.push(tasks.at(3)));  // handed back: still the caller's
    EXPECT_EQ(q.push_batch(batch, 2), 0u);
    EXPECT_EQ(q.len(), 3u);
    std::vector<TaskHeader*> out;
    q.take_all([&](TaskHeader* t) { out.push_back(t); });
    EXPECT_EQ(out, (std::vector<TaskHeader*>{tasks.at(0), tasks.at(1), tasks.at(2)}));
    EXPECT_TRUE(q.empty());
}

TEST(RemoteQueueModel, PopBatchHandsOverTheShare) {
    weft_test::FakeTasks tasks(5);
    RemoteQueue q;
    for (std::size_t i = 0; i < 5; ++i)
        ASSERT_TRUE(q.push(tasks.at(i)));
    std::vector<TaskHeader*> more;
    TaskHeader* first = q.pop_batch(
        [](std::size_t left) {
            EXPECT_EQ(left, 4u);
            return std::size_t{2};
        },
        [&](TaskHeader* t) { more.push_back(t); });
    EXPECT_EQ(first, tasks.at(0));
    EXPECT_EQ(more, (std::vector<TaskHeader*>{tasks.at(1), tasks.at(2)}));
    EXPECT_EQ(q.len(), 2u);
}

// Producers push (singly and in batches) while a consumer takes (take_all, or pop_batch from
// two consumers), and a closer closes the queue part-way; then the owner drains what is left.
void race(bool pop_consumers) {
    weft_test::Watchdog watchdog;
    constexpr int kProducers = 3;
    constexpr std::size_t kPer = 3000;
    weft_test::FakeTasks tasks(kProducers * kPer);
    RemoteQueue q;
    std::atomic<int> producers_left{kProducers};
    std::atomic<std::size_t> pushed{0};
    auto take = [&](TaskHeader* t) { tasks.take(t); };
    std::vector<std::thread> threads;
    for (int p = 0; p < kProducers; ++p) {
        threads.emplace_back([&, p] {
            std::size_t base = static_cast<std::size_t>(p) * kPer;
            for (std::size_t i = 0; i < kPer;) {
                if (i % 7 == 0 && i + 2 <= kPer) {
                    TaskHeader* batch[] = {tasks.at(base + i), tasks.at(base + i + 1)};
                    if (q.push_batch(batch, 2) == 0) {
                        tasks.refused[base + i].fetch_add(1);
                        tasks.refused[base + i + 1].fetch_add(1);
                    }
                    i += 2;
                } else {
                    if (!q.push(tasks.at(base + i))) tasks.refused[base + i].fetch_add(1);
                    ++i;
                }
                pushed.fetch_add(1, std::memory_order_relaxed);
            }
            producers_left.fetch_sub(1);
        });
    }
    std::thread closer([&] {
        while (pushed.load(std::memory_order_relaxed) < kProducers * kPer / 2)
            std::this_thread::yield();
        q.close();
    });
    std::vector<std::thread> consumers;
    if (pop_consumers) {
        for (int c = 0; c < 2; ++c) {
            consumers.emplace_back([&] {
                while (producers_left.load() > 0 || !q.empty()) {
                    TaskHeader* t = q.pop_batch([](std::size_t left) { return left / 2; }, take);
                    if (t != nullptr) take(t);
                }
            });
        }
    } else {
        consumers.emplace_back([&] {
            while (producers_left.load() > 0)
                q.take_all(take);
        });
    }
    for (auto& t : threads)
        t.join();
    closer.join();
    for (auto& t : consumers)
        t.join();
    q.take_all(take);  // the owner drains what is left after close
    EXPECT_TRUE(q.empty());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        ASSERT_EQ(tasks.taken[i].load() + tasks.refused[i].load(), 1) << "task " << i;
    }
    EXPECT_FALSE(q.push(tasks.at(0)));  // still closed
}

TEST(RemoteQueueModel, RacingProducersTakeAllAndCloseLoseNothing) {
    for (int round = 0; round < 10; ++round)
        race(false);
}

TEST(RemoteQueueModel, RacingProducersPopBatchAndCloseLoseNothing) {
    for (int round = 0; round < 10; ++round)
        race(true);
}

}  // namespace
