// console_demo [ADDR] [SECONDS]: a runtime with a few named tasks doing visibly different
// things, and its console on ADDR (default 127.0.0.1:0, a free port; the builder prints
// `weft console: http://ADDR/` to stderr). Runs for SECONDS (default 60), for
// tests/console/browser_test.py and for trying the page by hand.
//   demo-ticker      wakes every 10 ms
//   demo-cruncher-N  CPU work in slices, yielding between them (keeps the workers busy)
//   demo-waiter      waits on a Notify that nobody notifies (a task stuck in an await)
//   demo-sleeper     sleeps a minute at a time
//   demo-staller     every 3 s blocks its worker for 150 ms (std::this_thread::sleep_for):
//                    what the stall detector reports
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

weft::Task<void> ticker() {
    for (;;)
        co_await weft::time::sleep(10ms);
}

weft::Task<void> cruncher(unsigned seed) {
    volatile unsigned x = seed;
    for (;;) {
        for (int i = 0; i < 20000; ++i)
            x = x * 1664525u + 1013904223u;
        co_await weft::yield_now();
        co_await weft::time::sleep(1ms);
    }
}

weft::Task<void> waiter(std::shared_ptr<weft::sync::Notify> n) {
    co_await n->notified();
}

weft::Task<void> sleeper() {
    for (;;)
        co_await weft::time::sleep(60s);
}

weft::Task<void> staller() {
    for (;;) {
        co_await weft::time::sleep(3s);
        std::this_thread::sleep_for(150ms);  // blocks the worker: a stall
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string addr = argc > 1 ? argv[1] : "127.0.0.1:0";
    int seconds = argc > 2 ? std::atoi(argv[2]) : 60;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).enable_console(addr).build();
    auto never = std::make_shared<weft::sync::Notify>();
    rt.block_on([&]() -> weft::Task<void> {
        weft::task::Builder().name("demo-ticker").spawn(ticker()).detach();
        for (unsigned i = 0; i < 3; ++i)
            weft::task::Builder()
                .name("demo-cruncher-" + std::to_string(i))
                .spawn(cruncher(i))
                .detach();
        weft::task::Builder().name("demo-waiter").spawn(waiter(never)).detach();
        weft::task::Builder().name("demo-sleeper").spawn(sleeper()).detach();
        weft::task::Builder().name("demo-staller").spawn(staller()).detach();
        co_await weft::time::sleep(std::chrono::seconds(seconds));
    });
    return 0;
}
