#pragma once
// The count server of pdx-cs-rust/countserver, on weft: every client that connects receives
// the number of connections accepted before it, as decimal text and CRLF, and the server
// closes the connection. Shared by examples/countserver.cpp and its test.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "weft/weft.hpp"

// Sends `count` and closes (the stream is dropped when the task ends).
inline weft::Task<void> send_count(weft::net::TcpStream s, std::uint64_t count) {
    try {
        co_await s.write_all(std::to_string(count) + "\r\n");
    } catch (const std::system_error&) {  // the client left early: its own loss
    }
}

// Accepts `max_conns` connections (forever if 0); the count is taken in the accept loop, so
// counts follow the accept order: 0, 1, 2, ... with no gaps and no duplicates, however many
// clients connect at once. Each reply is written on its own task.
inline weft::Task<std::uint64_t> count_server(weft::net::TcpListener& l, std::uint64_t max_conns) {
    std::uint64_t count = 0;
    while (max_conns == 0 || count < max_conns) {
        auto [s, peer] = co_await l.accept();
        weft::spawn(send_count(std::move(s), count++)).detach();
    }
    co_return count;
}

// A client: connects, reads the whole reply, returns the number in it.
inline weft::Task<std::uint64_t> count_client(weft::net::SocketAddr addr) {
    auto s = co_await weft::net::TcpStream::connect(addr);
    std::string reply;
    co_await weft::io::read_to_string(s, reply);
    if (reply.size() < 3 || reply.substr(reply.size() - 2) != "\r\n")
        throw std::runtime_error("malformed count reply: \"" + reply + "\"");
    co_return std::stoull(reply);
}

// `n` clients at once against a count server on `l` that stops after them: the counts they
// received, sorted (0, 1, ..., n - 1 when each count came exactly once).
inline weft::Task<std::vector<std::uint64_t>> run_count_clients(weft::net::TcpListener& l,
                                                                std::uint64_t n) {
    auto server = weft::spawn(count_server(l, n));
    std::vector<weft::JoinHandle<std::uint64_t>> clients;
    for (std::uint64_t i = 0; i < n; ++i)
        clients.push_back(weft::spawn(count_client(l.local_addr())));
    std::vector<std::uint64_t> counts;
    for (auto& c : clients)
        counts.push_back(co_await c);
    co_await server;
    std::sort(counts.begin(), counts.end());
    co_return counts;
}
