// weft::io::duplex, BufWriter, copy and copy_bidirectional: in memory (under block_on and
// across the workers of a runtime) and over real TCP sockets on 127.0.0.1 (a proxy).

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "support/drop_hook_waker.hpp"
#include "support/net_support.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::io::DuplexStream;

namespace {

// A writer that takes at most `chunk` bytes per call, is Pending every other call (waking
// itself), and records every call's size.
struct SlowSink {
    explicit SlowSink(std::size_t chunk) : chunk(chunk) {}
    std::size_t chunk;
    std::string data;
    std::vector<std::size_t> calls;
    int flushes = 0;
    bool shut = false;
    bool pend = false;
    weft::Poll<std::size_t> poll_write(weft::Context& cx, std::span<const std::byte> b) {
        if ((pend = !pend)) {
            cx.waker().wake_by_ref();
            return weft::Pending;
        }
        std::size_t n = std::min(chunk, b.size());
        calls.push_back(n);
        data.append(reinterpret_cast<const char*>(b.data()), n);
        return n;
    }
    weft::Poll<void> poll_flush(weft::Context&) {
        ++flushes;
        return weft::Ready;
    }
    weft::Poll<void> poll_shutdown(weft::Context&) {
        shut = true;
        return weft::Ready;
    }
};

// Runs `f` on a fresh current-thread runtime (its timers back the timeouts below).
template <class F>
void run_current(F&& f) {
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    rt.block_on(std::forward<F>(f));
}

std::string pattern(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>('a' + (i * seed + i / 7) % 26);
    return s;
}

}  // namespace

// ---- duplex ----

TEST(Duplex, CarriesBytesBothWays) {
    run_current([]() -> weft::Task<void> {
        auto [a, b] = weft::io::duplex(64);
        co_await weft::io::write_all(a, std::string_view("ping"));
        co_await weft::io::write_all(b, std::string_view("pong!"));
        char buf[8];
        EXPECT_EQ(co_await weft::io::read(b, std::span(buf)), 4u);
        EXPECT_EQ(std::string_view(buf, 4), "ping");
        EXPECT_EQ(co_await weft::io::read(a, std::span(buf)), 5u);
        EXPECT_EQ(std::string_view(buf, 5), "pong!");
    });
}

TEST(Duplex, ATinyBufferCarriesAMegabyteBetweenWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    std::string sent = pattern(1 << 20, 7);
    auto [a, b] = rt.block_on([]() -> weft::Task<std::pair<DuplexStream, DuplexStream>> {
        co_return weft::io::duplex(7);  // wraps around the ring on almost every write
    });
    auto writer = rt.spawn([](DuplexStream a, const std::string& sent) -> weft::Task<void> {
        for (std::size_t i = 0; i < sent.size(); i += 1000)
            co_await weft::io::write_all(a, std::string_view(sent).substr(i, 1000));
        co_await weft::io::shutdown(a);
    }(std::move(a), sent));
    auto reader = rt.spawn([](DuplexStream b) -> weft::Task<std::string> {
        std::string got;
        co_await weft::io::read_to_string(b, got);
        co_return got;
    }(std::move(b)));
    std::string got = rt.block_on([&]() -> weft::Task<std::string> {
        co_await writer;
        co_return co_await reader;
    });
    EXPECT_EQ(got.size(), sent.size());
    EXPECT_TRUE(got == sent);
}

TEST(Duplex, ShutdownAndDropReadLikeASocket) {
    run_current([]() -> weft::Task<void> {
        auto [a, b] = weft::io::duplex(64);
        co_await weft::io::write_all(a, std::string_view("bye"));
        co_await weft::io::shutdown(a);
        std::string got;
        co_await weft::io::read_to_string(b, got);
        EXPECT_EQ(got, "bye") << "buffered bytes come before end of stream";
        // a can still read what b writes.
        co_await weft::io::write_all(b, std::string_view("ok"));
        char buf[2];
        co_await weft::io::read_exact(a, std::span(buf));
        EXPECT_EQ(std::string_view(buf, 2), "ok");
        // Writing after one's own shutdown fails.
        try {
            co_await weft::io::write_all(a, std::string_view("late"));
            ADD_FAILURE() << "wrote after shutdown";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::broken_pipe);
        }
        // Dropping b: a's writes fail with EPIPE.
        { DuplexStream gone = std::move(b); }
        try {
            auto [c, d] = weft::io::duplex(8);
            { DuplexStream gone2 = std::move(d); }
            co_await weft::io::write_all(c, std::string_view("anyone?"));
            ADD_FAILURE() << "wrote to a dropped end";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::broken_pipe);
        }
    });
}

