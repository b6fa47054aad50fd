// weft's multi-threaded Runtime benchmarks, in the peers' one-line format, mirroring Tokio's
// `rt=multi` programs: the benchmark body runs as a spawned task (so its spawns go to a
// worker's local queue), except spawn_many with from=block_on (spawns from outside the pool).
//
//   runtime_bench spawn_many workers=2 n=1000000 from=task|block_on [iters=5]
//   runtime_bench yield_many workers=2 tasks=200 yields=1000 [iters=10]
//   runtime_bench chained_spawn workers=2 depth=1000000 [iters=5]
//   runtime_bench ping_pong workers=2 pairs=1000 rounds=1000 chan=mpsc|oneshot [iters=1]
//
// rt=current (instead of the default rt=multi) runs any of them on the current-thread flavour.

#include <atomic>
#include <mutex>

#include "bench_runtime.hpp"
#include "bench_util.hpp"
#include "ping_pong.hpp"
#include "weft/weft.hpp"

namespace {

using namespace bench;

weft::Task<int> trivial() {
    co_return 1;
}

weft::Task<double> spawn_many_body(long n) {
    auto t0 = Clock::now();
    std::vector<weft::JoinHandle<int>> hs;
    hs.reserve(n);
    for (long i = 0; i < n; ++i)
        hs.push_back(weft::spawn(trivial()));
    long sum = 0;
    for (auto& h : hs)
        sum += co_await h;
    if (sum != n) std::abort();
    co_return since(t0);
}

weft::Task<void> yielder(long yields) {
    for (long i = 0; i < yields; ++i)
        co_await weft::yield_now();
}

weft::Task<double> yield_many_body(long tasks, long yields) {
    auto t0 = Clock::now();
    std::vector<weft::JoinHandle<void>> hs;
    for (long i = 0; i < tasks; ++i)
        hs.push_back(weft::spawn(yielder(yields)));
    for (auto& h : hs)
        co_await h;
    co_return since(t0);
}

// Completed by the last link of the chain, from whichever worker runs it.
struct Done {
    std::mutex mu;
    bool done = false;
    weft::Waker waker;
    void set() {
        std::lock_guard g(mu);
        done = true;
        waker.wake_by_ref();
    }
};

weft::Task<void> link(long left, Done& d) {
    if (left == 0) {
        d.set();
    } else {
        weft::spawn(link(left - 1, d)).detach();
    }
    co_return;
}

weft::Task<double> chained_spawn_body(long depth) {
    Done d;
    auto t0 = Clock::now();
    weft::spawn(link(depth, d)).detach();
    co_await weft::poll_fn([&](weft::Context& cx) -> weft::Poll<void> {
        std::lock_guard g(d.mu);
        if (d.done) return weft::Ready;
        d.waker = cx.waker();
        return weft::Pending;
    });
    co_return since(t0);
}

}  // namespace

int main(int argc, char** argv) {
    RuntimeArgs args(argc, argv, "spawn_many|yield_many|chained_spawn|ping_pong");
    const std::string& what = args.what;
    auto& kv = args.kv;
    auto& rt = args.br.rt;  // references, not bindings: clang 14 cannot capture bindings
    auto& rtp = args.br.params;
    if (what == "spawn_many") {
        long n = arg(kv, "n", 1000000), iters = arg(kv, "iters", 5);
        auto fi = kv.find("from");
        std::string from = fi == kv.end() ? "task" : fi->second;
        auto t = repeat(iters, [&] {
            if (from == "block_on") return rt.block_on(spawn_many_body(n));
            return rt.block_on(rt.spawn(spawn_many_body(n)));
        });
        print("spawn_many",
              rtp + " from=" + from + " n=" + std::to_string(n) + " iters=" + std::to_string(iters),
              n, t);
    } else if (what == "yield_many") {
        long tasks = arg(kv, "tasks", 200), yields = arg(kv, "yields", 1000),
             iters = arg(kv, "iters", 10);
        auto t =
            repeat(iters, [&] { return rt.block_on(rt.spawn(yield_many_body(tasks, yields))); });
        print("yield_many",
              rtp + " tasks=" + std::to_string(tasks) + " yields=" + std::to_string(yields) +
                  " iters=" + std::to_string(iters),
              double(tasks) * yields, t);
    } else if (what == "chained_spawn") {
        long depth = arg(kv, "depth", 1000000), iters = arg(kv, "iters", 5);
        auto t = repeat(iters, [&] { return rt.block_on(rt.spawn(chained_spawn_body(depth))); });
        print("chained_spawn",
              rtp + " depth=" + std::to_string(depth) + " iters=" + std::to_string(iters), depth,
              t);
    } else if (what == "ping_pong") {
        long pairs = arg(kv, "pairs", 1000), rounds = arg(kv, "rounds", 1000),
             iters = arg(kv, "iters", 1);
        std::string chan = kv.count("chan") ? kv["chan"] : "mpsc";
        if (chan != "mpsc" && chan != "oneshot") {
            std::fprintf(stderr, "chan must be mpsc or oneshot\n");
            return 2;
        }
        auto t = repeat(iters, [&] {
            return rt.block_on(rt.spawn(bench::ping_pong::body(pairs, rounds, chan == "oneshot")));
        });
        print("ping_pong",
              rtp + " pairs=" + std::to_string(pairs) + " rounds=" + std::to_string(rounds) +
                  " chan=" + chan + " iters=" + std::to_string(iters),
              double(pairs) * rounds, t);
    } else {
        std::fprintf(stderr, "unknown benchmark %s\n", what.c_str());
        return 2;
    }
    return 0;
}
