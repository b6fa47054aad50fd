// weft::net::SocketAddr: parsing, formatting, and the round trip through a real socket.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "weft/net/socket_addr.hpp"

using weft::net::SocketAddr;

TEST(SocketAddr, ParsesAndFormatsIpv4AndIpv6) {
    auto a = SocketAddr::parse("127.0.0.1:8080");
    ASSERT_TRUE(a.has_value());
    EXPECT_TRUE(a->is_ipv4());
    EXPECT_EQ(a->port(), 8080);
    EXPECT_EQ(a->ip_string(), "127.0.0.1");
    EXPECT_EQ(a->to_string(), "127.0.0.1:8080");
    EXPECT_EQ(*a, SocketAddr::v4({127, 0, 0, 1}, 8080));
    EXPECT_EQ(*a, SocketAddr::localhost(8080));

    auto b = SocketAddr::from_string("[::1]:443");
    EXPECT_TRUE(b.is_ipv6());
    EXPECT_EQ(b.port(), 443);
    EXPECT_EQ(b.to_string(), "[::1]:443");
    EXPECT_NE(b, *a);

    auto c = SocketAddr::from_string("[fe80::1%2]:0");
    EXPECT_EQ(c.scope_id(), 2u);
    EXPECT_EQ(c.to_string(), "[fe80::1%2]:0");
    EXPECT_EQ(SocketAddr::from_string(c.to_string()), c);  // round trip
    EXPECT_NE(c, SocketAddr::from_string("[fe80::1%3]:0"));

    c.set_port(65535);
    EXPECT_EQ(c.port(), 65535);
    EXPECT_EQ(SocketAddr().to_string(), "0.0.0.0:0");
}

TEST(SocketAddr, RejectsMalformedText) {
    for (const char* bad :
         {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x",
          "256.0.0.1:80", "1.2.3:80", "::1:80", "[::1]", "[::1]:", "[::1:80", "[]:80", "[::1%]:80",
          "[::1%x]:80", "localhost:80", " 127.0.0.1:80", "127.0.0.1:99999999999"}) {
        EXPECT_FALSE(SocketAddr::parse(bad).has_value()) << '"' << bad << '"';
    }
    try {
        (void)SocketAddr::from_string("nope");
        ADD_FAILURE() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("\"nope\""), std::string::npos) << e.what();
    }
}

TEST(SocketAddr, RoundTripsThroughARealSocket) {
    // Bind port 0 on 127.0.0.1 and read back the address the kernel chose.
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    SocketAddr want = SocketAddr::localhost(0);
    ASSERT_EQ(bind(fd, want.as_sockaddr(), want.sockaddr_len()), 0);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len), 0);
    close(fd);
    auto got = SocketAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->ip_string(), "127.0.0.1");
    EXPECT_NE(got->port(), 0);
    // Other families, and truncated lengths, are refused.
    sockaddr unix_sa{};
    unix_sa.sa_family = AF_UNIX;
    EXPECT_FALSE(SocketAddr::from_sockaddr(&unix_sa, sizeof unix_sa).has_value());
    EXPECT_FALSE(SocketAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), 4).has_value());
    EXPECT_FALSE(SocketAddr::from_sockaddr(nullptr, 0).has_value());
}
