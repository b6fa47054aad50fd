// TcpStream, TcpListener and TcpSocket: what is TCP's own (socket options, SO_REUSEADDR on
// bind); the rest is the code they share with the Unix domain types, instantiated here
// (socket_shared.hpp).

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <utility>

#include "socket_shared.hpp"

#include "weft/net/tcp_listener.hpp"
#include "weft/net/tcp_socket.hpp"
#include "weft/net/tcp_stream.hpp"

namespace weft::net {

template class ByteStream<TcpStream, SocketAddr>;
template class Connect<TcpStream>;
template class Accept<TcpStream>;
template class StreamListener<TcpListener, TcpStream>;

void TcpStream::set_nodelay(bool on) {
    int v = on ? 1 : 0;
    if (::setsockopt(sock_.fd(), IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) != 0)
        detail::throw_os_error(errno, std::string(kKind) + "::set_nodelay");
}

bool TcpStream::nodelay() const {
    int v = 0;
    socklen_t len = sizeof v;
    if (::getsockopt(sock_.fd(), IPPROTO_TCP, TCP_NODELAY, &v, &len) != 0)
        detail::throw_os_error(errno, std::string(kKind) + "::nodelay");
    return v != 0;
}

void TcpStream::set_ttl(std::uint32_t ttl) {
    detail_sock::set_ttl(sock_.fd(), ttl, std::string(kKind) + "::set_ttl");
}

std::uint32_t TcpStream::ttl() const {
    return detail_sock::get_ttl(sock_.fd(), std::string(kKind) + "::ttl");
}

void TcpStream::set_linger(std::optional<std::chrono::seconds> d) {
    detail_sock::set_linger(sock_.fd(), d, std::string(kKind) + "::set_linger");
}

std::optional<std::chrono::seconds> TcpStream::linger() const {
    return detail_sock::get_linger(sock_.fd(), std::string(kKind) + "::linger");
}

TcpListener TcpListener::bind(const SocketAddr& addr, int backlog) {
    return TcpListener(detail::ListenSocket::bind(addr.as_sockaddr(), addr.sockaddr_len(), backlog,
                                                  /*reuse_addr=*/true, kKind, addr.to_string()));
}

// ---- TcpSocket ----

namespace {
constexpr const char* kSock = "weft::net::TcpSocket";
std::string what(const char* member) {
    return std::string(kSock) + member;
}
int new_socket(int family) {
    int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) detail::throw_os_error(errno, what(family == AF_INET ? "::new_v4" : "::new_v6"));
    return fd;
}
}  // namespace

TcpSocket TcpSocket::new_v4() {
    return TcpSocket(new_socket(AF_INET));
}

TcpSocket TcpSocket::new_v6() {
    return TcpSocket(new_socket(AF_INET6));
}

TcpSocket TcpSocket::new_for(const SocketAddr& addr) {
    return addr.is_ipv4() ? new_v4() : new_v6();
}

void TcpSocket::bind(const SocketAddr& addr) {
    if (::bind(fd_.get(), addr.as_sockaddr(), addr.sockaddr_len()) != 0)
        detail::throw_os_error(errno, what("::bind ") + addr.to_string());
}

void TcpSocket::set_reuseaddr(bool on) {
    detail_sock::set_opt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, on, what("::set_reuseaddr"));
}
bool TcpSocket::reuseaddr() const {
    return detail_sock::get_opt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, what("::reuseaddr")) != 0;
}
void TcpSocket::set_reuseport(bool on) {
    detail_sock::set_opt(fd_.get(), SOL_SOCKET, SO_REUSEPORT, on, what("::set_reuseport"));
}
bool TcpSocket::reuseport() const {
    return detail_sock::get_opt(fd_.get(), SOL_SOCKET, SO_REUSEPORT, what("::reuseport")) != 0;
}
void TcpSocket::set_keepalive(bool on) {
    detail_sock::set_opt(fd_.get(), SOL_SOCKET, SO_KEEPALIVE, on, what("::set_keepalive"));
}
bool TcpSocket::keepalive() const {
    return detail_sock::get_opt(fd_.get(), SOL_SOCKET, SO_KEEPALIVE, what("::keepalive")) != 0;
}
void TcpSocket::set_linger(std::optional<std::chrono::seconds> d) {
    detail_sock::set_linger(fd_.get(), d, what("::set_linger"));
}
std::optional<std::chrono::seconds> TcpSocket::linger() const {
    return detail_sock::get_linger(fd_.get(), what("::linger"));
}
void TcpSocket::set_nodelay(bool on) {
    detail_sock::set_opt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, on, what("::set_nodelay"));
}
bool TcpSocket::nodelay() const {
    return detail_sock::get_opt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, what("::nodelay")) != 0;
}
void TcpSocket::set_send_buffer_size(std::uint32_t size) {
    detail_sock::set_opt(fd_.get(), SOL_SOCKET, SO_SNDBUF, static_cast<int>(size),
                         what("::set_send_buffer_size"));
}
std::uint32_t TcpSocket::send_buffer_size() const {
    return static_cast<std::uint32_t>(
        detail_sock::get_opt(fd_.get(), SOL_SOCKET, SO_SNDBUF, what("::send_buffer_size")));
}
void TcpSocket::set_recv_buffer_size(std::uint32_t size) {
    detail_sock::set_opt(fd_.get(), SOL_SOCKET, SO_RCVBUF, static_cast<int>(size),
                         what("::set_recv_buffer_size"));
}
std::uint32_t TcpSocket::recv_buffer_size() const {
    return static_cast<std::uint32_t>(
        detail_sock::get_opt(fd_.get(), SOL_SOCKET, SO_RCVBUF, what("::recv_buffer_size")));
}

SocketAddr TcpSocket::local_addr() const {
    return detail_sock::sockname(fd_.get(), false, "weft::net::TcpSocket::local_addr");
}

Connect<TcpStream> TcpSocket::connect(const SocketAddr& addr) && noexcept {
    return Connect<TcpStream>(addr, std::move(fd_));
}

TcpListener TcpSocket::listen(int backlog) && {
    // Outside a runtime, fail before listening (ListenSocket would close the socket then).
    detail::IoDriver::current_or_throw("weft::net::TcpSocket::listen");
    std::string to = local_addr().to_string();
    return detail::SocketAccess::listener<TcpListener>(
        detail::ListenSocket::listen_on(fd_.release(), backlog, kSock, to));
}

}  // namespace weft::net
