#pragma once
// Helpers shared by the I/O tests: every test runs on both I/O drivers and both runtime
// flavours.

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

namespace weft_test {

struct IoParam {
    weft::IoDriverKind driver;
    bool current_thread;
};

inline weft::Runtime io_runtime(const IoParam& p) {
    auto b = p.current_thread ? weft::RuntimeBuilder::new_current_thread()
                              : weft::Runtime::builder().worker_threads(2);
    return b.io_driver(p.driver).build();
}

inline std::string io_param_name(const testing::TestParamInfo<IoParam>& info) {
    return std::string(weft::to_string(info.param.driver)) +
           (info.param.current_thread ? "_current" : "_multi");
}

inline auto all_io_params() {
    return testing::Values(
        IoParam{weft::IoDriverKind::Epoll, true}, IoParam{weft::IoDriverKind::Epoll, false},
        IoParam{weft::IoDriverKind::Uring, true}, IoParam{weft::IoDriverKind::Uring, false});
}

/// Runs `body` (a coroutine lambda) to its end on a runtime for `p`, under a Watchdog that
/// aborts the test if nothing happens for 30 s: the frame of almost every I/O test.
template <class Body>
void run_io(const IoParam& p, Body&& body) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(p);
    rt.block_on(std::forward<Body>(body));
}

/// A connected TCP client (first) and the server's side of it (second), through `l`.
inline weft::Task<std::pair<weft::net::TcpStream, weft::net::TcpStream>> connect_pair(
    weft::net::TcpListener& l) {
    weft::net::TcpStream c = co_await weft::net::TcpStream::connect(l.local_addr());
    auto [s, peer] = co_await l.accept();
    EXPECT_EQ(peer, c.local_addr());
    co_return std::pair<weft::net::TcpStream, weft::net::TcpStream>(std::move(c), std::move(s));
}

/// Echoes everything `s` (a TcpStream, UnixStream...) reads back to it, until end of stream.
template <class Stream>
weft::Task<void> echo(Stream s) {
    char buf[4096];
    for (;;) {
        std::size_t n = co_await s.read(std::span(buf));
        if (n == 0) co_return;
        co_await s.write_all(std::string_view(buf, n));
    }
}

}  // namespace weft_test
