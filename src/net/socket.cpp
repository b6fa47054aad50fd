// The registered stream and listening sockets (weft/detail/net/socket.hpp), shared by the TCP
// and Unix domain types.

#include "weft/detail/net/socket.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <utility>

namespace weft::detail {

namespace {
bool is_out_of_resources(int err) noexcept {
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}
}  // namespace

// ---- OwnedFd ----

void OwnedFd::reset() noexcept {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

// ---- StreamSocket ----

namespace {
// The driver `fd` will be registered with, if it runs stream reads and writes as completions.
IoDriver* completion_driver() noexcept {
    IoDriver* d = IoDriver::current();
    return d != nullptr && d->completion_sockets() ? d : nullptr;
}
}  // namespace

StreamSocket::StreamSocket(int fd, const char* kind)
    : src_(fd, kind, completion_driver() != nullptr), kind_(kind) {
    if (IoDriver* d = completion_driver()) cs_ = std::make_unique<CompletionStream>(*d);
}

void StreamSocket::close() noexcept {
    if (cs_) {
        // A send in flight takes the descriptor (closing it when done); the registration goes
        // either way.
        if (cs_->detach(src_.fd())) (void)src_.release();
        cs_.reset();
    }
    src_.reset();
}

Poll<io::Readiness> StreamSocket::poll_ready(Context& cx, io::Interest interest) {
    if (!cs_) return poll_readiness(src_, cx, interest);
    // A receive in flight (or done) stands for the read direction, a send in flight for the
    // write direction: the bytes are the ops', not the socket's.
    std::uint32_t bits = interest.bits();
    bool pending = false;
    if (bits & kReadable) {
        if (auto r = cs_->poll_readable(cx)) {
            if (r->is_ready()) return io::Readiness::from_bits(kReadable);
            pending = true;
            bits &= ~std::uint32_t{kReadable};
        }
    }
    if ((bits & kWritable) && cs_->poll_send_idle(cx).is_pending()) {
        pending = true;
        bits &= ~std::uint32_t{kWritable};
    }
    if (bits == 0) {
        if (pending) return Pending;
        return io::Readiness::from_bits(0);
    }
    Poll<ReadyEvent> r = src_.poll_ready_any(cx, bits);
    if (r.is_pending()) return Pending;
    return io::Readiness::from_bits(r.value().ready);
}

void StreamSocket::shutdown(int how) {
    // A send in flight shuts the write side down once its bytes are out (not before: they
    // would be lost).
    if (how != SHUT_RD && cs_ && cs_->shutdown_after_send(how)) return;
    if (::shutdown(src_.fd(), how) != 0 && errno != ENOTCONN)
        throw_os_error(errno, std::string(kind_) + "::shutdown");
}

StreamSocket StreamSocket::begin_connect(const sockaddr* sa, socklen_t len, const char* kind,
                                         const std::string& to, bool& connected) {
    int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_os_error(errno, std::string(kind) + "::connect (socket)");
    return begin_connect_on(fd, sa, len, kind, to, connected);
}

StreamSocket StreamSocket::begin_connect_on(int fd, const sockaddr* sa, socklen_t len,
                                            const char* kind, const std::string& to,
                                            bool& connected) {
    // Registered after connect(): a socket that has not started connecting polls as hung up,
    // which would read as "connect finished".
    int r = ::connect(fd, sa, len);
    if (r != 0 && errno != EINPROGRESS) {
        int err = errno;
        ::close(fd);
        throw_os_error(err, std::string(kind) + "::connect to " + to);
    }
    connected = r == 0;
    return StreamSocket(fd, kind);
}

Poll<void> StreamSocket::poll_connected(Context& cx, const std::string& to) {
    // Connected (or failed) once writable; SO_ERROR tells which.
    if (src_.poll_ready(cx, Direction::Write).is_pending()) return Pending;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(src_.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
        const char* kind = kind_;
        *this = StreamSocket();
        throw_os_error(err, std::string(kind) + "::connect to " + to);
    }
    return Ready;
}

// ---- ListenSocket ----

ListenSocket ListenSocket::bind(const sockaddr* sa, socklen_t len, int backlog, bool reuse_addr,
                                const char* kind, const std::string& to) {
    int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_os_error(errno, std::string(kind) + "::bind (socket)");
    int one = 1;
    if (reuse_addr) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const char* step = nullptr;
    if (::bind(fd, sa, len) != 0) {
        step = "::bind ";
    } else if (::listen(fd, backlog) != 0) {
        step = "::listen ";
    }
    if (step != nullptr) {
        int err = errno;
        ::close(fd);
        throw_os_error(err, std::string(kind) + step + to);
    }
    // Registered once listening (an unconnected socket polls as hung up).
    return ListenSocket(fd, kind);
}

ListenSocket ListenSocket::listen_on(int fd, int backlog, const char* kind, const std::string& to) {
    if (::listen(fd, backlog) != 0) {
        int err = errno;
        ::close(fd);
        throw_os_error(err, std::string(kind) + "::listen " + to);
    }
    return ListenSocket(fd, kind);
}

Poll<int> ListenSocket::poll_accept_fd(Context& cx, sockaddr_storage& ss, socklen_t& len) {
    for (;;) {
        Poll<ReadyEvent> r = src_.poll_ready(cx, Direction::Read);
        if (r.is_pending()) return Pending;
        len = sizeof ss;
        int fd = ::accept4(src_.fd(), reinterpret_cast<sockaddr*>(&ss), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) return fd;
        int err = errno;
        if (err == EAGAIN || err == EWOULDBLOCK) {
            src_.clear_readiness(r.value(), Direction::Read, true);
            continue;
        }
        if (err == EINTR) continue;
        return -err;
    }
}

Poll<int> ListenSocket::poll_accept_or_throw(Context& cx, sockaddr_storage& ss, socklen_t& len) {
    Poll<int> p = poll_accept_fd(cx, ss, len);
    if (p.is_ready() && p.value() < 0) throw_os_error(-p.value(), std::string(kind_) + "::accept");
    return p;
}

Poll<int> AcceptLoop::poll(Context& cx, ListenSocket& l, sockaddr_storage& ss, socklen_t& len) {
    for (;;) {
        if (backoff_) {
            if (backoff_->poll(cx).is_pending()) return Pending;
            backoff_.reset();
        }
        Poll<int> p = l.poll_accept_fd(cx, ss, len);
        if (p.is_pending()) return Pending;
        int fd = p.value();
        if (fd >= 0) return fd;
        if (-fd == ECONNABORTED) continue;  // the peer gave up first: take the next one
        if (!is_out_of_resources(-fd)) throw_os_error(-fd, std::string(l.kind()) + "::accept");
        // Out of descriptors or memory: the connection waits in the kernel's queue; try again
        // shortly rather than spinning or failing the server's accept loop.
        backoff_.emplace(time::Instant::now() + std::chrono::milliseconds(10));
    }
}

}  // namespace weft::detail
