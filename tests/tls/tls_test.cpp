// weft::tls against itself (over TCP on both I/O drivers and over the in-memory duplex) and
// against real peers (openssl s_server, openssl s_client, curl), with certificates made at test
// time by the openssl command: a CA, a server certificate for localhost / 127.0.0.1 and a
// client certificate, both signed by it. Covers verification (on by default; unknown CA, wrong
// name), ALPN, client certificates, garbage and truncated handshakes (the acceptor keeps
// serving), a handshake timeout, a cancelled read losing nothing, and close_notify.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "support/net_support.hpp"
#include "support/temp_dir.hpp"
#include "support/test_support.hpp"
#include "weft/tls/tls.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;
using weft::tls::ClientConfig;
using weft::tls::Errc;
using weft::tls::ServerConfig;
using weft::tls::TlsAcceptor;
using weft::tls::TlsConnector;

namespace {

int run(const std::string& cmd) {
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// The certificates, made once per test process in a temporary directory.
struct Certs {
    TempDir dir{"weft-tls"};
    std::string path(const char* name) const { return (dir / name).string(); }
    Certs() {
        std::ofstream(dir / "gen.sh")
            << "set -e\n"
               "K='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'\n"
               "openssl req -x509 $K -keyout ca.key -out ca.pem -days 2 -subj /CN=weft-test-ca\n"
               "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext\n"
               "printf 'extendedKeyUsage=clientAuth\\n' > client.ext\n"
               "openssl req $K -keyout server.key -out server.csr -subj /CN=localhost\n"
               "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
               "-out server.pem -days 2 -extfile server.ext\n"
               "openssl req $K -keyout client.key -out client.csr -subj /CN=weft-client\n"
               "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
               "-out client.pem -days 2 -extfile client.ext\n";
        if (run("cd '" + dir.get().string() + "' && timeout 20 sh gen.sh >gen.log 2>&1") != 0)
            throw std::runtime_error("making the test certificates failed");
    }
    ServerConfig server() const {
        ServerConfig c;
        c.cert_chain_file = path("server.pem");
        c.key_file = path("server.key");
        return c;
    }
    ClientConfig client() const {
        ClientConfig c;
        c.ca_file = path("ca.pem");
        return c;
    }
};

const Certs& certs() {
    static const Certs c;
    return c;
}

std::string text_of(std::vector<std::byte>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size());
}

// Expects `fut` to throw std::system_error with `code` and `what` containing `needle`.
template <class F>
weft::Task<void> expect_error(F fut, std::error_code code, std::string needle) {
    try {
        co_await std::move(fut);
        ADD_FAILURE() << "no error; expected " << code.message();
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), code) << e.what();
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

// Serves `n` TLS connections on `l`: each reads to the peer's close_notify and echoes all of
// it back in one go, then closes with close_notify. Failed handshakes are counted, not fatal.
weft::Task<void> echo_server(TcpListener& l, TlsAcceptor acc, int n, int* failed) {
    for (int i = 0; i < n; ++i) {
        auto [tcp, peer] = co_await l.accept();
        auto hs = acc.accept(std::move(tcp));
        try {
            auto tls = co_await std::move(hs);
            std::vector<std::byte> all;
            co_await weft::io::read_to_end(tls, all);
            co_await tls.write_all(all);
            co_await tls.shutdown();
        } catch (const std::system_error&) {
            ++*failed;
        }
    }
}

// Connects, sends `msg`, sends close_notify, and returns what comes back up to the server's.
weft::Task<std::string> echo_client(SocketAddr a, TlsConnector con, std::string name,
                                    std::string msg) {
    TcpStream tcp = co_await TcpStream::connect(a);
    auto hs = con.connect(name, std::move(tcp));
    auto tls = co_await std::move(hs);
    co_await tls.write_all(msg);
    co_await tls.shutdown();
    std::vector<std::byte> back;
    co_await weft::io::read_to_end(tls, back);
    co_return text_of(back);
}

class Tls : public testing::TestWithParam<IoParam> {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Drivers, Tls, all_io_params(), io_param_name);

// Echo over TCP with ALPN and a client certificate, on each driver and runtime flavour:
// several clients at once, 300 KB each (many records), each ending with close_notify.
TEST_P(Tls, EchoesOverTcpWithAlpnAndClientCertificates) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        ServerConfig sc = certs().server();
        sc.alpn_protocols = {"weft-echo", "http/1.1"};
        sc.client_ca_file = certs().path("ca.pem");
        ClientConfig cc = certs().client();
        cc.alpn_protocols = {"other", "weft-echo"};
        cc.cert_chain_file = certs().path("client.pem");
        cc.key_file = certs().path("client.key");
        TlsAcceptor acc(sc);
        TlsConnector con(cc);
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        constexpr int kClients = 4;
        int failed = 0;
        auto server = weft::spawn(echo_server(l, acc, kClients, &failed));
        std::vector<weft::JoinHandle<std::string>> clients;
        std::string big(300 * 1000, 'x');
        for (int i = 0; i < kClients; ++i) {
            big[static_cast<std::size_t>(i)] = static_cast<char>('a' + i);
            clients.push_back(weft::spawn(echo_client(l.local_addr(), con, "localhost", big)));
        }
        for (int i = 0; i < kClients; ++i) {
            std::string back = co_await clients[static_cast<std::size_t>(i)];
            EXPECT_EQ(back.size(), big.size());
            EXPECT_EQ(back[static_cast<std::size_t>(i)], 'a' + i);
        }
        co_await server;
        EXPECT_EQ(failed, 0);

