// ch16_colored_functions: crossing between synchronous ("blue") and asynchronous ("red") code.
// Sync calls async with block_on (from main, or from a plain thread through a Handle); async
// calls sync with spawn_blocking; a plain thread and a task talk through a channel with
// blocking_send. It also shows the two mistakes: block_on inside a task (weft throws), and a
// blocking call inside a task (weft cannot see it; the other tasks just stall). Run it with no
// arguments.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

// A red function: async, returns a Task.
weft::Task<int> fetch_price(std::string item) {
    co_await weft::time::sleep(5ms);  // stands in for a network round trip
    co_return static_cast<int>(item.size()) * 100;
}

// A blue function: plain, synchronous, and slow (CPU work, or a blocking library call).
std::uint64_t checksum(int rounds) {
    std::uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < rounds; ++i)
        h = (h ^ static_cast<std::uint64_t>(i)) * 1099511628211ull;
    return h;
}

// Plain code that must call async code: a "legacy" callback running on a thread of its own.
// It holds a Handle to the runtime and blocks its own thread (not a worker) on the task.
void legacy_callback(weft::Handle rt) {
    int price = rt.block_on(fetch_price("teapot"));
    std::printf("[plain thread] block_on gave %d\n", price);
}

// WRONG: block_on inside a task. weft refuses: it throws std::logic_error instead of blocking
// the worker thread that has to run the other tasks (and maybe this very future).
weft::Task<void> block_on_inside_a_task() {
    try {
        int price = weft::block_on(fetch_price("kettle"));
        std::printf("unreachable: %d\n", price);
    } catch (const std::logic_error& e) {
        std::printf("block_on in a task threw: %.60s...\n", e.what());
    }
    co_return;
}

// WRONG too, and weft cannot stop it: a blocking call inside a task holds the thread, so
// every other task on it waits. Here a 10 ms timer on the same thread fires about 50 ms late.
weft::Task<void> blocking_call_inside_a_task() {
    auto start = weft::time::Instant::now();
    auto timer = weft::spawn([start]() -> weft::Task<long long> {
        co_await weft::time::sleep(10ms);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(start.elapsed());
        co_return static_cast<long long>(ms.count());
    });
    co_await weft::yield_now();         // let the timer task start its sleep
    std::this_thread::sleep_for(60ms);  // blocks the only thread: nothing else runs
    long long fired = co_await timer;
    std::printf("a 10 ms timer fired after %lld ms: the thread was blocked\n", fired);
}

int main() {
    // 1. Sync -> async, no runtime needed: weft::block_on polls the future on this thread.
    auto quick = []() -> weft::Task<int> { co_return 6 * 7; };
    std::printf("weft::block_on gave %d\n", weft::block_on(quick()));
    // ...but weft::block_on alone is not a runtime: there is no timer or I/O driver here.
    try {
        (void)weft::block_on(fetch_price("mug"));
    } catch (const std::logic_error& e) {
        std::printf("without a runtime, a timer threw: %.48s...\n", e.what());
    }

    // 2. Sync -> async with timers and I/O: a Runtime, and its block_on.
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    int price = rt.block_on(fetch_price("cup"));
    std::printf("Runtime::block_on gave %d\n", price);

    // 3. A plain thread calling into the runtime through a Handle.
    std::thread legacy(legacy_callback, rt.handle());
    legacy.join();

    rt.block_on([]() -> weft::Task<void> {
        // 4. Async -> sync: the slow function runs on the blocking pool, the task waits.
        auto job = weft::spawn_blocking([] { return checksum(5'000'000); });
        std::uint64_t sum = co_await job;
        std::printf("spawn_blocking gave checksum %llx\n", static_cast<unsigned long long>(sum));

        // 5. The mistake weft catches.
        co_await block_on_inside_a_task();
    });

    // 6. A plain thread feeding a task: blocking_send on one side, co_await recv() on the
    //    other. The channel holds 2 values, so the thread waits whenever the task lags.
    auto ch = weft::sync::mpsc::channel<int>(2);
    std::thread producer([tx = std::move(ch.first)] {
        for (int i = 1; i <= 5; ++i)
            (void)tx.blocking_send(i);
    });  // the Sender is destroyed with the thread's lambda: the channel closes
    int total = rt.block_on([&rx = ch.second]() -> weft::Task<int> {
        int sum = 0;
        while (auto v = co_await rx.recv())
            sum += *v;
        co_return sum;
    });
    producer.join();
    std::printf("a task received 1+2+3+4+5 = %d from a plain thread\n", total);

    // 7. The mistake weft cannot catch, shown on a single-threaded runtime.
    weft::Runtime single = weft::RuntimeBuilder::new_current_thread().build();
    single.block_on(blocking_call_inside_a_task());
    return 0;
}
