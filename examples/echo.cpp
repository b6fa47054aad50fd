// echo: a TCP echo server. With no argument it starts on a free port, and three clients talk
// to it at once; `echo PORT` serves forever (try `nc 127.0.0.1 PORT`).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "weft/weft.hpp"

using weft::net::TcpListener;
using weft::net::TcpStream;

// One connection: echo until the client closes. A reset client ends only its own task.
weft::Task<void> echo(TcpStream s) {
    char buf[4096];
    try {
        for (;;) {
            std::size_t n = co_await s.read(std::span(buf));
            if (n == 0) co_return;  // end of stream: the client is done
            co_await s.write_all(std::string_view(buf, n));
        }
    } catch (const std::system_error& e) {
        std::printf("  connection failed: %s\n", e.what());
    }
}

weft::Task<void> serve(TcpListener& l) {
    for (;;) {
        auto [s, peer] = co_await l.accept();
        weft::spawn(echo(std::move(s))).detach();
    }
}

weft::Task<std::string> client(weft::net::SocketAddr addr, std::string name) {
    TcpStream s = co_await TcpStream::connect(addr);
    std::string said = "hello from " + name;
    co_await s.write_all(said);
    s.shutdown(weft::net::Shutdown::Write);  // we are done talking
    std::string heard;
    co_await weft::io::read_to_string(s, heard);
    co_return name + " said \"" + said + "\" and heard \"" + heard + "\"";
}

int main(int argc, char** argv) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    std::printf("I/O driver: %s\n", weft::to_string(rt.io_driver_kind()));
    if (argc > 1) {
        auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
        rt.block_on([port]() -> weft::Task<void> {
            auto l = TcpListener::bind(weft::net::SocketAddr::localhost(port));
            std::printf("echo server on %s\n", l.local_addr().to_string().c_str());
            co_await serve(l);
        });
        return 0;
    }
    rt.block_on([]() -> weft::Task<void> {
        auto l = TcpListener::bind(weft::net::SocketAddr::localhost(0));
        std::printf("echo server on %s\n", l.local_addr().to_string().c_str());
        auto server = weft::spawn(serve(l));
        auto [a, b, c] =
            co_await weft::join(client(l.local_addr(), "ann"), client(l.local_addr(), "bob"),
                                client(l.local_addr(), "cyd"));
        std::printf("  %s\n  %s\n  %s\n", a.c_str(), b.c_str(), c.c_str());
        server.abort();  // stops accepting; its frame (and the listener's borrow) goes away
        try {
            co_await server;
        } catch (const weft::JoinError&) {
        }
    });
}
