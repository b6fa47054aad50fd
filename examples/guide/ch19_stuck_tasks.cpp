// Chapter 19: finding a stuck program. Two bugs on purpose: a task that waits for a message
// nobody will send (stuck, but harmless to the others), and a task that spins on the CPU
// without a co_await (it holds its worker). A task dump finds the first; the stall detector
// reports the second. Then the program cleans up and exits 0.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

// Bug 1: the sender exists, but nobody ever calls send(). This await never completes.
weft::Task<int> wait_for_reply(weft::sync::oneshot::Receiver<int> reply) {
    co_return co_await std::move(reply);
}

weft::Task<void> handler(weft::sync::oneshot::Receiver<int> reply) {
    int answer = co_await wait_for_reply(std::move(reply));
    std::printf("never printed: %d\n", answer);
}

// Bug 2: 300 ms of work between two co_awaits. The worker runs nothing else meanwhile.
weft::Task<void> cruncher() {
    co_await weft::yield_now();
    auto until = std::chrono::steady_clock::now() + 300ms;
    volatile std::uint64_t sum = 0;
    while (std::chrono::steady_clock::now() < until)
        sum = sum + 1;  // no co_await in this loop
}

// The stall detector calls this on its own thread; we keep the first report.
std::mutex report_mutex;
std::string first_report;
std::atomic<bool> have_report{false};

void keep_report(const weft::runtime::StallReport& r) {
    std::lock_guard lock(report_mutex);
    if (have_report) return;
    first_report = r.to_string();
    have_report = true;
}

// The report's header, without the native stack (long, and different on every machine).
void print_report_header() {
    std::lock_guard lock(report_mutex);
    std::istringstream lines(first_report);
    std::string line;
    int frames = 0;
    bool in_stack = false;
    while (std::getline(lines, line)) {
        if (in_stack) {
            ++frames;
        } else if (line.find("native stack") != std::string::npos) {
            in_stack = true;
        } else {
            std::printf("%s\n", line.c_str());
        }
    }
    std::printf("  (and %d frames of the worker's native stack)\n", frames);
}

int main(int argc, char** argv) {
    // `--linger`: stay up 60 s after the dump, to look with WEFT_CONSOLE=1 (see the chapter).
    bool linger = argc > 1 && std::string(argv[1]) == "--linger";
    weft::Runtime rt = weft::Runtime::builder()
                           .worker_threads(2)
                           .stall_threshold(50ms)  // default 100 ms
                           .on_stall(keep_report)  // default: print to stderr
                           .build();
    rt.block_on([linger]() -> weft::Task<void> {
        auto [tx, rx] = weft::sync::oneshot::channel<int>();  // tx kept, never used
        auto stuck = weft::task::Builder().name("handler").spawn(handler(std::move(rx)));
        auto busy = weft::task::Builder().name("cruncher").spawn(cruncher());
        co_await weft::time::sleep(100ms);  // let both get where they are going

        weft::runtime::Dump dump = co_await weft::Handle::current().dump();
        std::printf("--- task dump ---\n%s", dump.to_string().c_str());
        if (linger) co_await weft::time::sleep(60s);

        co_await busy;  // the cruncher finishes by itself
        stuck.abort();  // the handler never would: cancel it
        try {
            co_await stuck;
        } catch (const weft::JoinError&) {
            std::printf("--- handler aborted ---\n");
        }
    });
    for (int i = 0; i < 200 && !have_report; ++i)  // the report may land just after
        std::this_thread::sleep_for(10ms);
    std::printf("--- stall report ---\n");
    print_report_header();
    weft::RuntimeMetrics m = rt.metrics();
    std::printf("--- metrics: %zu tasks alive, %llu spawned ---\n", m.num_alive_tasks(),
                static_cast<unsigned long long>(m.spawned_tasks_count()));
    return have_report ? 0 : 1;
}
