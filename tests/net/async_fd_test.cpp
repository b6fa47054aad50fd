// weft::io::AsyncFd on real descriptors (eventfd, pipes, a TCP socket's urgent data), against
// both I/O drivers and both runtime flavours: try_io and clear_ready, who closes what,
// priority readiness, and the errors.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
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
using weft::io::AsyncFd;
using weft::io::Interest;

namespace {

class AsyncFdTest : public testing::TestWithParam<IoParam> {};

// A descriptor that closes itself: an AsyncFd<OwnedFd> owns its descriptor.
struct OwnedFd {
    int fd_ = -1;
    explicit OwnedFd(int fd) noexcept : fd_(fd) {}
    OwnedFd(OwnedFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    OwnedFd& operator=(OwnedFd&& o) noexcept {
        std::swap(fd_, o.fd_);
        return *this;
    }
    ~OwnedFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int fd() const noexcept { return fd_; }
};

// Whether a readable() wait would wait now (polled once, with a waker that does nothing).
bool still_waiting(AsyncFd<int>& afd) {
    weft::Context cx(weft::Waker::noop());
    return afd.poll_read_ready(cx).is_pending();
}

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Drivers, AsyncFdTest, all_io_params(), io_param_name);

TEST_P(AsyncFdTest, EventfdCountsThroughTryIoAndClearReady) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        EXPECT_GE(efd, 0);
        {
            AsyncFd<int> afd(efd);
            EXPECT_EQ(afd.fd(), efd);
            EXPECT_EQ(afd.interest(), Interest::readable | Interest::writable);

            // Writable at once (the counter is 0): add 5.
            auto w = co_await afd.writable();
            EXPECT_TRUE(w.ready().is_writable());
            std::uint64_t five = 5;
            auto wrote = w.try_io([&](int fd) { return ::write(fd, &five, sizeof five); });
            EXPECT_EQ(wrote, std::optional<ssize_t>(8));

            // Readable: read 5. The readiness stays (no EAGAIN yet), so the next wait is
            // ready at once and its read would block, which clears it. (Readiness may also be
            // reported late, for an event already handled: a spurious wake, which the next
            // try_io turns into "would block". The pause lets such reports land first.)
            auto r = co_await afd.readable();
            std::uint64_t got = 0;
            auto n = r.try_io([&](int fd) { return ::read(fd, &got, sizeof got); });
            EXPECT_EQ(n, std::optional<ssize_t>(8));
            EXPECT_EQ(got, 5u);
            co_await weft::time::sleep(10ms);
            auto again = co_await afd.readable();
            auto none = again.try_io([&](int fd) { return ::read(fd, &got, sizeof got); });
            EXPECT_FALSE(none.has_value()) << "an empty eventfd would block";
            EXPECT_TRUE(still_waiting(afd)) << "try_io cleared the readiness";

            // Another task adds 7 later: the wait wakes. Reading by hand and then clear_ready
            // makes the next wait wait again.
            auto adder = weft::spawn([](int fd) -> weft::Task<void> {
                co_await weft::time::sleep(5ms);
                std::uint64_t seven = 7;
                EXPECT_EQ(::write(fd, &seven, sizeof seven), 8);
            }(efd));
            for (;;) {
                auto woke = co_await afd.ready(Interest::readable);
                EXPECT_TRUE(woke.ready().is_readable());
                EXPECT_FALSE(woke.ready().is_writable()) << "only the direction waited for";
                ssize_t k = ::read(efd, &got, sizeof got);
                woke.clear_ready();
                if (k == 8) break;
            }
            EXPECT_EQ(got, 7u);
            EXPECT_TRUE(still_waiting(afd)) << "clear_ready cleared the readiness";
            co_await adder;

            // async_io: the wait-and-try loop in one future.
            auto adder2 = weft::spawn([](int fd) -> weft::Task<void> {
                co_await weft::time::sleep(5ms);
                std::uint64_t one = 1;
                EXPECT_EQ(::write(fd, &one, sizeof one), 8);
            }(efd));
            auto io = afd.async_io(Interest::readable,
                                   [&](int fd) { return ::read(fd, &got, sizeof got); });
            EXPECT_EQ(co_await std::move(io), 8);
            EXPECT_EQ(got, 1u);
            co_await adder2;

            // A wait outside the AsyncFd's interest is refused.
            AsyncFd<int> only_read(::dup(efd), Interest::readable);
            EXPECT_THROW((void)only_read.writable(), std::invalid_argument);
            ::close(std::move(only_read).into_inner());
        }
        EXPECT_TRUE(is_open(efd)) << "an AsyncFd<int> borrows its descriptor";
        ::close(efd);
    });
}

