#pragma once
/// \file
/// `UnixStream`: a connected Unix domain stream socket.

#include <filesystem>
#include <utility>

#include "weft/detail/net/byte_stream.hpp"
#include "weft/net/shutdown.hpp"
#include "weft/net/ucred.hpp"
#include "weft/net/unix_socket_addr.hpp"

namespace weft::net {

class UnixStream;

namespace detail_unix {
/// The future of `UnixStream::connect`.
class Connect {
  public:
    using Output = UnixStream;
    explicit Connect(UnixSocketAddr addr) noexcept : addr_(addr) {}
    Poll<UnixStream> poll(Context& cx);

  private:
    UnixSocketAddr addr_;
    weft::detail::StreamSocket sock_;  // after the first poll: the socket connecting
};
}  // namespace detail_unix

/// A connected Unix domain stream socket: Tokio's `UnixStream`. Made by
/// `UnixStream::connect`, `UnixListener::accept` or `UnixStream::pair`; it belongs to the
/// runtime it was made in.
///
/// Everything works as on `TcpStream`: it is an `io::AsyncRead` and `io::AsyncWrite`; a reader
/// and a writer task may use it at once through `split()` or `into_split()`; errors throw
/// `std::system_error`; a closed peer gives end of stream on read and `EPIPE` on write, never
/// a SIGPIPE. It adds `peer_cred()`, the peer process's pid, uid and gid. (The byte-stream
/// members are `TcpStream`'s, from `weft/detail/net/byte_stream.hpp`.)
///
/// ```cpp
/// weft::net::UnixStream s = co_await weft::net::UnixStream::connect("/run/app.sock");
/// co_await s.write_all("status\n");
/// char buf[256];
/// std::size_t n = co_await s.read(std::span(buf));
/// ```
class UnixStream : public weft::detail::ByteStream<UnixStream> {
  public:
    /// Connects to the socket at `path`. Throws `std::system_error`, naming the path:
    /// `no_such_file_or_directory` if nothing is there, `connection_refused` if nobody
    /// listens, and `resource_unavailable_try_again` if the listener's queue is full (a Unix
    /// connect cannot wait for room, as a TCP one can).
    static detail_unix::Connect connect(const std::filesystem::path& path) {
        return detail_unix::Connect(UnixSocketAddr::from_pathname(path));
    }
    /// Connects to `addr` (a path or an abstract name).
    static detail_unix::Connect connect(const UnixSocketAddr& addr) noexcept {
        return detail_unix::Connect(addr);
    }
    /// Two streams connected to each other (socketpair(2)), in the current runtime.
    static std::pair<UnixStream, UnixStream> pair();
    /// Takes a connected Unix stream socket descriptor (made non-blocking here) into the
    /// current runtime.
    static UnixStream from_fd(int fd);

    UnixStream(UnixStream&&) noexcept = default;
    UnixStream& operator=(UnixStream&&) noexcept = default;

    /// The address this end is bound to (unnamed for a client's end).
    UnixSocketAddr local_addr() const;
    /// The peer's address (the listener's path, for a client).
    UnixSocketAddr peer_addr() const;
    /// The peer process's credentials (`SO_PEERCRED`).
    UCred peer_cred() const;

  private:
    friend class detail_unix::Connect;
    friend class UnixListener;
    explicit UnixStream(weft::detail::StreamSocket sock) noexcept : ByteStream(std::move(sock)) {}
};

}  // namespace weft::net
