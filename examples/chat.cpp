// chat: a line-based chat server; each line a client sends goes to every other client, and a
// client that stops reading is disconnected instead of stalling the room. With no argument
// it runs a demo on 127.0.0.1: three clients talk, then one stops reading while another
// floods the room. `chat PORT` serves forever (try two `nc 127.0.0.1 PORT` side by side).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "chat.hpp"

using weft::net::SocketAddr;
using weft::net::TcpStream;

namespace {

// Reads lines from `s` and prints them under `name` until `count` chat lines have arrived
// (the room's "* user N joined" notices are skipped: sessions start in any order).
weft::Task<void> print_lines(const char* name, TcpStream& s, int count) {
    weft::io::BufReader r(s.split().first);
    std::string line;
    for (int i = 0; i < count;) {
        line.clear();
        if (co_await r.read_line(line) == 0) co_return;
        if (line.front() == '*') continue;
        std::printf("  %s sees: %s", name, line.c_str());
        ++i;
    }
}

}  // namespace

int main(int argc, char** argv) {
    ChatRoom room(256);  // outlives the runtime: the sessions refer to it
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    if (argc > 1) {
        auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
        rt.block_on([&]() -> weft::Task<void> {
            auto l = weft::net::TcpListener::bind(SocketAddr::localhost(port));
            std::printf("chat server on %s\n", l.local_addr().to_string().c_str());
            co_await chat_server(room, l, 0);
        });
        return 0;
    }
    bool ok = rt.block_on([&]() -> weft::Task<bool> {
        auto l = weft::net::TcpListener::bind(SocketAddr::localhost(0));
        auto server = weft::spawn(chat_server(room, l, 3));  // the demo's three clients
        TcpStream alice = co_await TcpStream::connect(l.local_addr());
        TcpStream bob = co_await TcpStream::connect(l.local_addr());
        TcpStream carol = co_await TcpStream::connect(l.local_addr());
        while (room.members() < 3)
            co_await weft::time::sleep(std::chrono::milliseconds(1));
        co_await alice.write_all(std::string_view("hello from alice\n"));
        co_await print_lines("bob", bob, 1);
        co_await bob.write_all(std::string_view("hi alice, bob here\n"));
        co_await print_lines("alice", alice, 1);
        co_await print_lines("carol", carol, 2);

        // carol stops reading; alice sends 5,000 lines of 1 KB. bob keeps up the whole
        // time; carol's socket fills, then her outbox, and the room drops her.
        std::printf("carol stops reading; alice sends 5,000 lines of 1 KB\n");
        const std::string kb = std::string(1000, '.') + "\n";
        int bob_got = 0;
        auto bob_reads = weft::spawn([](TcpStream& bob, int& got) -> weft::Task<void> {
            weft::io::BufReader r(bob.split().first);
            std::string line;
            for (;;) {
                line.clear();
                if (co_await r.read_line(line) == 0) co_return;
                if (line.size() > 1000 && ++got == 5000) co_return;
            }
        }(bob, bob_got));
        for (int i = 0; i < 100; ++i) {
            std::string batch;
            for (int j = 0; j < 50; ++j)
                batch += kb;
            co_await alice.write_all(batch);
            while (bob_got < (i + 1) * 50)  // bob is never held up by carol
                co_await weft::time::sleep(std::chrono::milliseconds(1));
        }
        co_await bob_reads;
        std::printf("bob received all %d lines; clients dropped for not reading: %llu\n", bob_got,
                    static_cast<unsigned long long>(room.disconnected_too_slow()));
        co_await server;
        co_return bob_got == 5000 && room.disconnected_too_slow() == 1;
    });
    return ok ? 0 : 1;
}
