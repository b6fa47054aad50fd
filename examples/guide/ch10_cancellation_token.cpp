// Chapter 10: cancelling many tasks at once. Three workers loop over steps of work; each step
// is raced against token.cancelled(). The main task cancels the token once: every worker's
// select wakes, destroys the unfinished step (its guard's destructor runs), and the worker
// leaves its loop and returns normally, so awaiting its JoinHandle gives its result.
#include <chrono>
#include <cstdio>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

// Says when a step is destroyed before it finished: that is the cancelled step's cleanup.
struct StepGuard {
    int worker;
    int step;
    bool finished = false;
    ~StepGuard() {
        if (!finished) std::printf("  worker %d: step %d cancelled half way\n", worker, step);
    }
};

// One step of work: it takes 30, 40 or 70 ms depending on the worker.
weft::Task<void> work_step(int worker, int step, std::chrono::milliseconds length) {
    StepGuard guard{worker, step};
    co_await weft::time::sleep(length);
    guard.finished = true;
}

// A worker: runs steps until the token is cancelled, then returns how many it finished.
weft::Task<int> worker(int id, std::chrono::milliseconds length,
                       weft::sync::CancellationToken token) {
    int done = 0;
    for (;;) {
        auto r = co_await weft::select(token.cancelled(), work_step(id, done + 1, length));
        if (r.index() == 0) break;  // cancelled: the unfinished step was destroyed
        ++done;
    }
    std::printf("  worker %d: stopped cleanly (steps finished: %d)\n", id, done);
    co_return done;
}

weft::Task<void> async_main() {
    weft::sync::CancellationToken token;  // copies share one "cancelled" flag
    std::vector<weft::JoinHandle<int>> workers;
    workers.push_back(weft::spawn(worker(1, 30ms, token)));
    workers.push_back(weft::spawn(worker(2, 40ms, token)));
    workers.push_back(weft::spawn(worker(3, 70ms, token)));

    co_await weft::time::sleep(100ms);
    std::printf("main: cancelling the token at 100 ms\n");
    token.cancel();  // wakes every task waiting in token.cancelled()

    int total = 0;
    for (auto& w : workers)
        total += co_await w;  // each worker returns normally: no JoinError
    std::printf("main: all 3 workers stopped, %d steps finished in all\n", total);
}

int main() {
    // A paused clock (see time.md): the run is instant and its output always the same.
    auto rt = weft::RuntimeBuilder::new_current_thread().start_paused(true).build();
    rt.block_on(async_main());
}
