#pragma once
/// \file
/// `Framed<IO, C>`: one codec over one byte stream that is read and written (a socket): a stream
/// of decoded frames and a sink of encoded ones (tokio-util's `Framed`).

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/codec/bytes_mut.hpp"
#include "weft/codec/decoder.hpp"
#include "weft/codec/sink.hpp"
#include "weft/detail/codec/framed_impl.hpp"
#include "weft/detail/codec/framed_sink.hpp"
#include "weft/io/async_read.hpp"
#include "weft/io/async_write.hpp"
#include "weft/stream/stream.hpp"

namespace weft::codec {

/// A `FramedRead` and a `FramedWrite` over one `IO` (owned by value; for example a
/// `weft::net::TcpStream`), sharing codec `C` (a `Decoder`, and an `Encoder` of what is sent).
///
/// - Reading: a `weft::stream::Stream` of `C::Item`, as `FramedRead` (decode first, read only
///   when the decoder needs more; end of stream inside a frame is a `FrameError`; after an
///   exception the stream has ended; `next()` is cancel safe).
/// - Writing: `feed`, `send`, `flush`, `close`, as `FramedWrite` (a bounded write buffer: `feed`
///   waits while it is at or above the backpressure boundary, default 8 KiB, and does not flush;
///   `send` is `feed` then `flush`).
///
/// Reading and writing are separate: a pending `send` and a pending `next` may be polled by the
/// same task (in `select` or `join`), each refers to `*this`, which must outlive them and not
/// move once polled.
///
/// ```cpp
/// weft::codec::Framed framed(std::move(conn), weft::codec::LinesCodec());
/// while (auto line = co_await weft::stream::next(framed)) {
///     co_await framed.send(*line);  // echo (send flushes)
/// }
/// ```
template <class IO, Decoder C>
requires io::AsyncRead<IO> && io::AsyncWrite<IO>
class Framed : public detail::codec::FramedSink<Framed<IO, C>, IO, C> {
    using Sink = detail::codec::FramedSink<Framed<IO, C>, IO, C>;

  public:
    using Item = decoder_item_t<C>;

    explicit Framed(IO io, C codec = C()) : Sink(std::move(io), std::move(codec)) {}
    /// With a read buffer of `capacity` bytes to start with.
    Framed(IO io, C codec, std::size_t capacity) : Sink(std::move(io), std::move(codec)) {
        r_.buf.reserve(capacity);
    }

    /// The stream's poll: the next frame, `std::nullopt` at the end.
    Poll<std::optional<Item>> poll_next(Context& cx) {
        return detail::codec::poll_next_frame(this->io_, this->codec_, r_, cx);
    }

    // feed, send, flush, close, the Sink poll methods, the backpressure boundary, get_ref,
    // get_mut, write_buffer and into_inner (both buffers dropped): see
    // detail::codec::FramedSink.

    C& codec() noexcept { return this->codec_; }
    const C& codec() const noexcept { return this->codec_; }
    /// The bytes read and not decoded yet.
    BytesMut& read_buffer() noexcept { return r_.buf; }
    const BytesMut& read_buffer() const noexcept { return r_.buf; }

  private:
    detail::codec::ReadState r_;
};

}  // namespace weft::codec
