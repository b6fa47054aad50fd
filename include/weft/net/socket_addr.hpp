#pragma once
/// \file
/// `weft::net::SocketAddr`: an IPv4 or IPv6 address with a port.

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::net {

/// An IP socket address, IPv4 or IPv6, as Rust's `std::net::SocketAddr` (which Tokio uses).
/// It converts to and from the `sockaddr` the system calls take.
///
/// Text forms: `"127.0.0.1:8080"`, `"[::1]:8080"` and `"[fe80::1%2]:80"` (numeric scope id).
/// `parse` returns an empty optional for anything else; `from_string` throws
/// `std::invalid_argument` naming the text.
///
/// ```cpp
/// auto addr = weft::net::SocketAddr::from_string("127.0.0.1:6379");
/// assert(addr.is_ipv4() && addr.port() == 6379);
/// std::string s = addr.to_string();  // "127.0.0.1:6379"
/// ```
class SocketAddr {
  public:
    /// 0.0.0.0:0.
    SocketAddr() noexcept;

    /// An IPv4 address from its four octets, e.g. `{127, 0, 0, 1}`.
    static SocketAddr v4(std::array<std::uint8_t, 4> octets, std::uint16_t port) noexcept;
    /// An IPv6 address from its sixteen octets (network order), with a scope id.
    static SocketAddr v6(const std::array<std::uint8_t, 16>& octets, std::uint16_t port,
                         std::uint32_t scope_id = 0) noexcept;
    /// 127.0.0.1:port, the address weft's tests and examples bind to.
    static SocketAddr localhost(std::uint16_t port) noexcept { return v4({127, 0, 0, 1}, port); }

    /// Parses `ip:port`, `[ipv6]:port` or `[ipv6%scope]:port`; empty if the text is not one.
    static std::optional<SocketAddr> parse(std::string_view text);
    /// As `parse`, but throws std::invalid_argument for bad text.
    static SocketAddr from_string(std::string_view text);
    /// From a system socket address (AF_INET or AF_INET6); empty for other families or a
    /// length too short for the family.
    static std::optional<SocketAddr> from_sockaddr(const sockaddr* sa, socklen_t len) noexcept;

    bool is_ipv4() const noexcept { return storage_.v4.sin_family == AF_INET; }
    bool is_ipv6() const noexcept { return storage_.v6.sin6_family == AF_INET6; }
    std::uint16_t port() const noexcept;
    void set_port(std::uint16_t port) noexcept;
    /// The IPv6 scope id (0 for IPv4).
    std::uint32_t scope_id() const noexcept { return is_ipv6() ? storage_.v6.sin6_scope_id : 0; }

    /// The address without the port: `"127.0.0.1"`, `"::1"`.
    std::string ip_string() const;
    /// `"127.0.0.1:80"`, `"[::1]:80"`, `"[fe80::1%2]:80"`; parse(to_string()) gives it back.
    std::string to_string() const;

    /// The system form, for bind/connect/sendto.
    const sockaddr* as_sockaddr() const noexcept {
        return reinterpret_cast<const sockaddr*>(&storage_);
    }
    socklen_t sockaddr_len() const noexcept {
        return is_ipv4() ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    }

    friend bool operator==(const SocketAddr& a, const SocketAddr& b) noexcept;

  private:
    union Storage {
        sockaddr_in v4;
        sockaddr_in6 v6;
    } storage_;
};

}  // namespace weft::net
