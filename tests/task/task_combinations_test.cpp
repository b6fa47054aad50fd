// Every order of the things that can happen to a spawned task, on every executor (in the spirit
// of Tokio's tests/task_combinations.rs).
//
// A task waits on a gate, then returns a counted output. Around it, in every order of every
// subset of five events:
//   Complete    the gate opens (and wakes the task)
//   Abort       AbortHandle::abort
//   DropJoin    the JoinHandle is dropped (detached)
//   DropWaker   a clone of the task's waker, held by the gate since the first poll, is dropped
//   RemoteWake  another thread wakes the task (by value, through a clone)
// the test checks that the output is dropped exactly once, the frame is destroyed exactly once,
// nothing is left alive (counted values; LeakSanitizer checks the task block in sanitizer
// builds), and the JoinHandle, if kept, gives the right result. The gate is opened at the end
// if no Complete came, so that every task ends. Every wait is bounded: a lost wake-up makes the
// test fail (or the watchdog abort it), never hang.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;

namespace {

enum class Event { Complete, Abort, DropJoin, DropWaker, RemoteWake };
constexpr std::array kEvents{Event::Complete, Event::Abort, Event::DropJoin, Event::DropWaker,
                             Event::RemoteWake};

const char* name(Event e) {
    constexpr const char* kNames[] = {"Complete", "Abort", "DropJoin", "DropWaker", "RemoteWake"};
    return kNames[static_cast<int>(e)];
}

std::string describe(const std::vector<Event>& seq) {
    std::string s = "[";
    for (Event e : seq) {
        if (s.size() > 1) s += ' ';
        s += name(e);
    }
    return s + "]";
}

// Every ordered selection of distinct events (326 sequences, the empty one included).
std::vector<std::vector<Event>> all_sequences() {
    std::vector<std::vector<Event>> out;
    for (unsigned mask = 0; mask < (1u << kEvents.size()); ++mask) {
        std::vector<Event> seq;
        for (std::size_t i = 0; i < kEvents.size(); ++i)
            if (mask & (1u << i)) seq.push_back(kEvents[i]);
        do {
            out.push_back(seq);
        } while (std::next_permutation(seq.begin(), seq.end()));
    }
    return out;
}

// The leaf the task waits on. It keeps the last poll's waker (woken when it opens) and, from
// the first poll, a second clone that only the test drops (DropWaker).
struct Gate {
    std::mutex mu;
    bool open = false;
    bool polled = false;
    weft::Waker waker;
    std::optional<weft::Waker> held;

    void complete() {
        weft::Waker w;
        {
            std::lock_guard g(mu);
            open = true;
            w = std::move(waker);
        }
        std::move(w).wake();
    }
    void drop_held() {
        std::optional<weft::Waker> w;
        {
            std::lock_guard g(mu);
            w = std::move(held);
            held.reset();
        }
    }
    // A clone of whichever waker is still here (none once the gate opened and DropWaker ran).
    std::optional<weft::Waker> clone() {
        std::lock_guard g(mu);
        if (held) return *held;
        if (!waker.is_noop()) return waker;
        return std::nullopt;
    }
    bool was_polled() {
        std::lock_guard g(mu);
        return polled;
    }
};

class GateFuture {
  public:
    using Output = int;
    explicit GateFuture(std::shared_ptr<Gate> g) : g_(std::move(g)) {}
    weft::Poll<int> poll(weft::Context& cx) {
        std::lock_guard l(g_->mu);
        if (!g_->polled) g_->held = cx.waker();
        g_->polled = true;
        if (g_->open) return 0;
        g_->waker = cx.waker();
        return weft::Pending;
    }

  private:
    std::shared_ptr<Gate> g_;
};

constexpr int kValue = 42;

class Output {
  public:
    Output(Lifetimes& l, int v) : tracked_(l), value_(v) {}
    int value() const { return value_; }

  private:
    TrackedValue tracked_;
    int value_;
};

// The frame holds `frame` (a parameter) until it is destroyed.
weft::Task<Output> gated(std::shared_ptr<Gate> g, TrackedValue /*frame*/, Lifetimes& out) {
    co_await GateFuture(std::move(g));
    co_return Output(out, kValue);
}

struct Counts {
    Lifetimes frame, output;
    bool settled() const { return frame.alive() == 0 && output.alive() == 0; }
};

enum class Kind { Local, CurrentThread, MultiThread };

// Waits (yielding to the executor) until `done()`; fails after a bounded time instead.
template <class Done>
weft::Task<bool> settle(Done done, const std::string& what) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            ADD_FAILURE() << "no progress: " << what;
            co_return false;
        }
        co_await weft::yield_now();
        std::this_thread::yield();
    }
    co_return true;
}

