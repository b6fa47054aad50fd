// Wakes from other threads racing with the executor's polls: none may be lost (the task would
// stall: the watchdog fails the test), and none may queue the task twice (every poll must be
// paid for by a wake, so polls <= wakes + 1).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

using namespace weft_test;

namespace {

struct Counter {
    std::atomic<long> produced{0};
    std::atomic<long> wakes{0};
    std::mutex mu;
    weft::Waker waker;
};

// Ready when the producers have produced more than `seen`.
class Above {
  public:
    using Output = long;
    Above(Counter& c, long seen) : c_(&c), seen_(seen) {}
    weft::Poll<long> poll(weft::Context& cx) {
        {
            std::lock_guard g(c_->mu);
            c_->waker = cx.waker();  // register first, then check: no window for a lost wake
        }
        long p = c_->produced.load(std::memory_order_acquire);
        if (p > seen_) return p;
        return weft::Pending;
    }

  private:
    Counter* c_;
    long seen_;
};

}  // namespace

// One wake per round, sent by another thread only after the task registered for that round,
// and often while the task's poll is still running (it spins after registering). A correct
// executor polls exactly once per wake (plus the first poll); re-queueing a task twice for one
// wake makes an extra poll, and losing a wake stalls the task (the watchdog fails the test).
struct Racer {
    using Output = long;
    static constexpr long kRounds = 20000;
    struct Shared {
        std::atomic<long> produced{0};
        std::atomic<long> registered{-1};  // the round the task last registered its waker for
        std::atomic<long> polls{0};
        std::mutex mu;
        weft::Waker waker;
    };
    Shared* s;
    long round = 0;

    weft::Poll<long> poll(weft::Context& cx) {
        s->polls.fetch_add(1, std::memory_order_relaxed);
        while (s->produced.load(std::memory_order_acquire) > round)
            ++round;
        if (round == kRounds) return round;
        {
            std::lock_guard g(s->mu);
            s->waker = cx.waker();
        }
        s->registered.store(round, std::memory_order_release);
        for (int i = 0; i < 64; ++i)
            std::atomic_signal_fence(std::memory_order_seq_cst);
        return weft::Pending;
    }
};

TEST(WakeRace, EachWakeCausesExactlyOnePollEvenWhenItRacesWithThePoll) {
    Watchdog dog;
    Racer::Shared shared;
    weft::LocalExecutor ex;
    auto h = ex.spawn(Racer{&shared});
    std::thread producer([&] {
        for (long k = 0; k < Racer::kRounds; ++k) {
            while (shared.registered.load(std::memory_order_acquire) != k)
                std::this_thread::yield();
            weft::Waker w;
            {
                std::lock_guard g(shared.mu);
                w = shared.waker;
            }
            shared.produced.store(k + 1, std::memory_order_release);
            std::move(w).wake();
        }
    });
    EXPECT_EQ(ex.run(std::move(h)), Racer::kRounds);
    producer.join();
    EXPECT_EQ(shared.polls.load(), Racer::kRounds + 1);
}

TEST(WakeRace, AbortRacingWithWakesCancelsExactlyOnce) {
    Watchdog dog;
    for (int round = 0; round < 200; ++round) {
        Counter c;
        Lifetimes l;
        weft::LocalExecutor ex;
        auto h = ex.spawn([&]() -> weft::Task<long> {
            Tracked t(l);
            long seen = 0;
            for (;;)
                seen = co_await Above(c, seen);
        });
        ex.run(weft::yield_now());
        while (ex.try_tick()) {
        }
        std::thread waker([&] {
            for (int i = 0; i < 50; ++i) {
                c.produced.fetch_add(1);
                weft::Waker w;
                {
                    std::lock_guard g(c.mu);
                    w = c.waker;
                }
                std::move(w).wake();
            }
        });
        std::thread aborter([&] { h.abort(); });
        aborter.join();
        EXPECT_THROW(ex.run(std::move(h)), weft::JoinError);
        waker.join();
        EXPECT_EQ(l.made, 1);
        EXPECT_EQ(l.alive(), 0);
    }
}
