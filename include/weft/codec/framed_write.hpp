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
#include "weft/detail/codec/framed_impl.hpp"
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
class FramedWrite {
  public:
    explicit FramedWrite(IO io, E encoder = E()) : io_(std::move(io)), codec_(std::move(encoder)) {}

    /// Encodes `item` into the write buffer, writing only what the backpressure boundary
    /// requires; no flush (Rust's `SinkExt::feed`). The future refers to `*this`, which must
    /// outlive it.
    template <class T>
    requires Encoder<E, std::decay_t<T>> Feed<FramedWrite, std::decay_t<T>> feed(T&& item) {
        return Feed<FramedWrite, std::decay_t<T>>(*this, std::forward<T>(item));
    }
    /// `feed(item)`, then `flush()` (Rust's `SinkExt::send`): done once the item reached the
    /// inner writer. The future refers to `*this`, which must outlive it.
    template <class T>
    requires Encoder<E, std::decay_t<T>> Send<FramedWrite, std::decay_t<T>> send(T&& item) {
        return Send<FramedWrite, std::decay_t<T>>(*this, std::forward<T>(item));
    }
    /// Writes the whole buffer and flushes the inner writer.
    Flush<FramedWrite> flush() noexcept { return Flush<FramedWrite>(*this); }
    /// Flushes, then shuts the inner writer down.
    Close<FramedWrite> close() noexcept { return Close<FramedWrite>(*this); }

    /// Ready once the write buffer is below the backpressure boundary (writing meanwhile).
    Poll<void> poll_ready(Context& cx) { return detail::codec::poll_ready(io_, w_, cx); }
    /// Encodes `item` into the write buffer (after `poll_ready` gave Ready).
    template <class T>
    requires Encoder<E, T>
    void start_send(T&& item) { codec_.encode(std::forward<T>(item), w_.buf); }
    Poll<void> poll_flush(Context& cx) { return detail::codec::poll_flush(io_, w_, cx); }
    Poll<void> poll_close(Context& cx) { return detail::codec::poll_close(io_, w_, cx); }

    /// The backpressure boundary in bytes (0 or 1: write everything before encoding more).
    std::size_t backpressure_boundary() const noexcept { return w_.boundary; }
    void set_backpressure_boundary(std::size_t n) noexcept { w_.boundary = n; }

    IO& get_ref() noexcept { return io_; }
    const IO& get_ref() const noexcept { return io_; }
    IO& get_mut() noexcept { return io_; }
    E& encoder() noexcept { return codec_; }
    const E& encoder() const noexcept { return codec_; }
    /// The encoded bytes not written yet.
    BytesMut& write_buffer() noexcept { return w_.buf; }
    const BytesMut& write_buffer() const noexcept { return w_.buf; }
    /// The inner writer (unwritten bytes in the buffer are dropped).
    IO into_inner() && { return std::move(io_); }

  private:
    IO io_;
    E codec_;
    detail::codec::WriteState w_;
};

}  // namespace weft::codec
