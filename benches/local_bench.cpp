// weft's LocalExecutor benchmarks, printing the peers' one-line format:
//   bench=NAME impl=weft rt=local ... secs=S per_sec=R
// so one script can set them beside ../shared/peers (Tokio current_thread, Asio threads=1).
//
//   local_bench spawn_many n=1000000 [iters=5]
//   local_bench yield_many tasks=200 yields=1000 [iters=10]
//   local_bench chained_spawn depth=1000000 [iters=5]
//   local_bench idle_tasks_memory n=1000000 wait=pending
//
// `secs` is the median iteration; min_secs/max_secs the extremes. Timing covers the workload
// only, not executor start-up.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "weft/weft.hpp"

namespace {

using namespace bench;

weft::Task<int> trivial() {
    co_return 1;
}

double spawn_many(long n) {
    weft::LocalExecutor ex;
    return ex.run([&]() -> weft::Task<double> {
        auto t0 = Clock::now();
        std::vector<weft::JoinHandle<int>> hs;
        hs.reserve(n);
        for (long i = 0; i < n; ++i)
            hs.push_back(ex.spawn(trivial()));
        long sum = 0;
        for (auto& h : hs)
            sum += co_await h;
        double s = since(t0);
        if (sum != n) std::abort();
        co_return s;
    });
}

weft::Task<void> yielder(long yields) {
    for (long i = 0; i < yields; ++i)
        co_await weft::yield_now();
}

double yield_many(long tasks, long yields) {
    weft::LocalExecutor ex;
    return ex.run([&]() -> weft::Task<double> {
        auto t0 = Clock::now();
        std::vector<weft::JoinHandle<void>> hs;
        for (long i = 0; i < tasks; ++i)
            hs.push_back(ex.spawn(yielder(yields)));
        for (auto& h : hs)
            co_await h;
        co_return since(t0);
    });
}

// Set by the last link; the main task waits on it.
struct Done {
    bool done = false;
    weft::Waker waker;
};

weft::Task<void> link(weft::LocalExecutor& ex, long left, Done& d) {
    if (left == 0) {
        d.done = true;
        d.waker.wake_by_ref();
    } else {
        ex.spawn(link(ex, left - 1, d)).detach();
    }
    co_return;
}

double chained_spawn(long depth) {
    weft::LocalExecutor ex;
    return ex.run([&]() -> weft::Task<double> {
        Done d;
        auto t0 = Clock::now();
        ex.spawn(link(ex, depth, d)).detach();
        co_await weft::poll_fn([&](weft::Context& cx) -> weft::Poll<void> {
            if (d.done) return weft::Ready;
            d.waker = cx.waker();
            return weft::Pending;
        });
        co_return since(t0);
    });
}

weft::Task<void> idle() {
    co_await weft::pending<void>();
}

void idle_tasks_memory(long n) {
    weft::LocalExecutor ex;
    long before = status_kb("VmRSS:");
    auto t0 = Clock::now();
    for (long i = 0; i < n; ++i)
        ex.spawn(idle()).detach();
    double spawn_secs = since(t0);
    while (ex.try_tick()) {  // every task runs up to its await and parks
    }
    double ready_secs = since(t0);
    long after = status_kb("VmRSS:");
    if (static_cast<long>(ex.task_count()) != n) std::abort();
    std::printf(
        "bench=idle_tasks_memory impl=weft rt=local wait=pending n=%ld spawn_secs=%.4f "
        "ready_secs=%.4f rss_before_kb=%ld rss_after_kb=%ld rss_per_task_bytes=%.1f\n",
        n, spawn_secs, ready_secs, before, after, (after - before) * 1024.0 / n);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr,
                     "usage: %s spawn_many|yield_many|chained_spawn|idle_tasks_memory [k=v...]\n",
                     argv[0]);
        return 2;
    }
    std::string what = argv[1];
    auto kv = parse(argc, argv);
    if (what == "spawn_many") {
        long n = arg(kv, "n", 1000000), iters = arg(kv, "iters", 5);
        print("spawn_many", "rt=local n=" + std::to_string(n) + " iters=" + std::to_string(iters),
              n, repeat(iters, [&] { return spawn_many(n); }));
    } else if (what == "yield_many") {
        long tasks = arg(kv, "tasks", 200), yields = arg(kv, "yields", 1000),
             iters = arg(kv, "iters", 10);
        print("yield_many",
              "rt=local tasks=" + std::to_string(tasks) + " yields=" + std::to_string(yields) +
                  " iters=" + std::to_string(iters),
              double(tasks) * yields, repeat(iters, [&] { return yield_many(tasks, yields); }));
    } else if (what == "chained_spawn") {
        long depth = arg(kv, "depth", 1000000), iters = arg(kv, "iters", 5);
        print("chained_spawn",
              "rt=local depth=" + std::to_string(depth) + " iters=" + std::to_string(iters), depth,
              repeat(iters, [&] { return chained_spawn(depth); }));
    } else if (what == "idle_tasks_memory") {
        idle_tasks_memory(arg(kv, "n", 1000000));
    } else {
        std::fprintf(stderr, "unknown benchmark %s\n", what.c_str());
        return 2;
    }
    return 0;
}
