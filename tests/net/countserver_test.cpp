// The count server example under thousands of concurrent connections, on both drivers:
// every count from 0 is handed out exactly once.

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "countserver.hpp"  // examples/
#include "support/net_support.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;

class CountServer : public testing::TestWithParam<IoParam> {};
INSTANTIATE_TEST_SUITE_P(Drivers, CountServer, all_io_params(), io_param_name);

TEST_P(CountServer, ThreeThousandConcurrentClientsGetEveryCountOnce) {
    Watchdog dog(60s);
    weft::Runtime rt = io_runtime(GetParam());
    static constexpr std::uint64_t kClients = 3000;
    auto counts = rt.block_on([]() -> weft::Task<std::vector<std::uint64_t>> {
        auto l = weft::net::TcpListener::bind(weft::net::SocketAddr::localhost(0), 4096);
        auto server = weft::spawn(count_server(l, kClients));
        std::vector<weft::JoinHandle<std::uint64_t>> clients;
        for (std::uint64_t i = 0; i < kClients; ++i)
            clients.push_back(weft::spawn(count_client(l.local_addr())));
        std::vector<std::uint64_t> got;
        for (auto& c : clients)
            got.push_back(co_await c);
        EXPECT_EQ(co_await server, kClients);
        co_return got;
    });
    std::sort(counts.begin(), counts.end());
    ASSERT_EQ(counts.size(), kClients);
    for (std::uint64_t i = 0; i < kClients; ++i)
        ASSERT_EQ(counts[i], i) << "a gap or a duplicate";
}
