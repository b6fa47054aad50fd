#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "datagram.hpp"
#include "socket_shared.hpp"

#include "weft/net/unix_datagram.hpp"
#include "weft/net/unix_listener.hpp"
#include "weft/net/unix_socket_addr.hpp"
#include "weft/net/unix_stream.hpp"

namespace weft::net {

namespace {

constexpr std::size_t kMaxName = sizeof(sockaddr_un::sun_path) - 1;

}  // namespace

// ---- UnixSocketAddr ----

UnixSocketAddr::UnixSocketAddr() noexcept : len_(sizeof(sa_family_t)) {
    std::memset(&addr_, 0, sizeof addr_);
    addr_.sun_family = AF_UNIX;
}

UnixSocketAddr UnixSocketAddr::from_pathname(const std::filesystem::path& path) {
    const std::string& p = path.native();
    if (p.empty() || p.size() > kMaxName || p.find('\0') != std::string::npos) {
        throw std::invalid_argument("weft::net::UnixSocketAddr: \"" + p +
                                    "\" is not a usable socket path (1 to 107 bytes, no NUL)");
    }
    UnixSocketAddr a;
    std::memcpy(a.addr_.sun_path, p.data(), p.size());
    // The path and its terminating NUL, as the kernel reports a bound path back.
    a.len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + p.size() + 1);
    return a;
}

UnixSocketAddr UnixSocketAddr::from_abstract_name(std::string_view name) {
    if (name.size() > kMaxName) {
        throw std::invalid_argument("weft::net::UnixSocketAddr: abstract name longer than " +
                                    std::to_string(kMaxName) + " bytes");
    }
    UnixSocketAddr a;
    std::memcpy(a.addr_.sun_path + 1, name.data(), name.size());  // sun_path[0] stays NUL
    a.len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    return a;
}

std::optional<UnixSocketAddr> UnixSocketAddr::from_sockaddr(const sockaddr* sa,
                                                            socklen_t len) noexcept {
    if (len < sizeof(sa_family_t) || sa->sa_family != AF_UNIX || len > sizeof(sockaddr_un))
        return std::nullopt;
    UnixSocketAddr a;
    std::memcpy(&a.addr_, sa, len);
    a.len_ = len;
    return a;
}

std::optional<std::filesystem::path> UnixSocketAddr::as_pathname() const {
    if (is_unnamed() || addr_.sun_path[0] == '\0') return std::nullopt;
    std::size_t n = len_ - offsetof(sockaddr_un, sun_path);
    return std::filesystem::path(std::string(addr_.sun_path, strnlen(addr_.sun_path, n)));
}

std::optional<std::string> UnixSocketAddr::as_abstract_name() const {
    if (is_unnamed() || addr_.sun_path[0] != '\0') return std::nullopt;
    std::size_t n = len_ - offsetof(sockaddr_un, sun_path);
    return std::string(addr_.sun_path + 1, n - 1);
}

std::string UnixSocketAddr::to_string() const {
    if (auto p = as_pathname()) return p->native();
    if (auto name = as_abstract_name()) return "@" + *name;
    return "(unnamed)";
}

bool operator==(const UnixSocketAddr& a, const UnixSocketAddr& b) noexcept {
    if (a.is_unnamed() || b.is_unnamed()) return a.is_unnamed() == b.is_unnamed();
    return a.as_pathname() == b.as_pathname() && a.as_abstract_name() == b.as_abstract_name();
}

// ---- UnixStream ----

template class ByteStream<UnixStream, UnixSocketAddr>;
template class Connect<UnixStream>;
template class Accept<UnixStream>;
template class StreamListener<UnixListener, UnixStream>;

std::pair<UnixStream, UnixStream> UnixStream::pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
        detail::throw_os_error(errno, std::string(kKind) + "::pair");
    detail::StreamSocket a;
    try {
        a = detail::StreamSocket(fds[0], kKind);
    } catch (...) {
        ::close(fds[1]);  // (the first was closed by the failed registration)
        throw;
    }
    detail::StreamSocket b(fds[1], kKind);
    return {UnixStream(std::move(a)), UnixStream(std::move(b))};
}

UCred UnixStream::peer_cred() const {
    ucred c{};
    socklen_t len = sizeof c;
    if (::getsockopt(sock_.fd(), SOL_SOCKET, SO_PEERCRED, &c, &len) != 0)
        detail::throw_os_error(errno, std::string(kKind) + "::peer_cred");
    return UCred{c.pid, c.uid, c.gid};
}

// ---- UnixListener ----

