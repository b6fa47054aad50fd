// weft's sync primitive and channel benchmarks, in the peers' one-line format, beside
// tokio-bench (mpsc, ping_pong), benches/peers/tokio_sync (oneshot, mutex, semaphore) and
// Asio's asio_channel / asio_ping_pong. Every benchmark body runs as a spawned task.
//
//   sync_bench mpsc producers=1 msgs=10000000 cap=1024
//   sync_bench oneshot n=10000000
//   sync_bench mutex mode=uncontended n=10000000
//   sync_bench mutex mode=contended tasks=16 n=1000000
//   sync_bench semaphore mode=uncontended n=10000000
//   sync_bench semaphore mode=contended tasks=16 permits=4 n=1000000
//   sync_bench ping_pong pairs=1000 rounds=1000 chan=mpsc|oneshot
//
// Each takes rt=local (LocalExecutor), rt=current (current-thread Runtime) or rt=multi
// workers=2 (the default), and iters=K (K runs in one process; the line shows the median).
// The workloads, identical in the Tokio peer (benches/peers/tokio_sync/README.md):
// - mpsc: `producers` tasks send `msgs` longs in total (0, 1, ... per producer) through one
//   bounded channel of capacity `cap` to one consumer task; count and sum are checked
//   (tokio-bench's program).
// - oneshot: in one task, `n` times: create a channel, send i, await the receiver.
// - mutex uncontended: in one task, `n` times: lock, increment the value, unlock.
// - mutex contended: `tasks` tasks, `n` acquisitions in all (n / tasks each): lock, increment,
//   `yield_now` while holding the guard, unlock. Every other task then queues on the lock, so
//   (after the first round) each acquisition is a FIFO hand-off to a parked waiter.
// - semaphore uncontended: in one task, `n` times: acquire 1 of 1 permit, release it.
// - semaphore contended: as the contended mutex, on a semaphore of `permits` permits,
//   checking that no more than `permits` tasks hold one at once.
// - ping_pong: Tokio's program, shared with runtime_bench (benches/ping_pong.hpp).
// A wrong count or sum aborts (non-zero exit status).

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_runtime.hpp"
#include "bench_util.hpp"
#include "ping_pong.hpp"
#include "weft/weft.hpp"

namespace {

using namespace bench;
namespace mpsc = weft::sync::mpsc;
namespace oneshot = weft::sync::oneshot;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "sync_bench: %s\n", what);
    std::exit(1);
}

// ---- mpsc ----

weft::Task<void> producer(mpsc::Sender<long> tx, long share) {
    for (long i = 0; i < share; ++i) {
        if (!(co_await tx.send(i)).ok()) fail("mpsc: consumer gone");
    }
}

struct CountSum {
    long count = 0, sum = 0;
};

weft::Task<CountSum> consumer(mpsc::Receiver<long> rx) {
    CountSum cs;
    while (auto v = co_await rx.recv()) {
        ++cs.count;
        cs.sum += *v;
    }
    co_return cs;
}

// As Tokio's: the consumer and the producers are spawned tasks; the body waits for the
// consumer, which ends when the last producer is done.
weft::Task<double> mpsc_body(long producers, long msgs, long cap) {
    auto [tx, rx] = mpsc::channel<long>(static_cast<std::size_t>(cap));
    auto t0 = Clock::now();
    auto cons = weft::spawn(consumer(std::move(rx)));
    long expect_sum = 0;
    for (long p = 0; p < producers; ++p) {
        long share = msgs / producers + (p < msgs % producers ? 1 : 0);
        expect_sum += share * (share - 1) / 2;
        weft::spawn(producer(tx, share)).detach();
    }
    { auto last = std::move(tx); }  // the producers hold the only senders now
    CountSum cs = co_await cons;
    double s = since(t0);
    if (cs.count != msgs || cs.sum != expect_sum) fail("mpsc: lost or corrupted messages");
    co_return s;
}

// ---- oneshot ----

weft::Task<double> oneshot_body(long n) {
    auto t0 = Clock::now();
    long sum = 0;
    for (long i = 0; i < n; ++i) {
        auto [tx, rx] = oneshot::channel<long>();
        if (!std::move(tx).send(i).ok()) fail("oneshot: send failed");
        sum += co_await rx;
    }
    double s = since(t0);
    if (sum != n * (n - 1) / 2) fail("oneshot: wrong sum");
    co_return s;
}

// ---- mutex ----

weft::Task<double> mutex_uncontended_body(long n) {
    weft::sync::Mutex<long> m(0);
    auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) {
        auto g = co_await m.lock();
        ++*g;
    }
    double s = since(t0);
    if (m.get_mut() != n) fail("mutex: wrong count");
    co_return s;
}

weft::Task<void> mutex_worker(weft::sync::Mutex<long>& m, long k) {
    for (long i = 0; i < k; ++i) {
        auto g = co_await m.lock();
        ++*g;
        co_await weft::yield_now();  // still locked: the others queue meanwhile
    }
}

weft::Task<double> mutex_contended_body(long tasks, long n) {
    weft::sync::Mutex<long> m(0);
    auto t0 = Clock::now();
    std::vector<weft::JoinHandle<void>> hs;
    for (long t = 0; t < tasks; ++t)
        hs.push_back(weft::spawn(mutex_worker(m, n / tasks + (t < n % tasks ? 1 : 0))));
    for (auto& h : hs)
        co_await h;
    double s = since(t0);
    if (m.get_mut() != n) fail("mutex: wrong count");
    co_return s;
}

