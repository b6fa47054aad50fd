#pragma once
/// \file
/// `RespCodec`: RESP2 frames over `weft::codec::Framed` (a Decoder and an Encoder of `Frame`).
///
/// A thin wrapper: `decode` runs `parse` (frame.hpp) over the read buffer and advances it by
/// what the frame took; a protocol error becomes a `weft::codec::FrameError` whose text is what
/// Redis would answer ("Protocol error: ..."). Framed does the rest: it reads more only when
/// `decode` needs more bytes (so pipelined frames come out of one read one by one, and a frame
/// split over any number of reads is put together), and its bounded write buffer gives
/// backpressure (a `feed` waits while a slow client has not taken what was written).
#include <optional>
#include <string_view>

#include "frame.hpp"
#include "weft/codec/codec.hpp"

namespace mini_redis {

class RespCodec {
  public:
    using Item = Frame;

    RespCodec() = default;
    explicit RespCodec(ParseLimits limits) : limits_(limits) {}

    std::optional<Frame> decode(weft::codec::BytesMut& src) {
        if (src.empty()) return std::nullopt;
        ParseResult r = parse(src.bytes(), limits_);
        if (r.ok()) {
            src.advance(r.consumed);
            return std::move(r.frame);
        }
        if (r.incomplete()) return std::nullopt;
        throw weft::codec::FrameError("Protocol error: " + r.error);
    }

    void encode(const Frame& item, weft::codec::BytesMut& dst) {
        Sink sink{dst};
        mini_redis::encode(item, sink);
    }

  private:
    struct Sink {
        weft::codec::BytesMut& dst;
        void put(std::string_view s) { dst.extend(s); }
    };
    ParseLimits limits_;
};

}  // namespace mini_redis
