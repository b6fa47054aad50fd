#pragma once
/// \file
/// `BytesCodec`: no framing, the bytes as they come (tokio-util's `BytesCodec`).

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "weft/codec/bytes_mut.hpp"
#include "weft/codec/decoder.hpp"

namespace weft::codec {

/// Decoding gives whatever bytes are buffered, as one `BytesMut`, as soon as there are any;
/// encoding appends the bytes as they are. For a raw byte stream behind the `Framed` interface.
class BytesCodec {
  public:
    using Item = BytesMut;

    std::optional<BytesMut> decode(BytesMut& src) {
        if (src.empty()) return std::nullopt;
        return src.split_to(src.size());
    }
    void encode(std::span<const std::byte> data, BytesMut& dst) { dst.extend(data); }
    void encode(std::string_view data, BytesMut& dst) { dst.extend(data); }
    void encode(const BytesMut& data, BytesMut& dst) { dst.extend(data.bytes()); }
};

}  // namespace weft::codec
