// Chapter 2: the same three dishes, cooked first by one cook (a current-thread runtime:
// concurrent, not parallel) and then by two cooks (a multi-thread runtime with two workers:
// concurrent and parallel). Each line says which thread ran which step.
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

using Clock = std::chrono::steady_clock;

// Gives each thread a small number, in the order the threads first show up: thread 0 is main.
int thread_number() {
    static std::mutex m;
    static std::map<std::thread::id, int> numbers;
    std::lock_guard<std::mutex> lock(m);
    auto [it, inserted] = numbers.try_emplace(std::this_thread::get_id(), int(numbers.size()));
    return it->second;
}

// Hands-on work: the cook is busy for `d` and cannot do anything else meanwhile.
void chop_for(std::chrono::milliseconds d) {
    auto end = Clock::now() + d;
    while (Clock::now() < end) {
    }
}

weft::Task<void> cook(std::string dish, Clock::time_point start) {
    for (int step = 1; step <= 2; ++step) {
        chop_for(std::chrono::milliseconds(20));  // work: keeps this thread busy
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        std::printf("  %3lld ms  thread %d  %-6s step %d done\n",
                    static_cast<long long>(ms.count()), thread_number(), dish.c_str(), step);
        co_await weft::time::sleep(std::chrono::milliseconds(30));  // simmering: a wait
    }
}

weft::Task<void> dinner() {
    auto start = Clock::now();
    std::vector<weft::JoinHandle<void>> handles;
    for (const char* dish : {"soup", "rice", "salad"})
        handles.push_back(weft::spawn(cook(dish, start)));
    for (auto& h : handles)
        co_await h;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    std::printf("  dinner ready after %lld ms  (printed by dinner() on thread %d)\n",
                static_cast<long long>(ms.count()), thread_number());
}

int main() {
    thread_number();  // main is thread 0
    {
        std::printf("one cook (current-thread runtime):\n");
        weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
        rt.block_on(dinner());
    }
    {
        std::printf("two cooks (multi-thread runtime, 2 workers):\n");
        weft::Runtime rt = weft::RuntimeBuilder::new_multi_thread().worker_threads(2).build();
        rt.block_on(dinner());
    }
    return 0;
}
