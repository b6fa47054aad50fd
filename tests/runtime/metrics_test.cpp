// Handle::metrics() and its exporters: every metric moves as it should with real work, on both
// runtime flavours (a current-thread runtime reports one worker) and both I/O drivers; the
// poll-time histogram stays empty unless enabled; to_prometheus's output is checked line by
// line against the text exposition format, to_json's by a small JSON parser.
//
// Nothing here depends on timing: where a count settles after the work is done (a worker
// records a poll after the task it polled has finished), the test waits for it with a
// generous deadline rather than sleeping a fixed time.

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <numeric>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/net_support.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;

namespace {

weft::Runtime make_runtime(bool current_thread, bool histogram = false) {
    auto b = current_thread ? weft::RuntimeBuilder::new_current_thread()
                            : weft::Runtime::builder().worker_threads(2);
    if (histogram) b.enable_metrics_poll_time_histogram();
    return b.build();
}

std::uint64_t total(const weft::RuntimeMetrics& m,
                    std::uint64_t (weft::RuntimeMetrics::*f)(std::size_t) const noexcept) {
    std::uint64_t n = 0;
    for (std::size_t w = 0; w < m.num_workers(); ++w)
        n += (m.*f)(w);
    return n;
}

// Takes snapshots until `ok(m)` holds (true) or 20 s pass (false).
template <class Ok>
bool eventually(const weft::Handle& h, Ok&& ok) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (ok(h.metrics())) return true;
        std::this_thread::sleep_for(1ms);
    }
    return ok(h.metrics());
}

weft::Task<int> yield_once(int v) {
    co_await weft::yield_now();
    co_return v;
}

class Metrics : public testing::TestWithParam<bool> {  // the parameter: current-thread
  protected:
    bool current() const { return GetParam(); }
};

std::string flavour_name(const testing::TestParamInfo<bool>& info) {
    return info.param ? "current" : "multi";
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Flavours, Metrics, testing::Bool(), flavour_name);

TEST_P(Metrics, AFreshRuntimeReportsItsShape) {
    weft::Runtime rt = make_runtime(current());
    weft::RuntimeMetrics m = rt.handle().metrics();
    EXPECT_EQ(m.num_workers(), current() ? 1u : 2u);
    EXPECT_EQ(m.num_alive_tasks(), 0u);
    EXPECT_EQ(m.spawned_tasks_count(), 0u);
    EXPECT_EQ(m.global_queue_depth(), 0u);
    EXPECT_EQ(m.num_blocking_threads(), 0u);
    EXPECT_EQ(m.blocking_queue_depth(), 0u);
    EXPECT_FALSE(m.poll_time_histogram_enabled());
    for (std::size_t w = 0; w < m.num_workers(); ++w) {
        EXPECT_EQ(m.worker_poll_count(w), 0u);
        EXPECT_EQ(m.worker_steal_count(w), 0u);
        EXPECT_EQ(m.worker_local_queue_depth(w), 0u);
    }
    EXPECT_LE(m.taken_at(), std::chrono::steady_clock::now());
    EXPECT_EQ(rt.metrics().num_workers(), m.num_workers());  // Runtime::metrics, the same
}

TEST_P(Metrics, SpawnedTasksArePolledCountedAndLeave) {
    Watchdog dog;
    weft::Runtime rt = make_runtime(current());
    weft::Handle h = rt.handle();
    constexpr int kTasks = 200;
    int sum = rt.block_on(rt.spawn([]() -> weft::Task<int> {
        std::vector<weft::JoinHandle<int>> hs;
        for (int i = 0; i < kTasks; ++i)
            hs.push_back(weft::spawn(yield_once(i)));
        int s = 0;
        for (auto& jh : hs)
            s += co_await jh;
        co_return s;
    }));
    EXPECT_EQ(sum, kTasks * (kTasks - 1) / 2);
    weft::RuntimeMetrics m = h.metrics();
    EXPECT_EQ(m.spawned_tasks_count(), kTasks + 1u);  // and the body
    // Each task is polled twice (it yields once); the body at least once per join.
    EXPECT_GE(total(m, &weft::RuntimeMetrics::worker_poll_count), 2u * kTasks + 1);
    // Finished tasks leave the registry (just after their JoinHandle sees them finish).
    EXPECT_TRUE(
        eventually(h, [](const weft::RuntimeMetrics& mm) { return mm.num_alive_tasks() == 0; }));
}

