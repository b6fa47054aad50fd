// graceful_shutdown: a TCP server that accepts until Ctrl-C or SIGTERM, then stops accepting
// and lets the connections it has finish. With no argument it starts on a free port, runs
// three clients (one of them slow), and sends itself SIGTERM after 200 ms; `graceful_shutdown
// PORT` serves until you press Ctrl-C or `kill` it.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;
using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;

// One connection: answer each message with "ok: " and the message, until the client closes.
weft::Task<void> serve_connection(TcpStream s) {
    char buf[1024];
    try {
        for (;;) {
            std::size_t n = co_await s.read(std::span(buf));
            if (n == 0) co_return;
            std::string reply = "ok: " + std::string(buf, n);
            co_await s.write_all(reply);
        }
    } catch (const std::system_error& e) {
        std::printf("  connection failed: %s\n", e.what());
    }
}

// Accepts forever; the connection tasks are kept so that shutdown can wait for them.
weft::Task<void> accept_loop(TcpListener& listener, std::vector<weft::JoinHandle<void>>& conns) {
    for (;;) {
        auto [stream, peer] = co_await listener.accept();
        std::printf("  accepted %s\n", peer.to_string().c_str());
        conns.push_back(weft::spawn(serve_connection(std::move(stream))));
    }
}

// Serves until Ctrl-C or SIGTERM, then drains: the pattern docs/signal.md shows.
weft::Task<void> serve_until_signalled(TcpListener listener) {
    // Both listeners exist before the first accept: a signal from here on is caught.
    auto ctrl_c = weft::signal::ctrl_c();
    auto term = weft::signal::signal(weft::signal::SignalKind::terminate());
    std::vector<weft::JoinHandle<void>> conns;

    auto first = weft::select(std::move(ctrl_c), term.recv(), accept_loop(listener, conns));
    auto why = co_await first;  // the accept loop never ends by itself: a signal won
    std::size_t open = 0;
    for (auto& conn : conns)
        open += conn.is_finished() ? 0 : 1;
    std::printf("%s: no new connections; waiting for the %zu still open\n",
                why.index() == 0 ? "SIGINT" : "SIGTERM", open);

    { TcpListener closed = std::move(listener); }  // new clients are refused from now on
    for (auto& conn : conns)
        co_await conn;  // each ends when its client closes
    std::printf("every connection finished; shut down cleanly\n");
}

// A client that says one thing, after `delay`, and prints the answer.
weft::Task<void> client(SocketAddr addr, std::string name, std::chrono::milliseconds delay) {
    TcpStream s = co_await TcpStream::connect(addr);
    co_await weft::time::sleep(delay);
    std::string hello = "hello from " + name;
    co_await s.write_all(hello);
    char buf[256];
    std::size_t n = co_await s.read(std::span(buf));
    std::printf("  %s heard \"%s\"\n", name.c_str(), std::string(buf, n).c_str());
}  // closing the connection ends its server task

int main(int argc, char** argv) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    if (argc > 1) {
        auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
        rt.block_on([port]() -> weft::Task<void> {
            auto l = TcpListener::bind(SocketAddr::localhost(port));
            std::printf("serving on %s; Ctrl-C or kill %d to stop\n",
                        l.local_addr().to_string().c_str(), static_cast<int>(getpid()));
            co_await serve_until_signalled(std::move(l));
        });
        return 0;
    }
    rt.block_on([]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        SocketAddr addr = l.local_addr();
        std::printf("serving on %s\n", addr.to_string().c_str());
        auto server = weft::spawn(serve_until_signalled(std::move(l)));
        // Two quick clients, and one still talking when SIGTERM comes at 200 ms.
        auto clients = weft::spawn([](SocketAddr a) -> weft::Task<void> {
            auto all = weft::join(client(a, "ann", 0ms), client(a, "bob", 0ms),
                                  client(a, "slow cyd", 500ms));
            co_await all;
        }(addr));
        co_await weft::time::sleep(200ms);
        std::printf("sending ourselves SIGTERM\n");
        ::kill(::getpid(), SIGTERM);
        co_await server;
        co_await clients;
        try {
            TcpStream late = co_await TcpStream::connect(addr);
            std::printf("  a late client got in: the listener was not closed\n");
        } catch (const std::system_error& e) {
            std::printf("  a late client is refused: %s\n", e.code().message().c_str());
        }
    });
}
