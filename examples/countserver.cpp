// countserver: each client that connects receives the running count of connections (decimal
// text and CRLF), then the server closes. With no argument it serves 1,000 concurrent clients
// of its own and checks the counts are exactly 0..999; `countserver PORT` serves forever
// (try `nc 127.0.0.1 PORT`).
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "countserver.hpp"

int main(int argc, char** argv) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    if (argc > 1) {
        auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
        rt.block_on([port]() -> weft::Task<void> {
            auto l = weft::net::TcpListener::bind(weft::net::SocketAddr::localhost(port));
            std::printf("count server on %s\n", l.local_addr().to_string().c_str());
            co_await count_server(l, 0);
        });
        return 0;
    }
    constexpr std::uint64_t kClients = 1000;
    bool ok = rt.block_on([]() -> weft::Task<bool> {
        auto l = weft::net::TcpListener::bind(weft::net::SocketAddr::localhost(0));
        std::vector<std::uint64_t> counts = co_await run_count_clients(l, kClients);
        bool exact = true;
        for (std::uint64_t i = 0; i < kClients; ++i)
            exact = exact && counts[i] == i;
        std::printf("%llu concurrent clients on %s; counts received: %llu..%llu, %s\n",
                    static_cast<unsigned long long>(kClients), l.local_addr().to_string().c_str(),
                    static_cast<unsigned long long>(counts.front()),
                    static_cast<unsigned long long>(counts.back()),
                    exact ? "each exactly once (no gaps, no duplicates)" : "NOT exact");
        co_return exact;
    });
    return ok ? 0 : 1;
}
