// An eventfd as an async Stream, through weft::io::AsyncFd: plain threads (a C library's
// callback thread, say) add to a counter without knowing about the runtime, and a task reads
// the sums as a stream. Each item is the total added since the previous item.
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "weft/weft.hpp"

// The eventfd, owned: AsyncFd<EventFd> closes it (after deregistering) when dropped.
class EventFd {
  public:
    EventFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
        if (fd_ < 0) throw std::system_error(errno, std::system_category(), "eventfd");
    }
    EventFd(EventFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    EventFd& operator=(EventFd&& o) noexcept {
        std::swap(fd_, o.fd_);
        return *this;
    }
    ~EventFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int fd() const noexcept { return fd_; }  // what AsyncFd looks for

  private:
    int fd_;
};

// A Stream of counts (weft::Stream: Item and poll_next).
class EventCounter {
  public:
    using Item = std::uint64_t;

    EventCounter() : afd_(EventFd(), weft::io::Interest::readable) {}

    /// Adds `n`: callable from any thread, no runtime needed (a write(2)).
    void add(std::uint64_t n) const {
        if (::write(afd_.fd(), &n, sizeof n) != sizeof n)
            throw std::system_error(errno, std::system_category(), "eventfd write");
    }

    weft::Poll<std::optional<std::uint64_t>> poll_next(weft::Context& cx) {
        for (;;) {
            // Ready (a guard) once the kernel said readable; Pending with our waker stored.
            auto ready = afd_.poll_read_ready(cx);
            if (ready.is_pending()) return weft::Pending;
            std::uint64_t sum = 0;
            // read(2) of an eventfd takes the whole sum; EAGAIN (someone was faster, or the
            // readiness was stale) makes try_io clear the readiness and say nullopt: wait again.
            auto n =
                ready.value().try_io([&](EventFd& e) { return ::read(e.fd(), &sum, sizeof sum); });
            if (n) return std::optional<std::uint64_t>(sum);
        }
    }

  private:
    weft::io::AsyncFd<EventFd> afd_;
};

static_assert(weft::stream::Stream<EventCounter>);

int main() {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    rt.block_on([]() -> weft::Task<void> {
        EventCounter counter;
        // Four plain threads add 1..250 each: 4 * 31375 in all.
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&counter] {
                for (std::uint64_t i = 1; i <= 250; ++i)
                    counter.add(i);
            });
        }
        std::uint64_t total = 0;
        int items = 0;
        while (total < 4 * 31375) {
            auto next = weft::stream::next(counter);
            std::optional<std::uint64_t> sum = co_await next;
            total += *sum;
            ++items;
        }
        for (auto& t : threads)
            t.join();
        std::printf("eventfd counter: %llu added, read as %d stream items\n",
                    static_cast<unsigned long long>(total), items);
    });
    return 0;
}
