// Task dumps (runtime/dump.hpp): every live task with its async backtrace, on both flavours,
// consistent while workers run.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

using namespace std::chrono_literals;

namespace {

// The lines of the co_awaits the backtraces must name.
constexpr std::uint32_t kInnerAwaitLine = __LINE__ + 4;
constexpr std::uint32_t kOuterAwaitLine = __LINE__ + 8;

weft::Task<void> inner_wait(weft::sync::Notify& n) {
    co_await n.notified();
}

weft::Task<void> outer_wait(weft::sync::Notify& n, std::atomic<int>& started) {
    started.fetch_add(1);
    co_await inner_wait(n);
}

const weft::runtime::TaskInfo* find(const weft::runtime::Dump& d, const std::string& name) {
    for (const auto& t : d.tasks)
        if (t.name == name) return &t;
    return nullptr;
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Waits (bounded) until `pred` holds.
template <class P>
bool eventually(P pred) {
    for (int i = 0; i < 5000; ++i) {
        if (pred()) return true;
        std::this_thread::sleep_for(1ms);
    }
    return false;
}

void expect_parked_in_inner(const weft::runtime::TaskInfo& t, std::uint32_t spawn_line) {
    EXPECT_EQ(t.state, weft::runtime::TaskState::Idle);
    EXPECT_TRUE(ends_with(t.spawn_file, "dump_test.cpp")) << t.spawn_file;
    EXPECT_EQ(t.spawn_line, spawn_line);
    EXPECT_GE(t.polls, 1u);
    ASSERT_EQ(t.backtrace.size(), 2u);
    // (GCC names it "{anonymous}::inner_wait", clang 14 "inner_wait")
    EXPECT_TRUE(ends_with(t.backtrace[0].function, "inner_wait")) << t.backtrace[0].function;
    EXPECT_EQ(t.backtrace[0].line, kInnerAwaitLine);
    EXPECT_TRUE(ends_with(t.backtrace[0].file, "dump_test.cpp"));
    EXPECT_TRUE(ends_with(t.backtrace[1].function, "outer_wait")) << t.backtrace[1].function;
    EXPECT_EQ(t.backtrace[1].line, kOuterAwaitLine);
    EXPECT_NE(t.leaf.find("Notified"), std::string::npos) << t.leaf;
}

TEST(Dump, ShowsEachSuspendedTaskWithItsAwaitChainOnMultiThread) {
    auto rt = weft::Runtime::builder().worker_threads(2).build();
    weft::sync::Notify n;
    std::atomic<int> started{0};
    const std::uint32_t spawn_line = __LINE__ + 2;
    auto entered = rt.enter();
    auto h = weft::task::Builder().name("waiter").spawn(outer_wait(n, started));
    ASSERT_TRUE(eventually([&] { return started.load() == 1; }));
    // Parked once the worker is done with it: the dump shows it Running until then.
    weft::runtime::Dump d;
    ASSERT_TRUE(eventually([&] {
        d = rt.handle().dump_blocking();
        const auto* t = find(d, "waiter");
        return t != nullptr && t->state == weft::runtime::TaskState::Idle;
    }));
    const auto* t = find(d, "waiter");
    ASSERT_NE(t, nullptr);
    expect_parked_in_inner(*t, spawn_line);
    EXPECT_GT(t->id, 0u);

    std::string text = d.to_string();
    EXPECT_NE(text.find("\"waiter\" idle"), std::string::npos) << text;
    EXPECT_NE(text.find("inner_wait (" + t->backtrace[0].file), std::string::npos) << text;
    EXPECT_NE(text.find("outer_wait (" + t->backtrace[1].file), std::string::npos) << text;
    EXPECT_NE(text.find("spawned at "), std::string::npos) << text;
    std::string json = d.to_json();
    EXPECT_NE(json.find("\"name\":\"waiter\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"state\":\"idle\""), std::string::npos) << json;
    EXPECT_NE(json.find("inner_wait\",\"file\":"), std::string::npos) << json;

    n.notify_one();
    rt.block_on(std::move(h));
    // Gone, or finished and about to be unregistered (the JoinHandle is woken first).
    d = rt.handle().dump_blocking();
    t = find(d, "waiter");
    EXPECT_TRUE(t == nullptr || t->state == weft::runtime::TaskState::Finished) << d.to_string();
}

TEST(Dump, CoAwaitedFromATaskOnBothFlavours) {
    for (bool current : {false, true}) {
        auto rt = current ? weft::RuntimeBuilder::new_current_thread().build()
                          : weft::Runtime::builder().worker_threads(2).build();
        weft::sync::Notify n;
        std::atomic<int> started{0};
        const std::uint32_t spawn_line = __LINE__ + 2;
        auto entered = rt.enter();
        auto h = weft::task::Builder().name("waiter").spawn(outer_wait(n, started));
        weft::runtime::Dump d = rt.block_on([&]() -> weft::Task<weft::runtime::Dump> {
            while (started.load() == 0)
                co_await weft::time::sleep(1ms);
            for (;;) {
                auto d = co_await weft::Handle::current().dump();
                const auto* t = find(d, "waiter");
                if (t != nullptr && t->state == weft::runtime::TaskState::Idle) co_return d;
                co_await weft::time::sleep(1ms);
            }
        });
        const auto* t = find(d, "waiter");
        ASSERT_NE(t, nullptr);
        expect_parked_in_inner(*t, spawn_line);
        n.notify_one();
        rt.block_on(std::move(h));
    }
}

TEST(Dump, ATaskInItsPollIsListedAsRunningOnItsWorker) {
    auto rt = weft::Runtime::builder().worker_threads(2).build();
    std::atomic<bool> spinning{false}, stop{false};
    auto entered = rt.enter();
    auto h = weft::task::Builder().name("spinner").spawn([&]() -> weft::Task<void> {
        co_await weft::yield_now();
        spinning = true;
        while (!stop.load())
            std::this_thread::yield();  // a poll that does not return while we dump
    });
    ASSERT_TRUE(eventually([&] { return spinning.load(); }));
    auto d = rt.handle().dump_blocking();
    stop = true;
    const auto* t = find(d, "spinner");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->state, weft::runtime::TaskState::Running);
    ASSERT_TRUE(t->worker.has_value());
    EXPECT_LT(*t->worker, 2u);
    EXPECT_TRUE(t->backtrace.empty());
    ASSERT_TRUE(t->resumed_from.has_value());  // it resumed from its yield_now
    EXPECT_TRUE(ends_with(t->resumed_from->file, "dump_test.cpp"));
    rt.block_on(std::move(h));
}

TEST(Dump, CurrentThreadRuntimeDumpedFromAnotherThreadWhileItRuns) {
    auto rt = weft::RuntimeBuilder::new_current_thread().build();
    weft::Handle handle = rt.handle();
    weft::sync::Notify n;
    std::atomic<int> started{0};
    auto entered = rt.enter();
    auto h = weft::task::Builder().name("waiter").spawn(outer_wait(n, started));
    weft::runtime::Dump d;
    std::thread dumper([&] {
        ASSERT_TRUE(eventually([&] { return started.load() == 1; }));
        d = handle.dump_blocking();  // taken by a task on the runtime's thread
        n.notify_one();
    });
    rt.block_on(std::move(h));
    dumper.join();
    const auto* t = find(d, "waiter");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->backtrace.size(), 2u) << d.to_string();
}

