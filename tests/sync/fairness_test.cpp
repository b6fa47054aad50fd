// Fairness of Mutex, RwLock and Semaphore under contention on 2 workers: 8 tasks loop taking
// the lock (holding it across a yield, so the others queue up). FIFO means a waiter is
// overtaken by at most the 7 others. For each request that takes *every* permit (a mutex lock,
// an RwLock write, a Semaphore acquire of all its permits) the test counts the grants made
// between the moment it was queued and the moment its task ran with the lock, and the worst
// count must stay below 8. (Only those: a task handed some of a semaphore's permits may wait
// in its executor's run queue while others use the rest, which is not overtaking.) A lock
// that let the releasing task, newcomers, or a stream of readers or small requests barge
// ahead would exceed it; a lost wake-up trips the watchdog.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;

namespace {

constexpr int kTasks = 8;
constexpr int kRounds = 400;

struct Tally {
    std::atomic<long> grants{0};
    std::atomic<long> worst{0};      // most grants between a task's enqueue and its own grant
    std::atomic<long> contended{0};  // measured requests that had to wait
    // `before`: the grant count when the request was queued, or -1 if not measured (served at
    // once, or not a request for every permit).
    void served(long before) {
        long now = grants.fetch_add(1);
        if (before < 0) return;
        contended++;
        long overtaken = now - before;
        long w = worst.load();
        while (overtaken > w && !worst.compare_exchange_weak(w, overtaken)) {
        }
    }
};

// Wraps a lock future: on its first poll, if the request was queued (Pending), notes the grant
// count right after the enqueue. (Grants between the enqueue and the note are missed, which can
// only make the count smaller: the bound checked stays exact for a FIFO lock.)
template <class F>
class Measured {
  public:
    using Output = weft::output_t<F>;
    Measured(F inner, Tally& t, long& before, bool measure = true)
        : inner_(std::move(inner)), t_(&t), before_(&before), first_(measure) {}
    weft::Poll<Output> poll(weft::Context& cx) {
        auto p = inner_.poll(cx);
        if (first_) {
            first_ = false;
            *before_ = p.is_pending() ? t_->grants.load() : -1;
        }
        return p;
    }

  private:
    F inner_;
    Tally* t_;
    long* before_;
    bool first_;
};

template <class Body>
void run_tasks(Body body) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    rt.block_on([&]() -> weft::Task<void> {
        std::vector<weft::JoinHandle<void>> hs;
        for (int t = 0; t < kTasks; ++t)
            hs.push_back(weft::spawn(body(t)));
        for (auto& h : hs)
            co_await h;
    });
}

void expect_fifo(const Tally& t, long measured_tasks) {
    EXPECT_EQ(t.grants.load(), long{kTasks} * kRounds);
    EXPECT_GT(t.contended.load(), measured_tasks * kRounds / 4)
        << "too little contention to say anything";
    EXPECT_LT(t.worst.load(), kTasks) << "a waiter was overtaken by more than the others queued";
}

}  // namespace

TEST(Fairness, MutexServesWaitersInArrivalOrderAcrossWorkers) {
    weft::sync::Mutex<long> m(0);
    Tally tally;
    run_tasks([&](int) -> weft::Task<void> {
        for (int i = 0; i < kRounds; ++i) {
            long before = -1;
            auto g = co_await Measured(m.lock(), tally, before);
            tally.served(before);
            ++*g;
            co_await weft::yield_now();  // held across the yield: the others queue up
        }
    });
    expect_fifo(tally, kTasks);
    EXPECT_EQ(m.get_mut(), long{kTasks} * kRounds);
}

// 6 readers and 2 writers: a writer waits for at most the requests queued before it, however
// many readers keep arriving (a reader-preferring lock starves it).
TEST(Fairness, RwLockNeitherStarvesWritersNorReadersAcrossWorkers) {
    weft::sync::RwLock<long> l(0);
    Tally tally;
    run_tasks([&](int t) -> weft::Task<void> {
        for (int i = 0; i < kRounds; ++i) {
            long before = -1;
            if (t < 2) {
                auto g = co_await Measured(l.write(), tally, before);
                tally.served(before);
                ++*g;
                co_await weft::yield_now();
            } else {
                auto g = co_await Measured(l.read(), tally, before, false);
                tally.served(before);
                co_await weft::yield_now();
            }
        }
    });
    expect_fifo(tally, 2);
    EXPECT_EQ(l.get_mut(), 2L * kRounds);
}

// 2 tasks ask for all 3 permits, 6 for 1: the large requests are not starved by the small
// ones that keep arriving.
TEST(Fairness, SemaphoreDoesNotStarveALargeRequestAcrossWorkers) {
    weft::sync::Semaphore s(3);
    Tally tally;
    run_tasks([&](int t) -> weft::Task<void> {
        for (int i = 0; i < kRounds; ++i) {
            long before = -1;
            std::size_t n = t < 2 ? 3 : 1;
            auto p = co_await Measured(s.acquire(n), tally, before, n == 3);
            tally.served(before);
            co_await weft::yield_now();
        }
    });
    expect_fifo(tally, 2);
    EXPECT_EQ(s.available_permits(), 3u);
}
