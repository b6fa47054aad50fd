// Stream sockets whose reads and writes are io_uring completions (completion_stream.hpp), on
// both runtime flavours: the AsyncRead/AsyncWrite contract held at every point where a future
// or the socket can be dropped (a receive in flight, bytes received but not all taken, a send
// in flight, a runtime shut down under both), the provided buffers running out, the readiness
// operations (try_read, peek, ready) mixed with reads and writes, and the readiness path kept
// on the same driver by the test switch.

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/net_support.hpp"
#include "support/test_support.hpp"
#include "weft/detail/io/io_driver.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;

namespace {

class UringStream : public testing::TestWithParam<IoParam> {};

INSTANTIATE_TEST_SUITE_P(Flavours, UringStream,
                         testing::Values(IoParam{weft::IoDriverKind::Uring, true},
                                         IoParam{weft::IoDriverKind::Uring, false}),
                         io_param_name);

int open_fds() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (::readdir(d) != nullptr)
            ++n;
        ::closedir(d);
    }
    return n;
}

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

// Reads `s` to its end.
weft::Task<std::string> read_to_end(TcpStream& s) {
    std::string out;
    char buf[8192];
    for (;;) {
        std::size_t n = co_await s.read(std::span(buf));
        if (n == 0) co_return out;
        out.append(buf, n);
    }
}

}  // namespace

TEST_P(UringStream, ReadsAndWritesAreCompletionsOnThisDriver) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        EXPECT_TRUE(weft::detail::IoDriver::current()->completion_sockets());
        co_return;
    });
}

// The send of a write is in flight (the peer reads nothing yet) when the socket is dropped:
// the peer still gets every byte, then end of stream.
TEST_P(UringStream, DroppingTheSocketAfterAWriteStillDeliversEveryByte) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto [c, s] = co_await connect_pair(l);
        const std::string big = pattern(4 << 20);  // more than the socket buffers hold
        auto writer = weft::spawn([](TcpStream s, const std::string& big) -> weft::Task<void> {
            co_await s.write_all(big);
            // Dropped here, with the last send still in flight: the reader is asleep.
        }(std::move(s), big));
        co_await weft::time::sleep(20ms);
        std::string got = co_await read_to_end(c);
        co_await writer;
        EXPECT_EQ(got.size(), big.size());
        EXPECT_TRUE(got == big);
    });
}

// A shutdown asked while a send is in flight happens after it.
TEST_P(UringStream, ShutdownAfterAWriteKeepsTheBytesBeforeEndOfStream) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto [c, s] = co_await connect_pair(l);
        const std::string big = pattern(3 << 20);
        auto writer = weft::spawn([](TcpStream& s, const std::string& big) -> weft::Task<void> {
            co_await s.write_all(big);
            s.shutdown(weft::net::Shutdown::Write);  // the last send is still in flight
        }(s, big));
        co_await weft::time::sleep(20ms);
        std::string got = co_await read_to_end(c);
        co_await writer;
        EXPECT_TRUE(got == big) << got.size();
        // The connection is still open the other way.
        co_await c.write_all("back");
        char buf[4];
        co_await s.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, 4), "back");
    });
}

// A write's error (the peer reset the connection) reaches the next write, flush or shutdown.
TEST_P(UringStream, ASendsErrorReachesTheNextWriteOrFlush) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto [c, s] = co_await connect_pair(l);
        linger lg{1, 0};  // close with RST
        ::setsockopt(c.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        { TcpStream reset = std::move(c); }
        const std::string chunk = pattern(64 << 10);
        bool failed = false;
        for (int i = 0; i < 200 && !failed; ++i) {
            try {
                co_await s.write_all(chunk);
                co_await weft::io::flush(s);
            } catch (const std::system_error& e) {
                failed = true;
                EXPECT_NE(std::string(e.what()).find("TcpStream::write"), std::string::npos)
                    << e.what();
            }
        }
        EXPECT_TRUE(failed);
    });
}

