#pragma once
/// \file
/// `TcpListener`: a TCP socket that accepts connections.

#include <utility>

#include "weft/net/listener.hpp"
#include "weft/net/socket_addr.hpp"
#include "weft/net/tcp_stream.hpp"

namespace weft::net {

/// A listening TCP socket: Tokio's `TcpListener`.
///
/// `bind` sets `SO_REUSEADDR` (a restarted server can bind again at once) and listens.
/// `accept()` is a future (`Accept<TcpStream>`) for the next connection and the peer's
/// address.
///
/// **Running out of descriptors.** When accepting fails for lack of resources (`EMFILE`,
/// `ENFILE`, `ENOBUFS`, `ENOMEM`), `accept` does not throw: the connection stays queued in the
/// kernel, the listener backs off for 10 ms and tries again, so the server keeps serving the
/// connections it has and resumes accepting as soon as descriptors are free. (Tokio returns
/// the error and leaves the back-off to every user's accept loop.) A connection the peer
/// aborted before it was accepted (`ECONNABORTED`) is skipped. Other errors throw
/// `std::system_error`. (`accept`, `poll_accept`, `local_addr` and `from_fd` are
/// `StreamListener`'s, in `weft/net/listener.hpp`, shared with `UnixListener`.)
///
/// ```cpp
/// auto listener = weft::net::TcpListener::bind(weft::net::SocketAddr::localhost(8080));
/// for (;;) {
///     auto [stream, peer] = co_await listener.accept();
///     weft::spawn(serve(std::move(stream))).detach();
/// }
/// ```
class TcpListener : public StreamListener<TcpListener, TcpStream> {
    friend struct weft::detail::SocketAccess;
    static constexpr const char* kKind = "weft::net::TcpListener";
    using StreamListener::StreamListener;

  public:
    /// Binds to `addr` (port 0: any free port, see `local_addr()`) and listens with
    /// `backlog`. Throws `std::system_error` naming the address (e.g. `EADDRINUSE`), or
    /// `std::logic_error` outside a runtime.
    static TcpListener bind(const SocketAddr& addr, int backlog = 1024);
};

}  // namespace weft::net
