// The epoll I/O driver: edge-triggered readiness for every registered descriptor, and an
// eventfd that unpark() writes to end a wait early.
//
// Edge-triggered, registered once for read and write: the kernel reports each transition to
// readable or writable once, and ScheduledIo keeps the readiness until an operation meets
// EAGAIN, so there is no epoll_ctl per operation (Tokio's and mio's scheme).
//
// The wait is epoll_pwait2 (Linux 5.11), whose timeout is in nanoseconds. Where it is refused
// (ENOSYS before 5.11 and under valgrind 3.19, EPERM under some seccomp profiles) the driver
// falls back to epoll_wait with the timeout rounded up to a whole millisecond, for good: a
// refused call returns at once, and retrying it every turn made the park a busy loop.

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <system_error>

#include "poll_events.hpp"

#include "weft/detail/io/io_driver.hpp"

namespace weft::detail {

namespace {
// relaxed: a switch for tests, set while no runtime runs.
std::atomic<bool> g_refuse_pwait2{false};

// A wait's timeout for epoll_wait: -1 for none, else milliseconds rounded up (a timer must
// not be woken before its deadline), at most INT_MAX.
int timeout_ms(const timespec* tsp) noexcept {
    if (tsp == nullptr) return -1;
    long long ms = static_cast<long long>(tsp->tv_sec) * 1000 + (tsp->tv_nsec + 999999) / 1000000;
    return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}
}  // namespace

void refuse_epoll_pwait2_for_testing(bool refuse) noexcept {
    g_refuse_pwait2.store(refuse, std::memory_order_relaxed);
}

class EpollDriver final : public IoDriver {
  public:
    EpollDriver() {
        epfd_ = epoll_create1(EPOLL_CLOEXEC);
        if (epfd_ < 0) throw std::system_error(errno, std::system_category(), "epoll_create1");
        wakefd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (wakefd_ < 0) {
            int err = errno;
            close(epfd_);
            throw std::system_error(err, std::system_category(), "eventfd");
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLET;
        ev.data.ptr = nullptr;  // the wake token
        if (epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev) != 0) {
            int err = errno;
            close(wakefd_);
            close(epfd_);
            throw std::system_error(err, std::system_category(), "epoll_ctl(eventfd)");
        }
    }
    ~EpollDriver() override {
        close(wakefd_);
        close(epfd_);
    }
    IoDriverKind kind() const noexcept override { return IoDriverKind::Epoll; }

    void signal() noexcept override {
        std::uint64_t one = 1;
        // EAGAIN only when the counter is about to overflow: a wake is pending anyway.
        [[maybe_unused]] ssize_t n = write(wakefd_, &one, sizeof one);
    }

  protected:
    void add(ScheduledIo* io) override {
        epoll_event ev{};
        // EPOLLPRI as the io_uring driver's poll mask has it: priority readiness for
        // io::AsyncFd (Interest::priority); for a socket, TCP urgent data.
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLET;
        ev.data.ptr = io;
        if (epoll_ctl(epfd_, EPOLL_CTL_ADD, io->fd, &ev) != 0)
            throw std::system_error(errno, std::system_category(), "epoll_ctl(ADD)");
    }
    void remove(ScheduledIo* io) noexcept override {
        epoll_ctl(epfd_, EPOLL_CTL_DEL, io->fd, nullptr);
        retire(io);  // freed at the next turn: this turn's events may still name it
    }

    std::size_t wait(std::optional<std::chrono::steady_clock::time_point> until,
                     bool nonblocking) noexcept override {
        free_retired();
        timespec ts{};
        const timespec* tsp = &ts;
        if (!nonblocking) {
            if (until) {
                auto left = *until - std::chrono::steady_clock::now();
                if (left.count() > 0) {
                    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
                    ts.tv_sec = static_cast<time_t>(ns / 1000000000);
                    ts.tv_nsec = static_cast<long>(ns % 1000000000);
                }
            } else {
                tsp = nullptr;
            }
        }
        int n = -1;
        // relaxed: only the thread turning the driver reads and writes it.
        if (!no_pwait2_.load(std::memory_order_relaxed)) {
            n = g_refuse_pwait2.load(std::memory_order_relaxed)
                    ? (errno = ENOSYS, -1)
                    : epoll_pwait2(epfd_, events_, kMaxEvents, tsp, nullptr);
            if (n < 0 && (errno == ENOSYS || errno == EPERM))
                no_pwait2_.store(true, std::memory_order_relaxed);
        }
        if (no_pwait2_.load(std::memory_order_relaxed))
            n = epoll_wait(epfd_, events_, kMaxEvents, timeout_ms(tsp));
        std::size_t ready = 0;
        for (int i = 0; i < n; ++i) {
            auto* io = static_cast<ScheduledIo*>(events_[i].data.ptr);
            if (io == nullptr) {
                std::uint64_t count;
                [[maybe_unused]] ssize_t r = read(wakefd_, &count, sizeof count);
                continue;
            }
            io->set_readiness(readiness_from_events(events_[i].events));
            ++ready;
        }
        return ready;
    }

  private:
    static constexpr int kMaxEvents = 1024;
    int epfd_ = -1;
    int wakefd_ = -1;
    std::atomic<bool> no_pwait2_{false};  // epoll_pwait2 was refused: epoll_wait from now on
    epoll_event events_[kMaxEvents];      // only the turning thread uses it
};

IoDriver* make_epoll_driver() {
    return new EpollDriver();
}

}  // namespace weft::detail
