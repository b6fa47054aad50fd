// Chapter 9: combining futures. Pretend "fetches" (a sleep standing in for network latency)
// combined with join, try_join, select and timeout, then bounded with for_each_concurrent, a
// Semaphore, and an Interval.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Prints a line if the fetch is destroyed before it finished: that is what cancellation is.
struct CancelReporter {
    std::string url;
    bool finished = false;
    ~CancelReporter() {
        if (!finished) std::printf("   (fetch %s cancelled)\n", url.c_str());
    }
};

weft::Task<std::string> fetch(std::string url, std::chrono::milliseconds latency) {
    CancelReporter report{url};
    co_await weft::time::sleep(latency);
    report.finished = true;
    if (url == "bad") throw std::runtime_error("404 for " + url);
    co_return "<" + url + ">";
}

long ms_since(Clock::time_point start) {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

weft::Task<void> one_at_a_time() {
    auto start = Clock::now();
    std::string a = co_await fetch("a", 30ms);
    std::string b = co_await fetch("b", 20ms);
    std::string c = co_await fetch("c", 10ms);
    std::printf("1. one at a time: %s %s %s (%s)\n", a.c_str(), b.c_str(), c.c_str(),
                ms_since(start) >= 60 ? "60 ms or more" : "?");
}

weft::Task<void> all_at_once() {
    auto start = Clock::now();
    auto [a, b, c] = co_await weft::join(fetch("a", 30ms), fetch("b", 20ms), fetch("c", 10ms));
    std::printf("2. join:          %s %s %s (%s)\n", a.c_str(), b.c_str(), c.c_str(),
                ms_since(start) < 60 ? "under 60 ms" : "60 ms or more");
}

weft::Task<void> first_error_wins() {
    try {
        auto [slow, bad] = co_await weft::try_join(fetch("slow", 1s), fetch("bad", 10ms));
        std::printf("   never printed: %s %s\n", slow.c_str(), bad.c_str());
    } catch (const std::runtime_error& e) {
        std::printf("3. try_join failed: %s\n", e.what());
    }
}

weft::Task<void> fastest_mirror() {
    auto r = co_await weft::select(fetch("mirror-1", 40ms), fetch("mirror-2", 15ms));
    std::printf("4. select: mirror-%zu won with %s\n", r.index() + 1,
                r.index() == 0 ? std::get<0>(r).c_str() : std::get<1>(r).c_str());
}

weft::Task<void> with_deadline() {
    auto r = co_await weft::time::timeout(20ms, fetch("slow", 1s));
    if (r.is_elapsed()) std::printf("5. timeout: gave up after 20 ms\n");
}

// Counts how many fetches run at the same moment.
struct InFlight {
    int now = 0;
    int max = 0;
    void enter() { max = std::max(max, ++now); }
    void leave() { --now; }
};

weft::Task<void> bounded_stream() {
    std::vector<std::string> urls{"u1", "u2", "u3", "u4", "u5", "u6"};
    InFlight count;
    auto get_one = [&count](std::string url) -> weft::Task<void> {
        count.enter();
        co_await fetch(std::move(url), 10ms);
        count.leave();
    };
    co_await weft::stream::for_each_concurrent(weft::stream::iter(std::move(urls)), 2, get_one);
    std::printf("6. for_each_concurrent(2): 6 fetches, at most %d at once\n", count.max);
}

weft::Task<void> fetch_with_permit(std::shared_ptr<weft::sync::Semaphore> limit,
                                   std::shared_ptr<std::atomic<int>> in_flight,
                                   std::shared_ptr<std::atomic<int>> max_seen, std::string url) {
    auto permit = co_await weft::sync::Semaphore::acquire_owned(limit);
    int now = in_flight->fetch_add(1) + 1;
    int seen = max_seen->load();
    while (now > seen && !max_seen->compare_exchange_weak(seen, now)) {
    }
    co_await fetch(std::move(url), 10ms);
    in_flight->fetch_sub(1);
}  // `permit` is destroyed here, at the end of the body: the permit goes back

weft::Task<void> bounded_spawns() {
    auto limit = std::make_shared<weft::sync::Semaphore>(3);
    auto in_flight = std::make_shared<std::atomic<int>>(0);
    auto max_seen = std::make_shared<std::atomic<int>>(0);
    std::vector<weft::JoinHandle<void>> handles;
    for (int i = 0; i < 9; ++i)
        handles.push_back(
            weft::spawn(fetch_with_permit(limit, in_flight, max_seen, "job" + std::to_string(i))));
    for (auto& h : handles)
        co_await h;
    std::printf("7. Semaphore(3): 9 spawned fetches, at most %d at once\n", max_seen->load());
}

weft::Task<void> throttled() {
    auto start = Clock::now();
    auto every = weft::time::interval(10ms);
    for (int i = 0; i < 4; ++i) {
        co_await every.tick();  // the first tick completes at once
        co_await fetch("t" + std::to_string(i), 1ms);
    }
    std::printf("8. interval: 4 fetches, one per 10 ms tick (%s)\n",
                ms_since(start) >= 30 ? "30 ms or more" : "?");
}

weft::Task<void> async_main() {
    co_await one_at_a_time();
    co_await all_at_once();
    co_await first_error_wins();
    co_await fastest_mirror();
    co_await with_deadline();
    co_await bounded_stream();
    co_await bounded_spawns();
    co_await throttled();
}

int main() {
    weft::run(async_main());
    return 0;
}
