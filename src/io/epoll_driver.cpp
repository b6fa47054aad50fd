// The epoll I/O driver: edge-triggered readiness for every registered descriptor, and an
// eventfd that unpark() writes to end a wait early.
//
// Edge-triggered, registered once for read and write: the kernel reports each transition to
// readable or writable once, and ScheduledIo keeps the readiness until an operation meets
// EAGAIN, so there is no epoll_ctl per operation (Tokio's and mio's scheme).

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "poll_events.hpp"

#include "weft/detail/io/io_driver.hpp"

namespace weft::detail {

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
        int n = epoll_pwait2(epfd_, events_, kMaxEvents, tsp, nullptr);
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
    epoll_event events_[kMaxEvents];  // only the turning thread uses it
};

IoDriver* make_epoll_driver() {
    return new EpollDriver();
}

}  // namespace weft::detail