TEST(Duplex, AFullBufferHoldsTheWriterUntilTheReaderTakesSome) {
    run_current([]() -> weft::Task<void> {
        auto [a, b] = weft::io::duplex(4);
        // Only 4 bytes fit: the rest of the write waits (a timeout proves it is stuck).
        auto r =
            co_await weft::time::timeout(10ms, weft::io::write_all(a, std::string_view("123456")));
        EXPECT_TRUE(r.is_elapsed());
        char buf[8];
        std::size_t n = co_await weft::io::read(b, std::span(buf));
        EXPECT_EQ(std::string_view(buf, n), "1234") << "the cancelled write_all wrote its prefix";
        co_await weft::io::write_all(a, std::string_view("56"));
        n = co_await weft::io::read(b, std::span(buf));
        EXPECT_EQ(std::string_view(buf, n), "56");
    });
}

TEST(Duplex, ACancelledReadLosesNothing) {
    run_current([]() -> weft::Task<void> {
        auto [a, b] = weft::io::duplex(16);
        char buf[16];
        auto r = co_await weft::time::timeout(5ms, weft::io::read(b, std::span(buf)));
        EXPECT_TRUE(r.is_elapsed());
        co_await weft::io::write_all(a, std::string_view("kept"));
        std::size_t n = co_await weft::io::read(b, std::span(buf));
        EXPECT_EQ(std::string_view(buf, n), "kept");
    });
}

// Issue 16: a poll that replaces the stored waker drops the old one after the pipe's lock. A
// waker's drop is user code that may use the same pipe (the last reference to a task holding
// the other end); dropped under the lock, it deadlocks (the watchdog fails the test).
namespace {
std::span<const std::byte> bytes_of(std::string_view s) {
    return std::as_bytes(std::span(s.data(), s.size()));
}
}  // namespace

TEST(Duplex, AReplacedReadWakerIsDroppedOutsideTheLock) {
    Watchdog dog(std::chrono::seconds(10));
    auto pair = weft::io::duplex(16);
    DuplexStream& a = pair.first;
    DuplexStream& b = pair.second;
    std::byte buf[4];
    CountingWaker other;
    DropHookWaker hook([&] {  // writes into the pipe b waits on
        weft::Waker w = other.make();
        weft::Context cx(w);
        EXPECT_EQ(a.poll_write(cx, bytes_of("x")).value(), 1u);
    });
    {
        weft::Waker w = hook.make();
        weft::Context cx(w);
        EXPECT_TRUE(b.poll_read(cx, buf).is_pending());
    }
    CountingWaker reader;
    weft::Waker wr = reader.make();
    weft::Context cx(wr);
    EXPECT_TRUE(b.poll_read(cx, buf).is_pending());  // drops hook's waker: it writes "x"
    EXPECT_TRUE(hook.hook_ran);
    EXPECT_EQ(reader.total_wakes(), 1) << "the write woke the new waker";
    auto n = b.poll_read(cx, buf);
    ASSERT_TRUE(n.is_ready());
    EXPECT_EQ(n.value(), 1u);
    EXPECT_EQ(static_cast<char>(buf[0]), 'x');
}

TEST(Duplex, AReplacedWriteWakerIsDroppedOutsideTheLock) {
    Watchdog dog(std::chrono::seconds(10));
    auto pair = weft::io::duplex(4);
    DuplexStream& a = pair.first;
    DuplexStream& b = pair.second;
    CountingWaker other;
    std::byte got[2];
    DropHookWaker hook([&] {  // reads from the pipe a waits to write into
        weft::Waker w = other.make();
        weft::Context cx(w);
        EXPECT_EQ(b.poll_read(cx, got).value(), 2u);
    });
    CountingWaker writer;
    weft::Waker ww = writer.make();
    weft::Context cx(ww);
    EXPECT_EQ(a.poll_write(cx, bytes_of("1234")).value(), 4u);  // full
    {
        weft::Waker w = hook.make();
        weft::Context hcx(w);
        EXPECT_TRUE(a.poll_write(hcx, bytes_of("5")).is_pending());
    }
    EXPECT_TRUE(a.poll_write(cx, bytes_of("5")).is_pending());  // drops hook's: it reads "12"
    EXPECT_TRUE(hook.hook_ran);
    EXPECT_EQ(writer.total_wakes(), 1) << "the read woke the new waker";
    EXPECT_EQ(a.poll_write(cx, bytes_of("56")).value(), 2u);
    std::byte rest[8];
    auto n = b.poll_read(cx, rest);
    ASSERT_TRUE(n.is_ready());
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(rest), n.value()), "3456");
}

