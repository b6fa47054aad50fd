// The current-thread Runtime flavour, and behaviour both flavours share (block_on from a task,
// the ShutdownRuntime policy).

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;

namespace {

weft::Runtime current_thread() {
    return weft::RuntimeBuilder::new_current_thread().build();
}

weft::Task<int> square(int x) {
    co_await weft::yield_now();
    co_return x* x;
}

}  // namespace

TEST(CurrentThread, RunsEveryTaskOnTheThreadInsideBlockOn) {
    Watchdog dog;
    weft::Runtime rt = current_thread();
    EXPECT_EQ(rt.flavor(), weft::RuntimeFlavor::CurrentThread);
    EXPECT_EQ(rt.worker_threads(), 0u);
    const auto me = std::this_thread::get_id();
    // Spawned before block_on: it waits for block_on to run it.
    auto early = rt.spawn([]() -> weft::Task<std::thread::id> {
        co_await weft::yield_now();
        co_return std::this_thread::get_id();
    });
    EXPECT_FALSE(early.is_finished());
    int sum = rt.block_on([&]() -> weft::Task<int> {
        std::vector<weft::JoinHandle<int>> hs;
        for (int i = 0; i < 100; ++i)
            hs.push_back(weft::spawn(square(i)));
        int s = 0;
        for (auto& h : hs)
            s += co_await h;
        EXPECT_EQ(co_await early, me);
        co_return s;
    });
    EXPECT_EQ(sum, 328350);
}

TEST(CurrentThread, SpawnsAndWakesFromOtherThreadsReachAParkedDriver) {
    Watchdog dog;
    weft::Runtime rt = current_thread();
    weft::Handle h = rt.handle();
    auto trigger = std::make_shared<Trigger>();
    auto finished = std::make_shared<Trigger>();
    std::atomic<bool> ran_here{false};
    const auto me = std::this_thread::get_id();
    // While this thread is parked inside block_on (waiting for `finished`), another thread
    // spawns a task (through the locked inbox) and then wakes it: both must unpark the driver.
    std::thread other([&] {
        while (!finished->has_waker())
            std::this_thread::yield();
        h.spawn([&, trigger, finished]() -> weft::Task<void> {
             ran_here = std::this_thread::get_id() == me;
             int v = co_await TriggerFuture(trigger);
             finished->complete(v + 1);
         }).detach();
        while (!trigger->has_waker())
            std::this_thread::yield();
        trigger->complete(41);
    });
    EXPECT_EQ(rt.block_on(TriggerFuture(finished)), 42);
    other.join();
    EXPECT_TRUE(ran_here);
}

TEST(CurrentThread, SpawnBlockingRunsOnAnotherThread) {
    Watchdog dog;
    weft::Runtime rt = current_thread();
    const auto me = std::this_thread::get_id();
    auto where = rt.block_on([]() -> weft::Task<std::thread::id> {
        co_return co_await weft::spawn_blocking([] { return std::this_thread::get_id(); });
    });
    EXPECT_NE(where, me);
    auto bad = rt.spawn_blocking([]() -> int { throw std::runtime_error("blocking failed"); });
    EXPECT_THROW(rt.block_on(std::move(bad)), std::runtime_error);
}

TEST(CurrentThread, DropCancelsTasksInEveryStateAndLaterSpawnsGetJoinError) {
    Watchdog dog;
    Lifetimes lt;
    auto trigger = std::make_shared<Trigger>();
    weft::JoinHandle<int> parked, never_polled, finished;
    std::optional<weft::Handle> handle;
    {
        weft::Runtime rt = current_thread();
        handle = rt.handle();
        auto body = [&lt, trigger]() -> weft::Task<int> {
            Tracked t(lt);
            co_return co_await TriggerFuture(trigger);
        };
        parked = rt.spawn(body);
        finished = rt.spawn(square(3));
        rt.block_on([&]() -> weft::Task<void> {
            while (!trigger->has_waker() || !finished.is_finished())
                co_await weft::yield_now();
        });
        never_polled = rt.spawn(body);  // queued, never run
        EXPECT_EQ(lt.alive(), 1);
    }
    EXPECT_EQ(lt.alive(), 0);  // the parked task's frame was destroyed
    EXPECT_THROW(weft::block_on(parked), weft::JoinError);
    EXPECT_THROW(weft::block_on(never_polled), weft::JoinError);
    EXPECT_EQ(weft::block_on(finished), 9);
    auto late = handle->spawn(square(2));
    EXPECT_THROW(weft::block_on(late), weft::JoinError);
}

TEST(CurrentThread, TwoThreadsInBlockOnHandTheCoreOver) {
    Watchdog dog;
    weft::Runtime rt = current_thread();
    weft::Handle h = rt.handle();
    auto trigger = std::make_shared<Trigger>();
    // A task that can only run on whoever holds the core.
    auto task =
        rt.spawn([trigger]() -> weft::Task<int> { co_return co_await TriggerFuture(trigger); });
    std::atomic<bool> b_waiting{false};
    std::thread b([&] {
        int v = h.block_on([&]() -> weft::Task<int> {
            b_waiting = true;
            co_return co_await task;
        });
        EXPECT_EQ(v, 7);
    });
    // This thread holds the core until B is polling its own future, then returns.
    rt.block_on([&]() -> weft::Task<void> {
        while (!b_waiting || !trigger->has_waker())
            co_await weft::yield_now();
    });
    // Nobody holds the core now except B, once it takes it over; the task needs it to finish.
    trigger->complete(7);
    b.join();
}

