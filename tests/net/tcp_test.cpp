// weft::net::TcpListener / TcpStream on real sockets on 127.0.0.1, against both I/O drivers
// (epoll, io_uring) and both runtime flavours: echo, end of stream, the error cases (refused,
// reset, write to a closed peer, EMFILE on accept), cancellation, splitting, and load.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "support/net_support.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;

namespace {

class Tcp : public testing::TestWithParam<IoParam> {};

// Accepts `n` connections and echoes each on its own task.
weft::Task<void> echo_server(TcpListener& l, int n) {
    for (int i = 0; i < n; ++i) {
        auto [s, peer] = co_await l.accept();
        EXPECT_TRUE(peer.is_ipv4());
        weft::spawn(echo(std::move(s))).detach();
    }
}

std::string read_all_text(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Drivers, Tcp, all_io_params(), io_param_name);

TEST_P(Tcp, UsesTheDriverItWasAskedFor) {
    weft::Runtime rt = io_runtime(GetParam());
    EXPECT_EQ(rt.io_driver_kind(), GetParam().driver);
}

TEST_P(Tcp, EchoesManyClientsAtOnce) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        SocketAddr addr = l.local_addr();
        EXPECT_NE(addr.port(), 0);
        constexpr int kClients = 50;
        auto server = weft::spawn(echo_server(l, kClients));
        std::vector<weft::JoinHandle<std::string>> clients;
        for (int i = 0; i < kClients; ++i) {
            clients.push_back(weft::spawn([](SocketAddr a, int id) -> weft::Task<std::string> {
                TcpStream s = co_await TcpStream::connect(a);
                EXPECT_EQ(s.peer_addr(), a);
                std::string got;
                for (int round = 0; round < 20; ++round) {
                    std::string msg =
                        "client " + std::to_string(id) + " round " + std::to_string(round) + "\n";
                    co_await s.write_all(msg);
                    std::string back(msg.size(), '\0');
                    co_await s.read_exact(std::span(back));
                    got += back;
                }
                co_return got;
            }(addr, i)));
        }
        for (int i = 0; i < kClients; ++i) {
            std::string got = co_await clients[static_cast<std::size_t>(i)];
            std::string want;
            for (int round = 0; round < 20; ++round)
                want += "client " + std::to_string(i) + " round " + std::to_string(round) + "\n";
            EXPECT_EQ(got, want);
        }
        co_await server;
    });
}

TEST_P(Tcp, ReadReturnsZeroAtEndOfStreamAndKeepsDoingSo) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto [c, s] = co_await connect_pair(l);
        co_await c.write_all("bye");
        c.shutdown(weft::net::Shutdown::Write);
        std::string got;
        co_await weft::io::read_to_string(s, got);
        EXPECT_EQ(got, "bye");
        char buf[8];
        EXPECT_EQ(co_await s.read(std::span(buf)), 0u);
        EXPECT_EQ(co_await s.read(std::span(buf)), 0u);
        // read_exact at the end is an error the caller can tell apart.
        try {
            co_await s.read_exact(std::span(buf));
            ADD_FAILURE() << "no exception";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), weft::io::Errc::unexpected_eof) << e.what();
        }
        // The other direction still works.
        co_await s.write_all("still here");
        std::string back(10, '\0');
        co_await c.read_exact(std::span(back));
        EXPECT_EQ(back, "still here");
    });
}

TEST_P(Tcp, ConnectRefusedNamesTheAddressAndTheRuntimeGoesOn) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        SocketAddr dead;
        {
            auto l = TcpListener::bind(SocketAddr::localhost(0));
            dead = l.local_addr();
        }  // closed: nobody listens there any more
        try {
            (void)co_await TcpStream::connect(dead);
            ADD_FAILURE() << "connected to a closed port";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::connection_refused) << e.what();
            EXPECT_NE(std::string(e.what()).find(dead.to_string()), std::string::npos) << e.what();
        }
        // Everything else keeps working.
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto server = weft::spawn(echo_server(l, 1));
        TcpStream c = co_await TcpStream::connect(l.local_addr());
        co_await c.write_all("ok");
        char buf[2];
        co_await c.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, 2), "ok");
        co_await server;
    });
}

