// weft::embedded on the host, built as the firmware is: the freestanding core (no exceptions,
// no RTTI, WEFT_FREESTANDING), frames from a FrameArena, no heap in the coroutines. A fake tick
// drives the timers; "interrupts" are another thread calling what a handler would call
// (wake, signal, try_send, tick), so TSan checks the interrupt-side protocols too. Every wait
// for a wake has a deadline: a lost wake-up fails the test instead of hanging it.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "weft/coro/task.hpp"
#include "weft/embedded/channel.hpp"
#include "weft/embedded/executor.hpp"
#include "weft/embedded/frame_arena.hpp"
#include "weft/embedded/panic.hpp"
#include "weft/embedded/signal.hpp"
#include "weft/embedded/time.hpp"
#include "weft/future/join.hpp"
#include "weft/future/select.hpp"
#include "weft/task/yield_now.hpp"

#if !WEFT_FREESTANDING || WEFT_EXCEPTIONS
#error "this test is built against the freestanding core (tests/CMakeLists.txt)"
#endif

using namespace std::chrono_literals;
namespace emb = weft::embedded;

namespace {

// Each test gets a fresh arena, installed for its duration.
class Embedded : public testing::Test {
  protected:
    void SetUp() override { arena_.install(); }
    void TearDown() override { EXPECT_EQ(arena_.in_use(), 0u) << "a frame was not given back"; }
    emb::StaticFrameArena<16384> arena_;
};

// Runs `exec` with a fake clock: each pass that finds nothing woken advances it by 1 ms.
// Fails (returns false) if the tasks are still alive after `limit_ms` of fake time.
template <class E>
bool run_fake_clock(E& exec, std::uint32_t limit_ms = 100000) {
    while (exec.live() != 0) {
        if (!exec.run_ready()) {
            if (exec.now() >= limit_ms) return false;
            exec.tick(1);
        }
    }
    return true;
}

// Runs `exec` in real time while another thread plays the interrupts; false if the tasks
// are still alive after `limit` (a lost wake-up).
template <class E>
bool run_until(E& exec, std::chrono::milliseconds limit = 10s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (exec.live() != 0) {
        if (!exec.run_ready()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::yield();
        }
    }
    return true;
}

struct DropCounter {
    int* drops;
    explicit DropCounter(int* d) : drops(d) {}
    DropCounter(const DropCounter&) = delete;
    ~DropCounter() { ++*drops; }
};

weft::Task<int> add(int a, int b) {
    co_await weft::yield_now();
    co_return a + b;
}

}  // namespace

TEST_F(Embedded, ArenaFirstFitSplitsAndMergesBlocks) {
    alignas(emb::FrameArena::kAlign) static std::byte mem[1024];
    emb::FrameArena a(mem, sizeof mem);
    EXPECT_EQ(a.capacity(), sizeof mem);
    void* p = a.allocate(100);
    void* q = a.allocate(200);
    void* r = a.allocate(300);
    ASSERT_NE(p, nullptr);
    ASSERT_NE(q, nullptr);
    ASSERT_NE(r, nullptr);
    for (void* x : {p, q, r})
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(x) % emb::FrameArena::kAlign, 0u);
    std::size_t peak = a.in_use();
    EXPECT_EQ(a.high_water(), peak);
    EXPECT_EQ(a.allocate(1024), nullptr);  // more than is left
    EXPECT_EQ(a.failures(), 1u);
    // Free the middle, then its neighbours: the three merge back into one block, so the whole
    // arena is one allocation again.
    a.deallocate(q);
    EXPECT_EQ(a.allocate(1000), nullptr);  // no block of 1000 yet (q's hole holds 200)
    EXPECT_EQ(a.failures(), 2u);
    a.deallocate(p);
    a.deallocate(r);
    EXPECT_EQ(a.in_use(), 0u);
    void* all = a.allocate(1024 - 64);
    EXPECT_EQ(all, p);
    EXPECT_GE(a.high_water(), 1024u - 64u);  // the block and its header
    EXPECT_LE(a.high_water(), 1024u);
    a.deallocate(all);
    EXPECT_EQ(a.in_use(), 0u);
}

