// A stream socket's reads and writes as io_uring completions (completion_stream.hpp has the
// contract).
//
// Why. On readiness, every read and write is a syscall of its own, after a poll report; here
// a read is a RECV request and a write a SEND, left in the submission queue by the task and
// handed to the kernel with every other task's in one io_uring_enter (the driver's batching,
// io_driver.hpp). An echo server on one thread makes about one syscall per loop instead of
// three per message.
//
// Who owns what. The kernel writes into a receive's buffer and reads a send's until the last
// completion, while the future that asked may be dropped at any point: so the buffers are the
// ops' (UringOp, uring_op.hpp), never the caller's, and the bytes are copied in and out.
//   - A receive lets the kernel choose a provided buffer (IOSQE_BUFFER_SELECT) when the
//     caller's buffer fits one: a connection waiting for data then holds no buffer at all.
//     It asks for as much as the buffer holds, so reads smaller than that are served from
//     bytes already received (the bytes are the socket's until read: a program that reads
//     the descriptor itself, through native_handle(), would miss them).
//     Bigger reads, kernels without buffer rings, and the moment the buffers run out
//     (-ENOBUFS) use the op's own buffer instead. One receive at a time: its bytes are served
//     to reads until they are all taken, and then the buffer goes back to the kernel.
//   - A send copies what the caller writes (up to kMaxSend bytes) and returns that count at
//     once: write-behind, as the kernel's send buffer is. The next write waits until the send
//     is done and reports its error, so one task writing in a loop is paced by the peer, as
//     with readiness. A short send (old kernels ignore MSG_WAITALL) is sent on from its
//     completion, so the bytes go out in order and whole.
//
// Dropping. A read's future holds nothing: the receive belongs to the socket, and a later read
// takes its bytes (cancel safety, as with readiness). Dropping the socket cancels its receive,
// but not its send: the send op takes the descriptor and closes it after its last completion,
// so the peer gets every byte that a write reported taken, then end of stream. A shutdown
// asked while a send is in flight is likewise done by the send, after it (under fd_mu_, so
// that it never acts on a descriptor that the socket has closed meanwhile).

#include "weft/detail/net/completion_stream.hpp"

#include <linux/io_uring.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "weft/detail/sync/spin_lock.hpp"
#include "weft/io/error.hpp"

namespace weft::detail {

namespace {
constexpr std::size_t kMaxRecv = 64 * 1024;  // the most one receive asks for
constexpr std::size_t kMaxSend = 64 * 1024;  // the most one write takes
}  // namespace

// ---- the ops ----

class RecvOp final : public UringOp {
  public:
    explicit RecvOp(IoDriver& d) noexcept : d_(&d) {}
    ~RecvOp() override { give_back(); }

    /// The submission for `fd`: into a provided buffer of `group` if `select`, else into the
    /// op's own buffer; at most `want` bytes.
    UringSqe prepare(int fd, std::size_t want, bool select, std::uint16_t group) {
        UringSqe s;
        s.opcode = IORING_OP_RECV;
        s.fd = fd;
        s.len = static_cast<std::uint32_t>(want);
        if (select) {
            s.sqe_flags = IOSQE_BUFFER_SELECT;
            s.buf_group = group;
            group_ = group;
        } else {
            if (own_cap_ < want) {
                own_.reset(new std::byte[want]);
                own_cap_ = want;
            }
            s.addr = reinterpret_cast<std::uint64_t>(own_.get());
        }
        pos_ = 0;
        return s;
    }
    /// The received bytes (once done with a positive result).
    const std::byte* data() noexcept {
        return has_buf_ ? d_->provided_buffer(group_, bid_) : own_.get();
    }
    /// Returns the provided buffer, if the kernel chose one.
    void give_back() noexcept {
        if (has_buf_) {
            has_buf_ = false;
            d_->recycle_buffer(group_, bid_);
        }
    }
    std::size_t pos_ = 0;  // the owner's: how many of the bytes reads took

  protected:
    bool on_completion(std::int32_t res, std::uint32_t cqe_flags) noexcept override {
        // Written before finish(), whose release publishes them to the owner.
        if (cqe_flags & IORING_CQE_F_BUFFER) {
            has_buf_ = true;
            bid_ = static_cast<std::uint16_t>(cqe_flags >> IORING_CQE_BUFFER_SHIFT);
        }
        finish(res);
        return true;
    }

  private:
    IoDriver* d_;
    std::unique_ptr<std::byte[]> own_;
    std::size_t own_cap_ = 0;
    bool has_buf_ = false;
    std::uint16_t group_ = 0;  // the provided buffers' group (one per ring), if select
    std::uint16_t bid_ = 0;
};

class SendOp final : public UringOp {
  public:
    explicit SendOp(IoDriver& d) noexcept : d_(&d) {}
    ~SendOp() override {
        if (owns_fd_) ::close(fd_);  // cancelled (the runtime shut down) before it finished
    }

