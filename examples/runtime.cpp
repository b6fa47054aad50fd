// The task pool: many tasks over a few worker threads, work stealing between them, and
// blocking work kept off the workers with spawn_blocking.
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

weft::Task<std::thread::id> step(int rounds) {
    for (int i = 0; i < rounds; ++i)
        co_await weft::yield_now();
    co_return std::this_thread::get_id();
}

int main() {
    weft::Runtime rt =
        weft::Runtime::builder().worker_threads(2).thread_name("demo-worker").build();
    auto t0 = std::chrono::steady_clock::now();
    std::map<std::thread::id, int> per_thread =
        rt.block_on([]() -> weft::Task<std::map<std::thread::id, int>> {
            std::vector<weft::JoinHandle<std::thread::id>> hs;
            for (int i = 0; i < 10000; ++i)
                hs.push_back(weft::spawn(step(10)));
            // A blocking call runs on the blocking pool, not on a worker.
            auto slow = weft::spawn_blocking([] {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                return std::this_thread::get_id();
            });
            std::map<std::thread::id, int> count;
            for (auto& h : hs)
                count[co_await h]++;
            count[co_await slow] += 0;
            co_return count;
        });
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    std::printf("10,000 tasks x 10 yields on %zu workers in %lld ms:\n", rt.worker_threads(),
                static_cast<long long>(ms));
    for (auto [id, n] : per_thread) {
        std::printf("  thread %zu ran %d tasks%s\n", std::hash<std::thread::id>{}(id) % 1000, n,
                    n == 0 ? " (the blocking pool: the 50 ms sleep ran here)" : "");
    }
    return 0;
}
