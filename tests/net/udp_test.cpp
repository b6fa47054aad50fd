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

TEST_P(Udp, PeekFromTrySendRecvAndOptions) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto a = UdpSocket::bind(SocketAddr::localhost(0));
        auto b = UdpSocket::bind(SocketAddr::localhost(0));
        std::byte buf[64];
        EXPECT_EQ(b.try_recv_from(buf), std::nullopt) << "nothing queued: would block";

        EXPECT_EQ(a.try_send_to(bytes("first"), b.local_addr()), std::optional<std::size_t>(5));
        co_await a.send_to(bytes("second"), b.local_addr());
        // peek_from does not consume: the same datagram twice, then recv_from takes it.
        auto [n1, from1] = co_await b.peek_from(buf);
        auto [n2, from2] = co_await b.peek_from(buf);
        EXPECT_EQ(n1, 5u);
        EXPECT_EQ(n2, 5u);
        EXPECT_EQ(from1, a.local_addr());
        EXPECT_EQ(from2, a.local_addr());
        auto got = b.try_recv_from(buf);
        EXPECT_TRUE(got.has_value());
        if (got) {
            EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf), got->first), "first");
        }
        weft::io::Readiness r = co_await b.readable();
        EXPECT_TRUE(r.is_readable());
        auto [n3, from3] = co_await b.recv_from(buf);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf), n3), "second");
        EXPECT_EQ(b.try_recv_from(buf), std::nullopt);

        EXPECT_FALSE(a.broadcast());
        a.set_broadcast(true);
        EXPECT_TRUE(a.broadcast());
        a.set_ttl(9);
        EXPECT_EQ(a.ttl(), 9u);
        a.set_multicast_loop_v4(false);
        EXPECT_FALSE(a.multicast_loop_v4());
        a.set_multicast_ttl_v4(4);
        EXPECT_EQ(a.multicast_ttl_v4(), 4u);
        EXPECT_THROW(a.join_multicast_v4("not an address", "127.0.0.1"), std::invalid_argument);
    });
}

TEST_P(Udp, JoinsAndLeavesAMulticastGroupOnLoopback) {
    std::string refused;
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto s = UdpSocket::bind(SocketAddr::v4({0, 0, 0, 0}, 0));
        try {
            s.join_multicast_v4("239.255.77.1", "127.0.0.1");
        } catch (const std::system_error& e) {
            refused = e.what();
            co_return;
        }
        // Joined twice: the kernel says so (EADDRINUSE), naming the group.
        try {
            s.join_multicast_v4("239.255.77.1", "127.0.0.1");
            ADD_FAILURE() << "joined the same group twice";
        } catch (const std::system_error& e) {
            EXPECT_NE(std::string(e.what()).find("239.255.77.1"), std::string::npos);
        }
        s.leave_multicast_v4("239.255.77.1", "127.0.0.1");
        EXPECT_THROW(s.leave_multicast_v4("239.255.77.1", "127.0.0.1"), std::system_error);
        co_return;
    });
    if (!refused.empty()) GTEST_SKIP() << "the kernel refuses multicast on lo here: " << refused;
}
