#pragma once
// Internal: what a connected stream socket type (TcpStream, UnixStream) offers beyond its
// constructors and addresses, written once: the AsyncRead/AsyncWrite poll methods, the io
// helpers as members, shutdown, and the split halves. CRTP, so that the helpers and halves
// name the derived type (`io::read` on a TcpStream is an io::Read<TcpStream>).

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include "weft/detail/net/stream_halves.hpp"
#include "weft/detail/net/stream_socket.hpp"
#include "weft/io/read.hpp"
#include "weft/io/write.hpp"
#include "weft/net/shutdown.hpp"

namespace weft::detail {

template <class Derived>
class ByteStream {
  public:
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
    auto read(std::span<std::byte> buf) noexcept { return io::read(self(), buf); }
    auto read(std::span<char> buf) noexcept { return io::read(self(), buf); }
    /// `io::read_exact(*this, buf)`. Not cancel safe.
    auto read_exact(std::span<std::byte> buf) noexcept { return io::read_exact(self(), buf); }
    auto read_exact(std::span<char> buf) noexcept { return io::read_exact(self(), buf); }
    /// `io::write_all(*this, buf)`. Not cancel safe.
    auto write_all(std::span<const std::byte> buf) noexcept { return io::write_all(self(), buf); }
    auto write_all(std::string_view text) noexcept { return io::write_all(self(), text); }

    /// shutdown(2) of one or both directions, at once.
    void shutdown(net::Shutdown how) { sock_.shutdown(static_cast<int>(how)); }
    /// The socket descriptor (still owned by the stream).
    int native_handle() const noexcept { return sock_.fd(); }

    /// A borrowed half (`split`): `poll_read` through the stream.
    using ReadHalf = weft::detail::ReadHalf<Derived>;
    /// A borrowed half (`split`): `poll_write`, `poll_flush`, `poll_shutdown`.
    using WriteHalf = weft::detail::WriteHalf<Derived>;
    /// The owned read half of `into_split`; also `peer_addr`, `local_addr`.
    using OwnedReadHalf = weft::detail::OwnedReadHalf<Derived>;
    /// The owned write half of `into_split`; dropping it shuts the write side down.
    using OwnedWriteHalf = weft::detail::OwnedWriteHalf<Derived>;

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
        return weft::detail::into_split(std::move(self()));
    }

  protected:
    ByteStream() noexcept = default;
    explicit ByteStream(StreamSocket sock) noexcept : sock_(std::move(sock)) {}
    StreamSocket sock_;

  private:
    Derived& self() noexcept { return static_cast<Derived&>(*this); }
};

}  // namespace weft::detail