TEST_P(Tcp, AResetPeerFailsOnlyItsOwnConnection) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        TcpStream good = co_await TcpStream::connect(l.local_addr());
        auto [good_srv, p1] = co_await l.accept();
        TcpStream bad = co_await TcpStream::connect(l.local_addr());
        auto [bad_srv, p2] = co_await l.accept();
        auto good_echo = weft::spawn(echo(std::move(good_srv)));

        // A server task blocked in read when the peer resets.
        auto reader = weft::spawn([](TcpStream s) -> weft::Task<int> {
            char buf[16];
            try {
                (void)co_await s.read(std::span(buf));
            } catch (const std::system_error& e) {
                co_return e.code().value();
            }
            co_return 0;
        }(std::move(bad_srv)));
        co_await weft::time::sleep(20ms);
        linger lg{1, 0};  // close with RST
        EXPECT_EQ(::setsockopt(bad.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
        { TcpStream gone = std::move(bad); }
        EXPECT_EQ(co_await reader, ECONNRESET);

        co_await good.write_all("alive");
        char buf[5];
        co_await good.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, 5), "alive");
        good.shutdown(weft::net::Shutdown::Write);
        co_await good_echo;
    });
}

TEST_P(Tcp, WritingToAClosedPeerThrowsInsteadOfRaisingSigpipe) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto c = std::make_unique<TcpStream>(co_await TcpStream::connect(l.local_addr()));
        auto [s, peer] = co_await l.accept();
        c.reset();  // the peer closes
        std::vector<char> chunk(65536, 'x');
        int err = 0;
        for (int i = 0; i < 1000 && err == 0; ++i) {
            try {
                co_await s.write_all(std::as_bytes(std::span(chunk)));
            } catch (const std::system_error& e) {
                err = e.code().value();
            }
        }
        EXPECT_TRUE(err == EPIPE || err == ECONNRESET) << err;
    });
}

TEST_P(Tcp, MovesEightMegabytesBothWaysThroughSplitHalves) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto server = weft::spawn(echo_server(l, 1));
        TcpStream c = co_await TcpStream::connect(l.local_addr());
        c.set_nodelay(true);
        EXPECT_TRUE(c.nodelay());
        constexpr std::size_t kBytes = 8 << 20;
        std::vector<std::byte> out(kBytes);
        for (std::size_t i = 0; i < kBytes; ++i)
            out[i] = static_cast<std::byte>(i * 7 + i / 4096);
        std::vector<std::byte> in(kBytes);
        // Writing all before reading would deadlock on full socket buffers: the halves run at
        // once.
        auto [rd, wr] = c.split();
        co_await weft::join(
            [](auto& w, std::span<const std::byte> b) -> weft::Task<void> {
                co_await weft::io::write_all(w, b);
                co_await weft::io::shutdown(w);
            }(wr, out),
            [](auto& r, std::span<std::byte> b) -> weft::Task<void> {
                co_await weft::io::read_exact(r, b);
            }(rd, in));
        EXPECT_TRUE(out == in);
        char extra;
        EXPECT_EQ(co_await c.read(std::span(&extra, 1)), 0u);
        co_await server;
    });
}

TEST_P(Tcp, OwnedHalvesWorkFromTwoTasksAndClosingTheWriterEndsThePeersStream) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto server = weft::spawn(echo_server(l, 1));
        TcpStream c = co_await TcpStream::connect(l.local_addr());
        auto [rd, wr] = std::move(c).into_split();
        auto writer = weft::spawn([](TcpStream::OwnedWriteHalf w) -> weft::Task<void> {
            for (int i = 0; i < 100; ++i)
                co_await weft::io::write_all(w, "0123456789");
        }(std::move(wr)));  // the half is dropped when the task ends: the echo sees EOF
        auto reader = weft::spawn([](TcpStream::OwnedReadHalf r) -> weft::Task<std::size_t> {
            std::string all;
            co_await weft::io::read_to_string(r, all);
            co_return all.size();
        }(std::move(rd)));
        co_await writer;
        EXPECT_EQ(co_await reader, 1000u);
        co_await server;
    });
}

