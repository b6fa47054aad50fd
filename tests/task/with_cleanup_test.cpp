// weft::with_cleanup: the cleanup runs to its end however the body ends (value, early return,
// exception, cancellation at each of its await points, cancellation during the cleanup itself,
// a drop before the first poll), the resource goes after it, and a real TCP session says
// goodbye when its task is aborted.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::Exit;

namespace {

// What the tests watch: the steps taken, in order (one thread at a time touches it).
struct Log {
    std::vector<std::string> steps;
    std::optional<Exit> exit;
    void add(std::string s) { steps.push_back(std::move(s)); }
};

// The resource: logs its destruction (moved-from copies stay silent).
struct Resource {
    explicit Resource(Log& l) : log(&l) {}
    Resource(Resource&& o) noexcept : log(std::exchange(o.log, nullptr)) {}
    ~Resource() {
        if (log != nullptr) log->add("resource destroyed");
    }
    Log* log;
};

// A cleanup with two await points, gated by triggers (so a test can cancel inside it).
struct TwoStepCleanup {
    std::shared_ptr<Trigger> first, second;
    weft::Task<void> operator()(Resource& r, Exit exit) const {
        r.log->exit = exit;
        r.log->add("cleanup started");
        co_await TriggerFuture(first);
        r.log->add("cleanup step 1");
        co_await TriggerFuture(second);
        r.log->add("cleanup done");
    }
};

std::shared_ptr<Trigger> done_trigger() {
    auto t = std::make_shared<Trigger>();
    t->complete();
    return t;
}

void run_until_stalled(weft::LocalExecutor& ex) {
    while (ex.try_tick()) {
    }
}

const std::vector<std::string> kFullCleanup{"cleanup started", "cleanup step 1", "cleanup done",
                                            "resource destroyed"};

}  // namespace

TEST(WithCleanup, RunsAfterTheBodyReturnsThenGivesItsOutput) {
    Log log;
    int v = weft::block_on(weft::with_cleanup(
        Resource(log),
        [](Resource& r) -> weft::Task<int> {
            r.log->add("body");
            co_await weft::yield_now();
            co_return 7;
        },
        TwoStepCleanup{done_trigger(), done_trigger()}));
    EXPECT_EQ(v, 7);
    EXPECT_EQ(log.exit, Exit::Returned);
    std::vector<std::string> want{"body"};
    want.insert(want.end(), kFullCleanup.begin(), kFullCleanup.end());
    EXPECT_EQ(log.steps, want);
}

TEST(WithCleanup, AnEarlyReturnCannotSkipIt) {
    Log log;
    weft::block_on(weft::with_cleanup(
        Resource(log),
        [](Resource& r) -> weft::Task<void> {
            if (r.log != nullptr) co_return;  // the early way out
            // (Not r.log->add: GCC 12 at -O3 proves r.log null on this path and warns.)
            ADD_FAILURE() << "the body went on after its co_return";
        },
        [](Resource& r) -> weft::Task<void> {  // the form without the reason
            co_await weft::yield_now();
            r.log->add("cleanup done");
        }));
    EXPECT_EQ(log.steps, (std::vector<std::string>{"cleanup done", "resource destroyed"}));
}

TEST(WithCleanup, RunsAfterTheBodyThrowsThenRethrows) {
    Log log;
    bool threw = false;
    try {
        weft::block_on(weft::with_cleanup(
            Resource(log),
            [](Resource&) -> weft::Task<int> {
                co_await weft::yield_now();
                throw std::runtime_error("body failed");
            },
            TwoStepCleanup{done_trigger(), done_trigger()}));
    } catch (const std::runtime_error& e) {
        threw = true;
        EXPECT_STREQ(e.what(), "body failed");
        EXPECT_EQ(log.steps, kFullCleanup) << "rethrown before the cleanup ended";
    }
    EXPECT_TRUE(threw);
    EXPECT_EQ(log.exit, Exit::Threw);
}

TEST(WithCleanup, ACleanupsExceptionIsRethrownWhenTheBodyReturned) {
    Log log;
    EXPECT_THROW(weft::block_on(weft::with_cleanup(
                     Resource(log), [](Resource&) -> weft::Task<void> { co_return; },
                     [](Resource&) -> weft::Task<void> {
                         co_await weft::yield_now();
                         throw std::logic_error("cleanup failed");
                     })),
                 std::logic_error);
    EXPECT_EQ(log.steps, (std::vector<std::string>{"resource destroyed"}));
}

// The body awaits three triggers; the task is aborted while it waits at await point k (k = 0:
// before its first poll). Each time the cleanup must run to its end, told Cancelled, after the
// body's own destructors, and the resource must go after it.
TEST(WithCleanup, CancelledAtEachAwaitPointOfTheBodyTheCleanupRunsToItsEnd) {
    Watchdog dog;
    for (int k = 0; k <= 3; ++k) {
        SCOPED_TRACE("cancelled at await point " + std::to_string(k));
        weft::LocalExecutor ex;
        Log log;
        std::vector<std::shared_ptr<Trigger>> gates;
        for (int i = 0; i < 3; ++i)
            gates.push_back(std::make_shared<Trigger>());
        auto cleanup_first = std::make_shared<Trigger>();
        auto cleanup_second = std::make_shared<Trigger>();
        auto h = ex.spawn(weft::with_cleanup(
            Resource(log),
            [&gates](Resource& r) -> weft::Task<void> {
                struct Local {
                    Log* log;
                    ~Local() { log->add("body destroyed"); }
                } local{r.log};
                for (auto& g : gates) {
                    co_await TriggerFuture(g);
                    r.log->add("body step");
                }
            },
            TwoStepCleanup{cleanup_first, cleanup_second}));
        if (k > 0) run_until_stalled(ex);  // k == 0: aborted before it ever ran
        for (int i = 0; i + 1 < k; ++i) {
            gates[static_cast<std::size_t>(i)]->complete();
            run_until_stalled(ex);
        }
        h.abort();
        run_until_stalled(ex);
        // The cleanup now waits at its first await, in a task of its own.
        ASSERT_EQ(log.exit, Exit::Cancelled);
        cleanup_first->complete();
        run_until_stalled(ex);
        cleanup_second->complete();
        run_until_stalled(ex);
        std::vector<std::string> want;
        for (int i = 0; i + 1 < k; ++i)
            want.push_back("body step");
        if (k > 0) want.push_back("body destroyed");
        want.insert(want.end(), kFullCleanup.begin(), kFullCleanup.end());
        EXPECT_EQ(log.steps, want);
        EXPECT_EQ(ex.task_count(), 0u);
    }
}