// One scenario, run as the main future of the executor under test.
weft::Task<void> scenario(Kind kind, std::vector<Event> seq, Counts& counts) {
    const std::string where = describe(seq);
    auto gate = std::make_shared<Gate>();
    std::optional<weft::JoinHandle<Output>> join =
        weft::spawn(gated(gate, TrackedValue(counts.frame), counts.output));
    std::optional<weft::AbortHandle> abort = join->abort_handle();
    std::vector<std::thread> remote;

    // The events start once the task is parked on the gate.
    if (!co_await settle([&] { return gate->was_polled(); }, where + " first poll")) co_return;

    bool completed = false;
    bool aborted_before_complete = false;
    bool remote_before_abort = false;
    bool remote_before_complete = false;
    bool remote_seen = false;
    for (Event e : seq) {
        switch (e) {
            case Event::Complete:
                gate->complete();
                completed = true;
                remote_before_complete = remote_seen;
                break;
            case Event::Abort:
                abort->abort();
                aborted_before_complete = !completed;
                remote_before_abort = remote_seen;
                break;
            case Event::DropJoin:
                join.reset();
                break;
            case Event::DropWaker:
                gate->drop_held();
                break;
            case Event::RemoteWake:
                remote_seen = true;
                if (auto clone = gate->clone())
                    remote.emplace_back([w = std::move(*clone)]() mutable { std::move(w).wake(); });
                break;
        }
        co_await weft::yield_now();
    }
    if (!completed) gate->complete();

    if (join) {
        std::optional<int> got;
        bool cancelled = false;
        try {
            Output out = co_await *join;
            got = out.value();
        } catch (const weft::JoinError&) {
            cancelled = true;
        }
        join.reset();
        if (got) {
            EXPECT_EQ(*got, kValue) << where;
        }
        // An abort while the task waited on a closed gate always wins. On a multi-thread
        // runtime a remote wake before it may have a poll under way on a worker, which then
        // sees the gate open and completes: the output wins then, as it must.
        const bool may_complete = kind == Kind::MultiThread && remote_before_abort;
        const bool has_abort = std::find(seq.begin(), seq.end(), Event::Abort) != seq.end();
        if (!has_abort) {
            EXPECT_FALSE(cancelled) << where;
        } else if (aborted_before_complete) {
            if (!may_complete) {
                EXPECT_TRUE(cancelled) << where;
            }
        } else if (kind != Kind::MultiThread && !remote_before_complete) {
            // Completed (polled at the yield after Complete) before the abort came. (A remote
            // wake before Complete may have queued the task on the executor's remote queue,
            // which the yield need not drain: then the abort may come first.)
            EXPECT_FALSE(cancelled) << where;
        }
        EXPECT_TRUE(cancelled || got) << where;
    }

    // Whether or not anyone joined, the task ends and leaves nothing behind.
    co_await settle([&] { return abort->is_finished() && counts.settled(); }, where + " settle");
    for (auto& t : remote)
        t.join();
    abort.reset();
}

void run_all(Kind kind) {
    Watchdog dog(std::chrono::seconds(100));
    std::optional<weft::LocalExecutor> local;
    std::optional<weft::Runtime> rt;
    switch (kind) {
        case Kind::Local:
            local.emplace();
            break;
        case Kind::CurrentThread:
            rt.emplace(weft::RuntimeBuilder::new_current_thread().build());
            break;
        case Kind::MultiThread:
            rt.emplace(weft::RuntimeBuilder::new_multi_thread().worker_threads(2).build());
            break;
    }
    for (const auto& seq : all_sequences()) {
        Counts counts;
        if (local) {
            local->run(scenario(kind, seq, counts));
        } else {
            rt->block_on(scenario(kind, seq, counts));
        }
        // Exactly once: a double drop shows as a negative count, a leak as a positive one.
        EXPECT_EQ(counts.frame.alive(), 0) << describe(seq);
        EXPECT_EQ(counts.output.alive(), 0) << describe(seq);
        EXPECT_GE(counts.frame.made, 1) << describe(seq);
        if (::testing::Test::HasFailure()) return;  // one scenario's failures are enough
    }
}

}  // namespace

TEST(TaskCombinations, SequenceCountCoversEveryOrderOfEverySubset) {
    EXPECT_EQ(all_sequences().size(), 326u);  // sum over k of 5!/(5-k)!
}

TEST(TaskCombinations, LocalExecutor) {
    run_all(Kind::Local);
}

TEST(TaskCombinations, CurrentThreadRuntime) {
    run_all(Kind::CurrentThread);
}

TEST(TaskCombinations, MultiThreadRuntime) {
    run_all(Kind::MultiThread);
}
