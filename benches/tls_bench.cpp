// weft::tls costs over 127.0.0.1, client and server in one current-thread runtime, in the
// peers' one-line format, with plain TCP beside it for comparison.
//
//   tls_bench all [n_handshakes=500] [n_echo=20000] [len=1024] [iters=3] [driver=epoll|uring]
//
// Rows:
//   bench=tls_handshake  full TLS 1.3 handshakes (ECDSA P-256 certificate, X25519, the client
//                        verifying the chain and the name), each on a fresh TCP connection,
//                        one after another; per_sec = handshakes/s.
//   bench=tls_echo       one connection; the client writes `len` bytes and reads them back,
//                        n_echo times (a round trip per message); per_sec = messages/s, and
//                        cpu_us_per_msg = the process's CPU time (user + system, both ends) per
//                        message.
//   bench=tcp_echo       the same over plain TCP.
// The certificates (a CA and a server certificate for localhost) are made by the `openssl`
// command in a temporary directory at start. Bytes echoed are checked: a mismatch aborts.

#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "weft/tls/tls.hpp"
#include "weft/weft.hpp"

namespace {

using namespace bench;
using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "tls_bench: %s\n", what);
    std::exit(1);
}

double cpu_secs() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

std::string make_certs() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "weft-tls-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) fail("mkdtemp");
    std::ofstream(tmpl + "/gen.sh")
        << "set -e\n"
           "K='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'\n"
           "openssl req -x509 $K -keyout ca.key -out ca.pem -days 2 -subj /CN=bench-ca\n"
           "printf 'subjectAltName=DNS:localhost\\n' > server.ext\n"
           "openssl req $K -keyout server.key -out server.csr -subj /CN=localhost\n"
           "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
           "-out server.pem -days 2 -extfile server.ext\n";
    if (std::system(("cd " + tmpl + " && sh gen.sh >gen.log 2>&1").c_str()) != 0)
        fail("making certificates with the openssl command failed");
    return tmpl;
}

template <class S>
weft::Task<void> echo_loop(S& s, std::size_t len) {
    std::vector<char> buf(len);
    for (;;) {
        std::size_t n = co_await s.read(std::span(buf));
        if (n == 0) co_return;
        co_await s.write_all(std::string_view(buf.data(), n));
        co_await weft::io::flush(s);
    }
}

template <class S>
weft::Task<void> ping(S& s, long n, std::size_t len) {
    std::string msg(len, 'e');
    std::vector<char> back(len);
    for (long i = 0; i < n; ++i) {
        co_await s.write_all(msg);
        co_await weft::io::flush(s);
        co_await weft::io::read_exact(s, std::span(back));
        if (back[len - 1] != 'e') fail("echo mismatch");
    }
}

}  // namespace

int main(int argc, char** argv) {
    auto kv = parse(argc, argv);  // argv[1] is the mode word, `all`
    long n_hs = arg(kv, "n_handshakes", 500);
    long n_echo = arg(kv, "n_echo", 20000);
    auto len = static_cast<std::size_t>(arg(kv, "len", 1024));
    long iters = arg(kv, "iters", 3);
    std::string driver = str(kv, "driver", "epoll");
    std::string dir = make_certs();

    weft::tls::ServerConfig sc;
    sc.cert_chain_file = dir + "/server.pem";
    sc.key_file = dir + "/server.key";
    weft::tls::ClientConfig cc;
    cc.use_system_roots = false;
    cc.ca_file = dir + "/ca.pem";
    weft::tls::TlsAcceptor acceptor(sc);
    weft::tls::TlsConnector connector(cc);

    weft::Runtime rt =
        weft::RuntimeBuilder::new_current_thread()
            .io_driver(driver == "uring" ? weft::IoDriverKind::Uring : weft::IoDriverKind::Epoll)
            .build();
    rt.block_on([&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        SocketAddr addr = l.local_addr();

        // Handshakes.
        std::vector<double> hs_secs;
        for (long it = 0; it < iters; ++it) {
            auto server = weft::spawn(
                [](TcpListener& l, weft::tls::TlsAcceptor acc, long n) -> weft::Task<void> {
                    for (long i = 0; i < n; ++i) {
                        auto [tcp, peer] = co_await l.accept();
                        auto hs = acc.accept(std::move(tcp));
                        auto tls = co_await std::move(hs);
                    }
                }(l, acceptor, n_hs));
            auto t0 = Clock::now();
            for (long i = 0; i < n_hs; ++i) {
                TcpStream tcp = co_await TcpStream::connect(addr);
                auto hs = connector.connect("localhost", std::move(tcp));
                auto tls = co_await std::move(hs);
            }
            co_await server;
            hs_secs.push_back(since(t0));
        }
        std::sort(hs_secs.begin(), hs_secs.end());
        print("tls_handshake", "driver=" + driver + " n=" + std::to_string(n_hs),
              static_cast<double>(n_hs),
              Timing{hs_secs[hs_secs.size() / 2], hs_secs.front(), hs_secs.back()});

        // Echo, over TLS then plain TCP.
        for (bool tls : {true, false}) {
            std::vector<double> secs, cpus;
            for (long it = 0; it < iters; ++it) {
                TcpStream c = co_await TcpStream::connect(addr);
                auto [s, peer] = co_await l.accept();
                c.set_nodelay(true);
                s.set_nodelay(true);
                if (tls) {
                    auto shs = acceptor.accept(std::move(s));
                    auto chs = connector.connect("localhost", std::move(c));
                    auto [st, ct] = co_await weft::join(std::move(shs), std::move(chs));
                    auto server = weft::spawn(echo_loop(st, len));
                    double c0 = cpu_secs();
                    auto t0 = Clock::now();
                    co_await ping(ct, n_echo, len);
                    secs.push_back(since(t0));
                    cpus.push_back(cpu_secs() - c0);
                    co_await ct.shutdown();
                    co_await server;
                } else {
                    auto server = weft::spawn(echo_loop(s, len));
                    double c0 = cpu_secs();
                    auto t0 = Clock::now();
                    co_await ping(c, n_echo, len);
                    secs.push_back(since(t0));
                    cpus.push_back(cpu_secs() - c0);
                    c.shutdown(weft::net::Shutdown::Write);
                    co_await server;
                }
            }
            std::vector<double> sorted = secs;
            std::sort(sorted.begin(), sorted.end());
            std::sort(cpus.begin(), cpus.end());
            double med = sorted[sorted.size() / 2];
            std::printf(
                "bench=%s impl=weft driver=%s len=%zu n=%ld secs=%.4f min_secs=%.4f "
                "max_secs=%.4f per_sec=%.3e cpu_us_per_msg=%.2f\n",
                tls ? "tls_echo" : "tcp_echo", driver.c_str(), len, n_echo, med, sorted.front(),
                sorted.back(), static_cast<double>(n_echo) / med,
                cpus[cpus.size() / 2] / static_cast<double>(n_echo) * 1e6);
        }
    });
    std::filesystem::remove_all(dir);
    return 0;
}
