#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "datagram.hpp"
#include "socket_shared.hpp"

#include "weft/net/udp_socket.hpp"

namespace weft::net {

namespace {
constexpr const char* kUdp = "weft::net::UdpSocket";
// The calls shared with the other datagram socket (datagram.hpp).
detail_sock::Datagram<SocketAddr> datagram(detail::IoSource& src) {
    return {src, kUdp};
}
std::string what(const char* member) {
    return std::string(kUdp) + member;
}

template <class Addr>
Addr parse_ip(int family, std::string_view text, const char* member) {
    Addr a{};
    std::string s(text);
    if (::inet_pton(family, s.c_str(), &a) != 1)
        throw std::invalid_argument(what(member) + ": \"" + s + "\" is not an IPv" +
                                    (family == AF_INET ? "4" : "6") + " address");
    return a;
}

void multicast_v4(int fd, int opt, std::string_view group, std::string_view iface,
                  const char* member) {
    ip_mreq m{};
    m.imr_multiaddr = parse_ip<in_addr>(AF_INET, group, member);
    m.imr_interface = parse_ip<in_addr>(AF_INET, iface, member);
    if (::setsockopt(fd, IPPROTO_IP, opt, &m, sizeof m) != 0)
        detail::throw_os_error(errno, what(member) + " " + std::string(group));
}

void multicast_v6(int fd, int opt, std::string_view group, std::uint32_t iface,
                  const char* member) {
    ipv6_mreq m{};
    m.ipv6mr_multiaddr = parse_ip<in6_addr>(AF_INET6, group, member);
    m.ipv6mr_interface = iface;
    if (::setsockopt(fd, IPPROTO_IPV6, opt, &m, sizeof m) != 0)
        detail::throw_os_error(errno, what(member) + " " + std::string(group));
}

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
    return datagram(src_).poll_send_to(cx, buf, to);
}

Poll<std::pair<std::size_t, SocketAddr>> UdpSocket::poll_recv_from(Context& cx,
                                                                   std::span<std::byte> buf) {
    return datagram(src_).poll_recv_from(cx, buf, 0, "::recv_from");
}

Poll<std::size_t> UdpSocket::poll_send(Context& cx, std::span<const std::byte> buf) {
    return datagram(src_).poll_send(cx, buf);
}

Poll<std::size_t> UdpSocket::poll_recv(Context& cx, std::span<std::byte> buf) {
    return datagram(src_).poll_recv(cx, buf);
}

SocketAddr UdpSocket::local_addr() const {
    return detail_sock::sockname(src_.fd(), false, "weft::net::UdpSocket::local_addr");
}

SocketAddr UdpSocket::peer_addr() const {
    return detail_sock::sockname(src_.fd(), true, "weft::net::UdpSocket::peer_addr");
}

Poll<std::pair<std::size_t, SocketAddr>> UdpSocket::poll_peek_from(Context& cx,
                                                                   std::span<std::byte> buf) {
    return datagram(src_).poll_recv_from(cx, buf, MSG_PEEK, "::peek_from");
}

std::optional<std::size_t> UdpSocket::try_send_to(std::span<const std::byte> buf,
                                                  const SocketAddr& to) {
    return datagram(src_).try_send_to(buf, to);
}

std::optional<std::pair<std::size_t, SocketAddr>> UdpSocket::try_recv_from(
    std::span<std::byte> buf) {
    return datagram(src_).try_recv_from(buf);
}

std::optional<std::size_t> UdpSocket::try_send(std::span<const std::byte> buf) {
    return datagram(src_).try_send(buf);
}

std::optional<std::size_t> UdpSocket::try_recv(std::span<std::byte> buf) {
    return datagram(src_).try_recv(buf);
}

Poll<io::Readiness> UdpSocket::poll_ready(Context& cx, io::Interest interest) {
    return detail::poll_readiness(src_, cx, interest);
}

void UdpSocket::set_broadcast(bool on) {
    detail_sock::set_opt(src_.fd(), SOL_SOCKET, SO_BROADCAST, on, what("::set_broadcast"));
}
bool UdpSocket::broadcast() const {
    return detail_sock::get_opt(src_.fd(), SOL_SOCKET, SO_BROADCAST, what("::broadcast")) != 0;
}
void UdpSocket::set_ttl(std::uint32_t ttl) {
    detail_sock::set_ttl(src_.fd(), ttl, what("::set_ttl"));
}
std::uint32_t UdpSocket::ttl() const {
    return detail_sock::get_ttl(src_.fd(), what("::ttl"));
}
void UdpSocket::join_multicast_v4(std::string_view group, std::string_view iface) {
    multicast_v4(src_.fd(), IP_ADD_MEMBERSHIP, group, iface, "::join_multicast_v4");
}
void UdpSocket::leave_multicast_v4(std::string_view group, std::string_view iface) {
    multicast_v4(src_.fd(), IP_DROP_MEMBERSHIP, group, iface, "::leave_multicast_v4");
}
void UdpSocket::join_multicast_v6(std::string_view group, std::uint32_t iface) {
    multicast_v6(src_.fd(), IPV6_ADD_MEMBERSHIP, group, iface, "::join_multicast_v6");
}
void UdpSocket::leave_multicast_v6(std::string_view group, std::uint32_t iface) {
    multicast_v6(src_.fd(), IPV6_DROP_MEMBERSHIP, group, iface, "::leave_multicast_v6");
}
void UdpSocket::set_multicast_loop_v4(bool on) {
    detail_sock::set_opt(src_.fd(), IPPROTO_IP, IP_MULTICAST_LOOP, on,
                         what("::set_multicast_loop_v4"));
}
bool UdpSocket::multicast_loop_v4() const {
    return detail_sock::get_opt(src_.fd(), IPPROTO_IP, IP_MULTICAST_LOOP,
                                what("::multicast_loop_v4")) != 0;
}
void UdpSocket::set_multicast_ttl_v4(std::uint32_t ttl) {
    detail_sock::set_opt(src_.fd(), IPPROTO_IP, IP_MULTICAST_TTL, static_cast<int>(ttl),
                         what("::set_multicast_ttl_v4"));
}
std::uint32_t UdpSocket::multicast_ttl_v4() const {
    return static_cast<std::uint32_t>(
        detail_sock::get_opt(src_.fd(), IPPROTO_IP, IP_MULTICAST_TTL, what("::multicast_ttl_v4")));
}
void UdpSocket::set_multicast_loop_v6(bool on) {
    detail_sock::set_opt(src_.fd(), IPPROTO_IPV6, IPV6_MULTICAST_LOOP, on,
                         what("::set_multicast_loop_v6"));
}
bool UdpSocket::multicast_loop_v6() const {
    return detail_sock::get_opt(src_.fd(), IPPROTO_IPV6, IPV6_MULTICAST_LOOP,
                                what("::multicast_loop_v6")) != 0;
}

}  // namespace weft::net