TEST_P(Metrics, AliveTasksCountsTasksThatHaveNotFinished) {
    Watchdog dog;
    weft::Runtime rt = make_runtime(current());
    weft::Handle h = rt.handle();
    std::vector<std::shared_ptr<Trigger>> triggers;
    std::vector<weft::JoinHandle<int>> hs;
    for (int i = 0; i < 5; ++i) {
        triggers.push_back(std::make_shared<Trigger>());
        hs.push_back(rt.spawn(TriggerFuture(triggers.back())));
    }
    rt.block_on([&]() -> weft::Task<void> {
        // Let them run up to their await (on a current-thread runtime they run only now).
        for (int i = 0; i < 10; ++i)
            co_await weft::yield_now();
    });
    EXPECT_TRUE(eventually(h, [](const weft::RuntimeMetrics& m) {
        return m.num_alive_tasks() == 5 && m.spawned_tasks_count() == 5;
    }));
    for (auto& t : triggers)
        t->complete(1);
    rt.block_on([&]() -> weft::Task<void> {
        for (auto& jh : hs)
            EXPECT_EQ(co_await jh, 1);
    });
    EXPECT_TRUE(
        eventually(h, [](const weft::RuntimeMetrics& m) { return m.num_alive_tasks() == 0; }));
}

TEST_P(Metrics, AnIdleWorkerParksAndUnparksAndIsNotBusyMeanwhile) {
    Watchdog dog;
    weft::Runtime rt = make_runtime(current());
    weft::Handle h = rt.handle();
    weft::RuntimeMetrics before = h.metrics();
    // A sleep: the worker running it has nothing to do until the deadline, so it parks.
    rt.block_on(rt.spawn([]() -> weft::Task<void> {
        for (int i = 0; i < 3; ++i)
            co_await weft::time::sleep(5ms);
    }));
    weft::RuntimeMetrics after = h.metrics();
    EXPECT_GT(total(after, &weft::RuntimeMetrics::worker_park_count),
              total(before, &weft::RuntimeMetrics::worker_park_count));
    EXPECT_GT(total(after, &weft::RuntimeMetrics::worker_unpark_count),
              total(before, &weft::RuntimeMetrics::worker_unpark_count));
    auto uptime = after.taken_at() - before.taken_at();
    for (std::size_t w = 0; w < after.num_workers(); ++w)
        EXPECT_GE(after.worker_total_busy_duration(w), before.worker_total_busy_duration(w));
    // The workers slept through most of 15 ms of sleeps; at least they were not busy for
    // longer than the time that passed (2 workers: twice that, at most).
    std::chrono::nanoseconds busy{0};
    for (std::size_t w = 0; w < after.num_workers(); ++w)
        busy += after.worker_total_busy_duration(w) - before.worker_total_busy_duration(w);
    EXPECT_LE(busy, uptime * static_cast<long>(after.num_workers()));
}

TEST_P(Metrics, BusyTimeGrowsWhileAWorkerRunsATaskThatNeverParks) {
    Watchdog dog;
    weft::Runtime rt = make_runtime(current());
    weft::Handle h = rt.handle();
    weft::RuntimeMetrics before = h.metrics();
    rt.block_on(rt.spawn([]() -> weft::Task<void> {
        auto until = std::chrono::steady_clock::now() + 20ms;
        while (std::chrono::steady_clock::now() < until) {
        }  // a CPU loop: busy the whole time
        co_return;
    }));
    weft::RuntimeMetrics after = h.metrics();
    std::chrono::nanoseconds busy{0};
    for (std::size_t w = 0; w < after.num_workers(); ++w)
        busy += after.worker_total_busy_duration(w) - before.worker_total_busy_duration(w);
    EXPECT_GE(busy, 20ms);
}

