// Framed<TcpStream, LinesCodec> end to end over 127.0.0.1 (an ephemeral port), on each I/O
// driver and runtime flavour: a server task answers each line with its upper-case form; the
// client pipelines many lines, one long line (larger than any socket read), then closes its
// writing side; the server sees the end of the stream and closes; the client reads every reply
// and then the end.

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "support/net_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using weft::codec::Framed;
using weft::codec::LinesCodec;
using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;

namespace {

std::string upper(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

weft::Task<int> serve_one(TcpListener listener) {
    auto [conn, peer] = co_await listener.accept();
    (void)peer;
    Framed framed(std::move(conn), LinesCodec::with_max_length(1 << 20));
    int lines = 0;
    while (auto line = co_await weft::stream::next(framed)) {
        co_await framed.send(upper(std::move(*line)));
        ++lines;
    }
    co_await framed.close();
    co_return lines;
}

}  // namespace

class FramedTcp : public testing::TestWithParam<IoParam> {};

TEST_P(FramedTcp, LinesEndToEnd) {
    run_io(GetParam(), []() -> weft::Task<void> {
        auto listener = TcpListener::bind(SocketAddr::localhost(0));
        SocketAddr addr = listener.local_addr();
        auto server = weft::spawn(serve_one(std::move(listener)));

        TcpStream conn = co_await TcpStream::connect(addr);
        Framed client(std::move(conn), LinesCodec());
        std::vector<std::string> sent;
        for (int i = 0; i < 500; ++i)
            sent.push_back("line number " + std::to_string(i));
        sent.push_back(std::string(300000, 'q'));  // longer than any single read
        sent.push_back("last\r");                  // sent as "last\r\n": the '\r' is stripped
        // Writing and reading at once (the replies could fill the socket buffers otherwise).
        auto write_all = [&]() -> weft::Task<void> {
            for (const auto& s : sent)
                co_await client.send(std::string_view(s));
            co_await client.close();  // flush, then FIN: the server's stream ends
        };
        auto read_all = [&]() -> weft::Task<std::vector<std::string>> {
            std::vector<std::string> lines;
            while (auto line = co_await weft::stream::next(client))
                lines.push_back(*line);
            co_return lines;
        };
        auto [done, got] = co_await weft::join(write_all(), read_all());
        (void)done;
        int served = co_await server;
        EXPECT_EQ(served, static_cast<int>(sent.size()));
        EXPECT_EQ(got.size(), sent.size());
        if (got.size() != sent.size()) co_return;
        for (std::size_t i = 0; i + 1 < sent.size(); ++i) {
            EXPECT_TRUE(got[i] == upper(sent[i])) << i;
        }
        EXPECT_EQ(got.back(), "LAST");
    });
}

INSTANTIATE_TEST_SUITE_P(Drivers, FramedTcp, all_io_params(), io_param_name);
