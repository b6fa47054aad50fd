#pragma once
/// \file
/// `LengthDelimitedCodec`: frames prefixed by their length (tokio-util's
/// `LengthDelimitedCodec`, the head-only form: no length offset or adjustment).

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "weft/codec/bytes_mut.hpp"
#include "weft/codec/decoder.hpp"

namespace weft::codec {

/// Each frame is an unsigned length field (1, 2, 4 or 8 bytes; big endian by default) followed
/// by that many bytes of payload. Item: `BytesMut` (the payload); it encodes a `BytesMut`, a
/// byte span or a `std::string_view`. Options are set builder-style:
///
/// ```cpp
/// auto codec = weft::codec::LengthDelimitedCodec()
///                  .length_field_length(2)
///                  .little_endian()
///                  .max_frame_length(64 * 1024);
/// ```
///
/// - A frame longer than `max_frame_length` (default 8 MiB), announced or given to `encode`,
///   throws `FrameError` (decoding: as soon as its length field is read, before its payload
///   is buffered); so does a payload whose length does not fit the length field.
/// - Decoding reserves room for a frame's whole payload once its length is known, so a large
///   frame is read in few large reads.
/// - End of stream inside a frame (its head or its payload) is a `FrameError`.
class LengthDelimitedCodec {
  public:
    using Item = BytesMut;

    LengthDelimitedCodec() noexcept = default;

    /// Bytes in the length field: 1, 2, 4 or 8 (default 4); anything else throws
    /// `std::invalid_argument`.
    LengthDelimitedCodec& length_field_length(std::size_t n);
    std::size_t length_field_length() const noexcept { return field_len_; }
    LengthDelimitedCodec& big_endian() noexcept {
        big_endian_ = true;
        return *this;
    }
    LengthDelimitedCodec& little_endian() noexcept {
        big_endian_ = false;
        return *this;
    }
    bool is_big_endian() const noexcept { return big_endian_; }
    /// The largest payload accepted (default 8 MiB).
    LengthDelimitedCodec& max_frame_length(std::size_t n) noexcept {
        max_frame_ = n;
        return *this;
    }
    std::size_t max_frame_length() const noexcept { return max_frame_; }

    std::optional<BytesMut> decode(BytesMut& src);
    void encode(std::span<const std::byte> payload, BytesMut& dst);
    void encode(std::string_view payload, BytesMut& dst) {
        encode(std::as_bytes(std::span(payload.data(), payload.size())), dst);
    }
    void encode(const BytesMut& payload, BytesMut& dst) { encode(payload.bytes(), dst); }

  private:
    std::size_t field_len_ = 4;
    bool big_endian_ = true;
    std::size_t max_frame_ = 8 * 1024 * 1024;
    std::optional<std::size_t> pending_len_;  // the payload length of a frame whose head was read
};

}  // namespace weft::codec
