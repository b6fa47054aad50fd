// libFuzzer target for the RESP parser (apps/mini_redis/src/frame.hpp): on any bytes, `parse`
// must return without crashing, leaking or hanging; a frame it accepts must take no more bytes
// than it was given, and encoding it and parsing that again must give the same frame back,
// taking exactly the encoded bytes. Seeds: fuzz/corpus/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto bytes = std::as_bytes(std::span(data, size));
    // Small limits too, so that the limit checks themselves get exercised on short inputs.
    mini_redis::ParseLimits small;
    small.max_bulk = 64;
    small.max_array = 8;
    small.max_line = 16;
    small.max_depth = 3;
    for (const auto& lim : {mini_redis::ParseLimits{}, small}) {
        auto r = mini_redis::parse(bytes, lim);
        if (r.is_error() && r.error.empty()) std::abort();
        if (!r.ok()) continue;
        if (r.consumed == 0 || r.consumed > size) std::abort();
        std::string again = mini_redis::encode(r.frame);
        auto r2 = mini_redis::parse(again, lim);
        if (!r2.ok() || r2.consumed != again.size() || !(r2.frame == r.frame)) std::abort();
        // The pipelined rest parses on its own, too.
        (void)mini_redis::parse(bytes.subspan(r.consumed), lim);
    }
    return 0;
}