    /// Copies `bufs` (at most `n` bytes in all) in; returns the submission for `fd`.
    UringSqe prepare(int fd, std::span<const iovec> bufs, std::size_t n) {
        if (cap_ < n) {
            buf_.reset(new std::byte[n]);
            cap_ = n;
        }
        std::size_t at = 0;
        for (const iovec& v : bufs) {
            std::size_t k = std::min(v.iov_len, n - at);
            if (k != 0) std::memcpy(buf_.get() + at, v.iov_base, k);
            at += k;
            if (at == n) break;
        }
        fd_ = fd;
        len_ = n;
        sent_ = 0;
        finished_ = false;
        shutdown_how_ = -1;
        owns_fd_ = false;
        return rest();
    }
    /// Shuts `how` down after the send (true), or false if it has finished (the caller then
    /// does it).
    bool shutdown_after(int how) noexcept {
        std::lock_guard lock(fd_mu_);
        if (finished_) return false;
        shutdown_how_ = shutdown_how_ < 0 || shutdown_how_ == how ? how : SHUT_RDWR;
        return true;
    }
    /// Takes the descriptor, to close after the send (true), or false if it has finished.
    bool take_fd() noexcept {
        std::lock_guard lock(fd_mu_);
        if (finished_) return false;
        owns_fd_ = true;
        return true;
    }

  protected:
    bool on_completion(std::int32_t res, std::uint32_t /*cqe_flags*/) noexcept override {
        if (res > 0) sent_ += static_cast<std::size_t>(res);
        if (res > 0 && sent_ < len_) {
            if (uring_op_detail::resubmit(d_, this, rest()) == 0) return false;
            res = -EIO;
        }
        if (res == 0 && sent_ < len_) res = -EPIPE;  // no progress: fail rather than spin
        int close_fd = -1;
        {
            std::lock_guard lock(fd_mu_);
            finished_ = true;
            if (shutdown_how_ >= 0) ::shutdown(fd_, shutdown_how_);
            if (owns_fd_) {
                owns_fd_ = false;
                close_fd = fd_;
            }
        }
        if (close_fd >= 0) ::close(close_fd);
        finish(res < 0 ? res : static_cast<std::int32_t>(sent_));
        return true;
    }

  private:
    UringSqe rest() const noexcept {
        UringSqe s;
        s.opcode = IORING_OP_SEND;
        s.fd = fd_;
        s.addr = reinterpret_cast<std::uint64_t>(buf_.get() + sent_);
        s.len = static_cast<std::uint32_t>(len_ - sent_);
        // NOSIGNAL: a peer that closed gives EPIPE, not SIGPIPE. WAITALL: the kernel sends it
        // all before completing (5.18; before, a short send is sent on from on_completion).
        s.op_flags = MSG_NOSIGNAL | MSG_WAITALL;
        return s;
    }

