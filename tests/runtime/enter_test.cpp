// Runtime::enter / Handle::enter (Tokio's EnterGuard): while the guard lives, plain code on
// this thread spawns onto the runtime and creates timers on its clock; after it, neither works.

#include <gtest/gtest.h>

#include <pthread.h>
#include <chrono>

#include <stdexcept>
#include <string>
#include <thread>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;

namespace {

weft::Task<std::thread::id> where() {
    co_return std::this_thread::get_id();
}

}  // namespace

TEST(RuntimeEnter, SpawnFromPlainCodeGoesToTheEnteredRuntime) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    weft::JoinHandle<std::thread::id> h;
    {
        auto guard = rt.enter();
        h = weft::spawn(where());  // no runtime is current here without the guard
    }
    std::thread::id ran_on = rt.block_on(std::move(h));
    EXPECT_NE(ran_on, std::this_thread::get_id()) << "the task ran on a worker";
}

TEST(RuntimeEnter, WithoutAGuardSpawnHasNoRuntime) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    { auto guard = rt.enter(); }
    EXPECT_THROW((void)weft::spawn(where()), std::logic_error);
}

TEST(RuntimeEnter, ATimerMadeUnderTheGuardRunsOnTheRuntimesClock) {
    Watchdog dog;
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().start_paused(true).build();
    auto guard = rt.enter();
    auto sleep = weft::time::sleep(std::chrono::hours(2));  // registers with rt's paused clock
    auto start = std::chrono::steady_clock::now();
    rt.block_on(sleep);  // block_on under a guard is allowed, as in Tokio
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10))
        << "the paused clock auto-advanced: the sleep was made on rt's driver";
}

TEST(RuntimeEnter, GuardsNestAndRestoreWhatWasCurrent) {
    Watchdog dog;
    weft::Runtime a = weft::Runtime::builder().worker_threads(1).thread_name("rt-a").build();
    weft::Runtime b = weft::Runtime::builder().worker_threads(1).thread_name("rt-b").build();
    auto name_of_worker = []() -> weft::Task<std::string> {
        char buf[16] = {};
        pthread_getname_np(pthread_self(), buf, sizeof buf);
        co_return std::string(buf);
    };
    auto ga = a.enter();
    {
        auto gb = b.handle().enter();
        EXPECT_EQ(b.block_on(weft::spawn(name_of_worker())), "rt-b");
    }
    EXPECT_EQ(a.block_on(weft::spawn(name_of_worker())), "rt-a") << "a is current again";
}

// As in Tokio, entering a runtime does not make the thread one that drives tasks: the blocking
// calls of the sync primitives still work there (inside a task or block_on they are refused).
TEST(RuntimeEnter, BlockingCallsStillWorkUnderAGuard) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    auto guard = rt.enter();
    auto ch = weft::sync::mpsc::channel<int>(1);
    auto& tx = ch.first;
    auto& rx = ch.second;
    EXPECT_TRUE(tx.blocking_send(7).ok());
    auto v = rx.blocking_recv();
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, 7);
    weft::sync::Semaphore sem(1);
    auto permit = sem.blocking_acquire();
    EXPECT_EQ(permit.num_permits(), 1u);
}
