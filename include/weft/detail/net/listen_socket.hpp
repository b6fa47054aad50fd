#pragma once
// Internal: what TcpListener and UnixListener share: a registered listening socket, one
// accept4 attempt, and the accept loop that backs off when descriptors run out.

#include <sys/socket.h>

#include <optional>
#include <string>

#include "weft/detail/io/io_source.hpp"
#include "weft/time/sleep.hpp"

namespace weft::detail {

class ListenSocket {
  public:
    ListenSocket() noexcept = default;
    /// Takes a listening, non-blocking `fd` and registers it; `kind` names the type in errors
    /// ("weft::net::TcpListener").
    ListenSocket(int fd, const char* kind) : src_(fd, kind), kind_(kind) {}
    /// socket + (SO_REUSEADDR) + bind to `sa` + listen, then registered; on failure the
    /// descriptor is closed and std::system_error says "<kind>::bind <to>" (or ::listen).
    static ListenSocket bind(const sockaddr* sa, socklen_t len, int backlog, bool reuse_addr,
                             const char* kind, const std::string& to);

    /// One accept4 once readable: the new (non-blocking) descriptor, or -errno. No exception,
    /// so that the accept loop handles EMFILE and friends without one.
    Poll<int> poll_accept_fd(Context& cx, sockaddr_storage& ss, socklen_t& len);
    /// As poll_accept_fd, but any failure throws std::system_error.
    Poll<int> poll_accept_or_throw(Context& cx, sockaddr_storage& ss, socklen_t& len);

    int fd() const noexcept { return src_.fd(); }
    const char* kind() const noexcept { return kind_; }

  private:
    IoSource src_;
    const char* kind_ = "";
};

/// The state of one `accept()` future: skips connections aborted before they were accepted,
/// and on EMFILE/ENFILE/ENOBUFS/ENOMEM sleeps 10 ms and tries again (the connection waits in
/// the kernel's queue) instead of failing the server's accept loop. Other errors throw.
class AcceptLoop {
  public:
    Poll<int> poll(Context& cx, ListenSocket& l, sockaddr_storage& ss, socklen_t& len);

  private:
    std::optional<time::Sleep> backoff_;
};

}  // namespace weft::detail
