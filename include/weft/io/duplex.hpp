#pragma once
/// \file
/// `weft::io::duplex`: an in-memory pipe with two ends, each readable and writable.

#include <cstddef>
#include <memory>
#include <span>
#include <utility>

#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::detail {
struct DuplexPipe;
}

namespace weft::io {

/// One end of a `duplex` pair: what one end writes, the other reads (Tokio's
/// `DuplexStream`). An `AsyncRead` and `AsyncWrite` like a socket, for testing protocol code
/// without a network, or to join two parts of a program with a byte stream.
///
/// - Each direction buffers at most `max_buf_size` bytes; a writer waits while it is full.
/// - `shutdown` ends this end's writing: the other end reads what is buffered, then end of
///   stream (0).
/// - Dropping an end is a shutdown plus more: the other end's writes then throw
///   `std::system_error` with `std::errc::broken_pipe`, as writing to a closed socket does.
/// - The ends may be used from different threads (a lock guards each direction).
///
/// ```cpp
/// auto [client, server] = weft::io::duplex(64 * 1024);
/// co_await weft::io::write_all(client, "PING\r\n");
/// char buf[6];
/// co_await weft::io::read_exact(server, std::span(buf));
/// ```
class DuplexStream {
  public:
    DuplexStream(DuplexStream&&) noexcept = default;
    DuplexStream& operator=(DuplexStream&& o) noexcept;
    ~DuplexStream();

    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf);
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf);
    /// Nothing to push out: written bytes are readable at once.
    Poll<void> poll_flush(Context&) noexcept { return Ready; }
    /// Ends this end's writing (the other end reads end of stream after the buffered bytes).
    Poll<void> poll_shutdown(Context& cx);

  private:
    friend std::pair<DuplexStream, DuplexStream> duplex(std::size_t max_buf_size);
    DuplexStream(std::shared_ptr<weft::detail::DuplexPipe> in,
                 std::shared_ptr<weft::detail::DuplexPipe> out)
        : in_(std::move(in)), out_(std::move(out)) {}
    void close() noexcept;
    std::shared_ptr<weft::detail::DuplexPipe> in_;   // read from here
    std::shared_ptr<weft::detail::DuplexPipe> out_;  // write to here
};

/// Two connected `DuplexStream` ends, each direction buffering up to `max_buf_size` bytes
/// (at least 1).
std::pair<DuplexStream, DuplexStream> duplex(std::size_t max_buf_size);

}  // namespace weft::io
