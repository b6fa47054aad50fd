#pragma once
/// \file
/// `weft::net::UnixSocketAddr`: the address of a Unix domain socket.

#include <sys/socket.h>
#include <sys/un.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace weft::net {

/// The address of a Unix domain socket (Tokio's `tokio::net::unix::SocketAddr`): a path in
/// the file system, a name in Linux's abstract namespace (no file; gone with the last socket),
/// or unnamed (a socket that never bound, e.g. a client's end or one of `UnixStream::pair`).
///
/// ```cpp
/// auto a = weft::net::UnixSocketAddr::from_pathname("/run/app.sock");
/// assert(a.as_pathname() == std::filesystem::path("/run/app.sock"));
/// auto b = weft::net::UnixSocketAddr::from_abstract_name("app");  // "@app"
/// ```
class UnixSocketAddr {
  public:
    /// Unnamed.
    UnixSocketAddr() noexcept;
    /// A path (at most 107 bytes, with no NUL); throws std::invalid_argument otherwise.
    static UnixSocketAddr from_pathname(const std::filesystem::path& path);
    /// A name in the abstract namespace (at most 107 bytes); throws std::invalid_argument.
    static UnixSocketAddr from_abstract_name(std::string_view name);
    /// From a system address (AF_UNIX) of `len` bytes; empty for another family.
    static std::optional<UnixSocketAddr> from_sockaddr(const sockaddr* sa, socklen_t len) noexcept;

    bool is_unnamed() const noexcept { return len_ <= sizeof(sa_family_t); }
    /// The path, if it is one.
    std::optional<std::filesystem::path> as_pathname() const;
    /// The abstract name (without the leading NUL), if it is one.
    std::optional<std::string> as_abstract_name() const;
    /// The path; `"@name"` for an abstract name; `"(unnamed)"`.
    std::string to_string() const;

    /// The system form, for bind/connect.
    const sockaddr* as_sockaddr() const noexcept {
        return reinterpret_cast<const sockaddr*>(&addr_);
    }
    socklen_t sockaddr_len() const noexcept { return len_; }

    friend bool operator==(const UnixSocketAddr& a, const UnixSocketAddr& b) noexcept;

  private:
    sockaddr_un addr_;
    socklen_t len_;
};

}  // namespace weft::net
