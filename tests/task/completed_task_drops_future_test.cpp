// A spawned task's future (its coroutine frame, parameters included) is destroyed as soon as
// the task completes, not when its JoinHandle takes the output: Tokio drops a finished future
// at once, and code ported from Tokio relies on it (issue 16, item 5). Only the output is kept
// for the handle, and it is dropped exactly once whether the handle takes it, is dropped after
// the task finished, or was dropped before.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

namespace {

using weft_test::Watchdog;

using Counts = weft_test::Lifetimes;
using Counted = weft_test::TrackedValue;

// The ported-from-Tokio shape: a producer whose Sender is a coroutine parameter.
weft::Task<int> producer(weft::sync::mpsc::Sender<int> tx, int n) {
    for (int i = 0; i < n; ++i) {
        auto sent = co_await tx.send(i);
        if (!sent.ok()) co_return -1;
    }
    co_return n;
}

// A task whose parameter counts its destruction; its output (a heap string) outlives it.
weft::Task<std::string> keeps(Counted /*param*/, std::string out) {
    co_return out;
}

weft::Task<void> throws(Counted /*param*/) {
    throw std::runtime_error("boom");
    co_return;
}

const char* const kLong = "an output long enough to be on the heap, not in the SSO buffer";

enum class Exec { Local, MultiThread, CurrentThread };

// Runs `body` (a callable returning a Task) to completion on the executor under test.
template <class Fn>
void run_on(Exec e, Fn body) {
    if (e == Exec::Local) {
        weft::LocalExecutor ex;
        ex.run(std::move(body));
    } else {
        weft::Runtime rt = e == Exec::MultiThread
                               ? weft::Runtime::builder().worker_threads(2).build()
                               : weft::RuntimeBuilder::new_current_thread().build();
        rt.block_on(std::move(body));
    }
}

class CompletedTask : public testing::TestWithParam<Exec> {};

TEST_P(CompletedTask, FinishedProducerClosesItsChannelWithoutAnyoneAwaitingItsHandle) {
    Watchdog dog(std::chrono::seconds(20));  // before the fix: the receive below never ends
    run_on(GetParam(), []() -> weft::Task<void> {
        auto [tx, rx] = weft::sync::mpsc::channel<int>(4);
        auto handle = weft::spawn(producer(std::move(tx), 10));
        int got = 0;
        while (auto v = co_await rx.recv()) {
            EXPECT_EQ(*v, got);
            ++got;
        }
        EXPECT_EQ(got, 10);
        EXPECT_EQ(co_await handle, 10);  // the output is still there afterwards
    });
}

TEST_P(CompletedTask, ParametersAreDestroyedWhenTheTaskCompletesNotWhenItsHandleIsAwaited) {
    Counts counts;
    run_on(GetParam(), [&counts]() -> weft::Task<void> {
        Counted p(counts);
        std::string out = kLong;
        auto handle = weft::spawn(keeps(p, out));
        while (!handle.is_finished())
            co_await weft::yield_now();
        EXPECT_EQ(counts.alive(), 1) << "only the local is alive: the task's parameter must be "
                                        "gone once the task completed";
        std::string got = co_await handle;
        EXPECT_EQ(got, kLong);
    });
    EXPECT_EQ(counts.alive(), 0);
}

TEST_P(CompletedTask, AnOutputIsDroppedOnceWhateverHappensToTheHandle) {
    Counts counts;
    auto token = std::make_shared<int>(1);
    run_on(GetParam(), [&counts, token]() -> weft::Task<void> {
        // Handle dropped before the task completes: the executor drops the output.
        weft::spawn([&counts, token]() -> weft::Task<std::shared_ptr<int>> {
            Counted c(counts);
            co_await weft::yield_now();
            co_return token;
        }).detach();
        // Handle dropped after the task completed: the handle drops the output.
        auto late = weft::spawn([&counts, token]() -> weft::Task<std::shared_ptr<int>> {
            Counted c(counts);
            co_return token;
        });
        while (!late.is_finished())
            co_await weft::yield_now();
        late.detach();
        // Output taken.
        auto taken =
            weft::spawn([token]() -> weft::Task<std::shared_ptr<int>> { co_return token; });
        auto got = co_await taken;
        EXPECT_EQ(got, token);
        // An exception instead of an output, taken and not taken.
        auto failed = weft::spawn(throws(Counted(counts)));
        EXPECT_THROW(co_await failed, std::runtime_error);
        weft::spawn(throws(Counted(counts))).detach();
        for (int i = 0; i < 100; ++i)
            co_await weft::yield_now();
    });
    EXPECT_EQ(counts.alive(), 0);
    EXPECT_EQ(token.use_count(), 1) << "an output was leaked or dropped twice";
}

TEST_P(CompletedTask, AnAbortDuringTheLastPollLeavesTheOutputToTheHandle) {
    // The task aborts itself in the poll in which it completes: as in Tokio, a task that
    // completes keeps its output (and it is dropped exactly once).
    auto token = std::make_shared<int>(2);
    run_on(GetParam(), [token]() -> weft::Task<void> {
        // The task receives its own AbortHandle through a oneshot: on the multi-thread runtime
        // it may run on another worker before spawn() returns here, so nothing but a
        // synchronising hand-over tells it the handle exists.
        auto [tx, rx] = weft::sync::oneshot::channel<weft::AbortHandle>();
        auto h = weft::spawn(
            // Parameters, not captures: the lambda object is gone once spawn() returns.
            [](std::shared_ptr<int> out, weft::sync::oneshot::Receiver<weft::AbortHandle> self)
                -> weft::Task<std::shared_ptr<int>> {
                weft::AbortHandle handle = co_await self;
                handle.abort();
                co_return out;
            }(token, std::move(rx)));
        EXPECT_TRUE(std::move(tx).send(h.abort_handle()).ok());
        auto got = co_await h;
        EXPECT_EQ(got, token);
    });
    EXPECT_EQ(token.use_count(), 1) << "the output was leaked";
}

// Runs a LocalExecutor, with a spawned task in it, from its destructor (every copy does). The
// copy in the blocking task's frame does it on a blocking-pool thread, where that is allowed,
// while that frame is being destroyed at its completion: the inner task's completion must not
// disturb the outer one's.
struct RunsTasksWhenDestroyed {
    std::shared_ptr<std::atomic<int>> ran = std::make_shared<std::atomic<int>>(0);
    RunsTasksWhenDestroyed() = default;
    RunsTasksWhenDestroyed(const RunsTasksWhenDestroyed&) = default;
    ~RunsTasksWhenDestroyed() {
        weft::LocalExecutor ex;
        auto counter = ran;
        ex.run([counter]() -> weft::Task<void> {
            auto h = weft::spawn([counter]() -> weft::Task<int> { co_return ++*counter; });
            co_await h;
        });
    }
};

TEST(CompletedTaskNesting, ADestructorRunningTasksWhileItsFrameIsDestroyed) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    RunsTasksWhenDestroyed r;
    auto probe = r.ran;
    auto h = rt.spawn_blocking([r] { return 7; });
    EXPECT_EQ(rt.block_on(std::move(h)), 7);
    EXPECT_GE(probe->load(), 1);
}

INSTANTIATE_TEST_SUITE_P(Executors, CompletedTask,
                         testing::Values(Exec::Local, Exec::MultiThread, Exec::CurrentThread),
                         [](const testing::TestParamInfo<Exec>& i) {
                             switch (i.param) {
                                 case Exec::Local:
                                     return "LocalExecutor";
                                 case Exec::MultiThread:
                                     return "MultiThread";
                                 default:
                                     return "CurrentThread";
                             }
                         });

}  // namespace