// ---- semaphore ----

weft::Task<double> semaphore_uncontended_body(long n) {
    weft::sync::Semaphore sem(1);
    long count = 0;
    auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) {
        auto p = co_await sem.acquire(1);
        ++count;
    }
    double s = since(t0);
    if (count != n || sem.available_permits() != 1) fail("semaphore: wrong count");
    co_return s;
}

struct SemShared {
    explicit SemShared(long permits) : sem(static_cast<std::size_t>(permits)) {}
    weft::sync::Semaphore sem;
    std::atomic<long> holders{0};
    std::atomic<long> max_holders{0};
    std::atomic<long> count{0};
};

weft::Task<void> semaphore_worker(SemShared& sh, long k) {
    for (long i = 0; i < k; ++i) {
        auto p = co_await sh.sem.acquire(1);
        long h = sh.holders.fetch_add(1, std::memory_order_relaxed) + 1;
        long mx = sh.max_holders.load(std::memory_order_relaxed);
        while (h > mx && !sh.max_holders.compare_exchange_weak(mx, h, std::memory_order_relaxed)) {
        }
        sh.count.fetch_add(1, std::memory_order_relaxed);
        co_await weft::yield_now();  // still holding the permit
        sh.holders.fetch_sub(1, std::memory_order_relaxed);
    }
}

weft::Task<double> semaphore_contended_body(long tasks, long permits, long n) {
    SemShared sh(permits);
    auto t0 = Clock::now();
    std::vector<weft::JoinHandle<void>> hs;
    for (long t = 0; t < tasks; ++t)
        hs.push_back(weft::spawn(semaphore_worker(sh, n / tasks + (t < n % tasks ? 1 : 0))));
    for (auto& h : hs)
        co_await h;
    double s = since(t0);
    if (sh.count.load() != n || sh.max_holders.load() > permits ||
        sh.sem.available_permits() != static_cast<std::size_t>(permits))
        fail("semaphore: wrong count, or too many holders");
    co_return s;
}

}  // namespace

int main(int argc, char** argv) {
    BenchArgs args(argc, argv, "mpsc|oneshot|mutex|semaphore|ping_pong");
    const std::string& what = args.what;
    const auto& kv = args.kv;
    BenchRt& rt = args.rt;
    long iters = args.iters;
    const std::string& its = args.its;
    if (what == "mpsc") {
        long producers = arg(kv, "producers", 1), msgs = arg(kv, "msgs", 10000000),
             cap = arg(kv, "cap", 1024);
        if (producers < 1 || cap < 1) fail("producers and cap must be >= 1");
        auto t =
            repeat(iters, [&] { return rt.run([&] { return mpsc_body(producers, msgs, cap); }); });
        print("mpsc",
              rt.params() + " producers=" + std::to_string(producers) +
                  " cap=" + std::to_string(cap) + " msgs=" + std::to_string(msgs) + its,
              double(msgs), t);
    } else if (what == "oneshot") {
        long n = arg(kv, "n", 10000000);
        auto t = repeat(iters, [&] { return rt.run([&] { return oneshot_body(n); }); });
        print("oneshot", rt.params() + " n=" + std::to_string(n) + its, double(n), t);
    } else if (what == "mutex" || what == "semaphore") {
        std::string mode = str(kv, "mode", "uncontended");
        bool sem = what == "semaphore";
        long n = arg(kv, "n", mode == "contended" ? 1000000 : 10000000);
        long tasks = arg(kv, "tasks", 16), permits = arg(kv, "permits", 4);
        std::string params = rt.params() + " mode=" + mode;
        Timing t{};
        if (mode == "uncontended") {
            t = repeat(iters, [&] {
                return rt.run([&] {
                    return sem ? semaphore_uncontended_body(n) : mutex_uncontended_body(n);
                });
            });
        } else if (mode == "contended") {
            if (tasks < 1 || permits < 1) fail("tasks and permits must be >= 1");
            params += " tasks=" + std::to_string(tasks);
            if (sem) params += " permits=" + std::to_string(permits);
            t = repeat(iters, [&] {
                return rt.run([&] {
                    return sem ? semaphore_contended_body(tasks, permits, n)
                               : mutex_contended_body(tasks, n);
                });
            });
        } else {
            fail("mode must be uncontended or contended");
        }
        print(what.c_str(), params + " n=" + std::to_string(n) + its, double(n), t);
    } else if (what == "ping_pong") {
        long pairs = arg(kv, "pairs", 1000), rounds = arg(kv, "rounds", 1000);
        std::string chan = str(kv, "chan", "mpsc");
        if (chan != "mpsc" && chan != "oneshot") fail("chan must be mpsc or oneshot");
        auto t = repeat(iters, [&] {
            return rt.run([&] { return bench::ping_pong::body(pairs, rounds, chan == "oneshot"); });
        });
        print("ping_pong",
              rt.params() + " pairs=" + std::to_string(pairs) +
                  " rounds=" + std::to_string(rounds) + " chan=" + chan + its,
              double(pairs) * rounds, t);
    } else {
        std::fprintf(stderr, "unknown benchmark %s\n", what.c_str());
        return 2;
    }
    return 0;
}
