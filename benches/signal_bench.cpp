// weft's signal benchmark, in the peers' one-line format:
//
//   signal_bench signal_recv workers=2 n=100000 [iters=5] [from=task|thread]
//       one task raises SIGUSR1 and awaits Signal::recv, n times: deliveries per second.
//       from=task (the default) raises it on the task's own thread, so the receive finds the
//       handler's flag at once; from=thread has a helper thread raise it while the task is
//       parked, so each delivery goes through the I/O driver (the eventfd) and a wake-up, and
//       each round trip includes waking the helper.
//
// rt=current (instead of the default rt=multi) runs it on the current-thread flavour.

#include <signal.h>

#include <atomic>
#include <semaphore>
#include <thread>

#include "bench_runtime.hpp"
#include "bench_util.hpp"
#include "weft/weft.hpp"

namespace {

using namespace bench;

weft::Task<double> recv_body(long n, bool from_thread) {
    auto sig = weft::signal::signal(weft::signal::SignalKind::user_defined1());
    // from=thread: the helper sleeps on the semaphore (a spinning helper would take a core
    // from the runtime on a 2-core machine) and raises once per release.
    std::counting_semaphore<> ask(0);
    std::atomic<bool> stop{false};
    std::thread helper;
    if (from_thread) {
        helper = std::thread([&] {
            for (;;) {
                ask.acquire();
                if (stop.load(std::memory_order_relaxed)) return;
                ::raise(SIGUSR1);
            }
        });
    }
    auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) {
        if (from_thread) {
            ask.release();
        } else {
            ::raise(SIGUSR1);
        }
        bool got = co_await sig.recv();
        if (!got) break;
    }
    double secs = since(t0);
    if (helper.joinable()) {
        stop = true;
        ask.release();
        helper.join();
    }
    co_return secs;
}

}  // namespace

int main(int argc, char** argv) {
    RuntimeArgs args(argc, argv, "signal_recv");
    const std::string& what = args.what;
    auto& kv = args.kv;
    auto& rt = args.br.rt;  // references, not bindings: clang 14 cannot capture bindings
    auto& rtp = args.br.params;
    if (what == "signal_recv") {
        long n = arg(kv, "n", 100000), iters = arg(kv, "iters", 5);
        auto from = kv.count("from") ? kv["from"] : std::string("task");
        bool from_thread = from == "thread";
        auto t = repeat(iters, [&] { return rt.block_on(rt.spawn(recv_body(n, from_thread))); });
        print(what.c_str(),
              rtp + " from=" + from + " n=" + std::to_string(n) + " iters=" + std::to_string(iters),
              static_cast<double>(n), t);
        return 0;
    }
    std::fprintf(stderr, "unknown benchmark %s\n", what.c_str());
    return 2;
}
