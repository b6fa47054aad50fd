#pragma once
/// \file
/// `UnixListener`: a Unix domain socket that accepts connections.

#include <filesystem>
#include <utility>

#include "weft/net/listener.hpp"
#include "weft/net/unix_socket_addr.hpp"
#include "weft/net/unix_stream.hpp"

namespace weft::net {

/// A listening Unix domain stream socket: Tokio's `UnixListener`.
///
/// `bind` creates the socket file; like Tokio's (and std's), the listener does **not** remove
/// it when dropped, and `bind` fails with `address_in_use` while a file is there, so a server
/// removes a stale one first. `accept()` (an `Accept<UnixStream>`, with the peer's usually
/// unnamed address) behaves as `TcpListener::accept()`: cancel safe, and on `EMFILE` and
/// friends it backs off for 10 ms and tries again instead of throwing. (`accept`,
/// `poll_accept`, `local_addr` and `from_fd` are `StreamListener`'s, in
/// `weft/net/listener.hpp`, shared with `TcpListener`.)
///
/// ```cpp
/// std::filesystem::remove("/tmp/app.sock");
/// auto listener = weft::net::UnixListener::bind("/tmp/app.sock");
/// for (;;) {
///     auto [stream, peer] = co_await listener.accept();
///     weft::spawn(serve(std::move(stream))).detach();
/// }
/// ```
class UnixListener : public StreamListener<UnixListener, UnixStream> {
    friend struct weft::detail::SocketAccess;
    static constexpr const char* kKind = "weft::net::UnixListener";
    using StreamListener::StreamListener;

  public:
    /// Binds to `path` and listens with `backlog`. Throws `std::system_error` naming the path,
    /// `std::invalid_argument` for a path too long, or `std::logic_error` outside a runtime.
    static UnixListener bind(const std::filesystem::path& path, int backlog = 1024) {
        return bind(UnixSocketAddr::from_pathname(path), backlog);
    }
    /// Binds to `addr` (a path or an abstract name).
    static UnixListener bind(const UnixSocketAddr& addr, int backlog = 1024);
};

}  // namespace weft::net
