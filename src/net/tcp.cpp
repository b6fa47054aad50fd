#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "sockname.hpp"

#include "weft/net/tcp_listener.hpp"
#include "weft/net/tcp_stream.hpp"

namespace weft::net {

namespace {

constexpr const char* kStream = "weft::net::TcpStream";
constexpr const char* kListener = "weft::net::TcpListener";

}  // namespace

// ---- TcpStream ----

Poll<TcpStream> detail_tcp::Connect::poll(Context& cx) {
    if (sock_.fd() < 0) {
        bool connected = false;
        sock_ = detail::StreamSocket::begin_connect(addr_.as_sockaddr(), addr_.sockaddr_len(),
                                                    kStream, addr_.to_string(), connected);
        if (connected) return TcpStream(std::move(sock_));
    }
    if (sock_.poll_connected(cx, addr_.to_string()).is_pending()) return Pending;
    return TcpStream(std::move(sock_));
}

TcpStream TcpStream::from_fd(int fd) {
    detail_sock::set_nonblocking(fd, "weft::net::TcpStream::from_fd");
    return TcpStream(detail::StreamSocket(fd, kStream));
}

void TcpStream::set_nodelay(bool on) {
    int v = on ? 1 : 0;
    if (::setsockopt(sock_.fd(), IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) != 0)
        detail::throw_os_error(errno, std::string(kStream) + "::set_nodelay");
}

bool TcpStream::nodelay() const {
    int v = 0;
    socklen_t len = sizeof v;
    if (::getsockopt(sock_.fd(), IPPROTO_TCP, TCP_NODELAY, &v, &len) != 0)
        detail::throw_os_error(errno, std::string(kStream) + "::nodelay");
    return v != 0;
}

SocketAddr TcpStream::peer_addr() const {
    return detail_sock::sockname(sock_.fd(), true, "weft::net::TcpStream::peer_addr");
}

SocketAddr TcpStream::local_addr() const {
    return detail_sock::sockname(sock_.fd(), false, "weft::net::TcpStream::local_addr");
}

// ---- TcpListener ----

TcpListener TcpListener::bind(const SocketAddr& addr, int backlog) {
    return TcpListener(detail::ListenSocket::bind(addr.as_sockaddr(), addr.sockaddr_len(), backlog,
                                                  true, kListener, addr.to_string()));
}

TcpListener TcpListener::from_fd(int fd) {
    detail_sock::set_nonblocking(fd, "weft::net::TcpListener::from_fd");
    return TcpListener(detail::ListenSocket(fd, kListener));
}

SocketAddr TcpListener::local_addr() const {
    return detail_sock::sockname(sock_.fd(), false, "weft::net::TcpListener::local_addr");
}

std::pair<TcpStream, SocketAddr> TcpListener::adopt(int fd, const sockaddr_storage& ss,
                                                    socklen_t len) {
    TcpStream stream(detail::StreamSocket(fd, kStream));
    auto addr = SocketAddr::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
    return {std::move(stream), addr ? *addr : SocketAddr()};
}

Poll<std::pair<TcpStream, SocketAddr>> TcpListener::poll_accept(Context& cx) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    Poll<int> p = sock_.poll_accept_or_throw(cx, ss, len);
    if (p.is_pending()) return Pending;
    return adopt(p.value(), ss, len);
}

Poll<std::pair<TcpStream, SocketAddr>> detail_tcp::Accept::poll(Context& cx) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    Poll<int> p = loop_.poll(cx, l_->sock_, ss, len);
    if (p.is_pending()) return Pending;
    return TcpListener::adopt(p.value(), ss, len);
}

}  // namespace weft::net