        // ALPN, the peers' subjects, and an IP address as the name.
        auto server2 = weft::spawn([](TcpListener& l, TlsAcceptor acc) -> weft::Task<void> {
            auto [tcp, peer] = co_await l.accept();
            auto hs = acc.accept(std::move(tcp));
            auto tls = co_await std::move(hs);
            EXPECT_EQ(tls.alpn_protocol(), "weft-echo");
            EXPECT_EQ(tls.peer_certificate_subject().value_or(""), "CN=weft-client");
            co_await tls.write_all("hi");
            co_await tls.shutdown();
        }(l, acc));
        TcpStream tcp = co_await TcpStream::connect(l.local_addr());
        auto hs = con.connect("127.0.0.1", std::move(tcp));
        auto tls = co_await std::move(hs);
        EXPECT_EQ(tls.alpn_protocol(), "weft-echo");
        EXPECT_EQ(tls.peer_certificate_subject().value_or(""), "CN=localhost");
        std::string got;
        co_await weft::io::read_to_string(tls, got);
        EXPECT_EQ(got, "hi");
        co_await server2;
    });
}

// Verification is on by default: a server whose CA is not trusted, or whose certificate names
// another host, is refused with certificate_verify_failed and OpenSSL's reason; a client
// without the certificate the server requires is refused. The acceptor serves on throughout.
TEST(TlsErrors, VerificationFailuresEndOnlyThatConnection) {
    run_io({weft::IoDriverKind::Epoll, true}, [&]() -> weft::Task<void> {
        ServerConfig sc = certs().server();
        sc.client_ca_file = certs().path("ca.pem");
        sc.require_client_cert = false;  // asked for, checked if sent
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        int failed = 0;
        auto server = weft::spawn(echo_server(l, TlsAcceptor(sc), 3, &failed));
        SocketAddr a = l.local_addr();

        TlsConnector system_roots_only{ClientConfig{}};
        auto c1 = echo_client(a, system_roots_only, "localhost", "x");
        co_await expect_error(std::move(c1), Errc::certificate_verify_failed,
                              "certificate verify failed: ");
        TlsConnector con(certs().client());
        auto c2 = echo_client(a, con, "example.com", "x");
        co_await expect_error(std::move(c2), Errc::certificate_verify_failed, "hostname mismatch");
        std::string back = co_await echo_client(a, con, "localhost", "still serving");
        EXPECT_EQ(back, "still serving");
        co_await server;
        EXPECT_EQ(failed, 2);

        // A required client certificate, not sent: the server refuses the handshake (TLS 1.3
        // tells the client at its first read).
        sc.require_client_cert = true;
        TlsAcceptor strict(sc);
        auto server2 = weft::spawn([](TcpListener& l, TlsAcceptor acc) -> weft::Task<void> {
            auto [tcp, peer] = co_await l.accept();
            auto hs = acc.accept(std::move(tcp));
            co_await expect_error(std::move(hs), Errc::certificate_verify_failed,
                                  "did not return a certificate");
        }(l, strict));
        auto c3 = echo_client(a, con, "localhost", "x");
        try {
            co_await std::move(c3);
            ADD_FAILURE() << "the client got through without a certificate";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code().category(), weft::tls::tls_category()) << e.what();
            EXPECT_NE(std::string(e.what()).find("certificate required"), std::string::npos)
                << e.what();
        }
        co_await server2;
    });
}