TEST_P(Tcp, ACancelledReadLosesNothingAndLeavesTheSocketUsable) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto [c, s] = co_await connect_pair(l);
        char buf[16];
        auto r = co_await weft::time::timeout(20ms, s.read(std::span(buf)));
        EXPECT_TRUE(r.is_elapsed());
        // A cancelled accept too.
        auto a = co_await weft::time::timeout(20ms, l.accept());
        EXPECT_TRUE(a.is_elapsed());
        co_await c.write_all("late");
        co_await s.read_exact(std::span(buf, 4));
        EXPECT_EQ(std::string_view(buf, 4), "late");
        TcpStream c2 = co_await TcpStream::connect(l.local_addr());
        auto [s2, p2] = co_await l.accept();
        EXPECT_EQ(p2, c2.local_addr());
    });
}

TEST_P(Tcp, AbortingATaskBlockedInReadClosesItsSocket) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto [c, s] = co_await connect_pair(l);
        auto blocked = weft::spawn([](TcpStream s) -> weft::Task<void> {
            char buf[16];
            (void)co_await s.read(std::span(buf));
            ADD_FAILURE() << "read completed";
        }(std::move(s)));
        co_await weft::time::sleep(10ms);
        blocked.abort();
        try {
            co_await blocked;
            ADD_FAILURE() << "not cancelled";
        } catch (const weft::JoinError&) {
        }
        // Its frame was destroyed, which closed the socket: we read end of stream.
        char buf[1];
        EXPECT_EQ(co_await c.read(std::span(buf)), 0u);
    });
}

TEST_P(Tcp, ConnectTimesOutUnderTimeoutWhenTheBacklogIsFull) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        // A listener that never accepts, with a backlog of 1: once its queue is full the kernel
        // drops further SYNs, and those connects hang until the timeout.
        auto l = TcpListener::bind(SocketAddr::localhost(0), 1);
        std::vector<TcpStream> queued;
        bool timed_out = false;
        for (int i = 0; i < 8 && !timed_out; ++i) {
            auto r = co_await weft::time::timeout(200ms, TcpStream::connect(l.local_addr()));
            if (r.is_elapsed()) {
                timed_out = true;
            } else {
                queued.push_back(std::move(r).value());
            }
        }
        EXPECT_TRUE(timed_out) << "every connect completed";
        EXPECT_LE(queued.size(), 4u);
    });
}

TEST_P(Tcp, OutOfDescriptorsOnAcceptBacksOffAndKeepsServing) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    rt.block_on([&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto addr = l.local_addr();
        TcpStream a = co_await TcpStream::connect(addr);
        auto [a_srv, pa] = co_await l.accept();
        auto a_echo = weft::spawn(echo(std::move(a_srv)));
        // The second client's socket exists before the limit drops.
        int b = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        EXPECT_GE(b, 0);
        std::atomic<bool> accepted{false};
        auto acceptor =
            weft::spawn([](TcpListener& l, std::atomic<bool>& done) -> weft::Task<void> {
                auto [s, p] = co_await l.accept();
                done = true;
            }(l, accepted));
        // No descriptor can be created from here on: the lowest free number is the limit.
        int lowest = ::dup(0);
        ::close(lowest);
        rlimit low = saved;
        low.rlim_cur = static_cast<rlim_t>(lowest);
        EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
        EXPECT_EQ(::connect(b, addr.as_sockaddr(), addr.sockaddr_len()), 0);  // queued
        co_await weft::time::sleep(50ms);
        EXPECT_FALSE(accepted.load()) << "accept got a descriptor past the limit";
        // The connection already accepted is served meanwhile.
        co_await a.write_all("ping");
        char buf[4];
        co_await a.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, 4), "ping");
        EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
        co_await acceptor;  // resumes within a back-off period
        EXPECT_TRUE(accepted.load());
        ::close(b);
        a.shutdown(weft::net::Shutdown::Write);
        co_await a_echo;
    });
    ::setrlimit(RLIMIT_NOFILE, &saved);
}

TEST_P(Tcp, ASocketOutlivingItsRuntimeThrowsOnUse) {
    std::optional<TcpStream> kept;
    std::optional<TcpStream> peer;
    {
        weft::Runtime rt = io_runtime(GetParam());
        rt.block_on([&]() -> weft::Task<void> {
            auto l = TcpListener::bind(SocketAddr::localhost(0));
            kept.emplace(co_await TcpStream::connect(l.local_addr()));
            auto [s, p] = co_await l.accept();
            peer.emplace(std::move(s));
        });
    }
    // No runtime any more: polling says so instead of hanging.
    char buf[4];
    auto fut = kept->read(std::span(buf));
    weft::Context cx(weft::Waker::noop());
    EXPECT_THROW((void)fut.poll(cx), std::runtime_error);
    kept.reset();
    peer.reset();
}

