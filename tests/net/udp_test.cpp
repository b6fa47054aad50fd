// weft::net::UdpSocket on 127.0.0.1 against both I/O drivers and both flavours.

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <system_error>

#include "support/drop_hook_waker.hpp"
#include "support/net_support.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::net::SocketAddr;
using weft::net::UdpSocket;

namespace {
class Udp : public testing::TestWithParam<IoParam> {};

std::span<const std::byte> bytes(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
}
}  // namespace

INSTANTIATE_TEST_SUITE_P(Drivers, Udp, all_io_params(), io_param_name);

TEST_P(Udp, PingPongsAThousandDatagramsWithTheirSenders) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto a = UdpSocket::bind(SocketAddr::localhost(0));
        auto b = UdpSocket::bind(SocketAddr::localhost(0));
        auto echo = weft::spawn([](UdpSocket& s) -> weft::Task<int> {
            std::byte buf[64];
            for (int i = 0; i < 1000; ++i) {
                auto [n, from] = co_await s.recv_from(buf);
                co_await s.send_to(std::span(buf, n), from);
            }
            co_return 1000;
        }(b));
        for (int i = 0; i < 1000; ++i) {
            std::string msg = "datagram " + std::to_string(i);
            EXPECT_EQ(co_await a.send_to(bytes(msg), b.local_addr()), msg.size());
            std::byte buf[64];
            auto [n, from] = co_await a.recv_from(buf);
            EXPECT_EQ(from, b.local_addr());
            EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf), n), msg);
        }
        EXPECT_EQ(co_await echo, 1000);
    });
}

TEST_P(Udp, ConnectedSocketsSendAndReceiveAndSeeRefusal) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto a = UdpSocket::bind(SocketAddr::localhost(0));
        auto b = UdpSocket::bind(SocketAddr::localhost(0));
        a.connect(b.local_addr());
        b.connect(a.local_addr());
        EXPECT_EQ(a.peer_addr(), b.local_addr());
        co_await a.send(bytes("hi"));
        std::byte buf[8];
        EXPECT_EQ(co_await b.recv(buf), 2u);

        // A peer with no socket: the ICMP port-unreachable comes back as connection_refused.
        SocketAddr dead;
        {
            auto gone = UdpSocket::bind(SocketAddr::localhost(0));
            dead = gone.local_addr();
        }
        auto c = UdpSocket::bind(SocketAddr::localhost(0));
        c.connect(dead);
        co_await c.send(bytes("anyone?"));
        try {
            (void)co_await c.recv(buf);
            ADD_FAILURE() << "received from a closed port";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::connection_refused) << e.what();
        }
    });
}

TEST_P(Udp, ACancelledReceiveTakesNothing) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto a = UdpSocket::bind(SocketAddr::localhost(0));
        auto b = UdpSocket::bind(SocketAddr::localhost(0));
        std::byte buf[16];
        auto r = co_await weft::time::timeout(20ms, b.recv_from(buf));
        EXPECT_TRUE(r.is_elapsed());
        co_await a.send_to(bytes("one"), b.local_addr());
        co_await a.send_to(bytes("two"), b.local_addr());
        auto [n1, f1] = co_await b.recv_from(buf);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf), n1), "one");
        auto [n2, f2] = co_await b.recv_from(buf);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf), n2), "two");
    });
}

// Issue 16: a poll that replaces the socket's stored waker drops the old one after the I/O
// driver's per-socket lock. The drop is user code that may use the same socket (here: poll it
// again); dropped under that spin lock, it spins forever (the watchdog fails the test).
TEST_P(Udp, AReplacedWakerIsDroppedOutsideTheSocketsLock) {
    Watchdog dog(std::chrono::seconds(10));
    // The wakers outlive the runtime: a socket may still hold a clone of one, and the I/O
    // driver's thread may be waking it (a datagram arrives while `first` is still registered)
    // when the task ends; only the runtime's shutdown, which joins that thread, orders the
    // wake before the wakers' memory goes away.
    CountingWaker first, again;
    UdpSocket* target = nullptr;
    std::byte buf[16];
    bool inner_pending = false;
    DropHookWaker hook([&] {  // polls the same socket again
        weft::Waker w = again.make();
        weft::Context cx(w);
        inner_pending = target->poll_recv_from(cx, buf).is_pending();
    });
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        auto a = UdpSocket::bind(SocketAddr::localhost(0));
        auto b = UdpSocket::bind(SocketAddr::localhost(0));
        target = &b;
        {
            weft::Waker w = hook.make();
            weft::Context cx(w);
            EXPECT_TRUE(b.poll_recv_from(cx, buf).is_pending());
        }
        {
            weft::Waker w = first.make();
            weft::Context cx(w);
            // Replaces hook's waker, whose drop polls b again.
            EXPECT_TRUE(b.poll_recv_from(cx, buf).is_pending());
        }
        EXPECT_TRUE(hook.hook_ran);
        EXPECT_TRUE(inner_pending);
        // The socket still works: a datagram sent now is received.
        std::string msg = "after";
        EXPECT_EQ(co_await a.send_to(bytes(msg), b.local_addr()), msg.size());
        auto [n, from] = co_await b.recv_from(buf);
        EXPECT_EQ(from, a.local_addr());
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf), n), msg);
    });
}