// Garbage instead of a ClientHello, a peer that stops mid-handshake, a truncated stream (no
// close_notify) and a forged record each fail their connection only; a silent peer is bounded
// by timeout.
TEST(TlsErrors, GarbageTruncationAndSilentPeers) {
    run_io({weft::IoDriverKind::Uring, true}, [&]() -> weft::Task<void> {
        TlsAcceptor acc(certs().server());
        TlsConnector con(certs().client());
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        int failed = 0;
        auto server = weft::spawn(echo_server(l, acc, 2, &failed));
        {
            TcpStream raw = co_await TcpStream::connect(l.local_addr());
            co_await raw.write_all("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            std::vector<std::byte> alert;  // the server's alert, then its close
            co_await weft::io::read_to_end(raw, alert);
        }
        std::string back = co_await echo_client(l.local_addr(), con, "localhost", "after garbage");
        EXPECT_EQ(back, "after garbage");
        co_await server;
        EXPECT_EQ(failed, 1);

        // Stops mid-handshake: a record header promising 80 bytes, 3 of them, then the end.
        auto [c, s] = weft::io::duplex(4096);
        auto hs = acc.accept(std::move(s));
        co_await weft::io::write_all(c, std::string_view("\x16\x03\x01\x00\x50\x01\x00\x00", 8));
        co_await weft::io::shutdown(c);
        co_await expect_error(std::move(hs), Errc::unexpected_eof, "during the handshake");

        // Silent: the handshake waits for it; weft::time::timeout bounds it.
        auto [c2, s2] = weft::io::duplex(4096);
        auto hs2 = acc.accept(std::move(s2));
        auto r = co_await weft::time::timeout(100ms, std::move(hs2));
        EXPECT_TRUE(r.is_elapsed());

        // Truncated: the transport ends after the handshake without close_notify.
        auto [c3, s3] = weft::io::duplex(64 * 1024);
        auto shs = acc.accept(std::move(s3));
        auto chs = con.connect("localhost", std::move(c3));
        auto [st, ct] = co_await weft::join(std::move(shs), std::move(chs));
        co_await st.write_all("partial");
        co_await st.flush();
        co_await weft::io::shutdown(st.get_ref());  // TCP-level end, no close_notify
        char buf[64];
        std::size_t n = co_await ct.read(std::span(buf));
        EXPECT_EQ(std::string_view(buf, n), "partial");
        auto rd = ct.read(std::span(buf));
        co_await expect_error(std::move(rd), Errc::unexpected_eof, "without close_notify");

        // A malformed record after the handshake: an application-data record of garbage.
        auto [c4, s4] = weft::io::duplex(64 * 1024);
        auto shs4 = acc.accept(std::move(s4));
        auto chs4 = con.connect("localhost", std::move(c4));
        auto [st4, ct4] = co_await weft::join(std::move(shs4), std::move(chs4));
        std::string forged("\x17\x03\x03\x00\x20", 5);
        forged += std::string(32, 'G');
        co_await weft::io::write_all(st4.get_ref(), forged);
        auto rd4 = ct4.read(std::span(buf));
        co_await expect_error(std::move(rd4), Errc::protocol_error, "read with localhost");
    });
}

// Cancel safety over a duplex whose directions hold 7 bytes: a read parked mid-record and then
// dropped loses nothing (the next read gets every byte), and records the writer could not send
// yet go out with its next operation.
TEST(TlsCancel, DroppedReadMidRecordLosesNothing) {
    run_io({weft::IoDriverKind::Epoll, true}, [&]() -> weft::Task<void> {
        auto [c, s] = weft::io::duplex(7);
        TlsAcceptor acc(certs().server());
        TlsConnector con(certs().client());
        auto shs = acc.accept(std::move(s));
        auto chs = con.connect("localhost", std::move(c));
        auto [st, ct] = co_await weft::join(std::move(shs), std::move(chs));

        using Stream = weft::tls::TlsStream<weft::io::DuplexStream>;
        // A round trip first: both sides are past the handshake and idle.
        auto pong = weft::spawn([](Stream& st) -> weft::Task<void> {
            char b[4];
            co_await weft::io::read_exact(st, std::span(b));
            co_await st.write_all("pong");
            co_await st.flush();
        }(st));
        co_await ct.write_all("ping");
        co_await ct.flush();
        char buf[4096];
        co_await weft::io::read_exact(ct, std::span(buf, 4));
        EXPECT_EQ(std::string_view(buf, 4), "pong");
        co_await pong;

        std::string msg(3000, 'm');
        msg.back() = '!';
        auto writer = weft::spawn([](Stream& st, std::string msg) -> weft::Task<void> {
            co_await st.write_all(msg);  // one record of ~3 KB, 7 bytes at a time
            co_await st.flush();
        }(st, msg));
        weft::Waker noop;
        weft::Context cx(noop);
        {
            auto rd = ct.read(std::span(buf));
            for (int i = 0; i < 10; ++i) {
                co_await weft::yield_now();             // the writer sends 7 more bytes
                EXPECT_TRUE(rd.poll(cx).is_pending());  // takes them: mid-record, parks
            }
        }  // dropped mid-record
        std::string got;
        while (got.size() < msg.size()) {
            std::size_t n = co_await ct.read(std::span(buf));
            if (n == 0) break;
            got.append(buf, n);
        }
        EXPECT_EQ(got, msg);
        co_await writer;

        // close_notify: the reader sees a clean end of stream.
        auto shut = weft::spawn([](Stream& st) -> weft::Task<void> { co_await st.shutdown(); }(st));
        std::size_t n = co_await ct.read(std::span(buf));
        EXPECT_EQ(n, 0u);
        co_await shut;
    });
}

// A dropped handshake leaves nothing behind (LeakSanitizer checks the SSL and the stream).
TEST(TlsCancel, DroppedHandshakeLeavesNothing) {
    run_io({weft::IoDriverKind::Epoll, true}, [&]() -> weft::Task<void> {
        TlsConnector con(certs().client());
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        TcpStream tcp = co_await TcpStream::connect(l.local_addr());
        auto [peer, addr] = co_await l.accept();
        {
            auto hs = con.connect("localhost", std::move(tcp));
            weft::Waker noop;
            weft::Context cx(noop);
            EXPECT_TRUE(hs.poll(cx).is_pending());  // ClientHello sent, waiting
        }
        std::vector<std::byte> hello;
        co_await weft::io::read_to_end(peer, hello);  // the hello, then end of stream
        EXPECT_GT(hello.size(), 5u);
        EXPECT_EQ(hello[0], std::byte{0x16});  // a handshake record
    });
}

// Real peers: openssl s_client and curl against a weft server; weft against openssl s_server.
TEST(TlsInterop, OpensslAndCurlAgainstWeftServer) {
    run_io({weft::IoDriverKind::Epoll, false}, [&]() -> weft::Task<void> {
        ServerConfig sc = certs().server();
        sc.alpn_protocols = {"http/1.1"};
        TlsAcceptor acc(sc);
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        std::string port = std::to_string(l.local_addr().port());
        // A tiny HTTPS server: answers each request with one body, then close_notify.
        auto server = weft::spawn([](TcpListener& l, TlsAcceptor acc) -> weft::Task<void> {
            for (int i = 0; i < 2; ++i) {
                auto [tcp, peer] = co_await l.accept();
                auto hs = acc.accept(std::move(tcp));
                auto tls = co_await std::move(hs);
                std::string req;
                char buf[4096];
                while (req.find("\r\n\r\n") == std::string::npos) {
                    std::size_t n = co_await tls.read(std::span(buf));
                    if (n == 0) break;
                    req.append(buf, n);
                }
                co_await tls.write_all(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                    "hello from weft over TLS\n");
                co_await tls.shutdown();
            }
        }(l, acc));
        std::string dir = certs().dir.get().string();
        std::string curl = "timeout 10 curl -sS --http1.1 --cacert " + certs().path("ca.pem") +
                           " https://localhost:" + port + "/ > " + dir + "/curl.out 2>&1";
        auto h1 = weft::spawn_blocking([curl] { return run(curl); });
        int rc = co_await h1;
        EXPECT_EQ(rc, 0) << slurp(dir + "/curl.out");
        EXPECT_EQ(slurp(dir + "/curl.out"), "hello from weft over TLS\n");

        std::string s_client =
            "printf 'GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n' | timeout 10 openssl "
            "s_client -connect 127.0.0.1:" +
            port + " -servername localhost -verify_return_error -CAfile " + certs().path("ca.pem") +
            " -alpn http/1.1 -ign_eof > " + dir + "/s_client.out 2>&1";
        auto h2 = weft::spawn_blocking([s_client] { return run(s_client); });
        rc = co_await h2;
        std::string out = slurp(dir + "/s_client.out");
        EXPECT_EQ(rc, 0) << out;
        EXPECT_NE(out.find("Verify return code: 0 (ok)"), std::string::npos) << out;
        EXPECT_NE(out.find("ALPN protocol: http/1.1"), std::string::npos) << out;
        EXPECT_NE(out.find("hello from weft over TLS"), std::string::npos) << out;
        EXPECT_NE(out.find("closed"), std::string::npos)
            << out;  // close_notify: "read R BLOCK\nclosed"
        co_await server;
    });
}

TEST(TlsInterop, WeftClientAgainstOpensslServer) {
    std::string cmd = "timeout 10 openssl s_server -4 -accept 127.0.0.1:0 -naccept 1 -www -cert " +
                      certs().path("server.pem") + " -key " + certs().path("server.key") +
                      " -alpn h2,http/1.1 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    int port = 0;
    char line[512];
    while (port == 0 && std::fgets(line, sizeof line, p) != nullptr) {
        std::string s(line);
        if (s.rfind("ACCEPT", 0) == 0) port = std::atoi(s.substr(s.rfind(':') + 1).c_str());
    }
    ASSERT_NE(port, 0);
    run_io({weft::IoDriverKind::Uring, false}, [&]() -> weft::Task<void> {
        ClientConfig cc = certs().client();
        cc.alpn_protocols = {"http/1.1"};
        TlsConnector con(cc);
        auto addr = SocketAddr::from_string("127.0.0.1:" + std::to_string(port));
        TcpStream tcp = co_await TcpStream::connect(addr);
        auto hs = con.connect("localhost", std::move(tcp));
        auto tls = co_await std::move(hs);
        EXPECT_EQ(tls.alpn_protocol(), "http/1.1");
        co_await tls.write_all("GET / HTTP/1.0\r\n\r\n");
        std::string page;
        co_await weft::io::read_to_string(tls, page);  // to s_server's close_notify
        EXPECT_EQ(page.rfind("HTTP/1.0 200 ok", 0), 0u) << page.substr(0, 200);
        EXPECT_NE(page.find("TLSv1.3"), std::string::npos);
    });
    ::pclose(p);
}

TEST(TlsErrors, BadConfigurationNamesTheFile) {
    ServerConfig sc = certs().server();
    sc.key_file = certs().path("client.key");  // not the certificate's key
    try {
        TlsAcceptor acc(sc);
        ADD_FAILURE() << "a mismatched key was accepted";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), Errc::config);
        EXPECT_NE(std::string(e.what()).find("client.key"), std::string::npos) << e.what();
    }
    ClientConfig cc;
    cc.ca_file = "/nonexistent/ca.pem";
    EXPECT_THROW(TlsConnector{cc}, std::system_error);
}
