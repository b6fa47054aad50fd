// The count server example under thousands of concurrent connections, on both drivers:
// every count from 0 is handed out exactly once.

#include <gtest/gtest.h>

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
        co_return co_await run_count_clients(l, kClients);
    });
    ASSERT_EQ(counts.size(), kClients);
    for (std::uint64_t i = 0; i < kClients; ++i)
        ASSERT_EQ(counts[i], i) << "a gap or a duplicate";
}
