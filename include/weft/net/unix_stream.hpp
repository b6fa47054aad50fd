#pragma once
/// \file
/// `UnixStream`: a connected Unix domain stream socket.

#include <sys/uio.h>

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>
#include <utility>

#include "weft/detail/stream_halves.hpp"
#include "weft/detail/stream_socket.hpp"
#include "weft/io/read.hpp"
#include "weft/io/write.hpp"
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
/// a SIGPIPE. It adds `peer_cred()`, the peer process's pid, uid and gid.
///
/// ```cpp
/// weft::net::UnixStream s = co_await weft::net::UnixStream::connect("/run/app.sock");
/// co_await s.write_all("status\n");
/// char buf[256];
/// std::size_t n = co_await s.read(std::span(buf));
/// ```
class UnixStream {
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

    // AsyncRead / AsyncWrite
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        return sock_.poll_read(cx, buf);
    }
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf) {
        return sock_.poll_write(cx, buf);
    }
    /// Writes from several buffers in one `sendmsg`; returns the bytes written.
    Poll<std::size_t> poll_write_vectored(Context& cx, std::span<const iovec> bufs) {
        return sock_.poll_write_vectored(cx, bufs);
    }
    /// Nothing is buffered: always ready.
    Poll<void> poll_flush(Context&) noexcept { return Ready; }
    /// Shuts the write side down (the peer reads end of stream).
    Poll<void> poll_shutdown(Context&) {
        sock_.shutdown(SHUT_WR);
        return Ready;
    }

    /// `io::read(*this, buf)`: what is available, 0 at end of stream. Cancel safe.
    auto read(std::span<std::byte> buf) noexcept { return io::read(*this, buf); }
    auto read(std::span<char> buf) noexcept { return io::read(*this, buf); }
    /// `io::read_exact(*this, buf)`. Not cancel safe.
    auto read_exact(std::span<std::byte> buf) noexcept { return io::read_exact(*this, buf); }
    auto read_exact(std::span<char> buf) noexcept { return io::read_exact(*this, buf); }
    /// `io::write_all(*this, buf)`. Not cancel safe.
    auto write_all(std::span<const std::byte> buf) noexcept { return io::write_all(*this, buf); }
    auto write_all(std::string_view text) noexcept { return io::write_all(*this, text); }

    /// shutdown(2) of one or both directions, at once.
    void shutdown(Shutdown how) { sock_.shutdown(static_cast<int>(how)); }
    /// The address this end is bound to (unnamed for a client's end).
    UnixSocketAddr local_addr() const;
    /// The peer's address (the listener's path, for a client).
    UnixSocketAddr peer_addr() const;
    /// The peer process's credentials (`SO_PEERCRED`).
    UCred peer_cred() const;
    /// The socket descriptor (still owned by the stream).
    int native_handle() const noexcept { return sock_.fd(); }

    /// A borrowed half (`split`): `poll_read` through this stream.
    using ReadHalf = weft::detail::ReadHalf<UnixStream>;
    /// A borrowed half (`split`): `poll_write`, `poll_flush`, `poll_shutdown`.
    using WriteHalf = weft::detail::WriteHalf<UnixStream>;
    /// The owned read half of `into_split`.
    using OwnedReadHalf = weft::detail::OwnedReadHalf<UnixStream>;
    /// The owned write half of `into_split`; dropping it shuts the write side down.
    using OwnedWriteHalf = weft::detail::OwnedWriteHalf<UnixStream>;

    /// Two halves borrowing this stream, for a reader and a writer task at once.
    std::pair<ReadHalf, WriteHalf> split() noexcept { return {ReadHalf(*this), WriteHalf(*this)}; }
    /// Two halves sharing ownership of the stream, to move into two spawned tasks.
    std::pair<OwnedReadHalf, OwnedWriteHalf> into_split() && {
        return weft::detail::into_split(std::move(*this));
    }

  private:
    friend class detail_unix::Connect;
    friend class UnixListener;
    explicit UnixStream(weft::detail::StreamSocket sock) noexcept : sock_(std::move(sock)) {}
    weft::detail::StreamSocket sock_;
};

}  // namespace weft::net
