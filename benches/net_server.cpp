// The servers of the network benchmarks, driven by the peers' load generators:
//
//   net_server echo port=P [threads=1|2] [rt=current|multi] [driver=epoll|uring] [lifetime=S]
//   net_server http port=P [...]
//
// echo: every connection echoes what it reads (measure with the peers' echo_load).
// http: HTTP/1.1 keep-alive; each request (up to CRLFCRLF) to `GET / ` gets the same 13-byte
// "Hello, World!" response as the peers' plaintext servers, anything else a 404; pipelined
// requests are answered in order with one write (measure with wrk).
// threads=1 runs a current-thread runtime (the default for 1), otherwise a multi-thread one
// with that many workers. The server exits after `lifetime` seconds (default 600) and prints
// one line: bench=NAME_server impl=weft driver=... conns=... secs=...

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "bench_util.hpp"
#include "weft/weft.hpp"

namespace {

using weft::net::TcpListener;
using weft::net::TcpStream;

constexpr std::string_view kOk =
    "HTTP/1.1 200 OK\r\nServer: peer\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n"
    "Hello, World!";
constexpr std::string_view kNotFound =
    "HTTP/1.1 404 Not Found\r\nServer: peer\r\nContent-Length: 0\r\n\r\n";

weft::Task<void> echo_conn(TcpStream s) {
    char buf[4096];
    try {
        for (;;) {
            std::size_t n = co_await s.read(std::span(buf));
            if (n == 0) co_return;
            co_await s.write_all(std::string_view(buf, n));
        }
    } catch (const std::system_error&) {  // a reset peer ends its own connection only
    }
}

weft::Task<void> http_conn(TcpStream s) {
    std::string in;
    std::string out;
    char buf[4096];
    try {
        for (;;) {
            std::size_t n = co_await s.read(std::span(buf));
            if (n == 0) co_return;
            in.append(buf, n);
            std::size_t pos = 0;
            for (;;) {
                std::size_t end = in.find("\r\n\r\n", pos);
                if (end == std::string::npos) break;
                bool root = in.compare(pos, 6, "GET / ") == 0;
                out.append(root ? kOk : kNotFound);
                pos = end + 4;
            }
            in.erase(0, pos);
            if (!out.empty()) {
                co_await s.write_all(out);
                out.clear();
            }
        }
    } catch (const std::system_error&) {
    }
}

weft::Task<long> serve(TcpListener& l, bool http, long lifetime) {
    long conns = 0;
    auto deadline = weft::time::Instant::now() + std::chrono::seconds(lifetime);
    for (;;) {
        auto r = co_await weft::time::timeout_at(deadline, l.accept());
        if (r.is_elapsed()) co_return conns;
        auto [s, peer] = std::move(r).value();
        s.set_nodelay(true);
        ++conns;
        if (http) {
            weft::spawn(http_conn(std::move(s))).detach();
        } else {
            weft::spawn(echo_conn(std::move(s))).detach();
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || (std::strcmp(argv[1], "echo") != 0 && std::strcmp(argv[1], "http") != 0)) {
        std::fprintf(stderr,
                     "usage: net_server echo|http port=P [threads=N] [rt=current|multi] "
                     "[driver=epoll|uring] [lifetime=S]\n");
        return 2;
    }
    auto kv = bench::parse(argc, argv);
    bool http = std::strcmp(argv[1], "http") == 0;
    long port = bench::arg(kv, "port", 0);
    long threads = bench::arg(kv, "threads", 1);
    long lifetime = bench::arg(kv, "lifetime", 600);
    std::string rt_kind = kv.count("rt") ? kv["rt"] : (threads == 1 ? "current" : "multi");
    weft::IoDriverKind driver = weft::IoDriverKind::Auto;
    if (kv.count("driver")) {
        driver = kv["driver"] == "epoll" ? weft::IoDriverKind::Epoll : weft::IoDriverKind::Uring;
    }
    auto builder = rt_kind == "current"
                       ? weft::RuntimeBuilder::new_current_thread()
                       : weft::Runtime::builder().worker_threads(static_cast<std::size_t>(threads));
    weft::Runtime rt = builder.io_driver(driver).build();
    auto t0 = bench::Clock::now();
    long conns = rt.block_on([&]() -> weft::Task<long> {
        auto l =
            TcpListener::bind(weft::net::SocketAddr::localhost(static_cast<std::uint16_t>(port)));
        std::fprintf(stderr, "listening on %s\n", l.local_addr().to_string().c_str());
        co_return co_await serve(l, http, lifetime);
    });
    std::printf("bench=%s_server impl=weft driver=%s rt=%s threads=%ld conns=%ld secs=%.1f\n",
                argv[1], weft::to_string(rt.io_driver_kind()), rt_kind.c_str(), threads, conns,
                bench::since(t0));
    return 0;
}
