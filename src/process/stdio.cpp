// weft::io::stdin/stdout/stderr: Tokio's Blocking adaptor. One read or write at a time runs
// on the runtime's blocking pool, owning the object's buffer while it runs; whoever polls
// next takes the buffer back. See include/weft/io/stdio.hpp for why not the I/O driver.

#include "weft/io/stdio.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "no_sigpipe.hpp"
#include "weft/detail/task/spawn_on.hpp"
#include "weft/io/error.hpp"

namespace weft::detail {

namespace {

// Tokio's MAX_BUF: the most one blocking operation reads or writes.
constexpr std::size_t kMaxBuf = std::size_t{2} << 20;

Spawner& stdio_spawner(const char* what) {
    return require_blocking_spawner(what, "stdio runs");
}

}  // namespace

Poll<void> BlockingStdio::poll_idle(Context& cx) {
    if (!busy_) return Ready;
    Poll<StdioOp> p = Pending;
    try {
        p = op_.poll(cx);
    } catch (...) {
        // The runtime shut down before the operation ran; its buffer went with it.
        busy_ = false;
        buf_.clear();
        pos_ = 0;
        throw;
    }
    if (p.is_pending()) return Pending;
    busy_ = false;
    StdioOp& op = p.value();
    buf_ = std::move(op.buf);
    pos_ = 0;
    if (op.write) {
        buf_.clear();
        if (op.err != 0) write_err_ = op.err;
        return Ready;
    }
    if (op.err != 0) {
        buf_.clear();
        throw_os_error(op.err, name_);
    }
    buf_.resize(op.n);
    eof_ = op.n == 0;
    return Ready;
}

void BlockingStdio::throw_write_error() {
    if (write_err_ != 0) throw_os_error(std::exchange(write_err_, 0), name_);
}

Poll<std::size_t> BlockingStdio::poll_read(Context& cx, std::span<std::byte> buf) {
    for (;;) {
        if (poll_idle(cx).is_pending()) return Pending;
        if (eof_) {
            eof_ = false;  // reported once: a terminal may be read again after ^D
            return 0;
        }
        if (pos_ < buf_.size()) {
            std::size_t n = std::min(buf.size(), buf_.size() - pos_);
            std::memcpy(buf.data(), buf_.data() + pos_, n);
            pos_ += n;
            if (pos_ == buf_.size()) {
                buf_.clear();
                pos_ = 0;
            }
            return n;
        }
        if (buf.empty()) return 0;
        Spawner& s = stdio_spawner(name_);
        std::vector<std::byte> b = std::move(buf_);
        b.resize(std::min(buf.size(), kMaxBuf));
        op_ = spawn_blocking_on(s, [fd = fd_, b = std::move(b)]() mutable {
            ssize_t n;
            do {
                n = ::read(fd, b.data(), b.size());
            } while (n < 0 && errno == EINTR);
            StdioOp op;
            op.err = n < 0 ? errno : 0;
            op.n = n < 0 ? 0 : static_cast<std::size_t>(n);
            op.buf = std::move(b);
            return op;
        });
        busy_ = true;
    }
}

Poll<std::size_t> BlockingStdio::poll_write(Context& cx, std::span<const std::byte> buf) {
    if (poll_idle(cx).is_pending()) return Pending;
    throw_write_error();
    if (buf.empty()) return 0;
    Spawner& s = stdio_spawner(name_);
    std::size_t n = std::min(buf.size(), kMaxBuf);
    std::vector<std::byte> b = std::move(buf_);
    b.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    op_ = spawn_blocking_on(s, [fd = fd_, b = std::move(b)]() mutable {
        StdioOp op;
        op.write = true;
        std::size_t done = 0;
        while (done < b.size()) {
            ssize_t w = write_no_sigpipe(fd, b.data() + done, b.size() - done);
            if (w > 0) {
                done += static_cast<std::size_t>(w);
            } else if (w == 0) {
                op.err = EIO;  // no progress and no errno: fail rather than spin
                break;
            } else if (errno != EINTR) {
                op.err = errno;
                break;
            }
        }
        op.n = done;
        op.buf = std::move(b);
        return op;
    });
    busy_ = true;
    return n;
}

Poll<void> BlockingStdio::poll_flush(Context& cx) {
    if (poll_idle(cx).is_pending()) return Pending;
    throw_write_error();
    return Ready;
}

}  // namespace weft::detail