// A read dropped with its receive in flight, and bytes received but not all taken: nothing
// is lost, whoever reads next (read, try_read, peek).
TEST_P(UringStream, BytesAReceiveBroughtGoToTheNextReadOfAnyKind) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto [c, s] = co_await connect_pair(l);
        char buf[64];
        auto r = co_await weft::time::timeout(10ms, s.read(std::span(buf)));
        EXPECT_TRUE(r.is_elapsed());  // its receive stays in flight
        bool would_block = !s.try_read(std::span(buf)).has_value();
        EXPECT_TRUE(would_block);
        co_await c.write_all("0123456789");
        auto ready = co_await s.readable();  // the receive's bytes make it readable
        EXPECT_TRUE(ready.is_readable());
        std::size_t n = co_await s.peek(std::span(buf, 3));
        EXPECT_EQ(std::string_view(buf, n), "012");
        n = co_await s.read(std::span(buf, 2));
        EXPECT_EQ(std::string_view(buf, n), "01");
        auto t = s.try_read(std::span(buf, 3));
        EXPECT_TRUE(t.has_value());
        EXPECT_EQ(std::string_view(buf, t.value_or(0)), "234");
        co_await s.read_exact(std::span(buf, 5));
        EXPECT_EQ(std::string_view(buf, 5), "56789");
        // Then end of stream, for every kind of read.
        { TcpStream closed = std::move(c); }
        EXPECT_EQ(co_await s.read(std::span(buf)), 0u);
        EXPECT_EQ(co_await s.peek(std::span(buf)), 0u);
        auto end = s.try_read(std::span(buf));
        EXPECT_TRUE(end.has_value());
        EXPECT_EQ(end.value_or(99), 0u);
    });
}

// writable() waits for the send in flight, and try_write says "would block" until then.
TEST_P(UringStream, WritableAndTryWriteRespectTheSendInFlight) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto [c, s] = co_await connect_pair(l);
        const std::string big = pattern(4 << 20);
        std::size_t taken = co_await weft::io::write(s, std::as_bytes(std::span(big)));
        EXPECT_GT(taken, 0u);
        auto reader = weft::spawn([](TcpStream c, std::size_t want) -> weft::Task<std::size_t> {
            co_await weft::time::sleep(20ms);  // let the writer find its send still in flight
            std::string all;
            char buf[8192];
            while (all.size() < want) {
                std::size_t n = co_await c.read(std::span(buf));
                if (n == 0) break;
                all.append(buf, n);
            }
            co_return all.size();
        }(std::move(c), taken + 5));
        for (;;) {
            auto w = s.try_write(std::string_view("tail!"));
            if (w.has_value()) {
                EXPECT_EQ(w.value(), 5u);
                break;
            }
            auto ready = co_await s.writable();
            EXPECT_TRUE(ready.is_writable());
        }
        EXPECT_EQ(co_await reader, taken + 5);
    });
}

// More connections hold received bytes than there are provided buffers: the receives after
// the last buffer bring their own, and every byte arrives.
TEST_P(UringStream, RunningOutOfProvidedBuffersLosesNothing) {
    Watchdog dog(60s);
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        constexpr int kConns = 300;  // more than the driver's 256 buffers
        std::vector<std::pair<TcpStream, TcpStream>> pairs;
        for (int i = 0; i < kConns; ++i)
            pairs.push_back(co_await connect_pair(l));
        for (int i = 0; i < kConns; ++i) {
            std::string msg = "message number " + std::to_string(i);
            co_await pairs[i].first.write_all(msg);
        }
        // Each server side takes one byte: its receive keeps the rest, and its buffer.
        for (auto& p : pairs) {
            char b;
            EXPECT_EQ(co_await p.second.read(std::span(&b, 1)), 1u);
            EXPECT_EQ(b, 'm');
        }
        for (int i = 0; i < kConns; ++i) {
            std::string want = "essage number " + std::to_string(i);
            std::string got(want.size(), '\0');
            co_await pairs[i].second.read_exact(std::span(got));
            EXPECT_EQ(got, want);
        }
    });
}