TEST(Dump, HandleCurrentOutsideOfAnyRuntimeThrows) {
    EXPECT_THROW(weft::Handle::current(), std::logic_error);
    EXPECT_FALSE(weft::Handle::try_current().has_value());
    weft::Runtime rt;
    EXPECT_TRUE(rt.block_on(
        []() -> weft::Task<bool> { co_return weft::Handle::try_current().has_value(); }));
}

// Stress: tasks keep waking each other across both workers (and a Scope cancels children in
// place) while the main thread dumps again and again. Every task a dump shows suspended must
// have a whole chain; TSan checks that no dump reads a chain a worker is writing.
weft::Task<void> ping(weft::sync::Notify& mine, weft::sync::Notify& theirs, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        theirs.notify_one();
        co_await inner_wait(mine);
    }
    theirs.notify_one();
}

TEST(Dump, ConcurrentDumpsWhileTasksMigrateAcrossWorkersSeeWholeChains) {
    constexpr int kPairs = 8, kRounds = 400;
    std::vector<std::unique_ptr<weft::sync::Notify>> notes;  // outlive the runtime's tasks
    auto rt = weft::Runtime::builder().worker_threads(2).build();
    for (int i = 0; i < 2 * kPairs; ++i)
        notes.push_back(std::make_unique<weft::sync::Notify>());
    std::vector<weft::JoinHandle<void>> hs;
    for (int i = 0; i < kPairs; ++i) {
        hs.push_back(rt.spawn(ping(*notes[2 * i], *notes[2 * i + 1], kRounds)));
        hs.push_back(rt.spawn(ping(*notes[2 * i + 1], *notes[2 * i], kRounds)));
    }
    // Scopes whose children are cancelled in place when the scope's task is aborted.
    auto scoped = rt.spawn([]() -> weft::Task<void> {
        for (int i = 0; i < 50; ++i) {
            auto h = weft::spawn([]() -> weft::Task<void> {
                co_await weft::scope([](weft::Scope& s) -> weft::Task<void> {
                    for (int k = 0; k < 4; ++k)
                        s.spawn([]() -> weft::Task<void> { co_await weft::time::sleep(1h); });
                    co_await weft::time::sleep(1h);
                });
            });
            co_await weft::yield_now();
            h.abort();
            try {
                co_await std::move(h);
            } catch (const weft::JoinError&) {
            }
        }
    });
    std::size_t dumps = 0;
    auto all_done = [&] {
        for (auto& h : hs)
            if (!h.is_finished()) return false;
        return scoped.is_finished();
    };
    while (!all_done() && dumps < 2000) {
        auto d = rt.handle().dump_blocking();
        ++dumps;
        for (const auto& t : d.tasks) {
            if (t.state == weft::runtime::TaskState::Idle && t.polls > 0) {
                ASSERT_FALSE(t.backtrace.empty()) << d.to_string();
                EXPECT_FALSE(t.leaf.empty());
            }
        }
    }
    for (auto& h : hs)
        rt.block_on(std::move(h));
    rt.block_on(std::move(scoped));
    EXPECT_GT(dumps, 0u);
}

}  // namespace
