#pragma once
// Internal to the I/O drivers: what the kernel's poll events mean as readiness bits, in one
// place for both drivers. epoll reports EPOLL* bits and an io_uring poll request POLL* bits;
// Linux gives them the same values (checked below), so one translation serves both.

#include <poll.h>
#include <sys/epoll.h>

#include <cstdint>

#include "weft/detail/io/io_driver.hpp"

namespace weft::detail {

static_assert(EPOLLIN == POLLIN && EPOLLPRI == POLLPRI && EPOLLOUT == POLLOUT &&
                  EPOLLRDHUP == POLLRDHUP && EPOLLHUP == POLLHUP && EPOLLERR == POLLERR,
              "epoll and poll event bits differ");

/// The readiness bits (kReadable...) that the poll/epoll events `e` report.
constexpr std::uint32_t readiness_from_events(std::uint32_t e) noexcept {
    std::uint32_t bits = 0;
    if (e & POLLIN) bits |= kReadable;
    // Priority data is also readable (as mio reports it): a reader that does not ask for
    // priority still wakes, and its syscall says what is there.
    if (e & POLLPRI) bits |= kReadable | kPriority;
    if (e & POLLOUT) bits |= kWritable;
    if (e & POLLRDHUP) bits |= kReadable | kReadClosed;
    if (e & POLLHUP) bits |= kReadable | kWritable | kReadClosed | kWriteClosed;
    // An error is reported by the next syscall in either direction.
    if (e & POLLERR) bits |= kReadable | kWritable;
    return bits;
}

}  // namespace weft::detail
