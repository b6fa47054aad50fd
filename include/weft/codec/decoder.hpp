#pragma once
/// \file
/// The `Decoder` and `Encoder` concepts (tokio-util's `Decoder` / `Encoder` traits),
/// `FrameError`, and `decode_eof(d, src)`.

#include <concepts>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "weft/codec/bytes_mut.hpp"

namespace weft::codec {

/// Malformed input: a frame the decoder cannot make sense of, a frame too long for the codec's
/// limit, or the end of the stream in the middle of a frame. Thrown by `decode` /
/// `decode_eof` and so out of `next()` on a `FramedRead` or `Framed` (which then ends: the
/// framing of the rest of the stream is unknown).
class FrameError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A decoder: turns the bytes at the front of a `BytesMut` into frames.
///
/// - `using Item = ...;` the frame type;
/// - `std::optional<Item> decode(BytesMut& src)`: a whole frame, consumed from the front of
///   `src`, or `std::nullopt` when `src` holds no whole frame yet (then the caller reads more
///   bytes and calls again: the decoder may keep state between calls, and may `src.reserve()`
///   what it knows it needs); throws `FrameError` on malformed input;
/// - optionally `std::optional<Item> decode_eof(BytesMut& src)`: called at end of stream
///   instead of `decode`, repeatedly until it gives `std::nullopt`. Without one,
///   `weft::codec::decode_eof` is used: `decode`, then `FrameError` if bytes remain.
///
/// ```cpp
/// struct ByteDecoder {  // every byte is a frame
///     using Item = std::byte;
///     std::optional<std::byte> decode(weft::codec::BytesMut& src) {
///         if (src.empty()) return std::nullopt;
///         std::byte b = src[0];
///         src.advance(1);
///         return b;
///     }
/// };
/// static_assert(weft::codec::Decoder<ByteDecoder>);
/// ```
template <class D>
concept Decoder = requires {
    typename std::remove_cvref_t<D>::Item;
}
&&requires(std::remove_cvref_t<D>& d, BytesMut& src) {
    { d.decode(src) } -> std::same_as<std::optional<typename std::remove_cvref_t<D>::Item>>;
};

/// The frame type of decoder `D`.
template <Decoder D>
using decoder_item_t = typename std::remove_cvref_t<D>::Item;

/// A decoder with its own `decode_eof`.
template <class D>
concept DecoderWithEof = Decoder<D> && requires(std::remove_cvref_t<D>& d, BytesMut& src) {
    { d.decode_eof(src) } -> std::same_as<std::optional<decoder_item_t<D>>>;
};

/// An encoder of `Item`: `void encode(Item item, BytesMut& dst)` appends the encoding of
/// `item` to `dst` (it may throw, for example `FrameError` for an item too large to frame;
/// it should then leave `dst` as it was). One type may encode several item types (overloads).
///
/// ```cpp
/// struct ByteEncoder {
///     void encode(std::byte b, weft::codec::BytesMut& dst) {
///         dst.extend(std::span<const std::byte>(&b, 1));
///     }
/// };
/// static_assert(weft::codec::Encoder<ByteEncoder, std::byte>);
/// ```
template <class E, class Item>
concept Encoder = requires(std::remove_cvref_t<E>& e, Item&& item, BytesMut& dst) {
    e.encode(std::forward<Item>(item), dst);
};

/// Decodes at end of stream: `d.decode_eof(src)` if `D` has one; otherwise `d.decode(src)`,
/// and if that gives no frame while bytes remain, `FrameError` (a partial frame).
template <Decoder D>
std::optional<decoder_item_t<D>> decode_eof(D& d, BytesMut& src) {
    if constexpr (DecoderWithEof<D>) {
        return d.decode_eof(src);
    } else {
        std::optional<decoder_item_t<D>> frame = d.decode(src);
        if (!frame && !src.empty()) {
            throw FrameError("weft::codec: end of stream in the middle of a frame");
        }
        return frame;
    }
}

}  // namespace weft::codec
