// io::AsyncFd in the peers' one-line format, beside Tokio's AsyncFd (benches/peers/tokio_os,
// same workload and arguments) and two threads blocking on the same eventfds (impl=threads):
//
//   async_fd_bench eventfd [n=200000] [iters=3] [baseline=1]
//       a ping task and a pong task pass a token n times through two non-blocking eventfds,
//       each waiting for its eventfd under AsyncFd (per_sec: round trips/s)
//
// rt=current (instead of the default rt=multi workers=2) runs weft on the current-thread
// flavour; baseline=0 leaves the threads' row out (for instruction counts under callgrind).
// The readiness path is the one every weft socket takes (IoSource on the driver), so
// this row is also the floor under a socket wait. benches/compare_process.sh runs it next to
// Tokio's.

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "bench_runtime.hpp"
#include "bench_util.hpp"
#include "weft/weft.hpp"

namespace {

using namespace bench;

void print_impl(const char* impl, const std::string& params, double ops, Timing t) {
    std::printf("bench=eventfd impl=%s %s secs=%.4f min_secs=%.4f max_secs=%.4f per_sec=%.3e\n",
                impl, params.c_str(), t.median, t.min, t.max, ops / t.median);
    std::fflush(stdout);
}

// An eventfd, closed on destruction; AsyncFd finds its descriptor through fd().
class EventFd {
  public:
    explicit EventFd(int flags) : fd_(::eventfd(0, flags | EFD_CLOEXEC)) {
        if (fd_ < 0) throw std::system_error(errno, std::system_category(), "eventfd");
    }
    EventFd(EventFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    EventFd& operator=(EventFd&&) = delete;
    ~EventFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int fd() const noexcept { return fd_; }

  private:
    int fd_;
};

void efd_write(int fd) {
    std::uint64_t one = 1;
    if (::write(fd, &one, sizeof one) != sizeof one)
        throw std::system_error(errno, std::system_category(), "eventfd write");
}

// Waits until `afd` is readable, then reads its counter (would-block clears the readiness).
weft::Task<std::uint64_t> efd_read(weft::io::AsyncFd<EventFd>& afd) {
    for (;;) {
        auto guard = co_await afd.readable();
        std::uint64_t v = 0;
        auto n = guard.try_io([&](EventFd& e) { return ::read(e.fd(), &v, sizeof v); });
        if (n) co_return v;
    }
}

weft::Task<void> pong(weft::io::AsyncFd<EventFd>& ping, weft::io::AsyncFd<EventFd>& back, long n) {
    for (long i = 0; i < n; ++i) {
        co_await efd_read(ping);
        efd_write(back.fd());
    }
}

weft::Task<void> weft_eventfd(long n) {
    weft::io::AsyncFd<EventFd> ping(EventFd(EFD_NONBLOCK), weft::io::Interest::readable);
    weft::io::AsyncFd<EventFd> back(EventFd(EFD_NONBLOCK), weft::io::Interest::readable);
    auto echo = weft::spawn(pong(ping, back, n));
    for (long i = 0; i < n; ++i) {
        efd_write(ping.fd());
        co_await efd_read(back);
    }
    co_await echo;
}

void threads_eventfd(long n) {
    EventFd ping(0), back(0);  // blocking: read(2) sleeps until the other thread writes
    std::thread echo([&] {
        std::uint64_t v;
        for (long i = 0; i < n; ++i) {
            if (::read(ping.fd(), &v, sizeof v) != sizeof v) std::abort();
            efd_write(back.fd());
        }
    });
    std::uint64_t v;
    for (long i = 0; i < n; ++i) {
        efd_write(ping.fd());
        if (::read(back.fd(), &v, sizeof v) != sizeof v) std::abort();
    }
    echo.join();
}

}  // namespace

int main(int argc, char** argv) {
    RuntimeArgs a(argc, argv, "eventfd");
    if (a.what != "eventfd") {
        std::fprintf(stderr, "unknown workload %s\n", a.what.c_str());
        return 2;
    }
    long iters = arg(a.kv, "iters", 3), n = arg(a.kv, "n", 200000);
    Timing w = repeat(iters, [&] {
        auto t0 = Clock::now();
        a.br.rt.block_on([&]() -> weft::Task<void> {
            auto body = weft::spawn(weft_eventfd(n));  // on a worker, as the peer's run_as_task
            co_await body;
        });
        return since(t0);
    });
    print_impl("weft", a.br.params + " n=" + std::to_string(n), static_cast<double>(n), w);
    if (arg(a.kv, "baseline", 1) == 0) return 0;  // (callgrind runs: weft's row alone)
    Timing t = repeat(iters, [&] {
        auto t0 = Clock::now();
        threads_eventfd(n);
        return since(t0);
    });
    print_impl("threads", "n=" + std::to_string(n), static_cast<double>(n), t);
}
