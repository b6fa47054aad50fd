// weft::net::UnixListener / UnixStream / UnixSocketAddr on real Unix domain sockets (paths in
// a fresh temporary directory, and abstract names), against both I/O drivers and both
// runtime flavours: echo, socketpair, split halves, end of stream, the error cases, peer
// credentials and cancellation.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "support/net_support.hpp"
#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::net::UnixListener;
using weft::net::UnixSocketAddr;
using weft::net::UnixStream;
namespace fs = std::filesystem;

namespace {

class Unix : public testing::TestWithParam<IoParam> {
  protected:
    TempDir dir_{"weft-unix"};
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Drivers, Unix, all_io_params(), io_param_name);

TEST_P(Unix, EchoesManyClientsOverAPath) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    fs::path path = dir_ / "echo.sock";
    rt.block_on([&]() -> weft::Task<void> {
        auto l = UnixListener::bind(path);
        EXPECT_EQ(l.local_addr().as_pathname(), path);
        EXPECT_TRUE(fs::is_socket(path));
        constexpr int kClients = 40, kRounds = 20;
        auto server = weft::spawn([](UnixListener& l) -> weft::Task<void> {
            for (int i = 0; i < kClients; ++i) {
                auto [s, peer] = co_await l.accept();
                EXPECT_TRUE(peer.is_unnamed());  // clients do not bind
                weft::spawn(echo(std::move(s))).detach();
            }
        }(l));
        std::vector<weft::JoinHandle<int>> clients;
        for (int c = 0; c < kClients; ++c) {
            clients.push_back(weft::spawn([](fs::path path, int c) -> weft::Task<int> {
                UnixStream s = co_await UnixStream::connect(path);
                EXPECT_EQ(s.peer_addr().as_pathname(), path);
                int ok = 0;
                for (int r = 0; r < kRounds; ++r) {
                    std::string msg =
                        "client " + std::to_string(c) + " round " + std::to_string(r) + "\n";
                    co_await s.write_all(msg);
                    std::string back(msg.size(), '\0');
                    co_await s.read_exact(std::span(back));
                    if (back == msg) ++ok;
                }
                co_return ok;
            }(path, c)));
        }
        for (auto& h : clients)
            EXPECT_EQ(co_await h, kRounds);
        co_await server;
    });
}

TEST_P(Unix, APairCarriesMegabytesBothWaysThroughSplitHalves) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto [a, b] = UnixStream::pair();
        EXPECT_TRUE(a.local_addr().is_unnamed());
        constexpr std::size_t kBytes = 4 << 20;
        // Each end writes kBytes of a pattern from one task and reads the other's from
        // another, at the same time: a writer alone would fill the socket buffers and stall.
        auto pump = [](UnixStream& s, unsigned char seed) -> weft::Task<bool> {
            auto [rd, wr] = s.split();
            auto writer = [](UnixStream::WriteHalf wr, unsigned char seed) -> weft::Task<void> {
                std::vector<std::byte> chunk(64 * 1024);
                for (std::size_t sent = 0; sent < kBytes; sent += chunk.size()) {
                    for (std::size_t i = 0; i < chunk.size(); ++i)
                        chunk[i] = std::byte(static_cast<unsigned char>((sent + i) * seed));
                    co_await weft::io::write_all(wr, std::span<const std::byte>(chunk));
                }
                co_await weft::io::shutdown(wr);
            };
            auto reader = [](UnixStream::ReadHalf rd, unsigned char seed) -> weft::Task<bool> {
                std::vector<std::byte> all;
                co_await weft::io::read_to_end(rd, all);
                if (all.size() != kBytes) co_return false;
                for (std::size_t i = 0; i < all.size(); ++i)
                    if (all[i] != std::byte(static_cast<unsigned char>(i * seed))) co_return false;
                co_return true;
            };
            // This end reads what the other end wrote, with the other seed.
            auto [w, ok] = co_await weft::join(writer(wr, seed), reader(rd, seed == 3 ? 5 : 3));
            (void)w;
            co_return ok;
        };
        auto [ok_a, ok_b] = co_await weft::join(pump(a, 3), pump(b, 5));
        EXPECT_TRUE(ok_a);
        EXPECT_TRUE(ok_b);
    });
}

TEST_P(Unix, ConnectErrorsNameThePathAndTheRuntimeGoesOn) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    fs::path missing = dir_ / "nobody.sock";
    fs::path stale = dir_ / "stale.sock";
    rt.block_on([&]() -> weft::Task<void> {
        try {
            co_await UnixStream::connect(missing);
            ADD_FAILURE() << "connected to a path with nothing there";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
            EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
        }
        // A socket file whose listener is gone: refused.
        { auto l = UnixListener::bind(stale); }
        EXPECT_TRUE(fs::exists(stale)) << "the listener does not remove its file";
        try {
            co_await UnixStream::connect(stale);
            ADD_FAILURE() << "connected to a closed listener";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::connection_refused);
        }
        // Binding over the stale file fails until it is removed.
        try {
            auto again = UnixListener::bind(stale);
            ADD_FAILURE() << "bound over an existing file";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::address_in_use);
            EXPECT_NE(std::string(e.what()).find(stale.string()), std::string::npos) << e.what();
        }
        fs::remove(stale);
        auto l = UnixListener::bind(stale);
        UnixStream c = co_await UnixStream::connect(stale);
        auto [s, peer] = co_await l.accept();
        co_await c.write_all("still serving");
        char buf[13];
        co_await s.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, sizeof buf), "still serving");
    });
}

