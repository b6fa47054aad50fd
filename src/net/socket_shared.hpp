#pragma once
// Internal: the code TcpStream/UnixStream and TcpListener/UnixListener share, written once as
// templates over the stream type and instantiated in tcp.cpp and unix.cpp. A type gives its
// name for errors ("weft::net::TcpStream") as a private kKind, and its constructor from a
// registered socket, to SocketAccess, its friend.

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "weft/detail/net/socket.hpp"
#include "weft/io/error.hpp"
#include "weft/net/byte_stream.hpp"
#include "weft/net/connect.hpp"
#include "weft/net/listener.hpp"
#include "weft/net/socket_addr.hpp"

namespace weft::net::detail_sock {
/// The local (peer=false) or remote address of `fd`, of type `Addr`; throws
/// std::system_error naming `what` (EAFNOSUPPORT for another family).
template <class Addr>
Addr sockname(int fd, bool peer, const std::string& what) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    auto* sa = reinterpret_cast<sockaddr*>(&ss);
    int r = peer ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len);
    if (r != 0) weft::detail::throw_os_error(errno, what);
    auto addr = Addr::from_sockaddr(sa, len);
    if (!addr) weft::detail::throw_os_error(EAFNOSUPPORT, what);
    return *addr;
}
/// SocketAddr's, for UdpSocket too.
inline SocketAddr sockname(int fd, bool peer, const char* what) {
    return sockname<SocketAddr>(fd, peer, what);
}
/// Sets O_NONBLOCK on an adopted descriptor; on failure closes it and throws naming `what`.
void set_nonblocking(int fd, const char* what);

/// Socket options, each failure thrown as std::system_error naming `what` (socket_addr.cpp).
void set_opt(int fd, int level, int name, int value, const std::string& what);
int get_opt(int fd, int level, int name, const std::string& what);
void set_linger(int fd, std::optional<std::chrono::seconds> d, const std::string& what);
std::optional<std::chrono::seconds> get_linger(int fd, const std::string& what);
/// The socket's address family (AF_INET, AF_INET6, AF_UNIX).
int family(int fd, const std::string& what);
/// IP_TTL on an IPv4 socket, IPV6_UNICAST_HOPS on an IPv6 one.
void set_ttl(int fd, std::uint32_t ttl, const std::string& what);
std::uint32_t get_ttl(int fd, const std::string& what);
}  // namespace weft::net::detail_sock

namespace weft::detail {

struct SocketAccess {
    /// The type's name for errors, and "<name><member>".
    template <class T>
    static constexpr const char* kind() noexcept {
        return T::kKind;
    }
    template <class T>
    static std::string kind(const char* member) {
        return std::string(T::kKind) + member;
    }
    template <class Stream>
    static Stream stream(StreamSocket sock) {
        return Stream(std::move(sock));
    }
    /// A listener type from its registered socket.
    template <class Listener>
    static Listener listener(ListenSocket sock) {
        return Listener(std::move(sock));
    }
    /// `T::from_fd`: a descriptor made non-blocking, registered as a `Socket`.
    template <class T, class Socket>
    static T from_fd(int fd) {
        net::detail_sock::set_nonblocking(fd, kind<T>("::from_fd").c_str());
        return T(Socket(fd, kind<T>()));
    }
    /// A connection accept4 returned: the stream (registered) and the peer's address.
    template <class Stream>
    static std::pair<Stream, typename Stream::Addr> adopt(int fd, const sockaddr_storage& ss,
                                                          socklen_t len) {
        Stream stream(StreamSocket(fd, Stream::kKind));
        auto addr = Stream::Addr::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
        return {std::move(stream), addr ? *addr : typename Stream::Addr()};
    }
};

}  // namespace weft::detail

namespace weft::net {

// ---- ByteStream ----

template <class Stream, class Address>
Stream ByteStream<Stream, Address>::from_fd(int fd) {
    return weft::detail::SocketAccess::from_fd<Stream, weft::detail::StreamSocket>(fd);
}

template <class Stream, class Address>
Address ByteStream<Stream, Address>::local_addr() const {
    return detail_sock::sockname<Address>(sock_.fd(), false,
                                          weft::detail::SocketAccess::kind<Stream>("::local_addr"));
}

template <class Stream, class Address>
Address ByteStream<Stream, Address>::peer_addr() const {
    return detail_sock::sockname<Address>(sock_.fd(), true,
                                          weft::detail::SocketAccess::kind<Stream>("::peer_addr"));
}

// ---- Connect ----

template <class Stream>
Poll<Stream> Connect<Stream>::poll(Context& cx) {
    using weft::detail::SocketAccess;
    if (sock_.fd() < 0) {
        bool connected = false;
        if (pre_.get() >= 0) {
            sock_ = weft::detail::StreamSocket::begin_connect_on(
                pre_.release(), addr_.as_sockaddr(), addr_.sockaddr_len(),
                SocketAccess::kind<Stream>(), addr_.to_string(), connected);
        } else {
            sock_ = weft::detail::StreamSocket::begin_connect(
                addr_.as_sockaddr(), addr_.sockaddr_len(), SocketAccess::kind<Stream>(),
                addr_.to_string(), connected);
        }
        if (connected) return SocketAccess::stream<Stream>(std::move(sock_));
    }
    if (sock_.poll_connected(cx, addr_.to_string()).is_pending()) return Pending;
    return SocketAccess::stream<Stream>(std::move(sock_));
}

// ---- Accept, StreamListener ----

template <class Stream>
Poll<typename Accept<Stream>::Output> Accept<Stream>::poll(Context& cx) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    Poll<int> p = loop_.poll(cx, *l_, ss, len);
    if (p.is_pending()) return Pending;
    return weft::detail::SocketAccess::adopt<Stream>(p.value(), ss, len);
}

template <class Listener, class Stream>
Listener StreamListener<Listener, Stream>::from_fd(int fd) {
    return weft::detail::SocketAccess::from_fd<Listener, weft::detail::ListenSocket>(fd);
}

template <class Listener, class Stream>
Poll<std::pair<Stream, typename Stream::Addr>> StreamListener<Listener, Stream>::poll_accept(
    Context& cx) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    Poll<int> p = sock_.poll_accept_or_throw(cx, ss, len);
    if (p.is_pending()) return Pending;
    return weft::detail::SocketAccess::adopt<Stream>(p.value(), ss, len);
}

template <class Listener, class Stream>
typename Stream::Addr StreamListener<Listener, Stream>::local_addr() const {
    return detail_sock::sockname<Addr>(sock_.fd(), false,
                                       weft::detail::SocketAccess::kind<Listener>("::local_addr"));
}

}  // namespace weft::net
