#pragma once
/// \file
/// `FramedSink<Derived, IO, E>`: the writing half that `FramedWrite` and `Framed` share: the
/// inner I/O object, the codec, the write buffer and every write method. A CRTP base, so that
/// the `feed`/`send`/`flush`/`close` futures point at the derived type (the object the user
/// holds and must not move), whose `poll_*` methods they call.

#include <cstddef>
#include <type_traits>
#include <utility>

#include "weft/codec/bytes_mut.hpp"
#include "weft/codec/decoder.hpp"
#include "weft/codec/sink.hpp"
#include "weft/detail/codec/framed_impl.hpp"

namespace weft::detail::codec {

template <class Derived, class IO, class E>
class FramedSink {
  public:
    /// Encodes `item` into the write buffer, writing only what the backpressure boundary
    /// requires; no flush (Rust's `SinkExt::feed`). The future refers to `*this`, which must
    /// outlive it.
    template <class T>
    requires weft::codec::Encoder<E, std::decay_t<T>> weft::codec::Feed<Derived, std::decay_t<T>>
    feed(T&& item) {
        return {self(), std::forward<T>(item)};
    }
    /// `feed(item)`, then `flush()` (Rust's `SinkExt::send`): done once the item reached the
    /// inner writer. The future refers to `*this`, which must outlive it.
    template <class T>
    requires weft::codec::Encoder<E, std::decay_t<T>> weft::codec::Send<Derived, std::decay_t<T>>
    send(T&& item) {
        return {self(), std::forward<T>(item)};
    }
    /// Writes the whole write buffer and flushes the inner writer.
    weft::codec::Flush<Derived> flush() noexcept { return weft::codec::Flush<Derived>(self()); }
    /// Flushes, then shuts the writing side down (the peer reads end of stream).
    weft::codec::Close<Derived> close() noexcept { return weft::codec::Close<Derived>(self()); }

    /// Ready once the write buffer is below the backpressure boundary (writing meanwhile).
    Poll<void> poll_ready(Context& cx) { return codec::poll_ready(io_, w_, cx); }
    /// Encodes `item` into the write buffer (after `poll_ready` gave Ready).
    template <class T>
    requires weft::codec::Encoder<E, T>
    void start_send(T&& item) { codec_.encode(std::forward<T>(item), w_.buf); }
    Poll<void> poll_flush(Context& cx) { return codec::poll_flush(io_, w_, cx); }
    Poll<void> poll_close(Context& cx) { return codec::poll_close(io_, w_, cx); }

    /// The backpressure boundary in bytes (0 or 1: write everything before encoding more).
    std::size_t backpressure_boundary() const noexcept { return w_.boundary; }
    void set_backpressure_boundary(std::size_t n) noexcept { w_.boundary = n; }

    IO& get_ref() noexcept { return io_; }
    const IO& get_ref() const noexcept { return io_; }
    IO& get_mut() noexcept { return io_; }
    /// The encoded bytes not written yet.
    weft::codec::BytesMut& write_buffer() noexcept { return w_.buf; }
    const weft::codec::BytesMut& write_buffer() const noexcept { return w_.buf; }
    /// The inner I/O object (bytes still buffered are dropped).
    IO into_inner() && { return std::move(io_); }

  protected:
    FramedSink(IO io, E codec) : io_(std::move(io)), codec_(std::move(codec)) {}

    IO io_;
    E codec_;
    WriteState w_;

  private:
    Derived& self() noexcept { return static_cast<Derived&>(*this); }
};

}  // namespace weft::detail::codec