TEST_P(Unix, AbstractNamesNeedNoFile) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    std::string name = "weft-test-" + std::to_string(::getpid()) + "-" +
                       std::to_string(static_cast<int>(GetParam().driver)) +
                       (GetParam().current_thread ? "c" : "m");
    rt.block_on([&]() -> weft::Task<void> {
        auto addr = UnixSocketAddr::from_abstract_name(name);
        auto l = UnixListener::bind(addr);
        EXPECT_EQ(l.local_addr(), addr);
        EXPECT_EQ(l.local_addr().as_abstract_name(), name);
        EXPECT_EQ(l.local_addr().to_string(), "@" + name);
        EXPECT_FALSE(l.local_addr().as_pathname());
        UnixStream c = co_await UnixStream::connect(addr);
        auto [s, peer] = co_await l.accept();
        co_await c.write_all("x");
        char b = 0;
        EXPECT_EQ(co_await s.read(std::span(&b, 1)), 1u);
        EXPECT_EQ(b, 'x');
    });
}

TEST_P(Unix, PeerCredentialsAreThisProcess) {
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        auto [a, b] = UnixStream::pair();
        weft::net::UCred who = a.peer_cred();
        EXPECT_EQ(who.pid, ::getpid());
        EXPECT_EQ(who.uid, ::getuid());
        EXPECT_EQ(who.gid, ::getgid());
        co_return;
    });
}

TEST_P(Unix, EndOfStreamAndWritingToAClosedPeer) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto [a, b] = UnixStream::pair();
        co_await a.write_all("last words");
        { UnixStream gone = std::move(a); }
        char buf[64];
        std::size_t n = co_await b.read(std::span(buf));
        EXPECT_EQ(std::string_view(buf, n), "last words");
        EXPECT_EQ(co_await b.read(std::span(buf)), 0u);
        EXPECT_EQ(co_await b.read(std::span(buf)), 0u) << "end of stream is sticky";
        // The peer is gone: EPIPE, and no SIGPIPE (which would kill the test).
        try {
            for (int i = 0; i < 4; ++i)
                co_await b.write_all("anyone?");
            ADD_FAILURE() << "writes to a closed peer succeeded";
        } catch (const std::system_error& e) {
            EXPECT_TRUE(e.code() == std::errc::broken_pipe ||
                        e.code() == std::errc::connection_reset)
                << e.what();
        }
    });
}

TEST_P(Unix, DroppingTheOwnedWriteHalfSendsEndOfStream) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto [a, b] = UnixStream::pair();
        auto [rd, wr] = std::move(a).into_split();
        co_await weft::io::write_all(wr, std::string_view("bye"));
        { auto dropped = std::move(wr); }
        std::string got;
        co_await weft::io::read_to_string(b, got);
        EXPECT_EQ(got, "bye");
        // The read half still works.
        co_await b.write_all("reply");
        char buf[5];
        co_await weft::io::read_exact(rd, std::span(buf));
        EXPECT_EQ(std::string_view(buf, 5), "reply");
    });
}

TEST_P(Unix, ACancelledReadLosesNothing) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        auto [a, b] = UnixStream::pair();
        char buf[16];
        auto r = co_await weft::time::timeout(20ms, b.read(std::span(buf)));
        EXPECT_TRUE(r.is_elapsed());
        co_await a.write_all("after");
        std::size_t n = co_await b.read(std::span(buf));
        EXPECT_EQ(std::string_view(buf, n), "after");
    });
}

TEST(UnixSocketAddr, PathsNamesAndBadInput) {
    auto p = UnixSocketAddr::from_pathname("/tmp/x.sock");
    EXPECT_EQ(p.as_pathname(), fs::path("/tmp/x.sock"));
    EXPECT_FALSE(p.as_abstract_name());
    EXPECT_FALSE(p.is_unnamed());
    EXPECT_EQ(p.to_string(), "/tmp/x.sock");
    EXPECT_EQ(p, UnixSocketAddr::from_pathname("/tmp/x.sock"));
    EXPECT_FALSE(p == UnixSocketAddr::from_pathname("/tmp/y.sock"));
    EXPECT_TRUE(UnixSocketAddr().is_unnamed());
    EXPECT_EQ(UnixSocketAddr().to_string(), "(unnamed)");
    EXPECT_THROW(UnixSocketAddr::from_pathname(std::string(200, 'a')), std::invalid_argument);
    EXPECT_THROW(UnixSocketAddr::from_pathname(""), std::invalid_argument);
    EXPECT_THROW(UnixSocketAddr::from_abstract_name(std::string(108, 'a')), std::invalid_argument);
    EXPECT_NO_THROW(UnixSocketAddr::from_pathname(std::string(107, 'a')));
}

