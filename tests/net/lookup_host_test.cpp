// weft::net::lookup_host: names through the system resolver on the blocking pool (localhost,
// from /etc/hosts, so no network is needed), numeric addresses, "host:port" text, and the
// errors, on both runtime flavours.

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <system_error>

#include "support/net_support.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
using weft::net::lookup_host;
using weft::net::SocketAddr;

namespace {
class LookupHost : public testing::TestWithParam<IoParam> {};
}  // namespace

INSTANTIATE_TEST_SUITE_P(Flavours, LookupHost,
                         testing::Values(IoParam{weft::IoDriverKind::Epoll, true},
                                         IoParam{weft::IoDriverKind::Epoll, false}),
                         io_param_name);

TEST_P(LookupHost, LocalhostResolvesAndConnects) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = weft::net::TcpListener::bind(SocketAddr::localhost(0));
        std::uint16_t port = l.local_addr().port();
        std::string localhost = "localhost";
        std::vector<SocketAddr> addrs = co_await lookup_host(localhost, port);
        EXPECT_FALSE(addrs.empty());
        if (addrs.empty()) co_return;
        EXPECT_NE(std::find(addrs.begin(), addrs.end(), SocketAddr::localhost(port)), addrs.end());
        for (const SocketAddr& a : addrs)
            EXPECT_EQ(a.port(), port);
        // Each address once (getaddrinfo lists one per socket type unless told one).
        for (std::size_t i = 0; i < addrs.size(); ++i)
            for (std::size_t j = i + 1; j < addrs.size(); ++j)
                EXPECT_FALSE(addrs[i] == addrs[j]) << addrs[i].to_string();
        std::vector<SocketAddr> again = co_await lookup_host("localhost:" + std::to_string(port));
        EXPECT_EQ(again, addrs);
        weft::net::TcpStream c = co_await weft::net::TcpStream::connect(
            *std::find(addrs.begin(), addrs.end(), SocketAddr::localhost(port)));
        auto [s, peer] = co_await l.accept();
        EXPECT_EQ(peer, c.local_addr());
    });
}

TEST_P(LookupHost, NumericAddressesComeBackAsTheyAre) {
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        // (Named texts and results: GCC 12 miscompiles array temporaries inside co_await.)
        std::string v4 = "10.1.2.3", v6 = "::1", v6_port = "[::1]:8080", v4_port = "127.0.0.1:7";
        std::vector<SocketAddr> a = co_await lookup_host(v4, 80);
        EXPECT_EQ(a, std::vector<SocketAddr>{SocketAddr::from_string("10.1.2.3:80")});
        std::vector<SocketAddr> b = co_await lookup_host(v6, 443);
        EXPECT_EQ(b, std::vector<SocketAddr>{SocketAddr::from_string("[::1]:443")});
        std::vector<SocketAddr> c = co_await lookup_host(v6_port);
        EXPECT_EQ(c, std::vector<SocketAddr>{SocketAddr::from_string("[::1]:8080")});
        std::vector<SocketAddr> d = co_await lookup_host(v4_port);
        EXPECT_EQ(d, std::vector<SocketAddr>{SocketAddr::localhost(7)});
    });
}

TEST_P(LookupHost, ErrorsNameTheHostAndTheRuntimeGoesOn) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        // ".invalid" never resolves (RFC 2606): the resolver's own error (EAI_NONAME here;
        // EAI_AGAIN where no DNS server answers).
        try {
            std::string name = "no-such-host.invalid";
            co_await lookup_host(name, 80);
            ADD_FAILURE() << "a .invalid name resolved";
        } catch (const std::system_error& e) {
            EXPECT_TRUE(e.code().category() == weft::net::resolve_category() ||
                        e.code().category() == std::system_category())
                << e.code().category().name();
            EXPECT_NE(std::string(e.what()).find("no-such-host.invalid"), std::string::npos)
                << e.what();
        }
        for (const char* bad : {"localhost", "localhost:", "localhost:http", "localhost:70000"}) {
            try {
                std::string text = bad;
                co_await lookup_host(text);
                ADD_FAILURE() << "accepted " << bad;
            } catch (const std::invalid_argument& e) {
                EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
            }
        }
        std::string localhost = "localhost";
        std::vector<SocketAddr> ok = co_await lookup_host(localhost, 1);
        EXPECT_FALSE(ok.empty());
    });
}

TEST(LookupHostOutsideARuntime, NeedsTheBlockingPool) {
    EXPECT_THROW(weft::block_on(lookup_host("localhost", 80)), std::logic_error);
}