TEST(TcpOutsideRuntime, BindSaysItNeedsARuntime) {
    try {
        (void)TcpListener::bind(SocketAddr::localhost(0));
        ADD_FAILURE() << "no exception";
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("needs a runtime"), std::string::npos) << e.what();
    }
}

TEST(TcpStress, TwoHundredConnectionsTimesAHundredRoundTripsOnTwoWorkers) {
    Watchdog dog(60s);
    for (auto driver : {weft::IoDriverKind::Epoll, weft::IoDriverKind::Uring}) {
        weft::Runtime rt = weft::Runtime::builder().worker_threads(2).io_driver(driver).build();
        std::size_t total = rt.block_on([&]() -> weft::Task<std::size_t> {
            auto l = TcpListener::bind(SocketAddr::localhost(0));
            constexpr int kConns = 200;
            auto server = weft::spawn(echo_server(l, kConns));
            std::vector<weft::JoinHandle<std::size_t>> hs;
            for (int i = 0; i < kConns; ++i) {
                hs.push_back(weft::spawn([](SocketAddr a) -> weft::Task<std::size_t> {
                    TcpStream s = co_await TcpStream::connect(a);
                    std::size_t n = 0;
                    char msg[64];
                    std::memset(msg, 'm', sizeof msg);
                    for (int r = 0; r < 100; ++r) {
                        co_await s.write_all(std::string_view(msg, sizeof msg));
                        co_await s.read_exact(std::span(msg));
                        n += sizeof msg;
                    }
                    co_return n;
                }(l.local_addr())));
            }
            std::size_t sum = 0;
            for (auto& h : hs)
                sum += co_await h;
            co_await server;
            co_return sum;
        });
        EXPECT_EQ(total, 200u * 100u * 64u) << weft::to_string(driver);
    }
}

TEST(TcpRaw, ABlockingPeerSeesTheEcho) {
    // A plain blocking socket on another thread talks to a weft server: nothing weft-specific
    // on the other end.
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    rt.block_on([&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        SocketAddr addr = l.local_addr();
        std::string got;
        std::thread peer([&] {
            int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            ASSERT_EQ(::connect(fd, addr.as_sockaddr(), addr.sockaddr_len()), 0);
            ASSERT_EQ(::write(fd, "hello", 5), 5);
            ::shutdown(fd, SHUT_WR);
            got = read_all_text(fd);
            ::close(fd);
        });
        auto [s, p] = co_await l.accept();
        co_await echo(std::move(s));
        peer.join();
        EXPECT_EQ(got, "hello");
    });
}

// ---- TcpSocket, and the TcpStream members of issue 20 ----

namespace {
// Whether this machine can bind ::1 (a container may have no IPv6 loopback).
bool ipv6_loopback_available() {
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    auto addr = SocketAddr::from_string("[::1]:0");
    bool ok = ::bind(fd, addr.as_sockaddr(), addr.sockaddr_len()) == 0;
    ::close(fd);
    return ok;
}
}  // namespace

