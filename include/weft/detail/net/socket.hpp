#pragma once
// Internal: the registered sockets that the stream and listener types of weft::net share,
// whatever their address family (TcpStream/UnixStream hold a StreamSocket,
// TcpListener/UnixListener a ListenSocket). `kind` names the public type in errors
// ("weft::net::TcpStream"), so one implementation serves both families.

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "weft/detail/io/io_source.hpp"
#include "weft/detail/net/completion_stream.hpp"
#include "weft/io/interest.hpp"
#include "weft/time/sleep.hpp"

namespace weft::detail {

/// A descriptor not yet registered, closed when dropped (TcpSocket's before connect/listen,
/// the connect future's until its first poll).
class OwnedFd {
  public:
    OwnedFd() noexcept = default;
    explicit OwnedFd(int fd) noexcept : fd_(fd) {}
    OwnedFd(OwnedFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    OwnedFd& operator=(OwnedFd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~OwnedFd() { reset(); }
    int get() const noexcept { return fd_; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset() noexcept;

  private:
    int fd_ = -1;
};

/// The readiness of `src` for any direction of `interest`, as the public `io::Readiness`
/// (the sockets' `ready()`).
inline Poll<io::Readiness> poll_readiness(IoSource& src, Context& cx, io::Interest interest) {
    Poll<ReadyEvent> r = src.poll_ready_any(cx, interest.bits());
    if (r.is_pending()) return Pending;
    return io::Readiness::from_bits(r.value().ready);
}

/// The byte-stream operations of a registered, non-blocking connected socket: on readiness
/// (a syscall once the driver reports the direction ready), or, where the driver runs them as
/// completions (IoDriver::completion_sockets: io_uring), reads and writes through a
/// CompletionStream, whose bytes the readiness operations (try_read, peek, ready) see first.
class StreamSocket {
  public:
    StreamSocket() noexcept = default;
    StreamSocket(int fd, const char* kind);
    StreamSocket(StreamSocket&& o) noexcept = default;
    StreamSocket& operator=(StreamSocket&& o) noexcept {
        if (this != &o) {
            close();
            src_ = std::move(o.src_);
            cs_ = std::move(o.cs_);
            kind_ = o.kind_;
        }
        return *this;
    }
    ~StreamSocket() { close(); }

    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        if (cs_) return cs_->poll_read(cx, src_.fd(), buf, kind_);
        return src_.poll_io(
            cx, Direction::Read, [&] { return ::recv(src_.fd(), buf.data(), buf.size(), 0); },
            [&] { return std::string(kind_) + "::read"; }, buf.size());
    }
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf) {
        if (cs_) {
            iovec v{const_cast<std::byte*>(buf.data()), buf.size()};
            return cs_->poll_write(cx, src_.fd(), std::span<const iovec>(&v, 1), kind_);
        }
        // MSG_NOSIGNAL: a peer that closed gives EPIPE, not a SIGPIPE that kills the process.
        return src_.poll_io(
            cx, Direction::Write,
            [&] { return ::send(src_.fd(), buf.data(), buf.size(), MSG_NOSIGNAL); },
            [&] { return std::string(kind_) + "::write"; }, buf.size());
    }
    Poll<std::size_t> poll_write_vectored(Context& cx, std::span<const iovec> bufs) {
        if (cs_) return cs_->poll_write(cx, src_.fd(), bufs, kind_);
        std::size_t want = 0;
        for (const iovec& v : bufs)
            want += v.iov_len;
        return src_.poll_io(
            cx, Direction::Write,
            [&] {
                msghdr msg{};
                msg.msg_iov = const_cast<iovec*>(bufs.data());
                msg.msg_iovlen = bufs.size();
                return ::sendmsg(src_.fd(), &msg, MSG_NOSIGNAL);
            },
            [&] { return std::string(kind_) + "::write_vectored"; }, want);
    }
    /// Ready once what writes took is sent (completions); on readiness nothing is buffered.
    Poll<void> poll_flush(Context& cx) {
        if (cs_) return cs_->poll_flush(cx, kind_);
        return Ready;
    }
    /// recv(MSG_PEEK) once readable. No partial-read clearing: the bytes stay queued.
    Poll<std::size_t> poll_peek(Context& cx, std::span<std::byte> buf) {
        if (cs_) {
            if (auto p = cs_->poll_peek(cx, buf, kind_)) return *p;
        }
        return src_.poll_io(
            cx, Direction::Read,
            [&] { return ::recv(src_.fd(), buf.data(), buf.size(), MSG_PEEK); },
            [&] { return std::string(kind_) + "::peek"; });
    }
    /// One recv/send now: the count, or nullopt if it would block.
    std::optional<std::size_t> try_read(std::span<std::byte> buf) {
        if (cs_) {
            bool would_block = false;
            if (auto n = cs_->try_take(buf, would_block, kind_)) return n;
            if (would_block) return std::nullopt;
        }
        return src_.try_io(
            Direction::Read, [&] { return ::recv(src_.fd(), buf.data(), buf.size(), 0); },
            [&] { return std::string(kind_) + "::try_read"; });
    }
    std::optional<std::size_t> try_write(std::span<const std::byte> buf) {
        if (cs_ && cs_->settle_send(nullptr, kind_)) return std::nullopt;
        return src_.try_io(
            Direction::Write,
            [&] { return ::send(src_.fd(), buf.data(), buf.size(), MSG_NOSIGNAL); },
            [&] { return std::string(kind_) + "::try_write"; });
    }
    Poll<io::Readiness> poll_ready(Context& cx, io::Interest interest);

    /// shutdown(2); ENOTCONN (the peer reset the connection first) is not an error.
    void shutdown(int how);

    /// Connecting, in two steps (the connect futures of TcpStream and UnixStream):
    /// begin_connect makes a non-blocking socket of sa's family and starts connecting it to
    /// `sa`, throwing "<kind>::connect to <to>" on failure; `connected` says whether it
    /// finished at once. Otherwise poll_connected is Ready once it has, and throws its error.
    static StreamSocket begin_connect(const sockaddr* sa, socklen_t len, const char* kind,
                                      const std::string& to, bool& connected);
    /// As begin_connect, on `fd` (a non-blocking stream socket made and set up beforehand:
    /// TcpSocket's), which it takes.
    static StreamSocket begin_connect_on(int fd, const sockaddr* sa, socklen_t len,
                                         const char* kind, const std::string& to, bool& connected);
    Poll<void> poll_connected(Context& cx, const std::string& to);

    IoSource& source() noexcept { return src_; }
    int fd() const noexcept { return src_.fd(); }

  private:
    void close() noexcept;  // hands a send in flight the descriptor, or closes it

    IoSource src_;
    std::unique_ptr<CompletionStream> cs_;  // the reads and writes, where they are completions
    const char* kind_ = "";
};

/// A registered listening socket and one accept4 attempt.
class ListenSocket {
  public:
    ListenSocket() noexcept = default;
    /// Takes a listening, non-blocking `fd` and registers it.
    ListenSocket(int fd, const char* kind) : src_(fd, kind), kind_(kind) {}
    /// socket + (SO_REUSEADDR) + bind to `sa` + listen, then registered; on failure the
    /// descriptor is closed and std::system_error says "<kind>::bind <to>" (or ::listen).
    static ListenSocket bind(const sockaddr* sa, socklen_t len, int backlog, bool reuse_addr,
                             const char* kind, const std::string& to);
    /// listen(2) on `fd` (bound beforehand: TcpSocket's), which it takes; then registered. On
    /// failure closes it and throws "<kind>::listen <to>".
    static ListenSocket listen_on(int fd, int backlog, const char* kind, const std::string& to);

