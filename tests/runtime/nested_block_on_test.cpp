// A thread that drives asynchronous tasks (a runtime worker, a Runtime::block_on, a
// LocalExecutor::run) refuses to block on another future: weft::block_on, another runtime's
// block_on and a nested LocalExecutor::run throw std::logic_error naming spawn_blocking as the
// way out (Tokio: "Cannot start a runtime from within a runtime"). Inside spawn_blocking,
// blocking is allowed. Issue 16, item 5.

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

namespace {

weft::Task<int> answer() {
    co_return 42;
}

weft::Runtime multi() {
    return weft::Runtime::builder().worker_threads(2).build();
}
weft::Runtime current() {
    return weft::RuntimeBuilder::new_current_thread().build();
}

// Runs `blocking` and expects the refusal, with a message pointing at spawn_blocking.
template <class Fn>
void expect_refused(Fn blocking) {
    try {
        blocking();
        ADD_FAILURE() << "a blocking call from within a runtime was not refused";
    } catch (const std::logic_error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("within a runtime"), std::string::npos) << what;
        EXPECT_NE(what.find("spawn_blocking"), std::string::npos) << what;
    }
}

TEST(NestedBlockOn, AnotherRuntimesBlockOnFromATaskIsRefused) {
    weft::Runtime rt1 = multi();
    weft::Runtime rt2 = current();
    auto h = rt1.spawn([&rt2]() -> weft::Task<void> {
        expect_refused([&] { rt2.block_on(answer()); });
        co_return;
    });
    rt1.block_on(std::move(h));
    // From the future of rt1's block_on itself (the thread drives rt1's block_on).
    rt1.block_on([&rt2]() -> weft::Task<void> {
        expect_refused([&] { rt2.block_on(answer()); });
        co_return;
    });
    // The other way round, from a current-thread runtime's task into a multi-thread runtime.
    rt2.block_on([&rt1]() -> weft::Task<void> {
        auto inner = weft::spawn([&rt1]() -> weft::Task<void> {
            expect_refused([&] { rt1.block_on(answer()); });
            co_return;
        });
        co_await inner;
    });
}

TEST(NestedBlockOn, FreeBlockOnAndLocalExecutorRunFromATaskAreRefused) {
    weft::Runtime rt = multi();
    rt.block_on([]() -> weft::Task<void> {
        auto h = weft::spawn([]() -> weft::Task<void> {
            expect_refused([] { weft::block_on(answer()); });
            weft::LocalExecutor ex;
            expect_refused([&] { ex.run(answer()); });
            co_return;
        });
        co_await h;
    });
    weft::LocalExecutor ex;
    ex.run([&rt]() -> weft::Task<void> {
        expect_refused([] { weft::block_on(answer()); });
        expect_refused([&] { rt.block_on(answer()); });
        weft::LocalExecutor inner;
        expect_refused([&] { inner.run(answer()); });
        co_return;
    });
}

TEST(NestedBlockOn, BlockingInsideSpawnBlockingIsAllowed) {
    weft::Runtime rt1 = multi();
    weft::Runtime rt2 = current();
    int got = rt1.block_on([&rt2]() -> weft::Task<int> {
        auto h = weft::spawn_blocking([&rt2] {
            int a = rt2.block_on(answer());
            int b = weft::block_on(answer());
            weft::LocalExecutor ex;
            int c = ex.run(answer());
            return a + b + c;
        });
        co_return co_await h;
    });
    EXPECT_EQ(got, 3 * 42);
}

TEST(NestedBlockOn, BlockOnIsAllowedAgainOnceTheOuterOneReturned) {
    weft::Runtime rt1 = current();
    weft::Runtime rt2 = current();
    EXPECT_EQ(rt1.block_on(answer()), 42);
    EXPECT_EQ(rt2.block_on(answer()), 42);
    EXPECT_EQ(weft::block_on(answer()), 42);
    // And after one that threw.
    EXPECT_THROW(rt1.block_on([]() -> weft::Task<void> {
        throw std::runtime_error("boom");
        co_return;
    }),
                 std::runtime_error);
    EXPECT_EQ(weft::block_on(answer()), 42);
}

}  // namespace
