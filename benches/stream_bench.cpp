// weft's stream and JoinSet benchmarks, in the peers' one-line format, beside
// benches/peers/tokio_stream (tokio-stream-bench: async-stream, futures' buffer_unordered,
// tokio::task::JoinSet). Every benchmark body runs as a spawned task.
//
//   stream_bench generator n=10000000
//   stream_bench buffer_unordered n=1000000 limit=64 [fut=ready|task]
//   stream_bench join_set n=1000000
//
// Each takes rt=local (LocalExecutor), rt=current (current-thread Runtime) or rt=multi
// workers=2 (the default), and iters=K (K runs in one process; the line shows the median).
// The workloads, identical in the Tokio peer (benches/peers/tokio_stream/README.md):
// - generator: an `AsyncStream<int>` whose body is `for (i = 0; i < n; ++i) co_yield i;`,
//   consumed in the same task by `while (auto v = co_await next(s))`. Rate: items/s.
// - buffer_unordered: `iter(0..n) | map(f) | buffer_unordered(limit)`, consumed to the end,
//   where f(i) is a future ready at once with i (a long): `weft::ready(i)` (fut=ready, the
//   default; a plain future like Rust's `async move { i }`), or a `Task<long>` coroutine that
//   does `co_return i` (fut=task, one more heap frame per item). Rate: futures/s.
// - join_set: spawn n tasks (task i does `co_return i`) into one `JoinSet<long>`, then
//   `join_next` until it is empty. Rate: tasks/s.
// Count and sum are checked: a wrong one aborts (non-zero exit status).

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_runtime.hpp"
#include "bench_util.hpp"
#include "weft/weft.hpp"

namespace {

using namespace bench;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "stream_bench: %s\n", what);
    std::exit(1);
}

// 0 + 1 + ... + (n - 1).
long triangle(long n) {
    return n * (n - 1) / 2;
}

struct CountSum {
    long count = 0, sum = 0;
};

// Drains `s` in the calling task, counting and summing its items.
template <weft::stream::Stream S>
weft::Task<CountSum> drain(S& s) {
    CountSum cs;
    while (auto v = co_await weft::stream::next(s)) {
        ++cs.count;
        cs.sum += *v;
    }
    co_return cs;
}

void check(const char* what, CountSum cs, long n) {
    if (cs.count != n || cs.sum != triangle(n)) fail(what);
}

// ---- generator ----

weft::AsyncStream<int> count_up(int n) {
    for (int i = 0; i < n; ++i)
        co_yield i;
}

weft::Task<double> generator_body(int n) {
    auto t0 = Clock::now();
    auto s = count_up(n);
    CountSum cs = co_await drain(s);
    double secs = since(t0);
    check("generator: wrong count or sum", cs, n);
    co_return secs;
}

// ---- buffer_unordered ----

// The buffer_unordered and join_set items are `long`, as Rust's are `i64`. (They were `long`
// first because `int` outputs made GCC 12 -O3 report a -Wmaybe-uninitialized false positive in
// FuturesUnordered::poll_next_impl; that function now builds its end-of-stream in place, and
// this file compiles with `int` too.)
weft::Task<long> ready_task(long i) {
    co_return i;
}

// 0..n, as a plain input range: clang 14 cannot check libstdc++ 12's views (std::views::iota)
// against the range concepts (docs/model.md).
struct Count {
    struct iterator {
        using value_type = long;
        using difference_type = std::ptrdiff_t;
        long i = 0;
        long operator*() const { return i; }
        iterator& operator++() {
            ++i;
            return *this;
        }
        void operator++(int) { ++i; }
        bool operator==(const iterator&) const = default;
    };
    long n;
    iterator begin() const { return {0}; }
    iterator end() const { return {n}; }
};

// iter(0..n) | map(f) | buffer_unordered(limit), drained.
template <class F>
weft::Task<CountSum> buffered_futures(long n, std::size_t limit, F f) {
    auto s = weft::stream::iter(Count{n}) | weft::stream::map(std::move(f)) |
             weft::stream::buffer_unordered(limit);
    co_return co_await drain(s);
}

weft::Task<double> buffer_unordered_body(long n, long limit, bool task) {
    auto t0 = Clock::now();
    auto lim = static_cast<std::size_t>(limit);
    CountSum cs;
    if (task) {
        cs = co_await buffered_futures(n, lim, &ready_task);
    } else {
        auto ready = [](long i) { return weft::ready(i); };
        cs = co_await buffered_futures(n, lim, ready);
    }
    double secs = since(t0);
    check("buffer_unordered: wrong count or sum", cs, n);
    co_return secs;
}

// ---- join_set ----

weft::Task<long> trivial(long i) {
    co_return i;
}

weft::Task<double> join_set_body(long n) {
    auto t0 = Clock::now();
    weft::JoinSet<long> set;
    for (long i = 0; i < n; ++i)
        set.spawn(trivial(i));
    CountSum cs;
    while (auto v = co_await set.join_next()) {
        ++cs.count;
        cs.sum += *v;
    }
    double secs = since(t0);
    check("join_set: wrong count or sum", cs, n);
    co_return secs;
}

}  // namespace

int main(int argc, char** argv) {
    BenchArgs args(argc, argv, "generator|buffer_unordered|join_set");
    const std::string& what = args.what;
    const auto& kv = args.kv;
    BenchRt& rt = args.rt;
    long iters = args.iters;
    const std::string& its = args.its;
    if (what == "generator") {
        int n = static_cast<int>(arg(kv, "n", 10000000));
        auto t = repeat(iters, [&] { return rt.run([&] { return generator_body(n); }); });
        print("generator", rt.params() + " n=" + std::to_string(n) + its, double(n), t);
    } else if (what == "buffer_unordered") {
        long n = arg(kv, "n", 1000000);
        long limit = arg(kv, "limit", 64);
        std::string fut = str(kv, "fut", "ready");
        if (limit < 1) fail("limit must be >= 1");
        if (fut != "ready" && fut != "task") fail("fut must be ready or task");
        auto t = repeat(iters, [&] {
            return rt.run([&] { return buffer_unordered_body(n, limit, fut == "task"); });
        });
        print("buffer_unordered",
              rt.params() + " limit=" + std::to_string(limit) + " n=" + std::to_string(n) +
                  " fut=" + fut + its,
              double(n), t);
    } else if (what == "join_set") {
        long n = arg(kv, "n", 1000000);
        auto t = repeat(iters, [&] { return rt.run([&] { return join_set_body(n); }); });
        print("join_set", rt.params() + " n=" + std::to_string(n) + its, double(n), t);
    } else {
        std::fprintf(stderr, "unknown benchmark %s\n", what.c_str());
        return 2;
    }
    return 0;
}