TEST_F(Embedded, TasksRunToCompletionAndSlotsAreReused) {
    emb::Executor<2> exec;
    int sum = 0;
    auto body = [](int* out, int a, int b) -> weft::Task<void> { *out += co_await add(a, b); };
    EXPECT_EQ(exec.spawn(body(&sum, 1, 2)), emb::SpawnError::none);
    EXPECT_EQ(exec.spawn(body(&sum, 3, 4)), emb::SpawnError::none);
    EXPECT_EQ(exec.spawn(body(&sum, 5, 6)), emb::SpawnError::no_free_slot);
    EXPECT_EQ(exec.live(), 2u);
    ASSERT_TRUE(run_fake_clock(exec));
    EXPECT_EQ(sum, 10);
    // Both slots are free again.
    EXPECT_EQ(exec.spawn(body(&sum, 5, 6)), emb::SpawnError::none);
    exec.run();
    EXPECT_EQ(sum, 21);
}

TEST_F(Embedded, AFrameThatDoesNotFitIsAnEmptyTaskNotAThrow) {
    alignas(emb::FrameArena::kAlign) static std::byte small[64];
    emb::FrameArena tiny(small, sizeof small);
    tiny.install();
    emb::Executor<2> exec;
    auto big = []() -> weft::Task<void> {
        volatile char buf[512] = {};
        co_await weft::yield_now();
        (void)buf[0];
    };
    weft::Task<void> t = big();
    EXPECT_FALSE(t.valid());
    EXPECT_EQ(tiny.failures(), 1u);
    EXPECT_EQ(exec.spawn(std::move(t)), emb::SpawnError::no_memory);
    EXPECT_EQ(exec.live(), 0u);
    arena_.install();
}

TEST_F(Embedded, DroppingTheExecutorCancelsItsTasksAndFreesTheirFrames) {
    int drops = 0;
    emb::Signal never;
    {
        emb::Executor<3> exec;
        auto waiter = [](int* d, emb::Signal* s) -> weft::Task<void> {
            DropCounter c(d);
            co_await s->wait();
        };
        for (int i = 0; i < 3; ++i)
            ASSERT_EQ(exec.spawn(waiter(&drops, &never)), emb::SpawnError::none);
        for (int i = 0; i < 5; ++i)
            exec.run_ready();
        EXPECT_EQ(exec.live(), 3u);
        EXPECT_GT(arena_.in_use(), 0u);
    }
    EXPECT_EQ(drops, 3);
    EXPECT_EQ(arena_.in_use(), 0u);
}

TEST_F(Embedded, SleepsFinishInDeadlineOrderOnTheTickClock) {
    emb::Executor<4> exec;
    std::vector<std::pair<int, std::uint32_t>> done;
    auto sleeper = [](emb::Executor<4>* e, std::vector<std::pair<int, std::uint32_t>>* out, int id,
                      int ms) -> weft::Task<void> {
        co_await emb::sleep(std::chrono::milliseconds(ms));
        out->emplace_back(id, e->now());
    };
    exec.spawn(sleeper(&exec, &done, 1, 30));
    exec.spawn(sleeper(&exec, &done, 2, 10));
    exec.spawn(sleeper(&exec, &done, 3, 20));
    exec.spawn(sleeper(&exec, &done, 4, 0));
    ASSERT_TRUE(run_fake_clock(exec));
    ASSERT_EQ(done.size(), 4u);
    EXPECT_EQ(done[0], std::make_pair(4, 0u));
    EXPECT_EQ(done[1], std::make_pair(2, 10u));
    EXPECT_EQ(done[2], std::make_pair(3, 20u));
    EXPECT_EQ(done[3], std::make_pair(1, 30u));
}

TEST_F(Embedded, TimeoutGivesTheValueOrElapsedAndUnlinksItsTimer) {
    emb::Executor<2> exec;
    emb::Channel<int, 4> ch;
    int got = -1;
    bool elapsed = false;
    auto task = [](emb::Channel<int, 4>* c, int* g, bool* el) -> weft::Task<void> {
        auto r = co_await emb::timeout(50ms, c->recv());
        *el = r.is_elapsed();
        auto r2 = co_await emb::timeout(50ms, c->recv());
        if (r2) *g = *r2;
    };
    auto later = [](emb::Channel<int, 4>* c) -> weft::Task<void> {
        co_await emb::sleep(70ms);
        co_await c->send(7);
    };
    exec.spawn(task(&ch, &got, &elapsed));
    exec.spawn(later(&ch));
    ASSERT_TRUE(run_fake_clock(exec));
    EXPECT_TRUE(elapsed);
    EXPECT_EQ(got, 7);
    EXPECT_EQ(exec.now(), 70u);
    EXPECT_FALSE(exec.has_timers());  // the second timeout's timer went when recv won
}

