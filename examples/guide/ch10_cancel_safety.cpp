// Chapter 10: cancel safety. A select loop that also does periodic work (a heartbeat) drops
// the losing branch's future every time round. That is harmless for a channel's recv(), and
// loses data for read_exact, which had already taken bytes out of the pipe. The fix keeps the
// half-done read alive outside the loop.
#include <chrono>
#include <cstdio>
#include <span>
#include <string>
#include <system_error>

#include "weft/weft.hpp"

using namespace std::chrono_literals;
namespace mpsc = weft::sync::mpsc;

// Part 1: recv() in a select loop. recv is cancel safe: a dropped recv took nothing.
weft::Task<void> produce(mpsc::Sender<int> tx) {
    for (int i = 1; i <= 4; ++i) {
        co_await weft::time::sleep(30ms);
        (void)co_await tx.send(i);
    }
}  // tx goes here, which ends the receiver's stream

weft::Task<void> recv_loop() {
    auto [tx, rx] = mpsc::channel<int>(8);
    weft::spawn(produce(std::move(tx))).detach();
    int heartbeats = 0;
    for (;;) {
        auto r = co_await weft::select(rx.recv(), weft::time::sleep(20ms));
        if (r.index() == 1) {
            ++heartbeats;  // the recv future was dropped: nothing was lost
            continue;
        }
        std::optional<int> msg = std::get<0>(std::move(r));
        if (!msg) break;  // every sender is gone
        std::printf("  got message %d\n", *msg);
    }
    std::printf("  recv loop: all 4 messages arrived, %d heartbeats\n", heartbeats);
}

// The writer for parts 2 and 3: two 4-byte frames, each sent as two halves 30 ms apart.
weft::Task<void> slow_writer(weft::io::DuplexStream w) {
    for (const char* half : {"AA", "AA", "BB", "BB"}) {
        co_await weft::time::sleep(30ms);
        co_await weft::io::write_all(w, std::string(half));
    }
    co_await weft::io::shutdown(w);
}

// Part 2 (the bug): read_exact inside the select loop. When the heartbeat wins after read_exact
// has taken the first half of a frame, those bytes are dropped with the future.
weft::Task<void> lossy_loop() {
    auto [client, server] = weft::io::duplex(1024);
    weft::spawn(slow_writer(std::move(client))).detach();
    int frames = 0;
    int heartbeats = 0;
    try {
        while (frames < 2) {
            std::string frame(4, '.');
            auto r = co_await weft::select(weft::io::read_exact(server, std::span(frame)),
                                           weft::time::sleep(20ms));
            if (r.index() == 1) {
                ++heartbeats;  // read_exact was dropped, with the bytes it had read
                continue;
            }
            ++frames;
            std::printf("  frame \"%s\"\n", frame.c_str());
        }
    } catch (const std::system_error& e) {
        std::printf("  error: %s\n", e.what());  // the writer finished; the bytes are gone
    }
    std::printf("  lossy loop: %d of 2 frames after %d heartbeats\n", frames, heartbeats);
}

// Part 3 (the fix): the frame read is a Task that lives outside the loop. The select only
// borrows it (poll_fn polls it in place), so losing the race leaves it half done, not dropped.
weft::Task<std::string> read_frame(weft::io::DuplexStream& r) {
    std::string frame(4, '.');
    co_await weft::io::read_exact(r, std::span(frame));
    co_return frame;
}

weft::Task<void> fixed_loop() {
    auto [client, server] = weft::io::duplex(1024);
    weft::spawn(slow_writer(std::move(client))).detach();
    int frames = 0;
    int heartbeats = 0;
    weft::Task<std::string> next_frame = read_frame(server);  // survives every iteration
    while (frames < 2) {
        auto borrow = weft::poll_fn([&](weft::Context& cx) { return next_frame.poll(cx); });
        auto r = co_await weft::select(borrow, weft::time::sleep(20ms));
        if (r.index() == 1) {
            ++heartbeats;  // only the borrow was dropped; the read keeps its bytes
            continue;
        }
        ++frames;
        std::printf("  frame \"%s\"\n", std::get<0>(r).c_str());
        next_frame = read_frame(server);  // start reading the next frame
    }
    std::printf("  fixed loop: %d of 2 frames after %d heartbeats\n", frames, heartbeats);
}

int main() {
    auto rt = weft::RuntimeBuilder::new_current_thread().start_paused(true).build();
    rt.block_on([]() -> weft::Task<void> {
        std::printf("1. recv() in a select loop\n");
        co_await recv_loop();
        std::printf("2. read_exact() in a select loop\n");
        co_await lossy_loop();
        std::printf("3. the read kept outside the loop\n");
        co_await fixed_loop();
    });
}
