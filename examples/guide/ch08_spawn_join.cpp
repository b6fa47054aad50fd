// Chapter 8: tasks and the runtime. Spawning, JoinHandle (await, abort, is_finished, detach),
// an exception in a task, and the two runtime flavours.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

weft::Task<int> slow_square(int x) {
    co_await weft::time::sleep(20ms);
    int square = x * x;
    co_return square;
}

// Prints when destroyed: shows that an aborted task's locals are cleaned up.
struct Noisy {
    const char* what;
    ~Noisy() { std::printf("   ~Noisy: %s\n", what); }
};

weft::Task<void> sleeps_forever() {
    Noisy n{"local of the aborted task"};
    co_await weft::time::sleep(1h);
    std::printf("   never printed\n");
}

weft::Task<int> fails() {
    co_await weft::time::sleep(1ms);
    throw std::runtime_error("disk on fire");
}

std::atomic<int> detached_done{0};

weft::Task<bool> runs_on(std::thread::id thread) {
    for (int i = 0; i < 10; ++i)
        co_await weft::yield_now();
    co_return std::this_thread::get_id() == thread;
}

weft::Task<void> background_job() {
    co_await weft::time::sleep(5ms);
    detached_done.store(1);
}

weft::Task<void> tour() {
    // 1. Spawn three tasks; they run at the same time on the runtime's workers.
    auto start = std::chrono::steady_clock::now();
    std::vector<weft::JoinHandle<int>> handles;
    for (int i = 1; i <= 3; ++i)
        handles.push_back(weft::spawn(slow_square(i)));
    int sum = 0;
    for (auto& h : handles)
        sum += co_await h;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::printf("1. sum of squares %d; 3 x 20 ms tasks took %s 60 ms\n", sum,
                ms < 60ms ? "less than" : "NOT less than");

    // 2. abort() cancels: the task's future is destroyed, awaiting the handle throws JoinError.
    auto forever = weft::spawn(sleeps_forever());
    co_await weft::time::sleep(5ms);
    std::printf("2. is_finished before abort: %s\n", forever.is_finished() ? "yes" : "no");
    forever.abort();
    try {
        co_await forever;
    } catch (const weft::JoinError& e) {
        std::printf("   JoinError: %s\n", e.what());
    }

    // 3. An exception thrown in a task comes out of co_await on its handle, unchanged.
    auto failing = weft::spawn(fails());
    try {
        co_await failing;
    } catch (const std::runtime_error& e) {
        std::printf("3. the task threw: %s\n", e.what());
    }

    // 4. Dropping (or detaching) a handle does not cancel the task: it runs on, unobserved.
    weft::spawn(background_job()).detach();
    co_await weft::time::sleep(50ms);
    std::printf("4. detached task ran anyway: %s\n", detached_done.load() ? "yes" : "no");

    // 5. spawn_local, from a task on a worker: the new task never leaves that worker's thread.
    auto outer = weft::spawn([]() -> weft::Task<bool> {
        auto h = weft::spawn_local(runs_on(std::this_thread::get_id()));
        co_return co_await h;
    });
    std::printf("5. spawn_local task stayed on its worker: %s\n", co_await outer ? "yes" : "no");
}

// WRONG (compiled, never called): weft::block_on drives one future on this thread but starts
// no runtime, so there is nowhere to spawn to and no timer: both throw std::logic_error.
int needs_a_runtime() {
    return weft::block_on(slow_square(3));
}

std::thread::id main_thread;

weft::Task<bool> on_main_thread() {
    co_await weft::yield_now();
    co_return std::this_thread::get_id() == main_thread;
}

int main() {
    // The default runtime: multi-thread, one worker per core. weft::run builds one, runs the
    // future with block_on, and shuts the runtime down.
    weft::run(tour());

    // A configured multi-thread runtime.
    std::atomic<int> started{0};
    weft::Runtime rt = weft::Runtime::builder()
                           .worker_threads(2)
                           .thread_name("guide-worker")
                           .on_thread_start([&started] { started.fetch_add(1); })
                           .build();
    int nine = rt.block_on(slow_square(3));
    std::size_t workers = rt.worker_threads();
    std::move(rt).shutdown_timeout(1s);  // cancels what is left, joins the workers
    std::printf("6. multi-thread: %zu workers (%d started), block_on gave %d\n", workers,
                started.load(), nine);

    // A current-thread runtime: no workers; tasks run inside block_on, on this thread.
    weft::Runtime single = weft::RuntimeBuilder::new_current_thread().build();
    main_thread = std::this_thread::get_id();
    bool here = single.block_on([]() -> weft::Task<bool> {
        auto h = weft::spawn(on_main_thread());
        co_return co_await h;
    });
    std::printf("7. current-thread: %zu workers; spawned task ran on main's thread: %s\n",
                single.worker_threads(), here ? "yes" : "no");

    // weft::block_on alone is enough for futures that need no runtime.
    auto plain = []() -> weft::Task<int> { co_return 7; };
    std::printf("8. plain weft::block_on gave %d\n", weft::block_on(plain()));
    return 0;
}
