#pragma once
// Internal: a non-blocking file descriptor registered with the current runtime's I/O driver,
// and the retry loop every socket operation shares (Tokio's PollEvented).

#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <utility>

#include "weft/detail/io/io_driver.hpp"
#include "weft/io/error.hpp"

namespace weft::detail {

class IoSource {
  public:
    IoSource() noexcept = default;
    /// Takes `fd` (non-blocking) and registers it with the current runtime's driver. On
    /// failure closes it and throws: std::logic_error outside a runtime (naming `what`),
    /// std::system_error if the kernel refuses.
    IoSource(int fd, const char* what);
    IoSource(IoSource&& o) noexcept
        : driver_(std::exchange(o.driver_, nullptr)),
          io_(std::exchange(o.io_, nullptr)),
          fd_(std::exchange(o.fd_, -1)) {}
    IoSource& operator=(IoSource&& o) noexcept {
        if (this != &o) {
            reset();
            driver_ = std::exchange(o.driver_, nullptr);
            io_ = std::exchange(o.io_, nullptr);
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~IoSource() { reset(); }

    int fd() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }
    /// Deregisters and closes.
    void reset() noexcept;

    /// Ready for `dir`, or Pending with cx's waker stored.
    Poll<ReadyEvent> poll_ready(Context& cx, Direction dir) { return io_->poll_ready(cx, dir); }
    void clear_readiness(ReadyEvent ev, Direction dir, bool eagain) noexcept {
        io_->clear_readiness(ev, dir, eagain);
    }

    /// Runs `op` (a syscall: a count, or -1 with errno) once `dir` is ready; EAGAIN clears the
    /// readiness and waits for the next report, EINTR retries, anything else throws
    /// std::system_error saying `what` failed. `partial_clears`: a count short of `want` means
    /// the socket is drained (stream sockets), so the readiness is cleared at once, saving the
    /// syscall that would only meet EAGAIN.
    template <class Op, class What>
    Poll<std::size_t> poll_io(Context& cx, Direction dir, Op&& op, What&& what,
                              std::size_t want = 0) {
        for (;;) {
            Poll<ReadyEvent> r = io_->poll_ready(cx, dir);
            if (r.is_pending()) return Pending;
            ssize_t n = op();
            if (n >= 0) {
                auto got = static_cast<std::size_t>(n);
                if (got != 0 && got < want) io_->clear_readiness(r.value(), dir, false);
                return got;
            }
            int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK) {
                io_->clear_readiness(r.value(), dir, true);
                continue;
            }
            if (err == EINTR) continue;
            throw_os_error(err, what());
        }
    }

    /// Forgets a waker stored by a poll that will not come back (a dropped operation).
    void clear_waker(Direction dir) noexcept {
        if (io_ != nullptr) io_->clear_waker(dir);
    }

  private:
    IoDriver* driver_ = nullptr;
    ScheduledIo* io_ = nullptr;
    int fd_ = -1;
};

}  // namespace weft::detail