TEST(CurrentThread, CreatedAndDroppedAThousandTimes) {
    // One runtime first: its stall detector's thread is the first this test makes, which may
    // start a sanitizer's own background thread (TSan does) that then stays.
    { weft::Runtime warm = current_thread(); }
    const int before = thread_count();
    for (int i = 0; i < 1000; ++i) {
        weft::Runtime rt = current_thread();
        EXPECT_EQ(rt.block_on(rt.spawn(square(i % 7))), (i % 7) * (i % 7));
    }
    EXPECT_EQ(thread_count(), before);
}

TEST(CurrentThread, SpawnLocalRunsOnTheDriver) {
    Watchdog dog;
    weft::Runtime rt = current_thread();
    int v =
        rt.block_on([]() -> weft::Task<int> { co_return co_await weft::spawn_local(square(5)); });
    EXPECT_EQ(v, 25);
    EXPECT_THROW((void)rt.block_on([]() -> weft::Task<void> {
        // From a blocking thread there is no driver to pin to.
        co_await weft::spawn_blocking([] { (void)weft::spawn_local(square(1)); });
    }),
                 std::logic_error);
}

// ---- both flavours ----

class BothFlavours : public ::testing::TestWithParam<bool> {
  protected:
    weft::RuntimeBuilder builder() const {
        return GetParam() ? weft::RuntimeBuilder::new_current_thread()
                          : std::move(weft::Runtime::builder().worker_threads(2));
    }
};

INSTANTIATE_TEST_SUITE_P(Runtime, BothFlavours, ::testing::Values(true, false),
                         [](const auto& info) {
                             return info.param ? "CurrentThread" : "MultiThread";
                         });

TEST_P(BothFlavours, BlockOnFromOneOfItsOwnTasksIsAClearError) {
    Watchdog dog;
    weft::Runtime rt = builder().build();
    weft::Handle h = rt.handle();
    bool threw = rt.block_on(rt.spawn([h]() -> weft::Task<bool> {
        try {
            h.block_on(square(2));
        } catch (const std::logic_error&) {
            co_return true;
        }
        co_return false;
    }));
    EXPECT_TRUE(threw);
}

TEST_P(BothFlavours, ShutdownRuntimePolicyStopsTheRuntimeAndRethrowsFromBlockOn) {
    Watchdog dog;
    Lifetimes lt;
    auto never = std::make_shared<Trigger>();
    {
        weft::Runtime rt =
            builder().unhandled_exception(weft::UnhandledException::ShutdownRuntime).build();
        // A bystander parked forever: it is cancelled (destructors run) when rt is dropped. It
        // says when it has started: on the multi-thread runtime nothing else orders its first
        // poll before the shutdown below, and a task dropped unpolled never constructs `t`.
        auto [started_tx, started_rx] = weft::sync::oneshot::channel<bool>();
        rt.spawn([](Lifetimes& lt, std::shared_ptr<Trigger> never,
                    weft::sync::oneshot::Sender<bool> started) -> weft::Task<int> {
              Tracked t(lt);
              (void)std::move(started).send(true);
              co_return co_await TriggerFuture(never);
          }(lt, never, std::move(started_tx)))
            .detach();
        ASSERT_TRUE(rt.block_on(std::move(started_rx)));
        // Awaited exceptions do not count: the awaiter sees them.
        auto observed = rt.spawn([]() -> weft::Task<void> {
            throw std::out_of_range("seen by the awaiter");
            co_return;
        });
        EXPECT_THROW(rt.block_on(std::move(observed)), std::out_of_range);
        rt.spawn([]() -> weft::Task<void> {
              co_await weft::yield_now();
              throw std::runtime_error("nobody is listening");
          }).detach();
        // block_on of a future that never completes returns by throwing the task's exception.
        try {
            rt.block_on(TriggerFuture(never));
            ADD_FAILURE() << "block_on returned normally";
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "nobody is listening");
        }
        // And so does every later block_on.
        EXPECT_THROW(rt.block_on(square(2)), std::runtime_error);
        EXPECT_EQ(lt.alive(), 1);
    }
    EXPECT_EQ(lt.alive(), 0);
}

TEST_P(BothFlavours, ShutdownRuntimePolicyCoversBlockingTasks) {
    Watchdog dog;
    weft::Runtime rt =
        builder().unhandled_exception(weft::UnhandledException::ShutdownRuntime).build();
    rt.spawn_blocking([] { throw std::invalid_argument("blocking task failed"); }).detach();
    EXPECT_THROW(rt.block_on(TriggerFuture(std::make_shared<Trigger>())), std::invalid_argument);
}
