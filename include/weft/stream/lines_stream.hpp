#pragma once
/// \file
/// `LinesStream<R>`: the lines of a buffered reader as a stream.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "weft/io/buf_reader.hpp"
#include "weft/stream/stream.hpp"

namespace weft::stream {

/// The lines a `BufReader<R>` reads, without their `"\n"` or `"\r\n"`, as a `Stream` of
/// `std::string` (tokio-stream's `LinesStream` over Tokio's `Lines`). A last line with no
/// newline is given too; then the stream ends.
///
/// ```cpp
/// auto lines = weft::stream::LinesStream(weft::io::BufReader(std::move(conn)));
/// while (auto line = co_await weft::stream::next(lines)) handle(*line);
/// ```
///
/// - Errors: a read error comes out of `poll_next` (as the reader throws it,
///   `std::system_error`).
/// - Cancel safety: dropping a pending `next` loses nothing: the bytes of a partial line stay
///   in the stream and the next poll goes on with them.
template <class R>
class LinesStream {
  public:
    using Item = std::string;
    explicit LinesStream(io::BufReader<R> reader) : r_(std::move(reader)) {}

    Poll<std::optional<std::string>> poll_next(Context& cx) {
        for (;;) {
            Poll<std::span<const std::byte>> p = r_.poll_fill_buf(cx);
            if (p.is_pending()) return Pending;
            std::span<const std::byte> avail = p.value();
            if (avail.empty()) {  // end of the reader
                if (line_.empty()) return std::optional<std::string>();
                return take_line();
            }
            auto hit = std::find(avail.begin(), avail.end(), std::byte{'\n'});
            bool found = hit != avail.end();
            auto n = static_cast<std::size_t>((found ? hit : avail.end()) - avail.begin());
            line_.append(reinterpret_cast<const char*>(avail.data()), n);
            r_.consume(found ? n + 1 : n);
            if (found) {
                if (!line_.empty() && line_.back() == '\r') line_.pop_back();
                return take_line();
            }
        }
    }

    /// The underlying reader.
    io::BufReader<R>& reader() noexcept { return r_; }

  private:
    std::optional<std::string> take_line() {
        std::optional<std::string> out(std::move(line_));
        line_.clear();
        return out;
    }
    io::BufReader<R> r_;
    std::string line_;  // the line so far
};

}  // namespace weft::stream
