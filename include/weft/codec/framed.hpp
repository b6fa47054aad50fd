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
class Framed {
  public:
    using Item = decoder_item_t<C>;

    explicit Framed(IO io, C codec = C()) : io_(std::move(io)), codec_(std::move(codec)) {}
    /// With a read buffer of `capacity` bytes to start with.
    Framed(IO io, C codec, std::size_t capacity) : io_(std::move(io)), codec_(std::move(codec)) {
        r_.buf.reserve(capacity);
    }

    /// The stream's poll: the next frame, `std::nullopt` at the end.
    Poll<std::optional<Item>> poll_next(Context& cx) {
        return detail::codec::poll_next_frame(io_, codec_, r_, cx);
    }

    /// Encodes `item` into the write buffer, writing only what the backpressure boundary
    /// requires; no flush (Rust's `SinkExt::feed`). The future refers to `*this`, which must
    /// outlive it.
    template <class T>
    requires Encoder<C, std::decay_t<T>> Feed<Framed, std::decay_t<T>> feed(T&& item) {
        return Feed<Framed, std::decay_t<T>>(*this, std::forward<T>(item));
    }
    /// `feed(item)`, then `flush()` (Rust's `SinkExt::send`): done once the item reached the
    /// inner writer. The future refers to `*this`, which must outlive it.
    template <class T>
    requires Encoder<C, std::decay_t<T>> Send<Framed, std::decay_t<T>> send(T&& item) {
        return Send<Framed, std::decay_t<T>>(*this, std::forward<T>(item));
    }
    /// Writes the whole write buffer and flushes the inner writer.
    Flush<Framed> flush() noexcept { return Flush<Framed>(*this); }
    /// Flushes, then shuts the writing side down (the peer reads end of stream).
    Close<Framed> close() noexcept { return Close<Framed>(*this); }

    /// Ready once the write buffer is below the backpressure boundary (writing meanwhile).
    Poll<void> poll_ready(Context& cx) { return detail::codec::poll_ready(io_, w_, cx); }
    /// Encodes `item` into the write buffer (after `poll_ready` gave Ready).
    template <class T>
    requires Encoder<C, T>
    void start_send(T&& item) { codec_.encode(std::forward<T>(item), w_.buf); }
    Poll<void> poll_flush(Context& cx) { return detail::codec::poll_flush(io_, w_, cx); }
    Poll<void> poll_close(Context& cx) { return detail::codec::poll_close(io_, w_, cx); }

    /// The backpressure boundary in bytes (0 or 1: write everything before encoding more).
    std::size_t backpressure_boundary() const noexcept { return w_.boundary; }
    void set_backpressure_boundary(std::size_t n) noexcept { w_.boundary = n; }

    IO& get_ref() noexcept { return io_; }
    const IO& get_ref() const noexcept { return io_; }
    IO& get_mut() noexcept { return io_; }
    C& codec() noexcept { return codec_; }
    const C& codec() const noexcept { return codec_; }
    /// The bytes read and not decoded yet.
    BytesMut& read_buffer() noexcept { return r_.buf; }
    const BytesMut& read_buffer() const noexcept { return r_.buf; }
    /// The encoded bytes not written yet.
    BytesMut& write_buffer() noexcept { return w_.buf; }
    const BytesMut& write_buffer() const noexcept { return w_.buf; }
    /// The inner stream (bytes in both buffers are dropped).
    IO into_inner() && { return std::move(io_); }

  private:
    IO io_;
    C codec_;
    detail::codec::ReadState r_;
    detail::codec::WriteState w_;
};

}  // namespace weft::codec
