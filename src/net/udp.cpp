#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "socket_shared.hpp"

#include "weft/net/udp_socket.hpp"

namespace weft::net {

namespace {
constexpr const char* kUdp = "weft::net::UdpSocket";

}  // namespace

UdpSocket UdpSocket::bind(const SocketAddr& addr) {
    int fd = ::socket(addr.as_sockaddr()->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) detail::throw_os_error(errno, std::string(kUdp) + "::bind (socket)");
    if (::bind(fd, addr.as_sockaddr(), addr.sockaddr_len()) != 0) {
        int err = errno;
        ::close(fd);
        detail::throw_os_error(err, std::string(kUdp) + "::bind " + addr.to_string());
    }
    return UdpSocket(detail::IoSource(fd, "weft::net::UdpSocket::bind"));
}

void UdpSocket::connect(const SocketAddr& peer) {
    if (::connect(src_.fd(), peer.as_sockaddr(), peer.sockaddr_len()) != 0)
        detail::throw_os_error(errno, std::string(kUdp) + "::connect " + peer.to_string());
}

Poll<std::size_t> UdpSocket::poll_send_to(Context& cx, std::span<const std::byte> buf,
                                          const SocketAddr& to) {
    return src_.poll_io(
        cx, detail::Direction::Write,
        [&] {
            return ::sendto(src_.fd(), buf.data(), buf.size(), MSG_NOSIGNAL, to.as_sockaddr(),
                            to.sockaddr_len());
        },
        [&] { return std::string(kUdp) + "::send_to " + to.to_string(); });
}

Poll<std::pair<std::size_t, SocketAddr>> UdpSocket::poll_recv_from(Context& cx,
                                                                   std::span<std::byte> buf) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    Poll<std::size_t> p = src_.poll_io(
        cx, detail::Direction::Read,
        [&] {
            len = sizeof ss;
            return ::recvfrom(src_.fd(), buf.data(), buf.size(), 0,
                              reinterpret_cast<sockaddr*>(&ss), &len);
        },
        [] { return std::string(kUdp) + "::recv_from"; });
    if (p.is_pending()) return Pending;
    auto from = SocketAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    return std::pair<std::size_t, SocketAddr>(p.value(), from ? *from : SocketAddr());
}

Poll<std::size_t> UdpSocket::poll_send(Context& cx, std::span<const std::byte> buf) {
    return src_.poll_io(
        cx, detail::Direction::Write,
        [&] { return ::send(src_.fd(), buf.data(), buf.size(), MSG_NOSIGNAL); },
        [] { return std::string(kUdp) + "::send"; });
}

Poll<std::size_t> UdpSocket::poll_recv(Context& cx, std::span<std::byte> buf) {
    return src_.poll_io(
        cx, detail::Direction::Read, [&] { return ::recv(src_.fd(), buf.data(), buf.size(), 0); },
        [] { return std::string(kUdp) + "::recv"; });
}

SocketAddr UdpSocket::local_addr() const {
    return detail_sock::sockname(src_.fd(), false, "weft::net::UdpSocket::local_addr");
}

SocketAddr UdpSocket::peer_addr() const {
    return detail_sock::sockname(src_.fd(), true, "weft::net::UdpSocket::peer_addr");
}

}  // namespace weft::net
