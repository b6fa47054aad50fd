// The chat example's server (examples/chat.hpp) over real sockets on both drivers: every line
// reaches every other client exactly once, a client that stops reading is disconnected
// without holding the others back, and an overlong line ends only its sender's session.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "chat.hpp"  // examples/
#include "support/net_support.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;

namespace {

class Chat : public testing::TestWithParam<IoParam> {};

// Waits (sleeping 1 ms at a time, up to 20 s) until `done()`; false if it never was.
template <class Pred>
weft::Task<bool> eventually(Pred done) {
    auto give_up = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > give_up) co_return false;
        co_await weft::time::sleep(1ms);
    }
    co_return true;
}

// Reads lines until end of stream (or an error), counting those from other users.
weft::Task<void> count_user_lines(TcpStream& s, std::atomic<std::size_t>& lines,
                                  std::vector<std::string>* keep = nullptr) {
    weft::io::BufReader r(s.split().first);
    std::string line;
    try {
        for (;;) {
            line.clear();
            if (co_await r.read_line(line) == 0) co_return;
            if (line.rfind("user ", 0) == 0) {
                if (keep) keep->push_back(line);
                lines++;
            }
        }
    } catch (const std::system_error&) {  // a reset ends the count too
    }
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Drivers, Chat, all_io_params(), io_param_name);

TEST_P(Chat, EveryLineReachesEveryOtherClientOnce) {
    Watchdog dog(60s);
    ChatRoom room;  // outlives the runtime, whose sessions refer to it
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        constexpr int kClients = 4, kLines = 50;
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto server = weft::spawn(chat_server(room, l, kClients));
        std::vector<TcpStream> clients;
        for (int c = 0; c < kClients; ++c)
            clients.push_back(co_await TcpStream::connect(l.local_addr()));
        EXPECT_TRUE(co_await eventually([&] { return room.members() == kClients; }));
        std::vector<std::atomic<std::size_t>> got(kClients);
        std::vector<std::vector<std::string>> kept(kClients);
        std::vector<weft::JoinHandle<void>> readers;
        for (int c = 0; c < kClients; ++c)
            readers.push_back(weft::spawn(count_user_lines(clients[c], got[c], &kept[c])));
        for (int i = 0; i < kLines; ++i) {
            for (int c = 0; c < kClients; ++c) {
                std::string msg =
                    "message " + std::to_string(i) + " from " + std::to_string(c) + "\n";
                co_await clients[c].write_all(msg);
            }
        }
        constexpr std::size_t kExpect = (kClients - 1) * kLines;
        EXPECT_TRUE(co_await eventually([&] {
            for (auto& g : got)
                if (g < kExpect) return false;
            return true;
        }));
        for (auto& c : clients)
            c.shutdown(weft::net::Shutdown::Write);
        for (auto& r : readers)
            co_await r;
        for (int c = 0; c < kClients; ++c) {
            EXPECT_EQ(got[c].load(), kExpect) << "client " << c;
            // A client never receives its own lines.
            for (const std::string& line : kept[c])
                EXPECT_EQ(line.find("from " + std::to_string(c) + "\r"), std::string::npos) << line;
        }
        co_await server;
        EXPECT_TRUE(co_await eventually([&] { return room.members() == 0; }));
    });
}

TEST_P(Chat, AClientThatStopsReadingIsDroppedWithoutStallingTheOthers) {
    Watchdog dog(120s);
    ChatRoom room(256);
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        constexpr int kFast = 3;
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto server = weft::spawn(chat_server(room, l, kFast + 2));
        // The slow client: a small receive buffer, and it never reads.
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int small = 4096;
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        SocketAddr at = l.local_addr();
        EXPECT_EQ(::connect(fd, at.as_sockaddr(), at.sockaddr_len()), 0);
        TcpStream slow = TcpStream::from_fd(fd);
        TcpStream sender = co_await TcpStream::connect(at);
        std::vector<TcpStream> fast;
        for (int c = 0; c < kFast; ++c)
            fast.push_back(co_await TcpStream::connect(at));
        EXPECT_TRUE(co_await eventually([&] { return room.members() == kFast + 2; }));
        std::vector<std::atomic<std::size_t>> got(kFast);
        std::vector<weft::JoinHandle<void>> readers;
        for (int c = 0; c < kFast; ++c)
            readers.push_back(weft::spawn(count_user_lines(fast[c], got[c])));
        // Lines of ~1 KB, 50 at a time; after each batch every fast client has all of them.
        const std::string body(1000, 'x');
        std::size_t sent = 0, sent_when_dropped = 0;
        for (int batch = 0; batch < 200; ++batch) {
            std::string lines;
            for (int i = 0; i < 50; ++i)
                lines += body + "\n";
            co_await sender.write_all(lines);
            sent += 50;
            bool kept_up = co_await eventually([&] {
                for (auto& g : got)
                    if (g < sent) return false;
                return true;
            });
            EXPECT_TRUE(kept_up) << "fast clients stalled at " << sent << " lines";
            if (!kept_up) break;
            if (sent_when_dropped == 0 && room.disconnected_too_slow() > 0)
                sent_when_dropped = sent;
            if (sent_when_dropped != 0 && sent >= sent_when_dropped + 500) break;
        }
        EXPECT_EQ(room.disconnected_too_slow(), 1u) << "the reader that stopped was not dropped";
        EXPECT_NE(sent_when_dropped, 0u);
        std::printf("slow client dropped after %zu lines; fast clients kept up with all %zu\n",
                    sent_when_dropped, sent);
        // The slow client's connection ends (after what was buffered for it).
        std::atomic<std::size_t> drained{0};
        co_await count_user_lines(slow, drained);
        EXPECT_LT(drained.load(), sent);
        sender.shutdown(weft::net::Shutdown::Write);
        for (auto& c : fast)
            c.shutdown(weft::net::Shutdown::Write);
        for (auto& r : readers)
            co_await r;
        co_await server;
    });
}

TEST_P(Chat, AnOverlongLineEndsOnlyItsSendersSession) {
    Watchdog dog(60s);
    ChatRoom room;
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto server = weft::spawn(chat_server(room, l, 2));
        TcpStream bad = co_await TcpStream::connect(l.local_addr());
        TcpStream good = co_await TcpStream::connect(l.local_addr());
        EXPECT_TRUE(co_await eventually([&] { return room.members() == 2; }));
        co_await bad.write_all(std::string(3 * kMaxChatLine, 'z'));  // no newline
        bad.shutdown(weft::net::Shutdown::Write);
        std::string reply;
        co_await weft::io::read_to_string(bad, reply);
        EXPECT_NE(reply.find("* line too long; goodbye\r\n"), std::string::npos) << reply;
        EXPECT_TRUE(co_await eventually([&] { return room.members() == 1; }));
        // The other client is still served: it sees the leave notice.
        weft::io::BufReader r(good.split().first);
        std::string line;
        bool saw_leave = false;
        // (No co_await inside a short-circuit condition: GCC 12 evaluates it regardless.)
        for (;;) {
            std::size_t n = co_await r.read_line(line);
            if (n == 0) break;
            if (line.find("left") != std::string::npos) {
                saw_leave = true;
                break;
            }
            line.clear();
        }
        EXPECT_TRUE(saw_leave);
        co_await server;
    });
}