TEST_P(Metrics, TimersAreCountedWhenRegisteredAndWhenFired) {
    Watchdog dog;
    weft::Runtime rt = make_runtime(current());
    weft::Handle h = rt.handle();
    weft::RuntimeMetrics before = h.metrics();
    rt.block_on(rt.spawn([]() -> weft::Task<void> {
        for (int i = 0; i < 3; ++i)
            co_await weft::time::sleep(1ms);
        // A timeout that does not fire: registered, then cancelled.
        auto r = co_await weft::time::timeout(1h, yield_once(7));
        EXPECT_EQ(r.value(), 7);
    }));
    weft::RuntimeMetrics after = h.metrics();
    EXPECT_GE(after.timers_registered_count() - before.timers_registered_count(), 4u);
    EXPECT_GE(after.timers_fired_count() - before.timers_fired_count(), 3u);
    EXPECT_LT(after.timers_fired_count(), after.timers_registered_count());
}

TEST_P(Metrics, BlockingThreadsAndTheirQueueAppear) {
    Watchdog dog;
    auto b = current() ? weft::RuntimeBuilder::new_current_thread()
                       : weft::Runtime::builder().worker_threads(2);
    weft::Runtime rt = b.max_blocking_threads(1).build();
    weft::Handle h = rt.handle();
    std::mutex mu;
    std::unique_lock hold(mu);
    std::atomic<bool> started{false};
    auto first = rt.spawn_blocking([&] {
        started = true;
        std::lock_guard g(mu);  // blocks until the test lets go
        return 1;
    });
    auto second = rt.spawn_blocking([] { return 2; });  // queued: the one thread is busy
    EXPECT_TRUE(eventually(h, [&](const weft::RuntimeMetrics& m) {
        return started && m.num_blocking_threads() == 1 && m.num_idle_blocking_threads() == 0 &&
               m.blocking_queue_depth() == 1;
    }));
    hold.unlock();
    EXPECT_EQ(rt.block_on(std::move(first)), 1);
    EXPECT_EQ(rt.block_on(std::move(second)), 2);
    // The thread stays (keep-alive 10 s), idle.
    EXPECT_TRUE(eventually(h, [](const weft::RuntimeMetrics& m) {
        return m.num_blocking_threads() == 1 && m.num_idle_blocking_threads() == 1 &&
               m.blocking_queue_depth() == 0;
    }));
}

TEST_P(Metrics, PollTimeHistogramIsEmptyUnlessEnabled) {
    Watchdog dog;
    weft::Runtime rt = make_runtime(current());
    rt.block_on(rt.spawn([]() -> weft::Task<void> {
        for (int i = 0; i < 50; ++i)
            co_await weft::spawn(yield_once(i));
    }));
    weft::RuntimeMetrics m = rt.handle().metrics();
    EXPECT_FALSE(m.poll_time_histogram_enabled());
    EXPECT_GT(total(m, &weft::RuntimeMetrics::worker_poll_count), 100u);
    for (std::size_t w = 0; w < m.num_workers(); ++w) {
        for (std::size_t b = 0; b < weft::RuntimeMetrics::poll_time_histogram_num_buckets(); ++b)
            EXPECT_EQ(m.worker_poll_time_histogram_bucket_count(w, b), 0u);
        EXPECT_EQ(m.worker_poll_time_sum(w), 0ns);
    }
    EXPECT_EQ(weft::metrics::to_prometheus(m).find("poll_time"), std::string::npos);
}

