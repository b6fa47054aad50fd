// Chapter 12: streams from channels and timers, and StreamMap, which merges a changing set of
// streams under keys. A chat client follows two rooms, joins a third, and leaves one.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "weft/weft.hpp"

using namespace std::chrono_literals;
namespace stream = weft::stream;
namespace mpsc = weft::sync::mpsc;

// A room: sends `count` messages, `gap` apart, then closes (its Sender goes).
weft::Task<void> room(mpsc::Sender<std::string> tx, std::string name, int count,
                      std::chrono::milliseconds gap) {
    for (int i = 1; i <= count; ++i) {
        co_await weft::time::sleep(gap);
        std::string msg = name + " message " + std::to_string(i);
        if (!co_await tx.send(std::move(msg))) co_return;  // nobody listens any more
    }
}

// Opens a room: a channel, a task that talks into it, and the receiver as a stream.
stream::ReceiverStream<std::string> open_room(std::string name, int count,
                                              std::chrono::milliseconds gap) {
    auto [tx, rx] = mpsc::channel<std::string>(4);
    weft::spawn(room(std::move(tx), std::move(name), count, gap)).detach();
    return stream::ReceiverStream<std::string>(std::move(rx));
}

weft::Task<void> async_main() {
    std::printf("1. a timer as a stream: three ticks, numbered\n");
    auto start = weft::time::Instant::now();
    auto ticks =
        stream::IntervalStream(weft::time::interval(25ms)) | stream::take(3) | stream::enumerate();
    while (auto t = co_await stream::next(ticks)) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t->second - start);
        std::printf("  tick %zu at %lld ms\n", t->first, static_cast<long long>(ms.count()));
    }

    std::printf("2. StreamMap: many channels as one stream of (key, item)\n");
    stream::StreamMap<std::string, stream::ReceiverStream<std::string>> rooms;
    rooms.insert("lobby", open_room("lobby", 3, 30ms));
    rooms.insert("dev", open_room("dev", 10, 20ms));
    int seen = 0;
    while (auto m = co_await stream::next(rooms)) {
        std::printf("  [%s] %s\n", m->first.c_str(), m->second.c_str());
        if (++seen == 2) {
            rooms.insert("ops", open_room("ops", 1, 5ms));  // join a room
            std::printf("  -- joined ops\n");
        }
        if (seen == 5) {
            rooms.remove("dev");  // leave a room: its receiver is dropped
            std::printf("  -- left dev\n");
        }
    }
    std::printf("  every room has ended or been left: the map is empty\n");
}

int main() {
    auto rt = weft::RuntimeBuilder::new_current_thread().start_paused(true).build();
    rt.block_on(async_main());
}