// ---- BufWriter ----

TEST(BufWriter, GathersSmallWritesAndFlushesExactlyOnce) {
    run_current([]() -> weft::Task<void> {
        weft::io::BufWriter w(SlowSink(1 << 20), 256);
        std::string expect;
        for (int i = 0; i < 100; ++i) {
            std::string piece = "line " + std::to_string(i) + "\n";
            expect += piece;
            co_await weft::io::write_all(w, piece);
        }
        EXPECT_LE(w.get_ref().calls.size(), expect.size() / 256 + 1)
            << "small writes reached the inner writer one by one";
        EXPECT_EQ(w.get_ref().data.size() + w.buffer().size(), expect.size());
        co_await weft::io::flush(w);
        EXPECT_TRUE(w.buffer().empty());
        EXPECT_EQ(w.get_ref().data, expect);
        EXPECT_EQ(w.get_ref().flushes, 1);
    });
}

TEST(BufWriter, PartialAndPendingInnerWritesLoseAndRepeatNothing) {
    run_current([]() -> weft::Task<void> {
        weft::io::BufWriter w(SlowSink(3), 16);  // 3 bytes a call, Pending every other call
        std::string sent = pattern(5000, 3);
        for (std::size_t i = 0; i < sent.size(); i += 11)
            co_await weft::io::write_all(w, std::string_view(sent).substr(i, 11));
        // A write bigger than the buffer goes straight through.
        std::string big = pattern(100, 5);
        co_await weft::io::write_all(w, big);
        co_await weft::io::shutdown(w);
        EXPECT_TRUE(w.get_ref().shut);
        EXPECT_TRUE(w.get_ref().data == sent + big);
        for (std::size_t c : w.get_ref().calls)
            EXPECT_LE(c, 3u);
    });
}

TEST(BufWriter, ReadsPassThrough) {
    run_current([]() -> weft::Task<void> {
        auto [a, b] = weft::io::duplex(64);
        weft::io::BufWriter w(std::move(a));
        co_await weft::io::write_all(w, std::string_view("held"));
        char buf[4];
        auto r = co_await weft::time::timeout(5ms, weft::io::read(b, std::span(buf)));
        EXPECT_TRUE(r.is_elapsed()) << "unflushed bytes reached the peer";
        co_await weft::io::flush(w);
        co_await weft::io::read_exact(b, std::span(buf));
        EXPECT_EQ(std::string_view(buf, 4), "held");
        co_await weft::io::write_all(b, std::string_view("back"));
        co_await weft::io::read_exact(w, std::span(buf));
        EXPECT_EQ(std::string_view(buf, 4), "back");
    });
}

// ---- copy ----

TEST(Copy, CopiesEverythingAndFlushes) {
    run_current([]() -> weft::Task<void> {
        auto [a, b] = weft::io::duplex(1000);
        std::string sent = pattern(100000, 11);
        SlowSink sink(777);
        auto producer = [](DuplexStream a, const std::string& sent) -> weft::Task<void> {
            co_await weft::io::write_all(a, sent);
        };
        auto copying = [](DuplexStream& b, SlowSink& sink) -> weft::Task<std::uint64_t> {
            co_return co_await weft::io::copy(b, sink);
        };
        auto [done, n] = co_await weft::join(producer(std::move(a), sent), copying(b, sink));
        (void)done;
        EXPECT_EQ(n, sent.size());
        EXPECT_TRUE(sink.data == sent);
        EXPECT_GE(sink.flushes, 1);
        EXPECT_FALSE(sink.shut) << "copy does not shut the writer down";
    });
}