TEST_P(Metrics, PollTimeHistogramCountsEveryPollWhenEnabled) {
    Watchdog dog;
    weft::Runtime rt = make_runtime(current(), /*histogram=*/true);
    weft::Handle h = rt.handle();
    rt.block_on(rt.spawn([]() -> weft::Task<void> {
        for (int i = 0; i < 50; ++i)
            co_await weft::spawn(yield_once(i));
        // One long poll, to land in a bucket of its own.
        auto until = std::chrono::steady_clock::now() + 2ms;
        while (std::chrono::steady_clock::now() < until) {
        }
    }));
    // Every poll lands in exactly one bucket (a worker records it just after the poll).
    EXPECT_TRUE(eventually(h, [](const weft::RuntimeMetrics& m) {
        for (std::size_t w = 0; w < m.num_workers(); ++w) {
            std::uint64_t in_buckets = 0;
            for (std::size_t b = 0; b < weft::RuntimeMetrics::poll_time_histogram_num_buckets();
                 ++b)
                in_buckets += m.worker_poll_time_histogram_bucket_count(w, b);
            if (in_buckets != m.worker_poll_count(w)) return false;
        }
        return true;
    }));
    weft::RuntimeMetrics m = h.metrics();
    EXPECT_TRUE(m.poll_time_histogram_enabled());
    EXPECT_GT(total(m, &weft::RuntimeMetrics::worker_poll_count), 100u);
    // The 2 ms poll: in the bucket that holds 2 ms, or a later one (a preempted poll).
    std::size_t b2ms = 0;
    while (weft::RuntimeMetrics::poll_time_histogram_bucket_range(b2ms).second <= 2ms)
        ++b2ms;
    std::uint64_t long_polls = 0;
    std::chrono::nanoseconds sum{0};
    for (std::size_t w = 0; w < m.num_workers(); ++w) {
        for (std::size_t b = b2ms; b < weft::RuntimeMetrics::poll_time_histogram_num_buckets(); ++b)
            long_polls += m.worker_poll_time_histogram_bucket_count(w, b);
        sum += m.worker_poll_time_sum(w);
    }
    EXPECT_GE(long_polls, 1u);
    EXPECT_GE(sum, 2ms);
}

TEST(MetricsHistogram, BucketsAreContiguousAndLogScale) {
    using R = weft::RuntimeMetrics;
    const std::size_t n = R::poll_time_histogram_num_buckets();
    ASSERT_GE(n, 10u);
    EXPECT_EQ(R::poll_time_histogram_bucket_range(0).first, 0ns);
    EXPECT_EQ(R::poll_time_histogram_bucket_range(0).second, 256ns);
    for (std::size_t i = 1; i < n; ++i) {
        EXPECT_EQ(R::poll_time_histogram_bucket_range(i).first,
                  R::poll_time_histogram_bucket_range(i - 1).second);
        if (i + 1 < n) {
            EXPECT_EQ(R::poll_time_histogram_bucket_range(i).second,
                      2 * R::poll_time_histogram_bucket_range(i).first);
        }
    }
    EXPECT_EQ(R::poll_time_histogram_bucket_range(n - 1).second, std::chrono::nanoseconds::max());
    EXPECT_GT(R::poll_time_histogram_bucket_range(n - 1).first, 50ms);
}