// Sockets dropped with receives and sends in flight, and a runtime shut down with tasks
// blocked in both: no descriptor and no buffer is left behind (LeakSanitizer checks the
// memory), and nothing hangs.
TEST_P(UringStream, NothingLeaksWhenSocketsOrTheRuntimeGoWithOpsInFlight) {
    Watchdog dog;
    int before = open_fds();
    {
        weft::Runtime rt = io_runtime(GetParam());
        std::vector<TcpStream> peers;
        rt.block_on([&]() -> weft::Task<void> {
            auto l = TcpListener::bind(SocketAddr::localhost(0));
            for (int i = 0; i < 8; ++i) {
                auto [c, s] = co_await connect_pair(l);
                peers.push_back(std::move(c));
                if (i % 2 == 0) {
                    // A task blocked in a read, and one in a write the peer never reads.
                    weft::spawn([](TcpStream s) -> weft::Task<void> {
                        char buf[32];
                        (void)co_await s.read(std::span(buf));
                    }(std::move(s)))
                        .detach();
                } else {
                    weft::spawn([](TcpStream s) -> weft::Task<void> {
                        const std::string big = pattern(8 << 20);
                        co_await s.write_all(big);
                    }(std::move(s)))
                        .detach();
                }
            }
            // And sockets dropped by their owner with both in flight.
            for (int i = 0; i < 4; ++i) {
                auto [c, s] = co_await connect_pair(l);
                char buf[32];
                (void)co_await weft::time::timeout(1ms, s.read(std::span(buf)));
                const std::string big = pattern(4 << 20);
                (void)co_await weft::time::timeout(5ms, s.write_all(big));
            }
            co_await weft::time::sleep(10ms);
        });
        peers.clear();
    }
    EXPECT_EQ(open_fds(), before);
}

// The readiness path on the same driver, behind the test switch: the sockets made while it is
// on read and write with syscalls, and still meet the contract.
TEST_P(UringStream, TheReadinessPathStillWorksBehindTheTestSwitch) {
    weft::detail::readiness_sockets_for_testing(true);
    struct Off {
        ~Off() { weft::detail::readiness_sockets_for_testing(false); }
    } off;
    run_io(GetParam(), [&]() -> weft::Task<void> {
        EXPECT_FALSE(weft::detail::IoDriver::current()->completion_sockets());
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto [c, s] = co_await connect_pair(l);
        char buf[16];
        auto r = co_await weft::time::timeout(10ms, s.read(std::span(buf)));
        EXPECT_TRUE(r.is_elapsed());
        const std::string big = pattern(1 << 20);
        auto writer = weft::spawn([](TcpStream c, std::string big) -> weft::Task<void> {
            co_await c.write_all(big);
        }(std::move(c), big));
        std::string got = co_await read_to_end(s);
        co_await writer;
        EXPECT_TRUE(got == big);
    });
}

// A ring per worker (uring_driver.cpp): a receive stays on the ring of the worker that
// submitted it, whichever thread polls it next. Here that worker is held in a blocking poll
// while a task on the other worker reads through the same socket: it waits on the receive in
// flight on the first worker's ring, and gets its bytes, whole and in order, once that worker
// reaps them.
TEST(UringWorkerRings, AReceiveStaysValidWhenAnotherWorkerPollsIt) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(IoParam{weft::IoDriverKind::Uring, false});
    rt.block_on([&]() -> weft::Task<void> {
        auto l = TcpListener::bind(SocketAddr::localhost(0));
        auto [c, s] = co_await connect_pair(l);
        auto stream = std::make_shared<TcpStream>(std::move(s));
        std::atomic<bool> submitted{false};
        std::thread::id submitter;
        // On a worker: a read that times out leaves its receive in flight on that worker's
        // ring; then the task blocks its worker. (Coroutine lambdas take what they use as
        // parameters: their captures would dangle once spawn's full expression ends.)
        auto first = weft::spawn([](std::shared_ptr<TcpStream> st, std::atomic<bool>* done,
                                    std::thread::id* who) -> weft::Task<void> {
            char buf[16];
            auto r = co_await weft::time::timeout(5ms, st->read(std::span(buf)));
            EXPECT_TRUE(r.is_elapsed());
            *who = std::this_thread::get_id();
            done->store(true);
            std::this_thread::sleep_for(300ms);
        }(stream, &submitted, &submitter));
        while (!submitted.load())
            co_await weft::time::sleep(1ms);
        // The other worker starts this one (the first is blocked).
        auto second = weft::spawn([](std::shared_ptr<TcpStream> st) -> weft::Task<std::thread::id> {
            std::thread::id started = std::this_thread::get_id();
            std::string got;
            char buf[64];
            while (got.size() < 11) {
                std::size_t n = co_await st->read(std::span(buf));
                if (n == 0) break;
                got.append(buf, n);
            }
            EXPECT_EQ(got, "hello world");
            co_return started;
        }(stream));
        co_await weft::time::sleep(20ms);  // it waits on that receive by now
        co_await c.write_all(std::string_view("hello world"));
        std::thread::id reader = co_await second;
        co_await first;
        EXPECT_NE(reader, submitter);
    });
}

