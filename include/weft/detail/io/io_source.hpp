#pragma once
// Internal: a non-blocking file descriptor registered with the current runtime's I/O driver,
// and the retry loop every socket operation shares (Tokio's PollEvented).

#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "weft/detail/io/io_driver.hpp"
#include "weft/io/error.hpp"

namespace weft::detail {

class IoSource {
  public:
    IoSource() noexcept = default;
    /// Takes `fd` (non-blocking) and registers it with the current runtime's driver. On
    /// failure closes it and throws: std::logic_error outside a runtime (naming `what`),
    /// std::system_error if the kernel refuses. `lazy`: register_fd's (readiness is asked of
    /// the kernel only once first polled).
    IoSource(int fd, const char* what, bool lazy = false);
    /// Registers `fd` without taking it (io::AsyncFd): a failure leaves it open, and the
    /// owner must call release() before the descriptor is closed.
    static IoSource borrow(int fd, const char* what);
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
    /// Deregisters without closing; returns the descriptor (-1 if none).
    int release() noexcept;

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

    /// The readiness now (no waker stored); throws once the runtime has shut down.
    ReadyEvent snapshot() const { return io_->snapshot(); }

    /// Ready for any direction whose bit (kReadable, kWritable, kPriority) is in `interest`:
    /// the event, its bits limited to those directions' (closed bits included); or Pending
    /// with cx's waker stored for each of them.
    Poll<ReadyEvent> poll_ready_any(Context& cx, std::uint32_t interest) {
        ReadyEvent now = io_->snapshot();
        if (now.ready & mask_of(interest))
            return ReadyEvent{now.tick, now.ready & mask_of(interest)};
        for (Direction d : {Direction::Read, Direction::Write, Direction::Priority}) {
            if ((interest & bit_of(d)) == 0) continue;
            Poll<ReadyEvent> r = io_->poll_ready(cx, d);
            if (r.is_ready())
                return ReadyEvent{r.value().tick, r.value().ready & mask_of(interest)};
        }
        return Pending;
    }

    /// One attempt of `op` (a syscall: a count, or -1 with errno), whatever the readiness
    /// says: the count, or nullopt on EAGAIN (which clears `dir`'s readiness). EINTR retries;
    /// anything else throws std::system_error saying `what` failed. The try_* operations.
    template <class Op, class What>
    std::optional<std::size_t> try_io(Direction dir, Op&& op, What&& what) {
        // The tick before the syscall: a report that comes in during it keeps the readiness.
        ReadyEvent ev = io_->snapshot();
        for (;;) {
            ssize_t n = op();
            if (n >= 0) return static_cast<std::size_t>(n);
            int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK) {
                io_->clear_readiness(ev, dir, true);
                return std::nullopt;
            }
            if (err != EINTR) throw_os_error(err, what());
        }
    }

    /// The bit of kReadable/kWritable/kPriority that stands for `d`, and the bits that end a
    /// wait for the directions in `interest`.
    static constexpr std::uint32_t bit_of(Direction d) noexcept {
        return d == Direction::Read ? kReadable : d == Direction::Write ? kWritable : kPriority;
    }
    static constexpr std::uint32_t mask_of(std::uint32_t interest) noexcept {
        std::uint32_t m = 0;
        if (interest & kReadable) m |= kReadable | kReadClosed;
        if (interest & kWritable) m |= kWritable | kWriteClosed;
        if (interest & kPriority) m |= kPriority | kReadClosed;
        return m;
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