TEST(MetricsSteal, AnIdleWorkerStealsFromABusyOne) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    weft::Handle h = rt.handle();
    // One task spawns many from its worker: they queue on that worker. Each blocks its worker
    // until two different threads have run tasks (or 10 s pass), so the first worker cannot
    // run them all itself first: the other one, woken by the spawns, must steal.
    struct Seen {
        std::mutex mu;
        std::set<std::thread::id> threads;
    };
    auto seen = std::make_shared<Seen>();
    rt.block_on(rt.spawn([seen]() -> weft::Task<void> {
        std::vector<weft::JoinHandle<void>> hs;
        for (int i = 0; i < 64; ++i) {
            hs.push_back(weft::spawn([seen]() -> weft::Task<void> {
                {
                    std::lock_guard g(seen->mu);
                    seen->threads.insert(std::this_thread::get_id());
                }
                auto deadline = std::chrono::steady_clock::now() + 10s;
                while (std::chrono::steady_clock::now() < deadline) {
                    {
                        std::lock_guard g(seen->mu);
                        if (seen->threads.size() >= 2) break;
                    }
                    std::this_thread::sleep_for(100us);
                }
                co_return;
            }));
        }
        for (auto& jh : hs)
            co_await jh;
    }));
    EXPECT_EQ(seen->threads.size(), 2u);
    weft::RuntimeMetrics m = h.metrics();
    EXPECT_GE(total(m, &weft::RuntimeMetrics::worker_steal_count), 1u);
    EXPECT_GE(total(m, &weft::RuntimeMetrics::worker_steal_operations), 1u);
    EXPECT_GE(total(m, &weft::RuntimeMetrics::worker_steal_count),
              total(m, &weft::RuntimeMetrics::worker_steal_operations));
    EXPECT_EQ(m.spawned_tasks_count(), 65u);
}

TEST(MetricsOverflow, AFullLocalQueueOverflowsIntoTheGlobalQueue) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    // One worker spawning far more than its queue holds (256) before it yields.
    rt.block_on(rt.spawn([]() -> weft::Task<void> {
        std::vector<weft::JoinHandle<int>> hs;
        for (int i = 0; i < 2000; ++i)
            hs.push_back(weft::spawn(yield_once(i)));
        for (auto& jh : hs)
            co_await jh;
    }));
    weft::RuntimeMetrics m = rt.handle().metrics();
    EXPECT_GE(m.worker_overflow_count(0), 1u);
    EXPECT_EQ(m.worker_steal_count(0), 0u);
}

TEST(MetricsHandle, SnapshotsStillWorkAfterTheRuntimeIsDropped) {
    for (bool current : {true, false}) {
        std::optional<weft::Handle> h;
        {
            weft::Runtime rt = make_runtime(current);
            h = rt.handle();
            rt.block_on(rt.spawn(yield_once(1)));
        }
        weft::RuntimeMetrics m = h->metrics();
        EXPECT_EQ(m.num_alive_tasks(), 0u);
        EXPECT_EQ(m.spawned_tasks_count(), 1u);
        EXPECT_GE(total(m, &weft::RuntimeMetrics::worker_poll_count), 2u);
    }
}

TEST_P(Metrics, SnapshotsFromAnotherThreadWhileTheRuntimeWorksOnlyGrow) {
    Watchdog dog;
    weft::Runtime rt = make_runtime(current(), /*histogram=*/true);
    weft::Handle h = rt.handle();
    std::atomic<bool> stop{false};
    std::atomic<int> snapshots{0};
    std::thread reader([&] {
        weft::RuntimeMetrics prev = h.metrics();
        while (!stop.load()) {
            weft::RuntimeMetrics m = h.metrics();
            (void)weft::metrics::to_prometheus(m);
            EXPECT_GE(m.taken_at(), prev.taken_at());
            EXPECT_GE(m.spawned_tasks_count(), prev.spawned_tasks_count());
            EXPECT_GE(m.timers_fired_count(), prev.timers_fired_count());
            for (std::size_t w = 0; w < m.num_workers(); ++w) {
                EXPECT_GE(m.worker_poll_count(w), prev.worker_poll_count(w));
                EXPECT_GE(m.worker_park_count(w), prev.worker_park_count(w));
                EXPECT_GE(m.worker_total_busy_duration(w), prev.worker_total_busy_duration(w));
                EXPECT_GE(m.worker_poll_time_sum(w), prev.worker_poll_time_sum(w));
            }
            prev = std::move(m);
            ++snapshots;
        }
    });
    rt.block_on(rt.spawn([]() -> weft::Task<void> {
        for (int round = 0; round < 20; ++round) {
            std::vector<weft::JoinHandle<int>> hs;
            for (int i = 0; i < 50; ++i)
                hs.push_back(weft::spawn(yield_once(i)));
            for (auto& jh : hs)
                co_await jh;
            co_await weft::time::sleep(1ms);  // parks
        }
    }));
    // Let the reader take a few while the runtime is idle too.
    for (int base = snapshots.load(); snapshots.load() < base + 5;)
        std::this_thread::sleep_for(1ms);
    stop = true;
    reader.join();
}

