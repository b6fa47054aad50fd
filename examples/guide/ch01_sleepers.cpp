// Chapter 1: ten thousand tasks each wait 100 ms, on one thread. They wait at the same time,
// so the whole program takes about 100 ms, not 10,000 x 100 ms.
#include <chrono>
#include <cstdio>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

weft::Task<int> wait_a_bit(int id) {
    co_await weft::time::sleep(100ms);  // the task is put aside here; the thread moves on
    co_return id;
}

weft::Task<long> spawn_them_all(int count) {
    std::vector<weft::JoinHandle<int>> handles;
    for (int i = 0; i < count; ++i)
        handles.push_back(weft::spawn(wait_a_bit(i)));
    long sum = 0;
    for (auto& h : handles)
        sum += co_await h;
    co_return sum;
}

int main() {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    auto start = std::chrono::steady_clock::now();
    long sum = rt.block_on(spawn_them_all(10'000));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    std::printf("10000 tasks slept 100 ms each, on 1 thread, in %lld ms (sum of ids %ld)\n",
                static_cast<long long>(ms), sum);
    return sum == 10'000L * 9'999 / 2 ? 0 : 1;
}
