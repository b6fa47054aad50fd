// countserver: each client that connects receives the running count of connections (decimal
// text and CRLF), then the server closes. With no argument it serves 1,000 concurrent clients
// of its own and checks the counts are exactly 0..999; `countserver PORT` serves forever
// (try `nc 127.0.0.1 PORT`).
#include <algorithm>
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
        auto server = weft::spawn(count_server(l, kClients));
        std::vector<weft::JoinHandle<std::uint64_t>> clients;
        for (std::uint64_t i = 0; i < kClients; ++i)
            clients.push_back(weft::spawn(count_client(l.local_addr())));
        std::vector<std::uint64_t> counts;
        for (auto& c : clients)
            counts.push_back(co_await c);
        co_await server;
        std::sort(counts.begin(), counts.end());
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