// ---- I/O: both drivers, both flavours ----

class MetricsIo : public testing::TestWithParam<IoParam> {};
INSTANTIATE_TEST_SUITE_P(Drivers, MetricsIo, all_io_params(), io_param_name);

TEST_P(MetricsIo, ReadyEventsRiseAfterATcpRoundTrip) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    weft::Handle h = rt.handle();
    std::uint64_t before = h.metrics().io_driver_ready_count();
    rt.block_on([]() -> weft::Task<void> {
        auto l = weft::net::TcpListener::bind(weft::net::SocketAddr::localhost(0));
        auto server = weft::spawn([&l]() -> weft::Task<void> {
            auto [s, peer] = co_await l.accept();
            co_await echo(std::move(s));
        });
        auto c = co_await weft::net::TcpStream::connect(l.local_addr());
        co_await c.write_all(std::string_view("ping"));
        char buf[4];
        co_await c.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, 4), "ping");
        c.shutdown(weft::net::Shutdown::Write);
        co_await server;
    });
    EXPECT_GT(h.metrics().io_driver_ready_count(), before);
}

// ---- the exporters ----

namespace {

// Checks `text` against the Prometheus text exposition format (0.0.4), line by line; returns
// the samples by "name{labels}".
std::map<std::string, std::string> check_prometheus(const std::string& text) {
    static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
    static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
    static const std::regex sample(
        R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? ([0-9]+(\.[0-9]+)?|\+Inf))");
    std::map<std::string, std::string> types, samples;
    std::string helped;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    EXPECT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    while (std::getline(in, line)) {
        ++n;
        SCOPED_TRACE("line " + std::to_string(n) + ": " + line);
        std::smatch mt;
        if (std::regex_match(line, mt, help)) {
            EXPECT_EQ(types.count(mt[1]), 0u) << "HELP after the family's TYPE";
            helped = mt[1];
        } else if (std::regex_match(line, mt, type)) {
            EXPECT_EQ(helped, mt[1]) << "TYPE without its HELP just before";
            EXPECT_EQ(types.count(mt[1]), 0u) << "family declared twice";
            types[mt[1]] = mt[2];
        } else if (std::regex_match(line, mt, sample)) {
            std::string name = mt[1];
            std::string family = name;
            for (const char* suffix : {"_bucket", "_sum", "_count"}) {
                std::string s = suffix;
                if (name.size() > s.size() && name.ends_with(s) &&
                    types.count(name.substr(0, name.size() - s.size())) &&
                    types[name.substr(0, name.size() - s.size())] == "histogram")
                    family = name.substr(0, name.size() - s.size());
            }
            EXPECT_EQ(types.count(family), 1u) << "sample before its TYPE";
            EXPECT_EQ(family, helped) << "sample outside its family's group";
            std::string key = name + mt[2].str();
            EXPECT_EQ(samples.count(key), 0u) << "duplicate series";
            samples[key] = mt[5];
        } else {
            ADD_FAILURE() << "not a valid exposition line";
        }
    }
    return samples;
}

// A minimal JSON parser: returns whether `s` is one valid JSON value (and nothing else).
struct Json {
    const std::string& s;
    std::size_t i = 0;
    void ws() {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
            ++i;
    }
    bool lit(const char* l) {
        std::string_view v(l);
        if (s.compare(i, v.size(), v) != 0) return false;
        i += v.size();
        return true;
    }
    bool str() {
        if (s[i] != '"') return false;
        for (++i; i < s.size(); ++i) {
            if (s[i] == '\\') {
                ++i;
            } else if (s[i] == '"') {
                ++i;
                return true;
            }
        }
        return false;
    }
    bool num() {
        std::size_t b = i;
        if (i < s.size() && s[i] == '-') ++i;
        while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                                s[i] == 'e' || s[i] == 'E' || s[i] == '+' || s[i] == '-'))
            ++i;
        return i > b;
    }
    bool value() {
        ws();
        if (i >= s.size()) return false;
        bool ok;
        if (s[i] == '{') {
            ++i;
            ws();
            if (s[i] == '}') {
                ++i;
                return true;
            }
            for (;;) {
                ws();
                if (!str()) return false;
                ws();
                if (s[i++] != ':') return false;
                if (!value()) return false;
                ws();
                if (s[i] == ',') {
                    ++i;
                    continue;
                }
                return s[i++] == '}';
            }
        } else if (s[i] == '[') {
            ++i;
            ws();
            if (s[i] == ']') {
                ++i;
                return true;
            }
            for (;;) {
                if (!value()) return false;
                ws();
                if (s[i] == ',') {
                    ++i;
                    continue;
                }
                return s[i++] == ']';
            }
        } else if (s[i] == '"') {
            ok = str();
        } else if (s[i] == 't') {
            ok = lit("true");
        } else if (s[i] == 'f') {
            ok = lit("false");
        } else if (s[i] == 'n') {
            ok = lit("null");
        } else {
            ok = num();
        }
        return ok;
    }
    bool whole() {
        bool ok = value();
        ws();
        return ok && i == s.size();
    }
};

