// ch14_echo_copy: the Tokio tutorial's I/O step. An echo server two ways: with
// weft::io::copy over the two halves of a split socket, and by hand with read and write_all.
// With no argument: both servers run on 127.0.0.1 (free ports), a client of its own talks to
// each, and it exits. With `--serve PORT`: the copy server, forever (try `nc 127.0.0.1 PORT`).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "weft/weft.hpp"

using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;

// Echo with io::copy: the read half is the reader, the write half the writer.
weft::Task<void> echo_copy(TcpStream socket) {
    try {
        auto [rd, wr] = socket.split();
        std::uint64_t n = co_await weft::io::copy(rd, wr);
        std::printf("  copy server: echoed %llu bytes\n", static_cast<unsigned long long>(n));
    } catch (const std::system_error& e) {
        std::printf("  copy server: %s\n", e.what());
    }
}

// Echo by hand: read what is there, write it all back, until end of stream (a read of 0).
weft::Task<void> echo_by_hand(TcpStream socket) {
    char buf[1024];
    try {
        for (;;) {
            std::size_t n = co_await socket.read(std::span(buf));
            if (n == 0) co_return;  // the client shut down its side
            co_await socket.write_all(std::string_view(buf, n));
        }
    } catch (const std::system_error& e) {
        std::printf("  hand server: %s\n", e.what());
    }
}

template <class Handler>
weft::Task<void> serve(TcpListener& listener, Handler handler) {
    for (;;) {
        auto [socket, peer] = co_await listener.accept();
        weft::spawn(handler(std::move(socket))).detach();
    }
}

// Writes `text`, shuts down the write side (the server then reads end of stream), and reads
// everything that comes back.
weft::Task<std::string> client(SocketAddr addr, std::string text) {
    TcpStream s = co_await TcpStream::connect(addr);
    co_await s.write_all(text);
    s.shutdown(weft::net::Shutdown::Write);
    std::string back;
    co_await weft::io::read_to_string(s, back);
    co_return back;
}

int main(int argc, char** argv) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    if (argc > 2 && std::string_view(argv[1]) == "--serve") {
        auto port = static_cast<std::uint16_t>(std::atoi(argv[2]));
        rt.block_on([port]() -> weft::Task<void> {
            auto listener = TcpListener::bind(SocketAddr::localhost(port));
            std::printf("echo on %s\n", listener.local_addr().to_string().c_str());
            std::fflush(stdout);
            co_await serve(listener, echo_copy);
        });
        return 0;
    }
    rt.block_on([]() -> weft::Task<void> {
        auto l1 = TcpListener::bind(SocketAddr::localhost(0));
        auto l2 = TcpListener::bind(SocketAddr::localhost(0));
        auto s1 = weft::spawn(serve(l1, echo_copy));
        auto s2 = weft::spawn(serve(l2, echo_by_hand));
        std::string a = co_await client(l1.local_addr(), "hello, copy");
        std::string b = co_await client(l2.local_addr(), "hello, by hand");
        std::printf("  client heard \"%s\" and \"%s\"\n", a.c_str(), b.c_str());
        s1.abort();
        s2.abort();
        for (auto* h : {&s1, &s2}) {
            try {
                co_await *h;
            } catch (const weft::JoinError&) {
            }
        }
    });
    return 0;
}
