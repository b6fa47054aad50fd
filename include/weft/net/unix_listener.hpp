#pragma once
/// \file
/// `UnixListener`: a Unix domain socket that accepts connections.

#include <filesystem>
#include <utility>

#include "weft/detail/net/listen_socket.hpp"
#include "weft/net/unix_socket_addr.hpp"
#include "weft/net/unix_stream.hpp"

namespace weft::net {

class UnixListener;

namespace detail_unix {
/// The future of `UnixListener::accept`.
class Accept {
  public:
    using Output = std::pair<UnixStream, UnixSocketAddr>;
    explicit Accept(UnixListener& l) noexcept : l_(&l) {}
    Poll<Output> poll(Context& cx);

  private:
    UnixListener* l_;
    weft::detail::AcceptLoop loop_;
};
}  // namespace detail_unix

/// A listening Unix domain stream socket: Tokio's `UnixListener`.
///
/// `bind` creates the socket file; like Tokio's (and std's), the listener does **not** remove
/// it when dropped, and `bind` fails with `address_in_use` while a file is there, so a server
/// removes a stale one first. `accept()` behaves as `TcpListener::accept()`: cancel safe, and
/// on `EMFILE` and friends it backs off for 10 ms and tries again instead of throwing.
///
/// ```cpp
/// std::filesystem::remove("/tmp/app.sock");
/// auto listener = weft::net::UnixListener::bind("/tmp/app.sock");
/// for (;;) {
///     auto [stream, peer] = co_await listener.accept();
///     weft::spawn(serve(std::move(stream))).detach();
/// }
/// ```
class UnixListener {
  public:
    /// Binds to `path` and listens with `backlog`. Throws `std::system_error` naming the path,
    /// `std::invalid_argument` for a path too long, or `std::logic_error` outside a runtime.
    static UnixListener bind(const std::filesystem::path& path, int backlog = 1024) {
        return bind(UnixSocketAddr::from_pathname(path), backlog);
    }
    /// Binds to `addr` (a path or an abstract name).
    static UnixListener bind(const UnixSocketAddr& addr, int backlog = 1024);
    /// Takes a listening socket descriptor (made non-blocking here) into the current runtime.
    static UnixListener from_fd(int fd);

    UnixListener(UnixListener&&) noexcept = default;
    UnixListener& operator=(UnixListener&&) noexcept = default;

    /// The next connection, with the peer's (usually unnamed) address. Cancel safe.
    detail_unix::Accept accept() noexcept { return detail_unix::Accept(*this); }
    /// One attempt: a connection, or Pending. Throws `std::system_error` on any failure.
    Poll<std::pair<UnixStream, UnixSocketAddr>> poll_accept(Context& cx);

    /// The bound address.
    UnixSocketAddr local_addr() const;
    int native_handle() const noexcept { return sock_.fd(); }

  private:
    friend class detail_unix::Accept;
    explicit UnixListener(weft::detail::ListenSocket sock) noexcept : sock_(std::move(sock)) {}
    static std::pair<UnixStream, UnixSocketAddr> adopt(int fd, const sockaddr_storage& ss,
                                                       socklen_t len);
    weft::detail::ListenSocket sock_;
};

}  // namespace weft::net
