// LinesCodec: a resumable search for '\n' with a length limit. `next_index_` remembers how far
// the buffer was searched, so a long line arriving a byte at a time costs O(n), not O(n^2);
// `discarding_` drops the rest of a line found too long, up to and including its '\n'.

#include "weft/codec/lines_codec.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

namespace weft::codec {

namespace {

// a + b, capped at SIZE_MAX.
std::size_t saturating_add(std::size_t a, std::size_t b) {
    return a > std::numeric_limits<std::size_t>::max() - b ? std::numeric_limits<std::size_t>::max()
                                                           : a + b;
}

// The index of the first '\n' in src[from, to), or `to`.
std::size_t find_newline(const BytesMut& src, std::size_t from, std::size_t to) {
    if (from >= to) return to;
    const void* hit = std::memchr(src.data() + from, '\n', to - from);
    if (hit == nullptr) return to;
    return static_cast<std::size_t>(static_cast<const std::byte*>(hit) - src.data());
}

}  // namespace

std::optional<std::string> LinesCodec::decode(BytesMut& src) {
    for (;;) {
        if (discarding_) {
            std::size_t nl = find_newline(src, 0, src.size());
            if (nl == src.size()) {
                src.advance(src.size());  // all of it belongs to the long line
                return std::nullopt;
            }
            src.advance(nl + 1);
            discarding_ = false;
            next_index_ = 0;
            continue;
        }
        // A line of max_length_ bytes may be followed by "\r\n": search that far, no further.
        const std::size_t limit = std::min(src.size(), saturating_add(max_length_, 2));
        const std::size_t nl = find_newline(src, std::min(next_index_, limit), limit);
        if (nl < limit) {
            std::size_t len = nl;
            if (len > 0 && src[len - 1] == std::byte{'\r'}) --len;
            next_index_ = 0;
            if (len > max_length_) {  // max_length_ + 1 bytes, then '\n'
                src.advance(nl + 1);
                throw FrameError("weft::codec::LinesCodec: line longer than the maximum length");
            }
            std::string line(src.view().substr(0, len));
            src.advance(nl + 1);
            return line;
        }
        if (limit == saturating_add(max_length_, 2)) {
            // max_length_ + 2 bytes and no '\n': too long whatever comes next.
            discarding_ = true;
            next_index_ = 0;
            src.advance(limit);
            throw FrameError("weft::codec::LinesCodec: line longer than the maximum length");
        }
        next_index_ = limit;
        return std::nullopt;
    }
}

std::optional<std::string> LinesCodec::decode_eof(BytesMut& src) {
    std::optional<std::string> line = decode(src);
    if (line) return line;
    if (src.empty() || discarding_) {
        src.clear();
        discarding_ = false;
        next_index_ = 0;
        return std::nullopt;
    }
    // The last line, with no '\n' (decode saw it is not too long).
    std::size_t len = src.size();
    if (src[len - 1] == std::byte{'\r'}) --len;
    if (len > max_length_) {
        src.clear();
        next_index_ = 0;
        throw FrameError("weft::codec::LinesCodec: line longer than the maximum length");
    }
    std::string last(src.view().substr(0, len));
    src.clear();
    next_index_ = 0;
    return last;
}

void LinesCodec::encode(std::string_view line, BytesMut& dst) {
    dst.reserve(line.size() + 1);
    dst.extend(line);
    dst.extend(std::string_view("\n", 1));
}

}  // namespace weft::codec