TEST(Copy, FlushesABufferedWriterWhileTheSourceIsIdle) {
    Watchdog dog;
    run_current([]() -> weft::Task<void> {
        auto [src_w, src_r] = weft::io::duplex(64);
        auto [dst_w, dst_r] = weft::io::duplex(64);
        weft::io::BufWriter out(std::move(dst_w), 4096);
        auto copying = [](DuplexStream& in,
                          weft::io::BufWriter<DuplexStream>& out) -> weft::Task<std::uint64_t> {
            co_return co_await weft::io::copy(in, out);
        };
        // "hello" must come out of the 4 KiB BufWriter although the source stays open and
        // idle: otherwise this read waits for ever.
        auto talk = [](DuplexStream& src_w, DuplexStream& dst_r) -> weft::Task<void> {
            co_await weft::io::write_all(src_w, std::string_view("hello"));
            char buf[5];
            co_await weft::io::read_exact(dst_r, std::span(buf));
            EXPECT_EQ(std::string_view(buf, 5), "hello");
            co_await weft::io::shutdown(src_w);
        };
        auto [n, done] = co_await weft::join(copying(src_r, out), talk(src_w, dst_r));
        (void)done;
        EXPECT_EQ(n, 5u);
    });
}

// ---- copy_bidirectional ----

TEST(CopyBidirectional, JoinsTwoStreamsAndPassesEndOfStreamOn) {
    Watchdog dog;
    run_current([]() -> weft::Task<void> {
        // client <-> [a | proxy | b] <-> server
        auto [client, a] = weft::io::duplex(100);
        auto [b, server] = weft::io::duplex(100);
        auto proxy = [](DuplexStream& a,
                        DuplexStream& b) -> weft::Task<std::pair<std::uint64_t, std::uint64_t>> {
            co_return co_await weft::io::copy_bidirectional(a, b);
        };
        std::string up = pattern(30000, 3), down = pattern(20000, 5);
        auto client_side = [](DuplexStream& c, const std::string& up) -> weft::Task<std::string> {
            co_await weft::io::write_all(c, up);
            co_await weft::io::shutdown(c);  // the server reads end of stream through the proxy
            std::string got;
            co_await weft::io::read_to_string(c, got);
            co_return got;
        };
        auto server_side = [](DuplexStream& s, const std::string& down) -> weft::Task<std::string> {
            std::string got;
            co_await weft::io::read_to_string(s, got);
            co_await weft::io::write_all(s, down);  // the other direction still runs
            co_await weft::io::shutdown(s);
            co_return got;
        };
        auto [counts, at_client, at_server] =
            co_await weft::join(proxy(a, b), client_side(client, up), server_side(server, down));
        EXPECT_EQ(counts.first, up.size());
        EXPECT_EQ(counts.second, down.size());
        EXPECT_TRUE(at_server == up);
        EXPECT_TRUE(at_client == down);
    });
}

class CopyBidirectionalTcp : public testing::TestWithParam<IoParam> {};
INSTANTIATE_TEST_SUITE_P(Drivers, CopyBidirectionalTcp, all_io_params(), io_param_name);

