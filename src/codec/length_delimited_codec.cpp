// LengthDelimitedCodec: two states, waiting for a head (`pending_len_` empty) or for the payload
// of a head already consumed. The length is checked against the maximum as soon as the head is
// read, so a hostile head cannot make the buffer grow past it.

#include "weft/codec/length_delimited_codec.hpp"

#include <cstdint>
#include <stdexcept>

namespace weft::codec {

LengthDelimitedCodec& LengthDelimitedCodec::length_field_length(std::size_t n) {
    if (n != 1 && n != 2 && n != 4 && n != 8) {
        throw std::invalid_argument(
            "weft::codec::LengthDelimitedCodec: the length field is 1, 2, 4 or 8 bytes");
    }
    field_len_ = n;
    return *this;
}

std::optional<BytesMut> LengthDelimitedCodec::decode(BytesMut& src) {
    if (!pending_len_) {
        if (src.size() < field_len_) {
            src.reserve(field_len_ - src.size());
            return std::nullopt;
        }
        std::uint64_t n = 0;
        for (std::size_t i = 0; i < field_len_; ++i) {
            std::size_t at = big_endian_ ? i : field_len_ - 1 - i;
            n = (n << 8) | std::to_integer<std::uint64_t>(src[at]);
        }
        if (n > max_frame_) {
            throw FrameError("weft::codec::LengthDelimitedCodec: frame longer than the maximum");
        }
        src.advance(field_len_);
        pending_len_ = static_cast<std::size_t>(n);
    }
    const std::size_t len = *pending_len_;
    if (src.size() < len) {
        src.reserve(len - src.size());  // the whole payload, in few reads
        return std::nullopt;
    }
    pending_len_.reset();
    return src.split_to(len);
}

void LengthDelimitedCodec::encode(std::span<const std::byte> payload, BytesMut& dst) {
    const std::size_t len = payload.size();
    if (len > max_frame_) {
        throw FrameError("weft::codec::LengthDelimitedCodec: frame longer than the maximum");
    }
    if (field_len_ < 8 && static_cast<std::uint64_t>(len) >> (8 * field_len_) != 0) {
        throw FrameError("weft::codec::LengthDelimitedCodec: frame too long for the length field");
    }
    dst.reserve(field_len_ + len);
    std::byte head[8];
    for (std::size_t i = 0; i < field_len_; ++i) {
        std::size_t shift = 8 * (big_endian_ ? field_len_ - 1 - i : i);
        head[i] = static_cast<std::byte>((static_cast<std::uint64_t>(len) >> shift) & 0xff);
    }
    dst.extend(std::span<const std::byte>(head, field_len_));
    dst.extend(payload);
}

}  // namespace weft::codec
