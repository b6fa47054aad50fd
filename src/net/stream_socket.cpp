#include "weft/detail/net/stream_socket.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace weft::detail {

void StreamSocket::shutdown(int how) {
    if (::shutdown(src_.fd(), how) != 0 && errno != ENOTCONN)
        throw_os_error(errno, std::string(kind_) + "::shutdown");
}

StreamSocket StreamSocket::begin_connect(const sockaddr* sa, socklen_t len, const char* kind,
                                         const std::string& to, bool& connected) {
    int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_os_error(errno, std::string(kind) + "::connect (socket)");
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

}  // namespace weft::detail
