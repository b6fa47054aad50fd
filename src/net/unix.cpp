#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "socket_shared.hpp"

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

}  // namespace weft::net
