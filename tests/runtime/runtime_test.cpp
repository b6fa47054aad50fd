#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <latch>
#include <mutex>
#include <optional>
#include <semaphore>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/spin_wait.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;

namespace {

weft::Task<int> square(int x) {
    co_await weft::yield_now();
    co_return x* x;
}

weft::Runtime two_workers() {
    return weft::Runtime::builder().worker_threads(2).build();
}

// A one-slot mailbox between two tasks (until weft has channels): put() wakes the taker.
struct Mailbox {
    std::mutex mu;
    std::optional<long> value;
    weft::Waker taker, putter;
};
struct Take {
    using Output = long;
    Mailbox* m;
    weft::Poll<long> poll(weft::Context& cx) {
        std::lock_guard g(m->mu);
        if (!m->value) {
            m->taker = cx.waker();
            return weft::Pending;
        }
        long v = *m->value;
        m->value.reset();
        m->putter.wake_by_ref();
        return v;
    }
};
struct Put {
    using Output = void;
    Mailbox* m;
    long v;
    weft::Poll<void> poll(weft::Context& cx) {
        std::lock_guard g(m->mu);
        if (m->value) {
            m->putter = cx.waker();
            return weft::Pending;
        }
        m->value = v;
        m->taker.wake_by_ref();
        return weft::Ready;
    }
};

}  // namespace

TEST(Runtime, BlockOnSpawnsAndJoinsAcrossWorkers) {
    auto rt = two_workers();
    EXPECT_EQ(rt.worker_threads(), 2u);
    int sum = rt.block_on([]() -> weft::Task<int> {
        std::vector<weft::JoinHandle<int>> hs;
        for (int i = 0; i < 100; ++i)
            hs.push_back(weft::spawn(square(i)));
        int s = 0;
        for (auto& h : hs)
            s += co_await h;
        co_return s;
    });
    EXPECT_EQ(sum, 328350);
}

TEST(Runtime, SpawnOutsideARuntimeIsAClearError) {
    try {
        (void)weft::spawn(square(1));
        FAIL() << "no exception";
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("outside of a runtime"), std::string::npos);
    }
    EXPECT_THROW((void)weft::spawn_blocking([] { return 1; }), std::logic_error);
}

TEST(Runtime, TasksRunOnWorkerThreadsWithTheConfiguredHooks) {
    std::mutex mu;
    std::set<std::thread::id> workers;
    std::atomic<int> stopped{0};
    {
        auto rt = weft::Runtime::builder()
                      .worker_threads(2)
                      .thread_name("weft-test")
                      .on_thread_start([&] {
                          std::lock_guard g(mu);
                          workers.insert(std::this_thread::get_id());
                      })
                      .on_thread_stop([&] { stopped++; })
                      .build();
        auto where = rt.block_on(rt.spawn(
            []() -> weft::Task<std::thread::id> { co_return std::this_thread::get_id(); }));
        std::lock_guard g(mu);
        EXPECT_EQ(workers.count(where), 1u);
        EXPECT_NE(where, std::this_thread::get_id());
    }
    EXPECT_EQ(workers.size(), 2u);
    EXPECT_EQ(stopped, 2);
}

TEST(Runtime, ExceptionCrossesThreadsToTheAwaiter) {
    auto rt = two_workers();
    auto h = rt.spawn([]() -> weft::Task<int> {
        co_await weft::yield_now();
        throw std::out_of_range("from a worker");
    });
    EXPECT_THROW(rt.block_on(std::move(h)), std::out_of_range);
}

TEST(Runtime, MillionSpawnsFromInsideAndOutside) {
    Watchdog dog(std::chrono::seconds(120));
    auto rt = two_workers();
    constexpr int kInside = 500000, kOutside = 500000;
    std::atomic<long> ran{0};
    auto bump = [&]() -> weft::Task<void> {
        ran.fetch_add(1, std::memory_order_relaxed);
        co_return;
    };
    rt.block_on([&]() -> weft::Task<void> {
        std::vector<weft::JoinHandle<void>> hs;
        hs.reserve(kInside);
        for (int i = 0; i < kInside; ++i)
            hs.push_back(weft::spawn(bump()));
        for (auto& h : hs)
            co_await h;
    });
    std::vector<weft::JoinHandle<void>> hs;
    hs.reserve(kOutside);
    for (int i = 0; i < kOutside; ++i)
        hs.push_back(rt.spawn(bump()));  // remote queue
    for (auto& h : hs)
        rt.block_on(h);
    EXPECT_EQ(ran.load(), kInside + kOutside);
}

