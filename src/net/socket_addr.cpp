#include "weft/net/socket_addr.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "socket_shared.hpp"
#include "weft/io/error.hpp"

namespace weft::net {

namespace {
// A decimal number in [0, max] that is all of `s`.
std::optional<std::uint32_t> parse_number(std::string_view s, std::uint32_t max) {
    std::uint32_t v = 0;
    if (s.empty() || s.size() > 10) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v > max) return std::nullopt;
    return v;
}
}  // namespace

SocketAddr::SocketAddr() noexcept {
    std::memset(&storage_, 0, sizeof storage_);
    storage_.v4.sin_family = AF_INET;
}

SocketAddr SocketAddr::v4(std::array<std::uint8_t, 4> octets, std::uint16_t port) noexcept {
    SocketAddr a;
    std::memcpy(&a.storage_.v4.sin_addr, octets.data(), 4);
    a.storage_.v4.sin_port = htons(port);
    return a;
}

SocketAddr SocketAddr::v6(const std::array<std::uint8_t, 16>& octets, std::uint16_t port,
                          std::uint32_t scope_id) noexcept {
    SocketAddr a;
    std::memset(&a.storage_, 0, sizeof a.storage_);
    a.storage_.v6.sin6_family = AF_INET6;
    std::memcpy(&a.storage_.v6.sin6_addr, octets.data(), 16);
    a.storage_.v6.sin6_port = htons(port);
    a.storage_.v6.sin6_scope_id = scope_id;
    return a;
}

std::optional<SocketAddr> SocketAddr::parse(std::string_view text) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto port = parse_number(text.substr(colon + 1), 65535);
    if (!port) return std::nullopt;
    std::string_view host = text.substr(0, colon);
    SocketAddr a;
    if (!host.empty() && host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') return std::nullopt;
        host = host.substr(1, host.size() - 2);
        std::uint32_t scope = 0;
        if (std::size_t pct = host.find('%'); pct != std::string_view::npos) {
            auto s = parse_number(host.substr(pct + 1), 0xffffffffu);
            if (!s) return std::nullopt;
            scope = *s;
            host = host.substr(0, pct);
        }
        std::string ip(host);  // inet_pton needs a terminated string
        std::memset(&a.storage_, 0, sizeof a.storage_);
        a.storage_.v6.sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, ip.c_str(), &a.storage_.v6.sin6_addr) != 1) return std::nullopt;
        a.storage_.v6.sin6_scope_id = scope;
    } else {
        std::string ip(host);
        if (inet_pton(AF_INET, ip.c_str(), &a.storage_.v4.sin_addr) != 1) return std::nullopt;
    }
    a.set_port(static_cast<std::uint16_t>(*port));
    return a;
}

SocketAddr SocketAddr::from_string(std::string_view text) {
    if (auto a = parse(text)) return *a;
    std::string what = "weft::net::SocketAddr: not an address:port: \"";
    what.append(text).push_back('"');
    throw std::invalid_argument(what);
}

std::optional<SocketAddr> SocketAddr::from_sockaddr(const sockaddr* sa, socklen_t len) noexcept {
    SocketAddr a;
    if (sa == nullptr) return std::nullopt;
    if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        std::memcpy(&a.storage_.v4, sa, sizeof(sockaddr_in));
        return a;
    }
    if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        std::memcpy(&a.storage_.v6, sa, sizeof(sockaddr_in6));
        return a;
    }
    return std::nullopt;
}

std::uint16_t SocketAddr::port() const noexcept {
    return ntohs(is_ipv4() ? storage_.v4.sin_port : storage_.v6.sin6_port);
}

void SocketAddr::set_port(std::uint16_t port) noexcept {
    if (is_ipv4()) {
        storage_.v4.sin_port = htons(port);
    } else {
        storage_.v6.sin6_port = htons(port);
    }
}

std::string SocketAddr::ip_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (is_ipv4()) {
        inet_ntop(AF_INET, &storage_.v4.sin_addr, buf, sizeof buf);
    } else {
        inet_ntop(AF_INET6, &storage_.v6.sin6_addr, buf, sizeof buf);
    }
    return buf;
}

std::string SocketAddr::to_string() const {
    // Appends rather than operator+ chains: GCC 12 at -O3 gives a false -Wrestrict on those
    // (GCC bug 105329).
    std::string out;
    if (is_ipv6()) out.push_back('[');
    out.append(ip_string());
    if (scope_id() != 0) out.append("%").append(std::to_string(scope_id()));
    if (is_ipv6()) out.push_back(']');
    out.push_back(':');
    out.append(std::to_string(port()));
    return out;
}

bool operator==(const SocketAddr& a, const SocketAddr& b) noexcept {
    if (a.is_ipv4() != b.is_ipv4()) return false;
    if (a.is_ipv4()) {
        return a.storage_.v4.sin_port == b.storage_.v4.sin_port &&
               a.storage_.v4.sin_addr.s_addr == b.storage_.v4.sin_addr.s_addr;
    }
    return a.storage_.v6.sin6_port == b.storage_.v6.sin6_port &&
           a.storage_.v6.sin6_scope_id == b.storage_.v6.sin6_scope_id &&
           std::memcmp(&a.storage_.v6.sin6_addr, &b.storage_.v6.sin6_addr, 16) == 0;
}

}  // namespace weft::net

namespace weft::net::detail_sock {

void set_nonblocking(int fd, const char* what) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        int err = errno;
        ::close(fd);
        weft::detail::throw_os_error(err, what);
    }
}

void set_opt(int fd, int level, int name, int value, const std::string& what) {
    if (::setsockopt(fd, level, name, &value, sizeof value) != 0)
        weft::detail::throw_os_error(errno, what);
}

int get_opt(int fd, int level, int name, const std::string& what) {
    int v = 0;
    socklen_t len = sizeof v;
    if (::getsockopt(fd, level, name, &v, &len) != 0) weft::detail::throw_os_error(errno, what);
    return v;
}

void set_linger(int fd, std::optional<std::chrono::seconds> d, const std::string& what) {
    ::linger l{};
    l.l_onoff = d ? 1 : 0;
    l.l_linger = d ? static_cast<int>(d->count()) : 0;
    if (::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) != 0)
        weft::detail::throw_os_error(errno, what);
}

std::optional<std::chrono::seconds> get_linger(int fd, const std::string& what) {
    ::linger l{};
    socklen_t len = sizeof l;
    if (::getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len) != 0)
        weft::detail::throw_os_error(errno, what);
    if (!l.l_onoff) return std::nullopt;
    return std::chrono::seconds(l.l_linger);
}

int family(int fd, const std::string& what) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        weft::detail::throw_os_error(errno, what);
    return ss.ss_family;
}

void set_ttl(int fd, std::uint32_t ttl, const std::string& what) {
    bool v6 = family(fd, what) == AF_INET6;
    set_opt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_UNICAST_HOPS : IP_TTL,
            static_cast<int>(ttl), what);
}

std::uint32_t get_ttl(int fd, const std::string& what) {
    bool v6 = family(fd, what) == AF_INET6;
    return static_cast<std::uint32_t>(
        get_opt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_UNICAST_HOPS : IP_TTL, what));
}

}  // namespace weft::net::detail_sock