// A TCP proxy in front of an echo server, with many clients at once.
TEST_P(CopyBidirectionalTcp, ProxiesEchoConnections) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    using weft::net::SocketAddr;
    using weft::net::TcpListener;
    using weft::net::TcpStream;
    rt.block_on([&]() -> weft::Task<void> {
        constexpr int kClients = 20;
        auto backend = TcpListener::bind(SocketAddr::localhost(0));
        auto front = TcpListener::bind(SocketAddr::localhost(0));
        auto echo_server = weft::spawn([](TcpListener& l) -> weft::Task<void> {
            for (int i = 0; i < kClients; ++i) {
                auto [s, peer] = co_await l.accept();
                weft::spawn([](TcpStream s) -> weft::Task<void> {
                    auto [rd, wr] = s.split();
                    co_await weft::io::copy(rd, wr);
                    co_await weft::io::shutdown(wr);
                }(std::move(s)))
                    .detach();
            }
        }(backend));
        auto proxy = weft::spawn([](TcpListener& l, SocketAddr to) -> weft::Task<void> {
            for (int i = 0; i < kClients; ++i) {
                auto [s, peer] = co_await l.accept();
                weft::spawn([](TcpStream s, SocketAddr to) -> weft::Task<void> {
                    TcpStream up = co_await TcpStream::connect(to);
                    co_await weft::io::copy_bidirectional(s, up);
                }(std::move(s), to))
                    .detach();
            }
        }(front, backend.local_addr()));
        std::vector<weft::JoinHandle<bool>> clients;
        for (int c = 0; c < kClients; ++c) {
            clients.push_back(weft::spawn([](SocketAddr at, int c) -> weft::Task<bool> {
                TcpStream s = co_await TcpStream::connect(at);
                std::string sent = pattern(50000 + static_cast<std::size_t>(c), 3 + c);
                auto [rd, wr] = s.split();
                auto send = [](TcpStream::WriteHalf wr,
                               const std::string& sent) -> weft::Task<void> {
                    co_await weft::io::write_all(wr, sent);
                    co_await weft::io::shutdown(wr);
                };
                auto receive = [](TcpStream::ReadHalf rd) -> weft::Task<std::string> {
                    std::string got;
                    co_await weft::io::read_to_string(rd, got);
                    co_return got;
                };
                auto [done, got] = co_await weft::join(send(wr, sent), receive(rd));
                (void)done;
                co_return got == sent;
            }(front.local_addr(), c)));
        }
        for (auto& h : clients)
            EXPECT_TRUE(co_await h);
        co_await echo_server;
        co_await proxy;
    });
}

TEST(Split, TwoTasksOnTwoWorkersUseTheHalvesAtOnceAndUnsplitJoinsThem) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    std::string sent = pattern(256 * 1024, 3);
    std::string got = rt.block_on([&]() -> weft::Task<std::string> {
        auto [near, far] = weft::io::duplex(512);
        auto echo_task = weft::spawn([](DuplexStream s) -> weft::Task<void> {
            char buf[700];
            for (;;) {
                std::size_t n = co_await weft::io::read(s, std::span(buf));
                if (n == 0) co_return;
                co_await weft::io::write_all(s, std::string_view(buf, n));
            }
        }(std::move(far)));
        auto [rd, wr] = weft::io::split(std::move(near));
        using Rd = weft::io::ReadHalf<DuplexStream>;
        using Wr = weft::io::WriteHalf<DuplexStream>;
        // The writer and the reader are two tasks: the reader must keep draining while the
        // writer waits on the small buffers, or both stall.
        auto writer = weft::spawn([](Wr wr, const std::string& sent) -> weft::Task<Wr> {
            for (std::size_t i = 0; i < sent.size(); i += 3000)
                co_await weft::io::write_all(wr, std::string_view(sent).substr(i, 3000));
            co_return wr;
        }(std::move(wr), sent));
        auto reader =
            weft::spawn([](Rd rd, std::size_t want) -> weft::Task<std::pair<Rd, std::string>> {
                std::string text;
                char buf[1000];
                while (text.size() < want) {
                    std::size_t n = co_await weft::io::read(rd, std::span(buf));
                    if (n == 0) break;
                    text.append(buf, n);
                }
                co_return std::pair<Rd, std::string>(std::move(rd), std::move(text));
            }(std::move(rd), sent.size()));
        Wr w = co_await writer;
        auto [r, text] = co_await reader;
        EXPECT_TRUE(r.is_pair_of(w));

        // Halves of two different splits do not unsplit.
        auto [r1, w1] = weft::io::split(weft::io::duplex(8).first);
        auto [r2, w2] = weft::io::split(weft::io::duplex(8).first);
        EXPECT_FALSE(r1.is_pair_of(w2));
        EXPECT_THROW((void)weft::io::unsplit(std::move(r1), std::move(w2)), std::invalid_argument);

        // The stream back: still connected to the echo, which ends when it is dropped.
        DuplexStream back = weft::io::unsplit(std::move(r), std::move(w));
        co_await weft::io::write_all(back, std::string_view("again"));
        char buf[5];
        co_await weft::io::read_exact(back, std::span(buf));
        EXPECT_EQ(std::string_view(buf, 5), "again");
        { DuplexStream gone = std::move(back); }
        co_await echo_task;
        co_return text;
    });
    EXPECT_EQ(got.size(), sent.size());
    EXPECT_TRUE(got == sent);
}