UnixListener UnixListener::bind(const UnixSocketAddr& addr, int backlog) {
    return UnixListener(detail::ListenSocket::bind(addr.as_sockaddr(), addr.sockaddr_len(), backlog,
                                                   /*reuse_addr=*/false, kKind, addr.to_string()));
}

// ---- UnixDatagram ----

namespace {
constexpr const char* kDgram = "weft::net::UnixDatagram";
// The calls shared with the other datagram socket (datagram.hpp).
detail_sock::Datagram<UnixSocketAddr> datagram(detail::IoSource& src) {
    return {src, kDgram};
}
std::string dgram(const char* member) {
    return std::string(kDgram) + member;
}
int dgram_socket(const char* member) {
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) detail::throw_os_error(errno, dgram(member) + " (socket)");
    return fd;
}
}  // namespace

UnixDatagram UnixDatagram::bind(const std::filesystem::path& path) {
    return bind(UnixSocketAddr::from_pathname(path));
}

UnixDatagram UnixDatagram::bind(const UnixSocketAddr& addr) {
    int fd = dgram_socket("::bind");
    if (::bind(fd, addr.as_sockaddr(), addr.sockaddr_len()) != 0) {
        int err = errno;
        ::close(fd);
        detail::throw_os_error(err, dgram("::bind ") + addr.to_string());
    }
    return UnixDatagram(detail::IoSource(fd, "weft::net::UnixDatagram::bind"));
}

UnixDatagram UnixDatagram::unbound() {
    return UnixDatagram(detail::IoSource(dgram_socket("::unbound"), "weft::net::UnixDatagram"));
}

std::pair<UnixDatagram, UnixDatagram> UnixDatagram::pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
        detail::throw_os_error(errno, dgram("::pair"));
    detail::IoSource a;
    try {
        a = detail::IoSource(fds[0], "weft::net::UnixDatagram::pair");
    } catch (...) {
        ::close(fds[1]);  // (the first was closed by the failed registration)
        throw;
    }
    detail::IoSource b(fds[1], "weft::net::UnixDatagram::pair");
    return {UnixDatagram(std::move(a)), UnixDatagram(std::move(b))};
}

void UnixDatagram::connect(const std::filesystem::path& path) {
    connect(UnixSocketAddr::from_pathname(path));
}

void UnixDatagram::connect(const UnixSocketAddr& addr) {
    if (::connect(src_.fd(), addr.as_sockaddr(), addr.sockaddr_len()) != 0)
        detail::throw_os_error(errno, dgram("::connect ") + addr.to_string());
}

Poll<std::size_t> UnixDatagram::poll_send_to(Context& cx, std::span<const std::byte> buf,
                                             const UnixSocketAddr& to) {
    return datagram(src_).poll_send_to(cx, buf, to);
}

Poll<std::pair<std::size_t, UnixSocketAddr>> UnixDatagram::poll_recv_from(
    Context& cx, std::span<std::byte> buf) {
    return datagram(src_).poll_recv_from(cx, buf, 0, "::recv_from");
}

Poll<std::size_t> UnixDatagram::poll_send(Context& cx, std::span<const std::byte> buf) {
    return datagram(src_).poll_send(cx, buf);
}

Poll<std::size_t> UnixDatagram::poll_recv(Context& cx, std::span<std::byte> buf) {
    return datagram(src_).poll_recv(cx, buf);
}

Poll<io::Readiness> UnixDatagram::poll_ready(Context& cx, io::Interest interest) {
    return detail::poll_readiness(src_, cx, interest);
}

std::optional<std::size_t> UnixDatagram::try_send(std::span<const std::byte> buf) {
    return datagram(src_).try_send(buf);
}

std::optional<std::size_t> UnixDatagram::try_recv(std::span<std::byte> buf) {
    return datagram(src_).try_recv(buf);
}

std::optional<std::size_t> UnixDatagram::try_send_to(std::span<const std::byte> buf,
                                                     const UnixSocketAddr& to) {
    return datagram(src_).try_send_to(buf, to);
}

std::optional<std::pair<std::size_t, UnixSocketAddr>> UnixDatagram::try_recv_from(
    std::span<std::byte> buf) {
    return datagram(src_).try_recv_from(buf);
}

UnixSocketAddr UnixDatagram::local_addr() const {
    return detail_sock::sockname<UnixSocketAddr>(src_.fd(), false, dgram("::local_addr"));
}

UnixSocketAddr UnixDatagram::peer_addr() const {
    return detail_sock::sockname<UnixSocketAddr>(src_.fd(), true, dgram("::peer_addr"));
}

}  // namespace weft::net
