#pragma once
/// \file
/// `UnixStream`: a connected Unix domain stream socket.

#include <filesystem>
#include <utility>

#include "weft/net/byte_stream.hpp"
#include "weft/net/connect.hpp"
#include "weft/net/shutdown.hpp"
#include "weft/net/ucred.hpp"
#include "weft/net/unix_socket_addr.hpp"

namespace weft::net {

/// A connected Unix domain stream socket: Tokio's `UnixStream`. Made by
/// `UnixStream::connect`, `UnixListener::accept` or `UnixStream::pair`; it belongs to the
/// runtime it was made in.
///
/// Everything works as on `TcpStream`: it is an `io::AsyncRead` and `io::AsyncWrite`; a reader
/// and a writer task may use it at once through `split()` or `into_split()`; errors throw
/// `std::system_error`; a closed peer gives end of stream on read and `EPIPE` on write, never
/// a SIGPIPE. It adds `peer_cred()`, the peer process's pid, uid and gid. (The byte-stream
/// members are `ByteStream`'s, in `weft/net/byte_stream.hpp`, shared with `TcpStream`.)
///
/// ```cpp
/// weft::net::UnixStream s = co_await weft::net::UnixStream::connect("/run/app.sock");
/// co_await s.write_all("status\n");
/// char buf[256];
/// std::size_t n = co_await s.read(std::span(buf));
/// ```
class UnixStream : public ByteStream<UnixStream, UnixSocketAddr> {
  public:
    /// Connects to the socket at `path`. Throws `std::system_error`, naming the path:
    /// `no_such_file_or_directory` if nothing is there, `connection_refused` if nobody
    /// listens, and `resource_unavailable_try_again` if the listener's queue is full (a Unix
    /// connect cannot wait for room, as a TCP one can).
    static Connect<UnixStream> connect(const std::filesystem::path& path);
    /// Connects to `addr` (a path or an abstract name).
    static Connect<UnixStream> connect(const UnixSocketAddr& addr) noexcept;
    /// Two streams connected to each other (socketpair(2)), in the current runtime.
    static std::pair<UnixStream, UnixStream> pair();

    UnixStream(UnixStream&&) noexcept = default;
    UnixStream& operator=(UnixStream&&) noexcept = default;

    /// The peer process's credentials (`SO_PEERCRED`).
    UCred peer_cred() const;

  private:
    friend struct weft::detail::SocketAccess;
    static constexpr const char* kKind = "weft::net::UnixStream";
    explicit UnixStream(weft::detail::StreamSocket sock) noexcept : ByteStream(std::move(sock)) {}
};

inline Connect<UnixStream> UnixStream::connect(const std::filesystem::path& path) {
    return Connect<UnixStream>(UnixSocketAddr::from_pathname(path));
}
inline Connect<UnixStream> UnixStream::connect(const UnixSocketAddr& addr) noexcept {
    return Connect<UnixStream>(addr);
}

extern template class ByteStream<UnixStream, UnixSocketAddr>;
extern template class Connect<UnixStream>;

}  // namespace weft::net