std::size_t count_of(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1))
        ++n;
    return n;
}

// A snapshot with every kind of metric moved a little.
weft::RuntimeMetrics busy_snapshot(weft::Runtime& rt) {
    rt.block_on(rt.spawn([]() -> weft::Task<void> {
        for (int i = 0; i < 20; ++i)
            co_await weft::spawn(yield_once(i));
        co_await weft::time::sleep(1ms);
    }));
    (void)rt.block_on(rt.spawn_blocking([] { return 0; }));
    return rt.handle().metrics();
}

}  // namespace

TEST_P(Metrics, PrometheusOutputIsValidExpositionFormat) {
    Watchdog dog;
    for (bool histogram : {false, true}) {
        SCOPED_TRACE(histogram ? "histogram" : "no histogram");
        weft::Runtime rt = make_runtime(current(), histogram);
        weft::RuntimeMetrics m = busy_snapshot(rt);
        std::string text = weft::metrics::to_prometheus(m);
        auto samples = check_prometheus(text);
        EXPECT_EQ(samples["weft_workers"], std::to_string(m.num_workers()));
        EXPECT_EQ(samples["weft_spawned_tasks_total"], std::to_string(m.spawned_tasks_count()));
        EXPECT_EQ(samples["weft_timers_fired_total"], std::to_string(m.timers_fired_count()));
        EXPECT_EQ(samples["weft_blocking_threads"], std::to_string(m.num_blocking_threads()));
        for (std::size_t w = 0; w < m.num_workers(); ++w) {
            std::string label = "{worker=\"" + std::to_string(w) + "\"}";
            EXPECT_EQ(samples["weft_worker_polls_total" + label],
                      std::to_string(m.worker_poll_count(w)));
            for (const char* f :
                 {"weft_worker_steals_total", "weft_worker_steal_operations_total",
                  "weft_worker_parks_total", "weft_worker_unparks_total", "weft_worker_noops_total",
                  "weft_worker_overflows_total", "weft_worker_busy_seconds_total",
                  "weft_worker_local_queue_depth"})
                EXPECT_EQ(samples.count(f + label), 1u) << f;
            // Busy seconds: exactly the nanoseconds of the snapshot.
            auto busy = m.worker_total_busy_duration(w).count();
            char buf[64];
            std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(busy / 1000000000),
                          static_cast<long long>(busy % 1000000000));
            EXPECT_EQ(samples["weft_worker_busy_seconds_total" + label], buf);
        }
        EXPECT_EQ(count_of(text, "weft_worker_polls_total{"), m.num_workers());
        if (!histogram) {
            EXPECT_EQ(text.find("weft_worker_poll_time_seconds"), std::string::npos);
            continue;
        }
        EXPECT_NE(text.find("# TYPE weft_worker_poll_time_seconds histogram\n"), std::string::npos);
        for (std::size_t w = 0; w < m.num_workers(); ++w) {
            std::string ws = "worker=\"" + std::to_string(w) + "\"";
            // Cumulative buckets, +Inf equal to _count equal to the polls.
            std::uint64_t prev = 0;
            std::size_t buckets = 0;
            for (const auto& [key, value] : samples) {
                if (!key.starts_with("weft_worker_poll_time_seconds_bucket{" + ws + ",le="))
                    continue;
                ++buckets;
            }
            EXPECT_EQ(buckets, weft::RuntimeMetrics::poll_time_histogram_num_buckets());
            for (std::size_t b = 0; b + 1 < weft::RuntimeMetrics::poll_time_histogram_num_buckets();
                 ++b) {
                auto ns = weft::RuntimeMetrics::poll_time_histogram_bucket_range(b).second.count();
                char le[64];
                std::snprintf(le, sizeof le, "%lld.%09lld", static_cast<long long>(ns / 1000000000),
                              static_cast<long long>(ns % 1000000000));
                std::string key =
                    "weft_worker_poll_time_seconds_bucket{" + ws + ",le=\"" + le + "\"}";
                ASSERT_EQ(samples.count(key), 1u) << key;
                std::uint64_t v = std::stoull(samples[key]);
                EXPECT_GE(v, prev);
                prev = v;
            }
            std::string inf =
                samples["weft_worker_poll_time_seconds_bucket{" + ws + ",le=\"+Inf\"}"];
            EXPECT_GE(std::stoull(inf), prev);
            EXPECT_EQ(inf, samples["weft_worker_poll_time_seconds_count{" + ws + "}"]);
            EXPECT_EQ(samples.count("weft_worker_poll_time_seconds_sum{" + ws + "}"), 1u);
        }
    }
}

