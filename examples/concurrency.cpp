// Concurrency is not parallelism: ten tasks on one thread each await a 100 ms timer. They wait
// together, so the whole run takes about 100 ms, not 1 s.
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A one-shot timer (a thread per timer, until weft's timer wheel arrives with the runtime).
class Sleep {
  public:
    using Output = void;
    explicit Sleep(std::chrono::milliseconds d) : s_(std::make_shared<State>()) {
        std::thread([s = s_, d] {
            std::this_thread::sleep_for(d);
            std::lock_guard lock(s->mu);
            s->done = true;
            s->waker.wake_by_ref();
        }).detach();
    }
    weft::Poll<void> poll(weft::Context& cx) {
        std::lock_guard lock(s_->mu);
        if (s_->done) return weft::Ready;
        s_->waker = cx.waker();
        return weft::Pending;
    }

  private:
    struct State {
        std::mutex mu;
        bool done = false;
        weft::Waker waker;
    };
    std::shared_ptr<State> s_;
};

weft::Task<int> worker(int id, Clock::time_point start) {
    co_await Sleep(100ms);
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