TEST_F(Embedded, AHugeSleepIsClampedNotWrappedIntoThePast) {
    emb::Executor<1> exec;
    bool finished = false;
    std::uint32_t deadline = 0;
    auto task = [](bool* f, std::uint32_t* d) -> weft::Task<void> {
        auto s = emb::sleep(std::chrono::hours(24 * 365 * 100));
        *d = s.deadline();
        co_await std::move(s);
        *f = true;
    };
    exec.spawn(task(&finished, &deadline));
    EXPECT_FALSE(run_fake_clock(exec, 1000));  // 1 s of fake time: still asleep
    EXPECT_FALSE(finished);
    EXPECT_EQ(deadline, emb::kMaxSleepMs);
}

TEST_F(Embedded, IntervalTicksAtItsPeriodAndBurstsAfterABlockedStretch) {
    emb::Executor<1> exec;
    std::vector<std::uint32_t> at;
    auto task = [](emb::Executor<1>* e, std::vector<std::uint32_t>* out) -> weft::Task<void> {
        auto iv = emb::interval(10ms);
        for (int i = 0; i < 3; ++i)
            out->push_back(co_await iv.tick());
        co_await emb::sleep(35ms);  // misses three ticks (30, 40, 50 due by 55)
        for (int i = 0; i < 3; ++i)
            out->push_back(co_await iv.tick());
        out->push_back(e->now());  // the burst took no time
    };
    exec.spawn(task(&exec, &at));
    ASSERT_TRUE(run_fake_clock(exec));
    EXPECT_EQ(at, (std::vector<std::uint32_t>{0, 10, 20, 30, 40, 50, 55}));
}

TEST_F(Embedded, JoinAndSelectRunOnTheFreestandingCore) {
    emb::Executor<1> exec;
    int joined = 0, won = -1;
    auto task = [](int* j, int* w) -> weft::Task<void> {
        auto [a, b] = co_await weft::join(add(1, 2), add(3, 4));
        *j = a + b;
        auto s = co_await weft::select(emb::sleep(5ms), emb::sleep(1ms));
        *w = static_cast<int>(s.index());
    };
    exec.spawn(task(&joined, &won));
    ASSERT_TRUE(run_fake_clock(exec));
    EXPECT_EQ(joined, 10);
    EXPECT_EQ(won, 1);
}

// A task waits for a signal from the "interrupt" thread, which waits for the task to have seen
// it before signalling again: every signal must wake the task (20,000 round trips).
TEST_F(Embedded, ASignalFromAnInterruptIsNeverLost) {
    constexpr int kRounds = 20000;
    emb::Executor<1> exec;
    emb::Signal sig;
    std::atomic<int> seen{0};
    auto task = [](emb::Signal* s, std::atomic<int>* n) -> weft::Task<void> {
        for (int i = 0; i < kRounds; ++i) {
            co_await s->wait();
            n->store(i + 1, std::memory_order_release);
        }
    };
    exec.spawn(task(&sig, &seen));
    std::atomic<bool> stop{false};
    std::thread irq([&] {
        for (int i = 0; i < kRounds && !stop.load(); ++i) {
            sig.signal();
            while (seen.load(std::memory_order_acquire) <= i && !stop.load())
                std::this_thread::yield();
        }
    });
    bool ok = run_until(exec);
    stop.store(true);
    irq.join();
    EXPECT_TRUE(ok) << "a signal was lost after " << seen.load() << " rounds";
    EXPECT_EQ(seen.load(), kRounds);
}

