#pragma once
/// \file
/// `TcpStream`: a TCP connection, readable and writable from tasks.

#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "weft/detail/stream_halves.hpp"
#include "weft/detail/stream_socket.hpp"
#include "weft/io/read.hpp"
#include "weft/io/write.hpp"
#include "weft/net/shutdown.hpp"
#include "weft/net/socket_addr.hpp"

namespace weft::net {

class TcpStream;

namespace detail_tcp {
/// The future of `TcpStream::connect`.
class Connect {
  public:
    using Output = TcpStream;
    explicit Connect(SocketAddr addr) noexcept : addr_(addr) {}
    Poll<TcpStream> poll(Context& cx);

  private:
    SocketAddr addr_;
    weft::detail::StreamSocket sock_;  // after the first poll: the socket connecting
};
}  // namespace detail_tcp

/// A TCP connection: Tokio's `TcpStream`. Made by `TcpStream::connect` or
/// `TcpListener::accept`; it belongs to the runtime it was made in (its I/O driver).
///
/// It is an `io::AsyncRead` and `io::AsyncWrite`, so every `weft::io` helper works on it;
/// the common ones are members too. Reading and writing may go on at the same time from two
/// tasks (one reader, one writer): use `split()` for two borrowed halves or `into_split()`
/// for two owned ones. Errors are thrown as `std::system_error` (see `weft/io/error.hpp`);
/// a peer that closed gives end of stream on read (0) and `EPIPE`/`ECONNRESET` on write, never
/// a SIGPIPE. Dropping the stream closes it.
///
/// ```cpp
/// auto addr = weft::net::SocketAddr::from_string("127.0.0.1:6379");
/// weft::net::TcpStream s = co_await weft::net::TcpStream::connect(addr);
/// co_await s.write_all("PING\r\n");
/// char buf[64];
/// std::size_t n = co_await s.read(std::span(buf));
/// ```
class TcpStream {
  public:
    /// Connects to `addr`. Throws `std::system_error` (e.g. `std::errc::connection_refused`)
    /// naming the address. Bound its time with `weft::time::timeout`:
    /// `co_await weft::time::timeout(2s, TcpStream::connect(addr))`; dropping it mid-way
    /// closes the half-open socket.
    static detail_tcp::Connect connect(SocketAddr addr) noexcept {
        return detail_tcp::Connect(addr);
    }
    /// Takes a connected socket descriptor (made non-blocking here) into the current runtime.
    static TcpStream from_fd(int fd);

    TcpStream(TcpStream&&) noexcept = default;
    TcpStream& operator=(TcpStream&&) noexcept = default;

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
    /// TCP_NODELAY: send small writes at once instead of coalescing them (Nagle).
    void set_nodelay(bool on);
    bool nodelay() const;
    /// The peer's address.
    SocketAddr peer_addr() const;
    /// The local address.
    SocketAddr local_addr() const;
    /// The socket descriptor (still owned by the stream).
    int native_handle() const noexcept { return sock_.fd(); }

    /// A borrowed half (`split`): `poll_read` through this stream.
    using ReadHalf = weft::detail::ReadHalf<TcpStream>;
    /// A borrowed half (`split`): `poll_write`, `poll_flush`, `poll_shutdown` through this
    /// stream.
    using WriteHalf = weft::detail::WriteHalf<TcpStream>;
    /// The owned read half of `into_split`; also `peer_addr`, `local_addr`.
    using OwnedReadHalf = weft::detail::OwnedReadHalf<TcpStream>;
    /// The owned write half of `into_split`; dropping it shuts the write side down.
    using OwnedWriteHalf = weft::detail::OwnedWriteHalf<TcpStream>;

    /// Two halves borrowing this stream, for a reader task and a writer task at once (each
    /// direction has its own waker). The stream must outlive them.
    ///
    /// ```cpp
    /// auto [rd, wr] = stream.split();
    /// co_await weft::join(copy_lines(rd), send_heartbeats(wr));
    /// ```
    std::pair<ReadHalf, WriteHalf> split() noexcept { return {ReadHalf(*this), WriteHalf(*this)}; }

    /// Two halves that share ownership of the stream, to move into two spawned tasks. The
    /// connection closes when both are gone; dropping the write half shuts the write side
    /// down (the peer reads end of stream), as Tokio's does.
    std::pair<OwnedReadHalf, OwnedWriteHalf> into_split() &&;

  private:
    friend class detail_tcp::Connect;
    friend class TcpListener;
    explicit TcpStream(weft::detail::StreamSocket sock) noexcept : sock_(std::move(sock)) {}
    weft::detail::StreamSocket sock_;
};

inline std::pair<TcpStream::OwnedReadHalf, TcpStream::OwnedWriteHalf> TcpStream::into_split() && {
    return weft::detail::into_split(std::move(*this));
}

}  // namespace weft::net
