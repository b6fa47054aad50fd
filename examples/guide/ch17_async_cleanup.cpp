// ch17_async_cleanup: cleanup that has to await. A destructor cannot co_await, so a connection
// that must send "goodbye" before it closes needs something else: weft::with_cleanup (runs an
// async cleanup however the work ends: returned, threw, or cancelled), weft::scope (a parent
// that waits for its children), and a CancellationToken for a graceful shutdown. Run it with
// no arguments.
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

// A connection that should say goodbye before it closes. Saying goodbye is a network write,
// so it is async: the destructor cannot do it, only notice that it was not done.
class Conn {
  public:
    explicit Conn(std::string peer) : peer_(std::move(peer)) {}
    Conn(Conn&& o) noexcept : peer_(std::move(o.peer_)), open_(std::exchange(o.open_, false)) {}
    ~Conn() {
        if (open_) std::printf("  ~Conn(%s): closed abruptly, no goodbye sent\n", peer_.c_str());
    }

    // Serves one request that takes `ms` milliseconds, or fails halfway.
    weft::Task<int> serve(int ms, bool fail) {
        co_await weft::time::sleep(std::chrono::milliseconds(ms / 2));
        if (fail) throw std::runtime_error("bad request");
        co_await weft::time::sleep(std::chrono::milliseconds(ms / 2));
        co_return ms;
    }
    weft::Task<void> goodbye() {
        co_await weft::time::sleep(2ms);  // the write of a goodbye frame
        open_ = false;
        std::printf("  %s: goodbye sent, closed cleanly\n", peer_.c_str());
    }

  private:
    std::string peer_;
    bool open_ = true;
};

const char* why(weft::Exit e) {
    switch (e) {
        case weft::Exit::Returned:
            return "returned";
        case weft::Exit::Threw:
            return "threw";
        case weft::Exit::Cancelled:
            return "cancelled";
    }
    return "?";
}

// The naive version: the goodbye is skipped whenever serve() throws or the task is cancelled.
weft::Task<int> session_naive(Conn conn, int ms, bool fail) {
    int n = co_await conn.serve(ms, fail);
    co_await conn.goodbye();  // never reached if serve() threw, or if we were cancelled
    co_return n;
}

// With with_cleanup: the goodbye runs however the body ends.
weft::Task<int> session(Conn conn, int ms, bool fail) {
    auto guarded = weft::with_cleanup(
        std::move(conn),                                    // the resource
        [ms, fail](Conn& c) { return c.serve(ms, fail); },  // the body
        [](Conn& c, weft::Exit e) -> weft::Task<void> {     // the cleanup
            std::printf("  cleanup: body %s\n", why(e));
            co_await c.goodbye();
        });
    co_return co_await guarded;
}

// WRONG, compiled but never used: a destructor that blocks to run the async cleanup. Inside a
// task, block_on throws std::logic_error; destructors are noexcept, so the program terminates.
struct BlockingCloser {
    Conn conn;
    ~BlockingCloser() { weft::block_on(conn.goodbye()); }
};

// A guard whose destructor says when it runs.
struct Loud {
    const char* name;
    ~Loud() { std::printf("  %s destroyed\n", name); }
};

// Structured concurrency: no child outlives the scope, so children may borrow `lengths`.
weft::Task<void> fan_out() {
    std::vector<std::string> words{"tea", "coffee", "water"};
    std::vector<std::size_t> lengths(words.size());
    co_await weft::scope([&](weft::Scope& s) -> weft::Task<void> {
        for (std::size_t i = 0; i < words.size(); ++i) {
            s.spawn([&words, &lengths, i]() -> weft::Task<void> {
                co_await weft::time::sleep(std::chrono::milliseconds(3 * (i + 1)));
                lengths[i] = words[i].size();
            });
        }
        co_return;
    });
    std::printf("  scope done: lengths %zu %zu %zu\n", lengths[0], lengths[1], lengths[2]);
}

// Cancelling a scope: its destructor cancels the children and waits for their destructors.
weft::Task<void> cancel_a_scope() {
    auto work = weft::scope([](weft::Scope& s) -> weft::Task<void> {
        for (const char* name : {"child A", "child B"}) {
            s.spawn([name]() -> weft::Task<void> {
                Loud guard{name};
                co_await weft::time::sleep(10s);  // far longer than the timeout
            });
        }
        co_return;
    });
    auto limited = weft::time::timeout(20ms, std::move(work));
    auto r = co_await limited;
    std::printf("  timeout returned (elapsed: %s), after both children were gone\n",
                r.is_elapsed() ? "yes" : "no");
}

// Graceful shutdown: ask, don't destroy. Each worker notices the token, then finishes its
// own async cleanup in the ordinary way, awaited, before it returns.
weft::Task<void> worker(int id, weft::sync::CancellationToken stop) {
    int handled = 0;
    for (;;) {
        auto stopped = stop.cancelled();
        auto tick = weft::time::sleep(2ms);  // one unit of work
        auto r = co_await weft::select(std::move(stopped), std::move(tick));
        if (r.index() == 0) break;
        ++handled;
    }
    co_await weft::time::sleep(3ms);  // flush buffers, say goodbye: awaited like any code
    std::printf("  worker %d stopped and flushed (handled %s)\n", id,
                handled > 0 ? "some work" : "nothing");
}

weft::Task<void> graceful_shutdown() {
    weft::sync::CancellationToken stop;
    co_await weft::scope([&stop](weft::Scope& s) -> weft::Task<void> {
        for (int id = 1; id <= 2; ++id)
            s.spawn(worker(id, stop.child_token()));
        co_await weft::time::sleep(15ms);
        std::printf("  asking the workers to stop\n");
        stop.cancel();
    });
    std::printf("  every worker has finished\n");
}

int main() {
    return weft::run([]() -> weft::Task<int> {
        std::printf("1. naive session that throws:\n");
        try {
            co_await session_naive(Conn("ann"), 4, true);
        } catch (const std::exception& e) {
            std::printf("  caught: %s\n", e.what());
        }

        std::printf("2. with_cleanup, body returns:\n");
        int n = co_await session(Conn("bob"), 4, false);
        std::printf("  session returned %d\n", n);

        std::printf("3. with_cleanup, body throws:\n");
        try {
            co_await session(Conn("cyd"), 4, true);
        } catch (const std::exception& e) {
            std::printf("  caught: %s\n", e.what());
        }

        std::printf("4. with_cleanup, cancelled by a timeout:\n");
        auto slow = session(Conn("dee"), 1000, false);
        auto limited = weft::time::timeout(10ms, std::move(slow));
        auto r = co_await limited;
        std::printf("  timed out: %s (the cleanup now runs in a task of its own)\n",
                    r.is_elapsed() ? "yes" : "no");
        co_await weft::time::sleep(20ms);  // give that task time to finish before we go on

        std::printf("5. a scope waits for its children:\n");
        co_await fan_out();
        std::printf("6. a cancelled scope:\n");
        co_await cancel_a_scope();
        std::printf("7. graceful shutdown with a CancellationToken:\n");
        co_await graceful_shutdown();
        co_return 0;
    });
}