// The "interrupt" pushes 0..N-1 with try_send, retrying while the channel (room for 4) is full;
// the task receives them in order.
TEST_F(Embedded, AChannelFromAnInterruptKeepsEveryValueInOrder) {
    constexpr std::uint32_t kValues = 50000;
    emb::Executor<1> exec;
    emb::Channel<std::uint32_t, 4> ch;
    std::uint32_t next = 0;
    bool in_order = true;
    auto task = [](emb::Channel<std::uint32_t, 4>* c, std::uint32_t* n,
                   bool* ordered) -> weft::Task<void> {
        while (*n < kValues) {
            std::uint32_t v = co_await c->recv();
            if (v != *n) *ordered = false;
            ++*n;
        }
    };
    exec.spawn(task(&ch, &next, &in_order));
    std::atomic<bool> stop{false};
    std::thread irq([&] {
        for (std::uint32_t v = 0; v < kValues && !stop.load(); ++v) {
            while (!ch.try_send(v) && !stop.load())
                std::this_thread::yield();
        }
    });
    bool ok = run_until(exec);
    stop.store(true);
    irq.join();
    EXPECT_TRUE(ok) << "a wake was lost after " << next << " values";
    EXPECT_EQ(next, kValues);
    EXPECT_TRUE(in_order);
}

TEST_F(Embedded, ASendWaitsForRoomAndBothSidesKeepOrder) {
    emb::Executor<2> exec;
    emb::Channel<int, 2> ch;
    std::vector<int> got;
    auto producer = [](emb::Channel<int, 2>* c) -> weft::Task<void> {
        for (int i = 0; i < 10; ++i)
            co_await c->send(i);
    };
    auto consumer = [](emb::Channel<int, 2>* c, std::vector<int>* out) -> weft::Task<void> {
        while (out->size() < 10) {
            out->push_back(co_await c->recv());
            co_await emb::sleep(1ms);
        }
    };
    exec.spawn(producer(&ch));
    exec.spawn(consumer(&ch, &got));
    ASSERT_TRUE(run_fake_clock(exec));
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(ch.len(), 0u);
}

// The tick "interrupt" runs on another thread while the task sleeps 1 ms at a time, so ticks
// land while timers are being armed, fired and re-armed: every sleep must still end.
TEST_F(Embedded, ATickRacingATimerBeingArmedStillFiresIt) {
    constexpr int kSleeps = 3000;
    emb::Executor<1> exec;
    int slept = 0;
    auto task = [](int* n) -> weft::Task<void> {
        for (int i = 0; i < kSleeps; ++i) {
            co_await emb::sleep(1ms);
            ++*n;
        }
    };
    exec.spawn(task(&slept));
    std::atomic<bool> stop{false};
    std::thread tick([&] {
        while (!stop.load()) {
            exec.tick(1);
            std::this_thread::yield();
        }
    });
    bool ok = run_until(exec);
    stop.store(true);
    tick.join();
    EXPECT_TRUE(ok) << "a due timer was never fired after " << slept << " sleeps";
    EXPECT_EQ(slept, kSleeps);
}

// run() itself, with the host's idle (spinning) and the wakes coming from another thread.
TEST_F(Embedded, RunReturnsOnceTheLastTaskFinishes) {
    emb::Executor<2> exec;
    emb::Signal go;
    int done = 0;
    auto task = [](emb::Signal* s, int* d) -> weft::Task<void> {
        co_await s->wait();
        ++*d;
    };
    exec.spawn(task(&go, &done));
    std::thread irq([&] {
        std::this_thread::sleep_for(20ms);
        go.signal();
    });
    exec.run();
    irq.join();
    EXPECT_EQ(done, 1);
}

TEST_F(Embedded, TimersOutsideRunPanicWithAMessage) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");  // TSan runs a thread of its own
    EXPECT_DEATH(
        {
            emb::set_panic_handler([](const char* what) noexcept {
                std::fprintf(stderr, "panic: %s\n", what);
                std::abort();
            });
            auto s = emb::sleep(1ms);
            (void)s;
        },
        "panic: weft::embedded: a timer used outside Executor::run");
}

TEST_F(Embedded, PollingAFinishedTaskPanics) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            emb::set_panic_handler([](const char* what) noexcept {
                std::fprintf(stderr, "panic: %s\n", what);
                std::abort();
            });
            weft::Task<int> t = add(1, 1);
            weft::Context cx(weft::Waker::noop());
            while (t.poll(cx).is_pending()) {
            }
            (void)t.poll(cx);
        },
        "panic: weft::Task polled after completion");
}
