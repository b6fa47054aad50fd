#pragma once
/// \file
/// `FramedWrite<IO, E>`: an encoder over an `AsyncWrite`, a sink of frames (tokio-util's
/// `FramedWrite`).

#include <cstddef>
#include <type_traits>
#include <utility>

#include "weft/codec/bytes_mut.hpp"
#include "weft/codec/decoder.hpp"
#include "weft/codec/sink.hpp"
#include "weft/detail/codec/framed_sink.hpp"
#include "weft/io/async_write.hpp"

namespace weft::codec {

/// Frames written to an `io::AsyncWrite` (owned by value) through encoder `E`:
/// `co_await fw.feed(item)`, `co_await fw.send(item)`, `co_await fw.flush()`,
/// `co_await fw.close()`.
///
/// **Backpressure.** Items are encoded into a write buffer. `feed` waits, before encoding,
/// until the buffer holds fewer bytes than the backpressure boundary (default 8 KiB), writing
/// to the inner writer meanwhile; after encoding it writes again while the buffer is at or above
/// the boundary. So a writer that cannot keep up slows the sender down, and the buffer holds at
/// most the boundary plus one encoded item. `feed` does not flush: call `flush()` when the
/// peer should see what was fed (after a batch of pipelined replies); `send` is `feed` then
/// `flush`, as Rust's `SinkExt::send`.
///
/// The poll-level methods (`poll_ready`, `start_send`, `poll_flush`, `poll_close`, as Rust's
/// `Sink`) let hand-written futures drive it. Once polled, it must not move (the inner
/// writer's rule).
///
/// ```cpp
/// weft::codec::FramedWrite out(std::move(conn), weft::codec::LinesCodec());
/// co_await out.feed(std::string_view("hello"));
/// co_await out.send(std::string_view("world"));  // both lines written and flushed
/// ```
template <io::AsyncWrite IO, class E>
class FramedWrite : public detail::codec::FramedSink<FramedWrite<IO, E>, IO, E> {
    using Sink = detail::codec::FramedSink<FramedWrite<IO, E>, IO, E>;

  public:
    explicit FramedWrite(IO io, E encoder = E()) : Sink(std::move(io), std::move(encoder)) {}

    // feed, send, flush, close, the Sink poll methods, the backpressure boundary, get_ref,
    // get_mut, write_buffer and into_inner: see detail::codec::FramedSink.

    E& encoder() noexcept { return this->codec_; }
    const E& encoder() const noexcept { return this->codec_; }
};

}  // namespace weft::codec