TEST(Runtime, PingPongBetweenTasksNeverLosesAWake) {
    Watchdog dog;
    auto rt = two_workers();
    constexpr long kRounds = 100000;
    Mailbox to_b, to_a;
    auto a = rt.spawn([&]() -> weft::Task<long> {
        long last = 0;
        for (long i = 0; i < kRounds; ++i) {
            Put put{&to_b, i};  // named: no aggregate temporary inside co_await (GCC 12)
            co_await put;
            Take take{&to_a};
            last = co_await take;
        }
        co_return last;
    });
    auto b = rt.spawn([&]() -> weft::Task<void> {
        for (long i = 0; i < kRounds; ++i) {
            Take take{&to_b};
            long v = co_await take;
            Put put{&to_a, v + 1};
            co_await put;
        }
    });
    EXPECT_EQ(rt.block_on(std::move(a)), kRounds);
    rt.block_on(std::move(b));
}

TEST(Runtime, AbortFromAnotherThreadRunsDestructorsOnAWorker) {
    Watchdog dog;
    std::mutex mu;
    std::set<std::thread::id> workers;
    auto rt = weft::Runtime::builder()
                  .worker_threads(2)
                  .on_thread_start([&] {
                      std::lock_guard g(mu);
                      workers.insert(std::this_thread::get_id());
                  })
                  .build();
    struct Where {
        std::atomic<std::thread::id>* out;
        ~Where() { out->store(std::this_thread::get_id()); }
    };
    std::atomic<std::thread::id> destroyed_on{};
    std::latch started(1);
    auto h = rt.spawn([&]() -> weft::Task<void> {
        Where w{&destroyed_on};
        started.count_down();
        co_await weft::pending<void>();
    });
    started.wait();
    std::thread([&] { h.abort(); }).join();
    EXPECT_THROW(rt.block_on(std::move(h)), weft::JoinError);
    std::lock_guard g(mu);
    EXPECT_EQ(workers.count(destroyed_on.load()), 1u);
}

TEST(Runtime, ManyAbortsRacingWithWakes) {
    Watchdog dog(std::chrono::seconds(120));
    auto rt = two_workers();
    Lifetimes l;
    constexpr int kTasks = 20000;
    rt.block_on([&]() -> weft::Task<void> {
        std::vector<weft::JoinHandle<void>> hs;
        for (int i = 0; i < kTasks; ++i) {
            hs.push_back(weft::spawn([&]() -> weft::Task<void> {
                Tracked t(l);
                for (;;)
                    co_await weft::yield_now();  // always being woken
            }));
        }
        for (auto& h : hs)
            h.abort();
        for (auto& h : hs) {
            try {
                co_await h;
            } catch (const weft::JoinError&) {
            }
        }
    });
    EXPECT_LE(l.made, kTasks);  // a task aborted before its first poll never ran at all
    EXPECT_EQ(l.alive(), 0);
}

TEST(Runtime, SpawnBlockingRunsOffTheWorkers) {
    auto rt = two_workers();
    std::thread::id caller = std::this_thread::get_id();
    auto [v, where] = rt.block_on([&]() -> weft::Task<std::pair<int, std::thread::id>> {
        co_return co_await weft::spawn_blocking(
            [] { return std::pair<int, std::thread::id>(7, std::this_thread::get_id()); });
    });
    EXPECT_EQ(v, 7);
    EXPECT_NE(where, caller);
    auto bad = rt.spawn_blocking([]() -> int { throw std::runtime_error("blocking failed"); });
    EXPECT_THROW(rt.block_on(std::move(bad)), std::runtime_error);
}

// The runtime thread looks for a blocking task's wake before it sleeps only just after the push
// (BlockingPool::expects_wake_soon). A blocking call that lasts (a read of stdin) must not make
// every later park of the runtime spin for 20 µs: 40 timer wake-ups while one blocking task
// waits may start at most a few looks, not one each.
TEST(Runtime, ALongBlockingCallDoesNotMakeEveryParkSpin) {
    Watchdog dog(60s);
    for (bool current : {true, false}) {
        auto b = current ? weft::RuntimeBuilder::new_current_thread()
                         : weft::Runtime::builder().worker_threads(2);
        weft::Runtime rt = b.build();
        std::binary_semaphore release_blocking{0};
        unsigned long looks = rt.block_on([&]() -> weft::Task<unsigned long> {
            auto blocking = weft::spawn_blocking([&] { release_blocking.acquire(); });
            co_await weft::time::sleep(5ms);
            const unsigned long before = weft::detail::spin_waits.load();
            for (int i = 0; i < 40; ++i) {
                co_await weft::time::sleep(1ms);
            }
            const unsigned long after = weft::detail::spin_waits.load();
            release_blocking.release();
            co_await blocking;
            co_return after - before;
        }());
        EXPECT_LE(looks, 3u) << (current ? "current thread" : "multi-thread block_on");
    }
}

