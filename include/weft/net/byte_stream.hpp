#pragma once
/// \file
/// `ByteStream`: what every connected stream socket type (`TcpStream`, `UnixStream`) offers
/// besides its constructors: reading and writing, shutdown, its addresses, and the split
/// halves.

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "weft/detail/net/socket.hpp"
#include "weft/future/poll_fn.hpp"
#include "weft/io/interest.hpp"
#include "weft/io/read.hpp"
#include "weft/io/write.hpp"
#include "weft/net/shutdown.hpp"
#include "weft/net/split.hpp"

namespace weft::net {

/// The members `TcpStream` and `UnixStream` share, written once: `Stream` is the derived type
/// (so that `io::read` on a `TcpStream` is an `io::Read<TcpStream>`) and `Address` its
/// address type (`SocketAddr`, `UnixSocketAddr`). Only those two derive from it.
///
/// The stream is an `io::AsyncRead` and `io::AsyncWrite`; the common `weft::io` helpers are
/// members too. Errors throw `std::system_error` naming the type and the operation
/// ("weft::net::TcpStream::read").
template <class Stream, class Address>
class ByteStream {
  public:
    /// The address type of either end.
    using Addr = Address;

    /// Takes a connected socket descriptor of the stream's family (made non-blocking here)
    /// into the current runtime. Throws `std::logic_error` outside a runtime.
    static Stream from_fd(int fd);

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
    /// Ready once the bytes writes took are sent. On io_uring a write hands its bytes to a
    /// send it leaves in flight (write-behind), so flush waits for it and reports its error;
    /// on epoll nothing is buffered and it is always ready.
    Poll<void> poll_flush(Context& cx) { return sock_.poll_flush(cx); }
    /// Flushes, then shuts the write side down (the peer reads end of stream).
    Poll<void> poll_shutdown(Context& cx) {
        if (sock_.poll_flush(cx).is_pending()) return Pending;
        sock_.shutdown(SHUT_WR);
        return Ready;
    }

    /// `io::read(*this, buf)`: what is available, 0 at end of stream. Cancel safe.
    auto read(std::span<std::byte> buf) noexcept { return io::read(self(), buf); }
    auto read(std::span<char> buf) noexcept { return io::read(self(), buf); }
    /// `io::read_exact(*this, buf)`. Not cancel safe.
    auto read_exact(std::span<std::byte> buf) noexcept { return io::read_exact(self(), buf); }
    auto read_exact(std::span<char> buf) noexcept { return io::read_exact(self(), buf); }
    /// `io::write_all(*this, buf)`. Not cancel safe.
    auto write_all(std::span<const std::byte> buf) noexcept { return io::write_all(self(), buf); }
    auto write_all(std::string_view text) noexcept { return io::write_all(self(), text); }

    /// Reads what is available without taking it (recv with MSG_PEEK): the next `read` or
    /// `peek` sees the same bytes. 0 at end of stream. Cancel safe.
    auto peek(std::span<std::byte> buf) noexcept {
        return poll_fn([this, buf](Context& cx) { return sock_.poll_peek(cx, buf); });
    }
    auto peek(std::span<char> buf) noexcept { return peek(std::as_writable_bytes(buf)); }

    /// One read now, without waiting: the count (0 at end of stream), or `std::nullopt` if
    /// nothing is there ("would block"; the readiness is cleared, so `readable()` then waits
    /// for more). Other errors throw, as `read`'s do. Pair it with `readable()`.
    std::optional<std::size_t> try_read(std::span<std::byte> buf) { return sock_.try_read(buf); }
    std::optional<std::size_t> try_read(std::span<char> buf) {
        return sock_.try_read(std::as_writable_bytes(buf));
    }
    /// One write now: the count, or `std::nullopt` if the send buffer is full. Pair it with
    /// `writable()`.
    std::optional<std::size_t> try_write(std::span<const std::byte> buf) {
        return sock_.try_write(buf);
    }
    std::optional<std::size_t> try_write(std::string_view text) {
        return sock_.try_write(std::as_bytes(std::span(text.data(), text.size())));
    }

    /// Once the socket is reported ready for any direction of `interest` (or closed in it):
    /// what was seen, an `io::Readiness`. It may be stale by the time you act (another task
    /// read first): `try_read`/`try_write` then say "would block", and you wait again.
    /// Cancel safe.
    auto ready(io::Interest interest) noexcept {
        return poll_fn([this, interest](Context& cx) { return sock_.poll_ready(cx, interest); });
    }
    /// `ready(io::Interest::readable)`.
    auto readable() noexcept { return ready(io::Interest::readable); }
    /// `ready(io::Interest::writable)`.
    auto writable() noexcept { return ready(io::Interest::writable); }
    /// For hand-written futures: Ready once readable / writable, or Pending with cx's waker
    /// stored.
    Poll<io::Readiness> poll_read_ready(Context& cx) {
        return sock_.poll_ready(cx, io::Interest::readable);
    }
    Poll<io::Readiness> poll_write_ready(Context& cx) {
        return sock_.poll_ready(cx, io::Interest::writable);
    }

    /// shutdown(2) of one or both directions, at once.
    void shutdown(Shutdown how) { sock_.shutdown(static_cast<int>(how)); }
    /// The socket descriptor (still owned by the stream).
    int native_handle() const noexcept { return sock_.fd(); }

    /// The address of this end (for a Unix domain client, usually unnamed).
    Addr local_addr() const;
    /// The peer's address (for a Unix domain client, the listener's path).
    Addr peer_addr() const;

    /// The borrowed halves of `split`.
    using ReadHalf = net::ReadHalf<Stream>;
    using WriteHalf = net::WriteHalf<Stream>;
    /// The owned halves of `into_split`.
    using OwnedReadHalf = net::OwnedReadHalf<Stream>;
    using OwnedWriteHalf = net::OwnedWriteHalf<Stream>;

    /// Two halves borrowing this stream, for a reader task and a writer task at once (each
    /// direction has its own waker). The stream must outlive them.
    ///
    /// ```cpp
    /// auto [rd, wr] = stream.split();
    /// co_await weft::join(copy_lines(rd), send_heartbeats(wr));
    /// ```
    std::pair<ReadHalf, WriteHalf> split() noexcept {
        return {ReadHalf(self()), WriteHalf(self())};
    }
    /// Two halves that share ownership of the stream, to move into two spawned tasks. The
    /// connection closes when both are gone; dropping the write half shuts the write side
    /// down (the peer reads end of stream), as Tokio's does.
    std::pair<OwnedReadHalf, OwnedWriteHalf> into_split() && {
        auto shared = std::make_shared<Stream>(std::move(self()));
        return {OwnedReadHalf(shared), OwnedWriteHalf(shared)};
    }

  protected:
    ByteStream() noexcept = default;
    explicit ByteStream(weft::detail::StreamSocket sock) noexcept : sock_(std::move(sock)) {}
    weft::detail::StreamSocket sock_;

  private:
    Stream& self() noexcept { return static_cast<Stream&>(*this); }
};

}  // namespace weft::net
