// Concurrency is not parallelism: ten tasks on one thread each await a 100 ms timer. They wait
// together, so the whole run takes about 100 ms, not 1 s.
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "timer_future.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

weft::Task<int> worker(int id, Clock::time_point start) {
    co_await TimerFuture(100ms);  // a thread per timer, until the runtime has timers
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    std::printf("task %d woke at %3lld ms on thread %zu\n", id, static_cast<long long>(ms),
                std::hash<std::thread::id>{}(std::this_thread::get_id()) % 1000);
    co_return id;
}

int main() {
    weft::LocalExecutor ex;
    auto start = Clock::now();
    int sum = ex.run([&]() -> weft::Task<int> {
        std::vector<weft::JoinHandle<int>> handles;
        for (int i = 0; i < 10; ++i)
            handles.push_back(ex.spawn(worker(i, start)));
        int s = 0;
        for (auto& h : handles)
            s += co_await h;
        co_return s;
    });
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    std::printf("10 tasks x 100 ms on one thread: %lld ms in total (sum of ids %d)\n",
                static_cast<long long>(ms), sum);
    return ms < 1000 ? 0 : 1;
}