TEST(UnixListenerOutsideARuntime, Throws) {
    EXPECT_THROW(UnixListener::bind(UnixSocketAddr::from_abstract_name("weft-no-runtime")),
                 std::logic_error);
}

// The I/O side of Sleep.ATimerFiresWhileTheWorkerThatKeptTimeIsStuckInATask: the worker that
// waited in the I/O driver wakes for a timer and is then stuck in that task; the other worker
// sleeps on its futex. A socket that becomes readable meanwhile must still wake its reader
// (the stall detector's sample hands the driver to the sleeping worker).
TEST(UnixStuckWorker, AReadIsWokenWhileTheWorkerThatWaitedInTheDriverIsStuck) {
    Watchdog dog(30s);
    weft::Runtime rt = weft::Runtime::builder()
                           .worker_threads(2)
                           .on_stall([](const weft::runtime::StallReport&) {})  // expected here
                           .build();
    auto ends = rt.block_on(
        []() -> weft::Task<std::pair<UnixStream, UnixStream>> { co_return UnixStream::pair(); });
    std::atomic<bool> release{false}, got{false};
    auto reader = rt.spawn([&, s = std::move(ends.first)]() mutable -> weft::Task<void> {
        char c = 0;
        std::size_t n = co_await s.read(std::span(&c, 1));
        EXPECT_EQ(n, 1u);
        got = true;
    });
    auto blocker = rt.spawn([&]() -> weft::Task<void> {
        co_await weft::time::sleep(20ms);
        auto until = std::chrono::steady_clock::now() + 3s;
        while (!release.load() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(1ms);
    });
    std::this_thread::sleep_for(60ms);  // the blocker is stuck, the reader parked on its read
    auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(::write(ends.second.native_handle(), "x", 1), 1);
    while (!got.load() && std::chrono::steady_clock::now() - start < 2s)
        std::this_thread::sleep_for(1ms);
    EXPECT_TRUE(got.load()) << "a readable socket's reader had not run after 2 s";
    release = true;
    rt.block_on([&]() -> weft::Task<void> {
        co_await blocker;
        co_await reader;
    });
}

TEST_P(Unix, DatagramsThroughAPairAndBetweenBoundPaths) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        using weft::net::UnixDatagram;
        auto as_text = [](const std::byte* p, std::size_t n) {
            return std::string(reinterpret_cast<const char*>(p), n);
        };
        std::byte buf[64];

        // A pair: boundaries kept, nothing queued means would-block.
        auto [a, b] = UnixDatagram::pair();
        EXPECT_EQ(b.try_recv(buf), std::nullopt);
        co_await a.send(std::as_bytes(std::span("one", 3)));
        co_await a.send(std::as_bytes(std::span("two!", 4)));
        EXPECT_EQ(co_await b.recv(buf), 3u);
        EXPECT_EQ(as_text(buf, 3), "one");
        EXPECT_EQ(b.try_recv(buf), std::optional<std::size_t>(4));
        EXPECT_EQ(as_text(buf, 4), "two!");
        EXPECT_TRUE(a.local_addr().is_unnamed());

        // Bound paths: recv_from names the sender; an unbound sender is unnamed.
        fs::path pa = dir_ / "a.sock", pb = dir_ / "b.sock";
        auto x = UnixDatagram::bind(pa);
        auto y = UnixDatagram::bind(pb);
        EXPECT_EQ(x.local_addr().as_pathname(), pa);
        co_await x.send_to(std::as_bytes(std::span("to y", 4)), pb);
        auto [n, from] = co_await y.recv_from(buf);
        EXPECT_EQ(as_text(buf, n), "to y");
        EXPECT_EQ(from.as_pathname(), pa);
        auto anon = UnixDatagram::unbound();
        EXPECT_EQ(anon.try_send_to(std::as_bytes(std::span("anon", 4)),
                                   UnixSocketAddr::from_pathname(pb)),
                  std::optional<std::size_t>(4));
        auto got = y.try_recv_from(buf);
        EXPECT_TRUE(got.has_value());
        if (got) {
            EXPECT_EQ(as_text(buf, got->first), "anon");
        }

        // Connected: send/recv and peer_addr.
        y.connect(pa);
        EXPECT_EQ(y.peer_addr().as_pathname(), pa);
        co_await y.send(std::as_bytes(std::span("back", 4)));
        weft::io::Readiness r = co_await x.readable();
        EXPECT_TRUE(r.is_readable());
        EXPECT_EQ(co_await x.recv(buf), 4u);

        // Binding a path that exists names it.
        try {
            (void)UnixDatagram::bind(pa);
            ADD_FAILURE() << "bound an existing path";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::address_in_use);
            EXPECT_NE(std::string(e.what()).find(pa.native()), std::string::npos);
        }
    });
}
