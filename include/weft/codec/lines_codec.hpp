#pragma once
/// \file
/// `LinesCodec`: frames are lines of text (tokio-util's `LinesCodec`).

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "weft/codec/bytes_mut.hpp"
#include "weft/codec/decoder.hpp"

namespace weft::codec {

/// Lines: decoding splits at `'\n'` and gives each line without its `'\n'` and without one
/// `'\r'` before it (so `"\r\n"` endings work); encoding appends `'\n'`. Item: `std::string`;
/// it encodes anything convertible to `std::string_view`. Lines are bytes, not checked as UTF-8.
///
/// - A maximum line length (`with_max_length(n)`; unbounded by default, which lets a peer
///   that never sends `'\n'` fill memory: set one for untrusted input): a line longer than `n`
///   bytes (not counting its ending) throws `FrameError` as soon as `n + 2` bytes without a
///   `'\n'` are buffered, without waiting for its end. The codec then discards the rest of that
///   line, and a later `decode` gives the lines after it (tokio-util's recovery); but a
///   `FramedRead` or `Framed` ends its stream at any `FrameError`, so over one of those the
///   error is final: report it and close the connection.
/// - End of stream: a last line without `'\n'` is given as a line (as tokio-util does), then
///   the stream ends.
/// - Each byte is looked at once: the search for `'\n'` goes on where the last one stopped.
///
/// ```cpp
/// weft::codec::LinesCodec codec = weft::codec::LinesCodec::with_max_length(1024);
/// weft::codec::BytesMut buf = weft::codec::BytesMut::copy_from("GET /\r\nHost");
/// std::optional<std::string> line = codec.decode(buf);  // "GET /"; buf holds "Host"
/// ```
class LinesCodec {
  public:
    using Item = std::string;

    /// No maximum line length.
    LinesCodec() noexcept = default;
    /// Lines of at most `max_length` bytes.
    static LinesCodec with_max_length(std::size_t max_length) noexcept {
        LinesCodec c;
        c.max_length_ = max_length;
        return c;
    }
    std::size_t max_length() const noexcept { return max_length_; }

    std::optional<std::string> decode(BytesMut& src);
    std::optional<std::string> decode_eof(BytesMut& src);
    void encode(std::string_view line, BytesMut& dst);

  private:
    std::size_t max_length_ = std::numeric_limits<std::size_t>::max();
    std::size_t next_index_ = 0;  // bytes of src already searched for '\n'
    bool discarding_ = false;     // dropping the rest of a line that was too long
};

}  // namespace weft::codec
