// Model test of the multi-thread scheduler's idle protocol (src/runtime/multi_thread/idle.hpp):
// workers that find no work register as parked, look once more, and sleep on their parkers;
// a producer publishes work and then asks Idle which worker to unpark. In a bounded loop of
// such races no wake-up may be lost: a lost one leaves work unconsumed with every worker
// asleep, and the watchdog fails the test (it never hangs).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "runtime/multi_thread/idle.hpp"
#include "support/test_support.hpp"
#include "weft/detail/runtime/parker.hpp"

using weft::detail::Idle;
using weft::detail::IdleSlot;
using weft::detail::Parker;
using weft::detail::PushedTo;

namespace {

struct Model {
    explicit Model(std::size_t n) : idle(n), slots(n) {
        for (std::size_t i = 0; i < n; ++i) {
            slots[i].index = i;
            parkers.push_back(Parker::create());
        }
    }
    ~Model() {
        for (Parker* p : parkers)
            p->release();
    }

    bool take_work() {
        // seq_cst: the parking worker's re-check after its RMW on the idle word.
        int w = work.load(std::memory_order_seq_cst);
        while (w > 0) {
            if (work.compare_exchange_weak(w, w - 1, std::memory_order_seq_cst)) return true;
        }
        return false;
    }
    void notify(PushedTo where) {
        if (IdleSlot* s = idle.worker_to_notify(where)) parkers[s->index]->unpark();
    }
    void found_work(IdleSlot& s) {
        consumed.fetch_add(1, std::memory_order_relaxed);
        // The last searcher found work: wake another to look for the rest (as the scheduler).
        if (s.searching && idle.transition_from_searching(s)) notify(PushedTo::SharedQueue);
    }

    // The scheduler's worker loop, with "work" a counter.
    void worker(std::size_t i) {
        IdleSlot& s = slots[i];
        while (!stop.load(std::memory_order_acquire)) {
            if (take_work()) {
                found_work(s);
                continue;
            }
            if (idle.transition_to_searching(s) && take_work()) {
                found_work(s);
                continue;
            }
            idle.park_begin(s);
            if (work.load(std::memory_order_seq_cst) > 0 || stop.load(std::memory_order_acquire)) {
                idle.cancel_park(s);
                continue;
            }
            for (;;) {
                parkers[i]->park();
                if (stop.load(std::memory_order_acquire)) {
                    idle.cancel_park(s);
                    break;
                }
                if (!idle.is_parked(s)) break;  // notified (and made searching)
            }
        }
        if (s.searching) (void)idle.transition_from_searching(s);
    }

    Idle idle;
    std::vector<IdleSlot> slots;
    std::vector<Parker*> parkers;
    std::atomic<int> work{0};
    std::atomic<long> consumed{0};
    std::atomic<bool> stop{false};
};

void run_model(std::size_t workers, int rounds, int burst) {
    weft_test::Watchdog watchdog(std::chrono::seconds(60));
    Model m(workers);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < workers; ++i)
        threads.emplace_back([&m, i] { m.worker(i); });
    long produced = 0;
    for (int r = 0; r < rounds; ++r) {
        for (int b = 0; b < burst; ++b) {
            // Publish, then the ordering RMW (worker_to_notify), as push_inject does.
            m.work.fetch_add(1, std::memory_order_release);
            ++produced;
            m.notify(PushedTo::SharedQueue);
        }
        // Wait until consumed: only a worker that was woken (or never slept) can get there.
        while (m.consumed.load(std::memory_order_relaxed) < produced)
            std::this_thread::yield();
    }
    m.stop.store(true, std::memory_order_release);
    m.idle.unpark_all();
    for (Parker* p : m.parkers)
        p->unpark();
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(m.consumed.load(), produced);
    EXPECT_EQ(m.work.load(), 0);
}

TEST(IdleModel, OneWorkerNeverMissesAWake) {
    run_model(1, 3000, 1);
}

TEST(IdleModel, TwoWorkersNeverMissAWake) {
    run_model(2, 3000, 1);
}

TEST(IdleModel, ThreeWorkersBurstsNeverMissAWake) {
    run_model(3, 2000, 3);
}

TEST(IdleModel, AtMostHalfTheWorkersSearch) {
    Idle idle(4);
    IdleSlot s[4];
    for (std::size_t i = 0; i < 4; ++i)
        s[i].index = i;
    EXPECT_TRUE(idle.transition_to_searching(s[0]));
    EXPECT_TRUE(idle.transition_to_searching(s[1]));
    EXPECT_FALSE(idle.transition_to_searching(s[2]));  // two of four search already
    EXPECT_FALSE(idle.transition_from_searching(s[0]));
    EXPECT_TRUE(idle.transition_from_searching(s[1]));  // the last searcher
}

TEST(IdleModel, NotifyPicksAParkedWorkerOnlyWhenNobodySearches) {
    Idle idle(2);
    IdleSlot a, b;
    a.index = 0;
    b.index = 1;
    EXPECT_EQ(idle.worker_to_notify(PushedTo::SharedQueue), nullptr);  // nobody parked
    idle.park_begin(a);
    ASSERT_TRUE(idle.transition_to_searching(b));
    EXPECT_EQ(idle.worker_to_notify(PushedTo::SharedQueue), nullptr);  // b searches already
    EXPECT_TRUE(idle.transition_from_searching(b));                    // b was the last searcher
    IdleSlot* woken = idle.worker_to_notify(PushedTo::SharedQueue);
    ASSERT_EQ(woken, &a);
    EXPECT_TRUE(a.searching);
    EXPECT_FALSE(idle.is_parked(a));
    EXPECT_FALSE(idle.cancel_park(a));  // already taken off by the notify
}

}  // namespace