    /// One accept4 once readable: the new (non-blocking) descriptor, or -errno. No exception,
    /// so that the accept loop handles EMFILE and friends without one.
    Poll<int> poll_accept_fd(Context& cx, sockaddr_storage& ss, socklen_t& len);
    /// As poll_accept_fd, but any failure throws std::system_error.
    Poll<int> poll_accept_or_throw(Context& cx, sockaddr_storage& ss, socklen_t& len);

    int fd() const noexcept { return src_.fd(); }
    const char* kind() const noexcept { return kind_; }

  private:
    IoSource src_;
    const char* kind_ = "";
};

/// The state of one `accept()` future: skips connections aborted before they were accepted,
/// and on EMFILE/ENFILE/ENOBUFS/ENOMEM sleeps 10 ms and tries again (the connection waits in
/// the kernel's queue) instead of failing the server's accept loop. Other errors throw.
class AcceptLoop {
  public:
    Poll<int> poll(Context& cx, ListenSocket& l, sockaddr_storage& ss, socklen_t& len);

  private:
    std::optional<time::Sleep> backoff_;
};

/// The one door into a stream type's private parts (its constructor from a StreamSocket and
/// its kind name), for the code in src/net/ that TcpStream and UnixStream share.
struct SocketAccess;

}  // namespace weft::detail