TEST_P(Tcp, TcpSocketOptionsReadBackAndItListensAndConnects) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        using weft::net::TcpSocket;
        auto ls = TcpSocket::new_v4();
        EXPECT_FALSE(ls.reuseaddr());
        ls.set_reuseaddr(true);
        ls.set_reuseport(true);
        EXPECT_TRUE(ls.reuseaddr());
        EXPECT_TRUE(ls.reuseport());
        ls.set_recv_buffer_size(64 * 1024);
        EXPECT_GE(ls.recv_buffer_size(), 64u * 1024u);
        ls.bind(SocketAddr::localhost(0));
        SocketAddr bound = ls.local_addr();
        EXPECT_NE(bound.port(), 0);
        TcpListener l = std::move(ls).listen(16);
        EXPECT_EQ(l.local_addr(), bound);

        auto cs = TcpSocket::new_v4();
        cs.set_keepalive(true);
        cs.set_nodelay(true);
        cs.set_linger(std::chrono::seconds(3));
        cs.set_send_buffer_size(96 * 1024);
        EXPECT_TRUE(cs.keepalive());
        EXPECT_TRUE(cs.nodelay());
        EXPECT_EQ(cs.linger(), std::optional(std::chrono::seconds(3)));
        EXPECT_GE(cs.send_buffer_size(), 96u * 1024u);
        cs.set_linger(std::nullopt);
        EXPECT_EQ(cs.linger(), std::nullopt);
        TcpStream c = co_await std::move(cs).connect(bound);
        EXPECT_TRUE(c.nodelay()) << "options set on the socket stay on the stream";
        auto [s, peer] = co_await l.accept();
        EXPECT_EQ(peer, c.local_addr());

        // A socket dropped without connecting or listening is closed, and so is one whose
        // connect future is dropped before its first poll.
        auto unused = TcpSocket::new_v4();
        int ufd = unused.native_handle();
        { auto dropped = std::move(unused).connect(bound); }
        EXPECT_EQ(::fcntl(ufd, F_GETFD), -1);

        // Binding a port that is taken names it.
        auto clash = TcpSocket::new_v4();
        try {
            clash.bind(bound);
            ADD_FAILURE() << "bound a port in use";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::address_in_use);
            EXPECT_NE(std::string(e.what()).find(bound.to_string()), std::string::npos);
        }
    });
}

TEST_P(Tcp, TcpSocketOverIpv6Loopback) {
    if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback (::1) in this container";
    run_io(GetParam(), [&]() -> weft::Task<void> {
        using weft::net::TcpSocket;
        auto ls = TcpSocket::new_v6();
        ls.bind(SocketAddr::from_string("[::1]:0"));
        TcpListener l = std::move(ls).listen(16);
        auto cs = TcpSocket::new_for(l.local_addr());
        TcpStream c = co_await std::move(cs).connect(l.local_addr());
        auto [s, peer] = co_await l.accept();
        EXPECT_TRUE(peer.is_ipv6());
        c.set_ttl(42);
        EXPECT_EQ(c.ttl(), 42u);  // IPV6_UNICAST_HOPS on a v6 socket
        co_await c.write_all("six");
        char buf[3];
        co_await s.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, 3), "six");
    });
}

TEST_P(Tcp, PeekTryReadTryWriteReadinessTtlAndLinger) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto [c, s] = co_await connect_pair(l);
        char buf[16];

        // Nothing there: try_read would block, and readable() waits.
        EXPECT_EQ(s.try_read(std::span(buf)), std::nullopt);
        auto idle = co_await weft::time::timeout(20ms, s.readable());
        EXPECT_TRUE(idle.is_elapsed());

        // try_write goes at once on a fresh connection (it does not wait for a report).
        EXPECT_EQ(c.try_write("hello"), std::optional<std::size_t>(5));
        weft::io::Readiness r = co_await s.ready(weft::io::Interest::readable);
        EXPECT_TRUE(r.is_readable());
        // peek does not consume: twice the same bytes, then read takes them.
        EXPECT_EQ(co_await s.peek(std::span(buf)), 5u);
        EXPECT_EQ(co_await s.peek(std::span(buf, 2)), 2u);
        EXPECT_EQ(std::string_view(buf, 2), "he");
        EXPECT_EQ(s.try_read(std::span(buf)), std::optional<std::size_t>(5));
        EXPECT_EQ(std::string_view(buf, 5), "hello");
        EXPECT_EQ(s.try_read(std::span(buf)), std::nullopt);

        weft::io::Readiness w = co_await c.writable();
        EXPECT_TRUE(w.is_writable());
        EXPECT_FALSE(w.is_readable()) << "only the direction asked for";

        c.set_ttl(17);
        EXPECT_EQ(c.ttl(), 17u);
        EXPECT_EQ(c.linger(), std::nullopt);
        c.set_linger(std::chrono::seconds(0));
        EXPECT_EQ(c.linger(), std::optional(std::chrono::seconds(0)));

        // At end of stream try_read gives 0 and readable() is ready (read-closed).
        c.shutdown(weft::net::Shutdown::Write);
        weft::io::Readiness eof = co_await s.readable();
        EXPECT_TRUE(eof.is_readable());
        EXPECT_EQ(s.try_read(std::span(buf)), std::optional<std::size_t>(0));
    });
}