// Short blocking tasks pushed from several threads, awaited one by one and in bursts (some
// queue behind busy threads). With a keep-alive of 1 ms, idle blocking threads keep expiring and
// new ones start: a hand-off lost to a thread timing out or exiting hangs a pusher. With a long
// keep-alive, threads sleep without a deadline between the pushers' pauses: a lost futex wake
// hangs too. The watchdog turns a hang into a failure. Both flavours share the pool; both run.
TEST(Runtime, BlockingPoolStressNeverLosesAHandOff) {
    Watchdog dog(60s);
    for (auto keep_alive : {std::chrono::milliseconds(1), std::chrono::milliseconds(1h)}) {
        for (bool current : {false, true}) {
            auto b = current ? weft::RuntimeBuilder::new_current_thread()
                             : weft::Runtime::builder().worker_threads(2);
            weft::Runtime rt = b.thread_keep_alive(keep_alive).max_blocking_threads(3).build();
            weft::Handle h = rt.handle();
            constexpr int kPushers = 4, kRounds = 150, kBurst = 4;
            std::atomic<long> ran{0};
            std::vector<std::thread> pushers;
            for (int p = 0; p < kPushers; ++p) {
                pushers.emplace_back([&, p] {
                    for (int i = 0; i < kRounds; ++i) {
                        if (i % 3 == 0) {
                            std::vector<weft::JoinHandle<int>> hs;
                            for (int k = 0; k < kBurst; ++k)
                                hs.push_back(h.spawn_blocking([&ran, k] {
                                    ran.fetch_add(1, std::memory_order_relaxed);
                                    return k;
                                }));
                            for (int k = 0; k < kBurst; ++k)
                                EXPECT_EQ(weft::block_on(hs[static_cast<std::size_t>(k)]), k);
                        } else {
                            auto one = h.spawn_blocking([&ran, i] {
                                ran.fetch_add(1, std::memory_order_relaxed);
                                return i;
                            });
                            EXPECT_EQ(weft::block_on(one), i);
                        }
                        // A pause longer than the keep-alive and the spin: threads expire or sleep.
                        if ((i + p * 7) % 25 == 0) std::this_thread::sleep_for(2ms);
                    }
                });
            }
            for (auto& t : pushers)
                t.join();
            EXPECT_EQ(ran.load(),
                      long{kPushers} * (kRounds / 3 * kBurst + (kRounds - kRounds / 3)));
            if (keep_alive > 1s) continue;
            // Idle threads still expire after the storm.
            auto deadline = std::chrono::steady_clock::now() + 20s;
            while (h.metrics().num_blocking_threads() != 0 &&
                   std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(1ms);
            EXPECT_EQ(h.metrics().num_blocking_threads(), 0u) << (current ? "current" : "multi");
        }
    }
}

TEST(Runtime, DropCancelsTasksInEveryState) {
    Lifetimes l;
    auto tracked = [&]() -> weft::Task<int> {
        Tracked t(l);
        co_await weft::pending<void>();
        co_return 0;
    };
    weft::JoinHandle<int> parked, never_polled;
    weft::JoinHandle<int> finished;
    {
        auto rt = weft::Runtime::builder().worker_threads(1).build();
        parked = rt.spawn(tracked());
        finished = rt.spawn(weft::ready(5));
        rt.block_on([&]() -> weft::Task<void> {
            while (!finished.is_finished() || l.made == 0)
                co_await weft::yield_now();
        });
        never_polled = rt.spawn([&]() -> weft::Task<int> {
            co_await weft::yield_now();
            co_return 1;
        });
        // and a detached, parked one
        rt.spawn(tracked()).detach();
    }
    EXPECT_GE(l.made, 1);  // `parked` ran; the detached one may have been cancelled unpolled
    EXPECT_EQ(l.alive(), 0);
    EXPECT_THROW(weft::block_on(parked), weft::JoinError);
    EXPECT_TRUE(never_polled.is_finished());
    EXPECT_EQ(weft::block_on(finished), 5);  // finished before shutdown: its output stays
}

TEST(Runtime, ShutdownTimeoutReturnsWhileABlockingTaskHangs) {
    std::latch release(1), started(1);
    std::atomic<bool> done{false};
    auto t0 = std::chrono::steady_clock::now();
    {
        auto rt = two_workers();
        auto h = rt.spawn_blocking([&] {
            started.count_down();
            release.wait();
            done = true;
        });
        h.detach();
        started.wait();  // running, not merely queued (a queued one is cancelled at shutdown)
        std::move(rt).shutdown_timeout(50ms);
    }
    auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_LT(waited, 10s);
    EXPECT_FALSE(done.load());
    release.count_down();  // let the blocking thread finish before the process exits
    Watchdog dog;
    while (!done.load())
        std::this_thread::yield();
}

TEST(Runtime, CreatedAndDroppedAThousandTimesWithoutLeakingThreads) {
    { auto warm_up = two_workers(); }  // sanitizers start a helper thread with the first thread
    int before = thread_count();
    for (int i = 0; i < 1000; ++i) {
        auto rt = two_workers();
        EXPECT_EQ(rt.block_on(rt.spawn(weft::ready(i))), i);
    }
    // A leak shows as more threads. (Fewer is possible: a detached blocking-pool thread left
    // by an earlier test may finish exiting meanwhile.)
    EXPECT_LE(thread_count(), before);
}

TEST(Runtime, RunIsAWholeMain) {
    EXPECT_EQ(weft::run([]() -> weft::Task<int> { co_return co_await weft::spawn(square(6)); }),
              36);
}

// A task whose awaits always complete at once must still let another task on its worker run:
// without the cooperative budget, `spinner` would never yield and `stopper` would never run.
TEST(Runtime, AnAlwaysReadyTaskDoesNotStarveItsWorker) {
    Watchdog dog;
    auto rt = weft::Runtime::builder().worker_threads(1).build();
    std::atomic<bool> stop{false};
    auto spinner = rt.spawn([&]() -> weft::Task<long> {
        long n = 0;
        while (!stop.load())
            n += co_await weft::ready(1);
        co_return n;
    });
    auto stopper = rt.spawn([&]() -> weft::Task<void> {
        stop = true;
        co_return;
    });
    EXPECT_GT(rt.block_on(std::move(spinner)), 0);
    rt.block_on(std::move(stopper));
}

TEST(Runtime, HandleSpawnsFromAnyThreadAndOutlivesTheRuntime) {
    std::optional<weft::Handle> kept;
    {
        auto rt = two_workers();
        weft::Handle h = rt.handle();
        int v = 0;
        std::thread([&] { v = h.block_on(h.spawn(square(9))); }).join();
        EXPECT_EQ(v, 81);
        kept = h;
    }
    // The runtime is gone: what the handle spawns now is cancelled, not lost or crashed.
    auto late = kept->spawn(square(2));
    EXPECT_THROW(weft::block_on(late), weft::JoinError);
}

TEST(Runtime, TaskIdsAreUniqueAndNamesAreVisibleInsideTheTask) {
    auto rt = two_workers();
    auto named = rt.block_on([]() -> weft::Task<std::pair<std::string, std::uint64_t>> {
        auto h = weft::task::Builder()
                     .name("worker-7")
                     .spawn([]() -> weft::Task<std::pair<std::string, std::uint64_t>> {
                         co_return std::pair(weft::task::name(), weft::task::id().value());
                     });
        std::uint64_t from_handle = h.id().value();
        auto [name, id] = co_await h;
        EXPECT_EQ(id, from_handle);  // the same id seen from outside and from inside
        co_return std::pair(name, id);
    });
    EXPECT_EQ(named.first, "worker-7");
    EXPECT_NE(named.second, 0u);

    std::vector<weft::JoinHandle<std::uint64_t>> hs;
    for (int i = 0; i < 100; ++i) {
        hs.push_back(
            rt.spawn([]() -> weft::Task<std::uint64_t> { co_return weft::task::id().value(); }));
    }
    std::set<std::uint64_t> ids;
    for (auto& h : hs)
        ids.insert(rt.block_on(h));
    EXPECT_EQ(ids.size(), 100u);
    EXPECT_FALSE(weft::task::try_id().has_value());  // not inside a task here
    EXPECT_THROW((void)weft::task::id(), std::logic_error);
    EXPECT_EQ(weft::task::name(), "");
}

TEST(Runtime, UnobservedExceptionsAreLoggedWhenAskedAndNeverStopTheRuntime) {
    Watchdog dog;
    // stderr goes to a file while the runtime runs, so the test can wait for the line.
    std::FILE* log = std::tmpfile();
    ASSERT_NE(log, nullptr);
    std::fflush(stderr);
    int saved = dup(fileno(stderr));
    dup2(fileno(log), fileno(stderr));
    std::string text;
    {
        auto rt = weft::Runtime::builder()
                      .worker_threads(2)
                      .unhandled_exception(weft::UnhandledException::Log)
                      .build();
        rt.spawn([]() -> weft::Task<void> {
              co_await weft::yield_now();
              throw std::runtime_error("nobody is listening");
          }).detach();
        EXPECT_EQ(rt.block_on(rt.spawn(square(3))), 9);  // the runtime keeps serving
        while (text.find("nobody is listening") == std::string::npos) {
            std::this_thread::yield();
            std::fflush(stderr);
            std::rewind(log);
            text.clear();  // read it all again, until the worker has reported the failure
            char buf[512];
            while (std::size_t n = std::fread(buf, 1, sizeof buf, log))
                text.append(buf, n);
        }
    }
    std::fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    std::fclose(log);
    EXPECT_NE(text.find("weft: task "), std::string::npos);
    EXPECT_NE(text.find("failed with an unhandled exception: nobody is listening"),
              std::string::npos);
}

TEST(Runtime, AbortHandleCancelsADetachedTask) {
    Watchdog dog;
    auto rt = two_workers();
    Lifetimes l;
    auto h = rt.spawn([&]() -> weft::Task<void> {
        Tracked t(l);
        co_await weft::pending<void>();
    });
    weft::AbortHandle stop = h.abort_handle();
    weft::AbortHandle copy = stop;
    EXPECT_EQ(copy.id(), h.id());
    h.detach();  // nobody can await it any more; the abort handle can still stop it
    while (l.made == 0)
        std::this_thread::yield();
    EXPECT_FALSE(stop.is_finished());
    std::thread([stop] { stop.abort(); }).join();
    while (!copy.is_finished())
        std::this_thread::yield();
    EXPECT_EQ(l.alive(), 0);
}

TEST(Runtime, SpawnLocalKeepsATaskOnItsWorkerThroughWakesFromOtherThreads) {
    Watchdog dog;
    auto rt = two_workers();
    constexpr int kRounds = 2000;
    std::vector<std::shared_ptr<Trigger>> triggers;
    for (int i = 0; i < kRounds; ++i)
        triggers.push_back(std::make_shared<Trigger>());
    std::atomic<int> registered{0};
    auto result = rt.block_on(rt.spawn([&]() -> weft::Task<bool> {
        // Keep the other worker busy so that stealing would happen if it were allowed.
        auto busy = weft::spawn([]() -> weft::Task<void> {
            for (int i = 0; i < 20000; ++i)
                co_await weft::yield_now();
        });
        auto worker_local = weft::spawn_local([&]() -> weft::Task<bool> {
            std::thread::id home = std::this_thread::get_id();
            bool stayed = true;
            for (int i = 0; i < kRounds; ++i) {
                registered = i + 1;
                co_await TriggerFuture(triggers[i]);  // completed from another thread
                co_await weft::yield_now();
                stayed = stayed && std::this_thread::get_id() == home;
            }
            co_return stayed;
        });
        std::thread waker([&] {
            for (int i = 0; i < kRounds; ++i) {
                while (!triggers[i]->has_waker())
                    std::this_thread::yield();
                triggers[i]->complete();
            }
        });
        bool stayed = co_await worker_local;
        co_await busy;
        waker.join();
        co_return stayed;
    }));
    EXPECT_TRUE(result);
    EXPECT_EQ(registered.load(), kRounds);
}

TEST(Runtime, SpawnLocalOutsideAWorkerIsAClearError) {
    auto rt = two_workers();
    EXPECT_THROW(rt.block_on([]() -> weft::Task<void> {
        (void)weft::spawn_local(weft::ready(1));
        co_return;
    }),
                 std::logic_error);
}

TEST(Runtime, DropCancelsParkedWorkerLocalTasks) {
    Lifetimes l;
    weft::JoinHandle<void> worker_local;
    {
        auto rt = two_workers();
        worker_local = rt.block_on(rt.spawn([&]() -> weft::Task<weft::JoinHandle<void>> {
            co_return weft::spawn_local([&]() -> weft::Task<void> {
                Tracked t(l);
                co_await weft::pending<void>();
            });
        }));
        while (l.made == 0)
            std::this_thread::yield();
    }
    EXPECT_EQ(l.alive(), 0);
    EXPECT_THROW(weft::block_on(worker_local), weft::JoinError);
}