TEST_P(Metrics, JsonOutputIsValidAndFlat) {
    Watchdog dog;
    for (bool histogram : {false, true}) {
        SCOPED_TRACE(histogram ? "histogram" : "no histogram");
        weft::Runtime rt = make_runtime(current(), histogram);
        weft::RuntimeMetrics m = busy_snapshot(rt);
        std::string j = weft::metrics::to_json(m);
        Json parser{j};
        EXPECT_TRUE(parser.whole()) << j;
        EXPECT_TRUE(j.starts_with("{\"workers\":" + std::to_string(m.num_workers()) + ",")) << j;
        for (const char* k :
             {"\"alive_tasks\":", "\"spawned_tasks\":", "\"global_queue_depth\":",
              "\"blocking_threads\":", "\"idle_blocking_threads\":", "\"blocking_queue_depth\":",
              "\"io_driver_ready_events\":", "\"timers_registered\":", "\"timers_fired\":",
              "\"poll_time_histogram\":", "\"per_worker\":["})
            EXPECT_EQ(count_of(j, k), 1u) << k;
        for (const char* k :
             {"\"polls\":", "\"steals\":", "\"steal_operations\":", "\"parks\":", "\"unparks\":",
              "\"noops\":", "\"overflows\":", "\"busy_ns\":", "\"local_queue_depth\":"})
            EXPECT_EQ(count_of(j, k), m.num_workers()) << k;
        EXPECT_EQ(count_of(j, "\"poll_time_buckets\":"), histogram ? m.num_workers() : 0u);
        EXPECT_NE(j.find("\"polls\":" + std::to_string(m.worker_poll_count(0)) + ","),
                  std::string::npos);
        EXPECT_NE(j.find(histogram ? "\"enabled\":true" : "\"enabled\":false"), std::string::npos);
    }
}
