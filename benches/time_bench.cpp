// weft's timer benchmarks, in the peers' one-line format, mirroring `tokio-bench timers`
// (../shared/peers/tokio) and benches/peers/tokio_time:
//
//   time_bench timers workers=2 n=1000000 min_ms=1 max_ms=100 [seed=42]
//       n tasks each sleep a pseudo-random whole number of ms in [min_ms, max_ms] (Tokio's
//       xorshift and seed); wall time from the first spawn to the last completion, peak RSS
//       (VmHWM), and how late the sleeps completed (overshoot p50/p99/max, in ms).
//   time_bench timeouts workers=2 n=10000000 [iters=5]
//       one task awaits n timeouts around futures that are already ready.
//   time_bench timeouts_pending workers=2 n=1000000 [iters=5]
//       one task creates n timeouts around a pending future, polls each once (registering its
//       timer) and drops it (cancelling the timer).
//
// rt=current (instead of the default rt=multi) runs them on the current-thread flavour.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>

#include "bench_runtime.hpp"
#include "bench_util.hpp"
#include "weft/weft.hpp"

namespace {

using namespace bench;
using namespace std::chrono_literals;

// Tokio's benchmark generator (util.rs), so that both draw the same sleeps.
struct XorShift {
    std::uint64_t s;
    explicit XorShift(std::uint64_t seed) : s(seed == 0 ? 1 : seed) {}
    std::uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1Dull;
    }
};

// Overshoot histogram in 0.1 ms buckets up to 5 s (the last bucket takes the rest).
struct Overshoot {
    static constexpr std::size_t kBuckets = 50001;
    std::array<std::atomic<std::uint32_t>, kBuckets> buckets{};
    std::atomic<std::int64_t> max_ns{0};
    std::atomic<std::int64_t> early{0};

    void record(std::int64_t ns) {
        if (ns < 0) early.fetch_add(1, std::memory_order_relaxed);
        std::size_t b = ns <= 0 ? 0 : std::min<std::size_t>(ns / 100000, kBuckets - 1);
        buckets[b].fetch_add(1, std::memory_order_relaxed);
        std::int64_t m = max_ns.load(std::memory_order_relaxed);
        while (ns > m && !max_ns.compare_exchange_weak(m, ns, std::memory_order_relaxed)) {
        }
    }
    double percentile_ms(double p, long n) const {
        long want = static_cast<long>(p * static_cast<double>(n)), seen = 0;
        for (std::size_t b = 0; b < kBuckets; ++b) {
            seen += buckets[b].load(std::memory_order_relaxed);
            if (seen > want) return static_cast<double>(b + 1) / 10.0;  // bucket's upper edge
        }
        return static_cast<double>(kBuckets) / 10.0;
    }
};

weft::Task<void> sleeper(std::int64_t ms, Overshoot& o) {
    auto d = std::chrono::milliseconds(ms);
    auto deadline = weft::time::Instant::now() + d;
    co_await weft::time::sleep_until(deadline);
    o.record((weft::time::Instant::now() - deadline).count());
}

struct TimersResult {
    double spawn_secs, total_secs;
};

weft::Task<TimersResult> timers_body(long n, long min_ms, long max_ms, std::uint64_t seed,
                                     Overshoot& o) {
    XorShift rng(seed);
    std::vector<weft::JoinHandle<void>> hs;
    hs.reserve(static_cast<std::size_t>(n));
    auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) {
        auto ms =
            static_cast<std::int64_t>(static_cast<std::uint64_t>(min_ms) +
                                      rng.next() % static_cast<std::uint64_t>(max_ms - min_ms + 1));
        hs.push_back(weft::spawn(sleeper(ms, o)));
    }
    double spawned = since(t0);
    for (auto& h : hs)
        co_await h;
    co_return TimersResult{spawned, since(t0)};
}

weft::Task<double> timeouts_body(long n) {
    auto t0 = Clock::now();
    long sum = 0;
    for (long i = 0; i < n; ++i) {
        auto r = co_await weft::time::timeout(1s, weft::ready(i));
        sum += *r;
    }
    if (sum != n * (n - 1) / 2) std::abort();
    co_return since(t0);
}

weft::Task<double> timeouts_pending_body(long n) {
    weft::Context cx(weft::Waker::noop());
    auto t0 = Clock::now();
    long pending = 0;
    for (long i = 0; i < n; ++i) {
        auto t = weft::time::timeout(10s, weft::pending<void>());
        pending += t.poll(cx).is_pending();
    }
    if (pending != n) std::abort();
    co_return since(t0);
}

}  // namespace

int main(int argc, char** argv) {
    RuntimeArgs args(argc, argv, "timers|timeouts|timeouts_pending");
    const std::string& what = args.what;
    auto& kv = args.kv;
    auto& rt = args.br.rt;  // references, not bindings: clang 14 cannot capture bindings
    auto& rtp = args.br.params;
    if (what == "timers") {
        long n = arg(kv, "n", 1000000), min_ms = arg(kv, "min_ms", 1),
             max_ms = arg(kv, "max_ms", 100), seed = arg(kv, "seed", 42);
        if (max_ms < min_ms || min_ms < 0) {
            std::fprintf(stderr, "need 0 <= min_ms <= max_ms\n");
            return 2;
        }
        auto o = std::make_unique<Overshoot>();
        long rss_before = status_kb("VmRSS:");
        auto r = rt.block_on(
            rt.spawn(timers_body(n, min_ms, max_ms, static_cast<std::uint64_t>(seed), *o)));
        long peak = status_kb("VmHWM:");
        std::size_t fut_bytes = sizeof(weft::time::Sleep);
        std::printf(
            "bench=timers impl=weft %s n=%ld min_ms=%ld max_ms=%ld sleep_bytes=%zu "
            "spawn_secs=%.4f total_secs=%.4f per_sec=%.3e rss_before_kb=%ld peak_rss_kb=%ld "
            "peak_rss_per_task_bytes=%.1f overshoot_p50_ms=%.1f overshoot_p99_ms=%.1f "
            "overshoot_max_ms=%.2f early=%lld\n",
            rtp.c_str(), n, min_ms, max_ms, fut_bytes, r.spawn_secs, r.total_secs,
            static_cast<double>(n) / r.total_secs, rss_before, peak,
            static_cast<double>(peak - rss_before) * 1024.0 / static_cast<double>(n),
            o->percentile_ms(0.5, n), o->percentile_ms(0.99, n),
            static_cast<double>(o->max_ns.load()) / 1e6, static_cast<long long>(o->early.load()));
        return o->early.load() == 0 ? 0 : 1;
    }
    if (what == "timeouts" || what == "timeouts_pending") {
        bool pending = what == "timeouts_pending";
        long n = arg(kv, "n", pending ? 1000000 : 10000000), iters = arg(kv, "iters", 5);
        auto t = repeat(iters, [&] {
            return rt.block_on(rt.spawn(pending ? timeouts_pending_body(n) : timeouts_body(n)));
        });
        print(what.c_str(), rtp + " n=" + std::to_string(n) + " iters=" + std::to_string(iters),
              static_cast<double>(n), t);
        return 0;
    }
    std::fprintf(stderr, "unknown benchmark %s\n", what.c_str());
    return 2;
}