// Cancelled while the cleanup itself waits (at each of its two await points): the cleanup
// goes on from where it stood, keeps the reason it was given, and ends.
TEST(WithCleanup, CancelledDuringTheCleanupItFinishesFromWhereItStood) {
    Watchdog dog;
    for (int j = 0; j < 2; ++j) {
        SCOPED_TRACE("cancelled at cleanup await point " + std::to_string(j));
        weft::LocalExecutor ex;
        Log log;
        auto first = std::make_shared<Trigger>();
        auto second = std::make_shared<Trigger>();
        auto h = ex.spawn(weft::with_cleanup(
            Resource(log), [](Resource&) -> weft::Task<int> { co_return 1; },
            TwoStepCleanup{first, second}));
        run_until_stalled(ex);
        if (j == 1) {
            first->complete();
            run_until_stalled(ex);
        }
        h.abort();
        run_until_stalled(ex);
        EXPECT_EQ(log.steps.back(), j == 0 ? "cleanup started" : "cleanup step 1");
        first->complete();
        second->complete();
        run_until_stalled(ex);
        EXPECT_EQ(log.steps, kFullCleanup);
        EXPECT_EQ(log.exit, Exit::Returned) << "the reason it was started with";
    }
}

TEST(WithCleanup, DroppedOutsideAnyExecutorTheCleanupRunsThere) {
    Log log;
    {
        auto f = weft::with_cleanup(
            Resource(log), [](Resource&) -> weft::Task<void> { co_await weft::pending<void>(); },
            TwoStepCleanup{done_trigger(), done_trigger()});
        CountingWaker w;
        EXPECT_TRUE(poll_once(f, w).is_pending());
    }
    EXPECT_EQ(log.steps, kFullCleanup);
    EXPECT_EQ(log.exit, Exit::Cancelled);
}

// A session aborted by its server still says goodbye, on a real socket.
TEST(WithCleanup, AnAbortedTcpSessionSaysGoodbye) {
    Watchdog dog;
    auto rt = weft::RuntimeBuilder::new_current_thread().build();
    std::string got = rt.block_on([]() -> weft::Task<std::string> {
        auto listener = weft::net::TcpListener::bind(weft::net::SocketAddr::localhost(0));
        auto client = co_await weft::net::TcpStream::connect(listener.local_addr());
        auto [conn, peer] = co_await listener.accept();
        auto session = weft::spawn(weft::with_cleanup(
            std::move(conn),
            [](weft::net::TcpStream& c) -> weft::Task<void> {
                std::byte buf[64];
                while (co_await c.read(std::span(buf)) > 0) {
                }
            },
            [](weft::net::TcpStream& c, Exit exit) -> weft::Task<void> {
                std::string bye = exit == Exit::Cancelled ? "bye: server closing\n" : "bye\n";
                co_await weft::io::write_all(c, bye);
                co_await weft::io::shutdown(c);
            }));
        co_await weft::yield_now();  // the session now waits in read
        session.abort();
        std::string text;
        co_await weft::io::read_to_string(client, text);  // until the server's FIN
        co_return text;
    }());
    EXPECT_EQ(got, "bye: server closing\n");
}

// Two workers: tasks aborted at varying moments; every cleanup must still finish.
TEST(WithCleanup, TwoWorkersEveryAbortedTaskFinishesItsCleanup) {
    Watchdog dog(60s);
    auto rt = weft::Runtime::builder().worker_threads(2).build();
    constexpr int kRounds = 300;
    std::atomic<int> cleanups{0}, resources{0};
    struct Counted {
        std::atomic<int>* n;
        explicit Counted(std::atomic<int>& c) : n(&c) {}
        Counted(Counted&& o) noexcept : n(std::exchange(o.n, nullptr)) {}
        ~Counted() {
            if (n != nullptr) ++*n;
        }
    };
    for (int round = 0; round < kRounds; ++round) {
        auto h = rt.spawn(weft::with_cleanup(
            Counted(resources),
            [round](Counted&) -> weft::Task<void> {
                for (int i = 0;; ++i) {
                    co_await weft::yield_now();
                    if (i == round % 5) co_await weft::pending<void>();
                }
            },
            [&cleanups](Counted&) -> weft::Task<void> {
                for (int i = 0; i < 3; ++i)
                    co_await weft::yield_now();
                ++cleanups;
            }));
        for (int spin = 0; spin < round % 11; ++spin)
            std::this_thread::yield();
        h.abort();
    }
    while (resources.load() < kRounds)
        std::this_thread::sleep_for(1ms);
    EXPECT_EQ(cleanups.load(), kRounds);
    EXPECT_EQ(resources.load(), kRounds);
}
