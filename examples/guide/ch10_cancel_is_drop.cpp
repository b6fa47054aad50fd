// Chapter 10: cancelling a future is destroying it. A task holding a guard object is cancelled
// three ways (a select that another branch wins, a timeout, JoinHandle::abort), and each time
// the guard's destructor runs at the await where the task stopped.
#include <chrono>
#include <cstdio>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

// An RAII guard: it says when it is created and when it is destroyed.
struct Guard {
    const char* name;
    explicit Guard(const char* n) : name(n) { std::printf("  [%s] guard acquired\n", name); }
    ~Guard() { std::printf("  [%s] guard released (destructor ran)\n", name); }
};

// A slow job: it holds a guard, then waits far longer than anyone will let it.
weft::Task<int> slow_job(const char* name) {
    Guard guard(name);
    co_await weft::time::sleep(10s);  // it is cancelled while suspended here
    std::printf("  [%s] finished (never printed)\n", name);
    co_return 42;
}

weft::Task<void> async_main() {
    std::printf("1. select: a 50 ms sleep races the job\n");
    auto r = co_await weft::select(slow_job("select"), weft::time::sleep(50ms));
    std::printf("  select returned: branch %zu won\n", r.index());

    std::printf("2. timeout: the job gets 50 ms\n");
    auto t = co_await weft::time::timeout(50ms, slow_job("timeout"));
    std::printf("  timeout returned: %s\n", t.is_elapsed() ? "elapsed" : "a value");

    std::printf("3. abort: the job is spawned, then aborted\n");
    weft::JoinHandle<int> handle = weft::spawn(slow_job("spawned"));
    co_await weft::time::sleep(50ms);  // let it start and reach its sleep
    handle.abort();
    try {
        int v = co_await handle;
        std::printf("  the task returned %d\n", v);
    } catch (const weft::JoinError& e) {
        std::printf("  awaiting the handle threw JoinError: %s\n", e.what());
    }
}

int main() {
    auto rt = weft::RuntimeBuilder::new_current_thread().build();
    rt.block_on(async_main());
}