TEST_P(AsyncFdTest, PipeCarriesAQuarterMegabyteAndOwnedEndsClose) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        int p[2];
        EXPECT_EQ(::pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
        int rfd = p[0], wfd = p[1];
        constexpr std::size_t kTotal = 256 * 1024;
        {
            AsyncFd<OwnedFd> rd(OwnedFd(rfd), Interest::readable);
            auto writer = weft::spawn([](int fd) -> weft::Task<void> {
                AsyncFd<OwnedFd> wr(OwnedFd(fd), Interest::writable);
                std::vector<char> chunk(16 * 1024, 'x');
                std::size_t sent = 0;
                while (sent < kTotal) {
                    auto g = co_await wr.writable();
                    auto n = g.try_io([&](OwnedFd& o) {
                        return ::write(o.fd(), chunk.data(), std::min(chunk.size(), kTotal - sent));
                    });
                    if (n) sent += static_cast<std::size_t>(*n);
                }
                // wr drops here: it owns the write end, so the reader sees end of file.
            }(wfd));
            std::size_t got = 0;
            char buf[8192];
            for (;;) {
                auto g = co_await rd.readable();
                auto n = g.try_io([&] { return ::read(rd.fd(), buf, sizeof buf); });
                if (!n) continue;
                if (*n == 0) break;
                got += static_cast<std::size_t>(*n);
            }
            EXPECT_EQ(got, kTotal);
            co_await writer;
            EXPECT_FALSE(is_open(wfd)) << "the writer's AsyncFd<OwnedFd> closed its end";

            // into_inner deregisters and hands the descriptor back open: it can be registered
            // again (epoll would refuse a descriptor still in its set with EEXIST).
            OwnedFd back = std::move(rd).into_inner();
            EXPECT_TRUE(is_open(rfd));
            AsyncFd<OwnedFd> again(std::move(back), Interest::readable);
            EXPECT_EQ(again.fd(), rfd);
        }
        EXPECT_FALSE(is_open(rfd));
    });
}

// Dropping a registered write end must close it, even while its reader is draining the pipe
// and readiness reports keep coming. On io_uring the registration is a multishot poll that
// holds its own reference to the file; deregistering used to send POLL_REMOVE, which fails
// with -EALREADY when it meets the poll busy with a report, and left the poll (and so the
// write end) alive: the reader never saw end of file. 200 rounds; a reader that sees no end
// of file within 5 s fails the round instead of hanging.
TEST_P(AsyncFdTest, AWriteEndDroppedWhileItsReaderDrainsGivesEndOfFile) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        for (int round = 0; round < 200; ++round) {
            int p[2];
            EXPECT_EQ(::pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
            std::atomic<int> reader_result{0};  // 0 running, 1 end of file, 2 none in 5 s
            std::thread reader([rfd = p[0], &reader_result] {
                char buf[1024];
                for (;;) {
                    pollfd pfd{rfd, POLLIN, 0};
                    if (::poll(&pfd, 1, 5000) == 0) {
                        reader_result = 2;
                        break;
                    }
                    ssize_t n = ::read(rfd, buf, sizeof buf);
                    if (n == 0) {
                        reader_result = 1;
                        break;
                    }
                }
                ::close(rfd);
            });
            {
                AsyncFd<OwnedFd> wr(OwnedFd(p[1]), Interest::writable);
                std::vector<char> chunk(4096, 'x');
                std::size_t sent = 0;
                while (sent < 64 * 1024) {
                    auto g = co_await wr.writable();
                    auto n = g.try_io(
                        [&](OwnedFd& o) { return ::write(o.fd(), chunk.data(), chunk.size()); });
                    if (n) sent += static_cast<std::size_t>(*n);
                }
            }  // deregisters and closes the write end while the reader still drains
            reader.join();
            EXPECT_EQ(reader_result.load(), 1) << "no end of file in round " << round;
            if (reader_result.load() != 1) break;
        }
    });
}

TEST_P(AsyncFdTest, PriorityReadinessSeesTcpUrgentData) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        // Plain blocking sockets on 127.0.0.1; the receiving end goes non-blocking into an
        // AsyncFd<int> that waits for priority data (POLLPRI), which MSG_OOB sends.
        int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof sa;
        EXPECT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
        EXPECT_EQ(::listen(lfd, 1), 0);
        EXPECT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
        int cfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        EXPECT_EQ(::connect(cfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
        int sfd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        EXPECT_GE(sfd, 0);
        {
            AsyncFd<int> afd(sfd, Interest::readable | Interest::priority);
            auto sender = weft::spawn([](int fd) -> weft::Task<void> {
                co_await weft::time::sleep(5ms);
                EXPECT_EQ(::send(fd, "!", 1, MSG_OOB), 1);
            }(cfd));
            auto g = co_await afd.ready(Interest::priority);
            EXPECT_TRUE(g.ready().is_priority());
            char c = 0;
            auto n = g.try_io([&](int fd) { return ::recv(fd, &c, 1, MSG_OOB); });
            EXPECT_EQ(n, std::optional<ssize_t>(1));
            EXPECT_EQ(c, '!');
            co_await sender;
        }
        ::close(sfd);
        ::close(cfd);
        ::close(lfd);
    });
}

TEST_P(AsyncFdTest, ARegularFileIsRefusedByEpollAndAlwaysReadyOnIoUring) {
    run_io(GetParam(), [&]() -> weft::Task<void> {
        TempDir dir("weft-asyncfd");
        int fd = ::open((dir / "f").c_str(), O_CREAT | O_RDWR | O_NONBLOCK | O_CLOEXEC, 0600);
        EXPECT_GE(fd, 0);
        if (GetParam().driver == weft::IoDriverKind::Epoll) {
            try {
                AsyncFd<int> afd(fd);
                ADD_FAILURE() << "epoll registered a regular file";
            } catch (const std::system_error& e) {
                EXPECT_EQ(e.code(), std::errc::operation_not_permitted) << e.what();
            }
        } else {
            // An io_uring poll of a regular file completes at once: always ready.
            AsyncFd<int> afd(fd);
            auto g = co_await afd.readable();
            EXPECT_TRUE(g.ready().is_readable());
        }
        EXPECT_TRUE(is_open(fd)) << "a failed registration does not close a borrowed int";
        ::close(fd);
    });
}

TEST(AsyncFdOutsideRuntime, SaysItNeedsARuntime) {
    int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    EXPECT_THROW(AsyncFd<int> afd(efd), std::logic_error);
    EXPECT_TRUE(is_open(efd));
    ::close(efd);
}
