// weft::io::BufReader: lines and delimiters over a real TCP connection (split into halves), and
// over an in-memory reader that hands out one byte per read.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/net_support.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;

namespace {
// Reads `text` back one byte per poll_read, pending every other call (waking itself).
struct Trickle {
    std::string text;
    std::size_t pos = 0;
    bool pend = true;
    weft::Poll<std::size_t> poll_read(weft::Context& cx, std::span<std::byte> buf) {
        if ((pend = !pend)) {
            cx.waker().wake_by_ref();
            return weft::Pending;
        }
        if (pos == text.size() || buf.empty()) return std::size_t{0};
        buf[0] = static_cast<std::byte>(text[pos++]);
        return std::size_t{1};
    }
};
}  // namespace

TEST(BufReader, SplitsLinesThatArriveOneByteAtATime) {
    std::vector<std::string> lines = weft::block_on([]() -> weft::Task<std::vector<std::string>> {
        weft::io::BufReader r(Trickle{"one\ntwo\n\nlast without newline", 0, true}, 4);
        std::vector<std::string> out;
        std::string line;
        while (co_await r.read_line(line) != 0) {
            out.push_back(line);
            line.clear();
        }
        co_return out;
    }());
    EXPECT_EQ(lines, (std::vector<std::string>{"one\n", "two\n", "\n", "last without newline"}));
}

TEST(BufReader, ReadsLinesAndRecordsFromATcpStream) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    rt.block_on([]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        TcpStream c = co_await TcpStream::connect(l.local_addr());
        auto [s, peer] = co_await l.accept();
        // 2,000 lines written in one go, larger in total than the reader's buffer.
        std::string all;
        for (int i = 0; i < 2000; ++i)
            all += "line " + std::to_string(i) + "\n";
        all += "a;b;";
        co_await c.write_all(all);
        c.shutdown(weft::net::Shutdown::Write);
        auto [rd, wr] = s.split();
        weft::io::BufReader r(rd, 512);
        std::string line;
        for (int i = 0; i < 2000; ++i) {
            line.clear();
            EXPECT_EQ(co_await r.read_line(line), line.size());
            EXPECT_EQ(line, "line " + std::to_string(i) + "\n");
        }
        std::vector<std::byte> rec;
        EXPECT_EQ(co_await r.read_until(std::byte(';'), rec), 2u);
        EXPECT_EQ(co_await r.read_until(std::byte(';'), rec), 2u);
        EXPECT_EQ(rec.size(), 4u);
        EXPECT_EQ(co_await r.read_until(std::byte(';'), rec), 0u);  // end of stream
    });
}