    IoDriver* d_;
    std::unique_ptr<std::byte[]> buf_;
    std::size_t cap_ = 0;
    std::size_t len_ = 0;
    std::size_t sent_ = 0;  // the turning thread's, between submission and the last completion
    int fd_ = -1;
    SpinLock fd_mu_;
    bool finished_ = false;  // guarded by fd_mu_ (once submitted)
    int shutdown_how_ = -1;  // guarded by fd_mu_
    bool owns_fd_ = false;   // guarded by fd_mu_
};

// ---- reading ----

CompletionStream::CompletionStream(IoDriver& d) noexcept : driver_(&d) {}
CompletionStream::~CompletionStream() = default;

void CompletionStream::submit_recv(int fd, std::size_t want, const char* kind) {
    want = std::min(want, kMaxRecv);
    std::uint16_t group = 0;
    std::uint32_t size = 0;
    bool select = !own_buffer_next_ && driver_->provided_buffers(group, size) && want <= size;
    own_buffer_next_ = false;
    if (select) want = size;  // as much as the buffer holds: smaller reads are served from it
    if (recv_ && recv_->reusable()) {
        recv_->renew();
    } else {
        recv_ = UringOpPtr<RecvOp>::make(*driver_, *driver_);
    }
    int r = recv_.submit(recv_->prepare(fd, want, select, group));
    if (r < 0) throw_os_error(-r, std::string(kind) + "::read");
    recv_busy_ = true;
}

Poll<std::size_t> CompletionStream::poll_read(Context& cx, int fd, std::span<std::byte> buf,
                                              const char* kind) {
    if (buf.empty()) return std::size_t{0};
    for (;;) {
        if (eof_) return std::size_t{0};
        if (!recv_busy_) {
            submit_recv(fd, buf.size(), kind);
            continue;
        }
        if (!recv_->done() && recv_->poll(cx).is_pending()) return Pending;
        if (auto n = finished(buf, true, kind, "::read")) return *n;
    }
}

std::optional<std::size_t> CompletionStream::finished(std::span<std::byte> buf, bool consume,
                                                      const char* kind, const char* what) {
    RecvOp& op = *recv_;
    std::int32_t r = op.result();
    if (r > 0) {
        auto got = static_cast<std::size_t>(r);
        std::size_t n = std::min(buf.size(), got - op.pos_);
        std::memcpy(buf.data(), op.data() + op.pos_, n);
        if (consume) op.pos_ += n;
        if (op.pos_ == got) {
            op.give_back();
            recv_busy_ = false;
        }
        return n;
    }
    recv_busy_ = false;
    op.give_back();
    if (r == 0) {
        eof_ = true;
        return std::size_t{0};
    }
    if (r == -ENOBUFS) own_buffer_next_ = true;
    if (r == -ENOBUFS || r == -EINTR || r == -EAGAIN) return std::nullopt;
    throw_os_error(-r, std::string(kind) + what);
}

std::optional<Poll<std::size_t>> CompletionStream::poll_peek(Context& cx, std::span<std::byte> buf,
                                                             const char* kind) {
    if (eof_) return Poll<std::size_t>(std::size_t{0});
    if (!recv_busy_) return std::nullopt;
    if (!recv_->done() && recv_->poll(cx).is_pending()) return Poll<std::size_t>(Pending);
    if (auto n = finished(buf, false, kind, "::peek")) return Poll<std::size_t>(*n);
    return std::nullopt;
}

std::optional<std::size_t> CompletionStream::try_take(std::span<std::byte> buf, bool& would_block,
                                                      const char* kind) {
    would_block = false;
    if (eof_) return std::size_t{0};
    if (!recv_busy_) return std::nullopt;
    if (!recv_->done()) {
        would_block = true;
        return std::nullopt;
    }
    return finished(buf, true, kind, "::try_read");
}

std::optional<Poll<void>> CompletionStream::poll_readable(Context& cx) {
    if (eof_) return Poll<void>(Ready);
    if (!recv_busy_) return std::nullopt;
    if (recv_->done() || recv_->poll(cx).is_ready()) return Poll<void>(Ready);
    return Poll<void>(Pending);
}

// ---- writing ----

bool CompletionStream::settle_send(Context* cx, const char* kind) {
    if (!send_busy_) return false;
    SendOp& op = *send_;
    if (!op.done()) {
        if (cx == nullptr || op.poll(*cx).is_pending()) return true;
    }
    send_busy_ = false;
    std::int32_t r = op.result();
    if (r < 0) throw_os_error(-r, std::string(kind) + "::write");
    return false;
}

Poll<std::size_t> CompletionStream::poll_write(Context& cx, int fd, std::span<const iovec> bufs,
                                               const char* kind) {
    if (settle_send(&cx, kind)) return Pending;
    std::size_t total = 0;
    for (const iovec& v : bufs)
        total += v.iov_len;
    if (total == 0) return std::size_t{0};
    std::size_t n = std::min(total, kMaxSend);
    if (send_ && send_->reusable()) {
        send_->renew();
    } else {
        send_ = UringOpPtr<SendOp>::make(*driver_, *driver_);
    }
    int r = send_.submit(send_->prepare(fd, bufs, n));
    if (r < 0) throw_os_error(-r, std::string(kind) + "::write");
    send_busy_ = true;
    return n;
}

Poll<void> CompletionStream::poll_flush(Context& cx, const char* kind) {
    if (settle_send(&cx, kind)) return Pending;
    return Ready;
}

Poll<void> CompletionStream::poll_send_idle(Context& cx) noexcept {
    if (!send_busy_ || send_->done()) return Ready;
    try {
        return send_->poll(cx).is_ready() ? Poll<void>(Ready) : Poll<void>(Pending);
    } catch (...) {
        return Ready;  // the runtime shut down: the next write says so
    }
}

bool CompletionStream::shutdown_after_send(int how) noexcept {
    return send_busy_ && send_->shutdown_after(how);
}

bool CompletionStream::detach(int /*fd*/) noexcept {
    recv_.reset();  // cancels a receive in flight (submitting at once, with what was queued)
    bool taken = send_busy_ && send_->take_fd();
    if (taken) {
        send_.set_cancel_on_drop(false);  // its bytes still go out
        driver_->flush_submissions();
    }
    send_.reset();
    send_busy_ = false;
    return taken;
}

}  // namespace weft::detail
