#pragma once
/// \file
/// `TcpListener`: a TCP socket that accepts connections.

#include <optional>
#include <utility>

#include "weft/detail/net/listen_socket.hpp"
#include "weft/net/socket_addr.hpp"
#include "weft/net/tcp_stream.hpp"

namespace weft::net {

class TcpListener;

namespace detail_tcp {
/// The future of `TcpListener::accept`.
class Accept {
  public:
    using Output = std::pair<TcpStream, SocketAddr>;
    explicit Accept(TcpListener& l) noexcept : l_(&l) {}
    Poll<Output> poll(Context& cx);

  private:
    TcpListener* l_;
    weft::detail::AcceptLoop loop_;
};
}  // namespace detail_tcp

/// A listening TCP socket: Tokio's `TcpListener`.
///
/// `bind` sets `SO_REUSEADDR` (a restarted server can bind again at once) and listens.
/// `accept()` is a future for the next connection and the peer's address.
///
/// **Running out of descriptors.** When accepting fails for lack of resources (`EMFILE`,
/// `ENFILE`, `ENOBUFS`, `ENOMEM`), `accept` does not throw: the connection stays queued in the
/// kernel, the listener backs off for 10 ms and tries again, so the server keeps serving the
/// connections it has and resumes accepting as soon as descriptors are free. (Tokio returns
/// the error and leaves the back-off to every user's accept loop.) A connection the peer
/// aborted before it was accepted (`ECONNABORTED`) is skipped. Other errors throw
/// `std::system_error`.
///
/// ```cpp
/// auto listener = weft::net::TcpListener::bind(weft::net::SocketAddr::localhost(8080));
/// for (;;) {
///     auto [stream, peer] = co_await listener.accept();
///     weft::spawn(serve(std::move(stream))).detach();
/// }
/// ```
class TcpListener {
  public:
    /// Binds to `addr` (port 0: any free port, see `local_addr()`) and listens with
    /// `backlog`. Throws `std::system_error` naming the address (e.g. `EADDRINUSE`), or
    /// `std::logic_error` outside a runtime.
    static TcpListener bind(const SocketAddr& addr, int backlog = 1024);
    /// Takes a listening socket descriptor (made non-blocking here) into the current runtime.
    static TcpListener from_fd(int fd);

    TcpListener(TcpListener&&) noexcept = default;
    TcpListener& operator=(TcpListener&&) noexcept = default;

    /// The next connection. Cancel safe: dropping the future before it completes leaves the
    /// connection queued for the next `accept`.
    detail_tcp::Accept accept() noexcept { return detail_tcp::Accept(*this); }
    /// One attempt: a connection, or Pending. Throws `std::system_error` on any failure
    /// (including `EMFILE`, which `accept()` handles itself).
    Poll<std::pair<TcpStream, SocketAddr>> poll_accept(Context& cx);

    /// The bound address (with the port the kernel chose for port 0).
    SocketAddr local_addr() const;
    int native_handle() const noexcept { return sock_.fd(); }

  private:
    friend class detail_tcp::Accept;
    explicit TcpListener(weft::detail::ListenSocket sock) noexcept : sock_(std::move(sock)) {}
    static std::pair<TcpStream, SocketAddr> adopt(int fd, const sockaddr_storage& ss,
                                                  socklen_t len);
    weft::detail::ListenSocket sock_;
};

}  // namespace weft::net
