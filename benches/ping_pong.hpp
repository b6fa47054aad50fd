#pragma once
// The ping_pong workload shared by runtime_bench and sync_bench (Tokio's program).

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench_util.hpp"
#include "weft/weft.hpp"

namespace bench::ping_pong {

namespace mpsc = weft::sync::mpsc;
namespace oneshot = weft::sync::oneshot;

[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "ping_pong: %s\n", what);
    std::exit(1);
}

// ping_pong, as Tokio's: `pairs` pinger/ponger pairs, `rounds` round trips each. chan=mpsc: two
// bounded(1) mpsc channels per pair; chan=oneshot: the pinger sends a fresh oneshot sender over a
// bounded(1) mpsc each round and the ponger answers on it.
inline weft::Task<void> ponger_mpsc(mpsc::Receiver<long> ping_rx, mpsc::Sender<long> pong_tx) {
    while (auto v = co_await ping_rx.recv()) {
        if (!(co_await pong_tx.send(*v)).ok()) break;
    }
}
inline weft::Task<void> pinger_mpsc(mpsc::Sender<long> ping_tx, mpsc::Receiver<long> pong_rx,
                                    long rounds) {
    for (long r = 0; r < rounds; ++r) {
        if (!(co_await ping_tx.send(r)).ok()) fail("ponger gone");
        auto v = co_await pong_rx.recv();
        if (!v || *v != r) fail("wrong reply");
    }
}
inline weft::Task<void> ponger_oneshot(mpsc::Receiver<oneshot::Sender<long>> rx) {
    long i = 0;
    while (auto reply = co_await rx.recv())
        (void)std::move(*reply).send(i++);
}
inline weft::Task<void> pinger_oneshot(mpsc::Sender<oneshot::Sender<long>> tx, long rounds) {
    for (long r = 0; r < rounds; ++r) {
        auto [otx, orx] = oneshot::channel<long>();
        if (!(co_await tx.send(std::move(otx))).ok()) fail("ponger gone");
        if (co_await orx != r) fail("wrong reply");
    }
}

inline weft::Task<double> body(long pairs, long rounds, bool use_oneshot) {
    auto t0 = bench::Clock::now();
    std::vector<weft::JoinHandle<void>> pingers;
    pingers.reserve(static_cast<std::size_t>(pairs));
    for (long p = 0; p < pairs; ++p) {
        if (use_oneshot) {
            auto [tx, rx] = mpsc::channel<oneshot::Sender<long>>(1);
            weft::spawn(ponger_oneshot(std::move(rx))).detach();
            pingers.push_back(weft::spawn(pinger_oneshot(std::move(tx), rounds)));
        } else {
            auto [ping_tx, ping_rx] = mpsc::channel<long>(1);
            auto [pong_tx, pong_rx] = mpsc::channel<long>(1);
            weft::spawn(ponger_mpsc(std::move(ping_rx), std::move(pong_tx))).detach();
            pingers.push_back(
                weft::spawn(pinger_mpsc(std::move(ping_tx), std::move(pong_rx), rounds)));
        }
    }
    for (auto& h : pingers)
        co_await h;
    co_return bench::since(t0);
}

}  // namespace bench::ping_pong
