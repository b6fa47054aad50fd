#pragma once
/// \file
/// `FramedRead<IO, D>`: a decoder over an `AsyncRead`, a stream of frames (tokio-util's
/// `FramedRead`).

#include <cstddef>
#include <optional>
#include <utility>

#include "weft/codec/bytes_mut.hpp"
#include "weft/codec/decoder.hpp"
#include "weft/detail/codec/framed_impl.hpp"
#include "weft/io/async_read.hpp"
#include "weft/stream/stream.hpp"

namespace weft::codec {

/// The frames that decoder `D` finds in the bytes of an `io::AsyncRead` (owned by value), as a
/// `weft::stream::Stream` of `D::Item`.
///
/// - It asks the decoder first and reads (at least 8 KiB of room at a time) only when the
///   decoder gives `std::nullopt`, so frames already buffered come out without a read, and a
///   frame split across any number of reads, or larger than any one read, is put together.
/// - End of stream: `decode_eof` is asked until it gives `std::nullopt`; then the stream ends.
///   End of stream in the middle of a frame is a `FrameError` (by default; a decoder's own
///   `decode_eof` may decide otherwise), not a hang.
/// - Errors: a `FrameError` from the decoder, or an I/O error (`std::system_error`) from the
///   reader, is thrown out of `next()`; the stream has then ended (further `next()` give
///   `std::nullopt`).
/// - Cancel safety: `next()` is cancel safe. Dropping it while it waits loses nothing: the bytes
///   of a partial frame stay in the read buffer and the next `next()` goes on with them.
///
/// ```cpp
/// weft::codec::FramedRead lines(std::move(conn), weft::codec::LinesCodec());
/// while (auto line = co_await weft::stream::next(lines)) use(*line);
/// ```
template <io::AsyncRead IO, Decoder D>
class FramedRead {
  public:
    using Item = decoder_item_t<D>;

    explicit FramedRead(IO io, D decoder = D()) : io_(std::move(io)), codec_(std::move(decoder)) {}
    /// With a read buffer of `capacity` bytes to start with.
    FramedRead(IO io, D decoder, std::size_t capacity)
        : io_(std::move(io)), codec_(std::move(decoder)) {
        r_.buf.reserve(capacity);
    }

    /// The stream's poll: the next frame, `std::nullopt` at the end.
    Poll<std::optional<Item>> poll_next(Context& cx) {
        return detail::codec::poll_next_frame(io_, codec_, r_, cx);
    }

    IO& get_ref() noexcept { return io_; }
    const IO& get_ref() const noexcept { return io_; }
    IO& get_mut() noexcept { return io_; }
    D& decoder() noexcept { return codec_; }
    const D& decoder() const noexcept { return codec_; }
    /// The bytes read and not decoded yet.
    BytesMut& read_buffer() noexcept { return r_.buf; }
    const BytesMut& read_buffer() const noexcept { return r_.buf; }
    /// The inner reader (bytes in the read buffer are dropped).
    IO into_inner() && { return std::move(io_); }

  private:
    IO io_;
    D codec_;
    detail::codec::ReadState r_;
};

}  // namespace weft::codec