// The worker that keeps time sleeps in its own ring, watching the shared ring's descriptor,
// and unpark() reaches it through a NOP in the shared ring. It looks at the shared ring once
// more before it sleeps; a NOP it reaped in that look used to end nothing, and it slept on: a
// task spawned from outside the workers waited in the queue, and shutdown (which wakes every
// worker) waited for it to end. Each round gives a fresh keeper many such wake-ups: spawns
// from the block_on thread while the workers go to sleep, then the runtime's shutdown.
TEST(UringWorkerRings, AWakeForTheWorkerKeepingTimeIsNeverLost) {
    Watchdog dog;
    for (int round = 0; round < 200; ++round) {
        weft::Runtime rt = io_runtime(IoParam{weft::IoDriverKind::Uring, false});
        int ran = rt.block_on([]() -> weft::Task<int> {
            int n = 0;
            for (int i = 0; i < 10; ++i)
                n += co_await weft::spawn([]() -> weft::Task<int> { co_return 1; }());
            co_return n;
        });
        ASSERT_EQ(ran, 10);
    }
}

// The shared ring's completion queue holds 16384 readiness reports; the kernel keeps any more
// in an overflow list (NODROP), and posts them, and every report after them, only when some
// thread enters that ring to wait for completions. On a multi-thread runtime no thread did:
// the worker keeping time sleeps in its own ring and only read the shared ring's queue, so
// after an overflow no descriptor's readiness arrived again (and that worker spun, its poll
// on the shared ring firing at once). Here both workers are kept busy while one eventfd
// reports readiness 40,000 times; then another eventfd must still be seen to be readable.
TEST(UringWorkerRings, ReadinessStillArrivesAfterTheSharedRingsCompletionsOverflow) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(IoParam{weft::IoDriverKind::Uring, false});
    rt.block_on([&]() -> weft::Task<void> {
        int flood_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        int late_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        EXPECT_GE(flood_fd, 0);
        EXPECT_GE(late_fd, 0);
        {
            weft::io::AsyncFd<int> flood(flood_fd, weft::io::Interest::readable);
            weft::io::AsyncFd<int> late(late_fd, weft::io::Interest::readable);
            std::atomic<int> busy{0};
            std::atomic<bool> release{false};
            auto hold = [](std::atomic<int>* b, std::atomic<bool>* r) -> weft::Task<void> {
                b->fetch_add(1);
                while (!r->load())
                    std::this_thread::sleep_for(1ms);  // blocks its worker: nobody reaps
                co_return;
            };
            auto h1 = weft::spawn(hold(&busy, &release));
            auto h2 = weft::spawn(hold(&busy, &release));
            while (busy.load() < 2)
                std::this_thread::sleep_for(1ms);
            std::uint64_t one = 1;
            for (int i = 0; i < 40000; ++i)  // each write a readiness report
                EXPECT_EQ(::write(flood_fd, &one, sizeof one), 8);
            release.store(true);
            co_await h1;
            co_await h2;
            EXPECT_EQ(::write(late_fd, &one, sizeof one), 8);
            auto r = co_await weft::time::timeout(5s, late.readable());
            EXPECT_FALSE(r.is_elapsed()) << "the readiness after the overflow never arrived";
        }
        ::close(flood_fd);
        ::close(late_fd);
    });
}

// Each worker sets its ring up as its thread starts. build() used to return before they had,
// so a runtime's descriptors kept growing after it: a test that counted the process's open
// descriptors at the start of block_on and again at the end found one more (one run in five
// to ten of Process.SpawnUnderEmfileLeaksNothing/uring_multi). build() now returns once every
// worker has its ring.
TEST(UringWorkerRings, BuildReturnsWithEveryWorkersRingOpen) {
    Watchdog dog;
    for (int round = 0; round < 20; ++round) {
        weft::Runtime rt = io_runtime(IoParam{weft::IoDriverKind::Uring, false});
        int at_build = open_fds();
        std::this_thread::sleep_for(20ms);  // time for any worker still starting
        ASSERT_EQ(open_fds(), at_build) << "round " << round;
    }
}
