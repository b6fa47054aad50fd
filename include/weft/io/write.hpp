#pragma once
/// \file
/// Writing helpers over any `AsyncWrite`: `write`, `write_all`, `flush`, `shutdown`.

#include <cstddef>
#include <span>
#include <string_view>
#include <system_error>

#include "weft/io/async_write.hpp"
#include "weft/io/error.hpp"

namespace weft::io {

/// The future of `write`: one `poll_write`.
template <AsyncWrite W>
class Write {
  public:
    using Output = std::size_t;
    Write(W& w, std::span<const std::byte> buf) noexcept : w_(&w), buf_(buf) {}
    Poll<std::size_t> poll(Context& cx) { return w_->poll_write(cx, buf_); }

  private:
    W* w_;
    std::span<const std::byte> buf_;
};

/// Writes some of `buf` (at least one byte of a non-empty buffer); returns how many.
///
/// Cancel safety: dropped before it completes, it wrote nothing.
template <AsyncWrite W>
Write<W> write(W& w, std::span<const std::byte> buf) noexcept {
    return Write<W>(w, buf);
}

/// The future of `write_all`.
template <AsyncWrite W>
class WriteAll {
  public:
    using Output = void;
    WriteAll(W& w, std::span<const std::byte> buf) noexcept : w_(&w), buf_(buf) {}
    Poll<void> poll(Context& cx) {
        while (done_ < buf_.size()) {
            Poll<std::size_t> p = w_->poll_write(cx, buf_.subspan(done_));
            if (p.is_pending()) return Pending;
            if (p.value() == 0) throw std::system_error(Errc::write_zero, "weft::io::write_all");
            done_ += p.value();
        }
        return Ready;
    }

  private:
    W* w_;
    std::span<const std::byte> buf_;
    std::size_t done_ = 0;
};

/// Writes all of `buf`.
///
/// Cancel safety: **not** cancel safe: dropped midway, an unknown prefix was written.
///
/// ```cpp
/// co_await weft::io::write_all(stream, "hello\r\n");
/// ```
template <AsyncWrite W>
WriteAll<W> write_all(W& w, std::span<const std::byte> buf) noexcept {
    return WriteAll<W>(w, buf);
}
/// `write_all` of text.
template <AsyncWrite W>
WriteAll<W> write_all(W& w, std::string_view text) noexcept {
    return WriteAll<W>(w, std::as_bytes(std::span(text.data(), text.size())));
}

/// The future of `flush` and `shutdown`.
template <AsyncWrite W, bool Shutdown>
class FlushOrShutdown {
  public:
    using Output = void;
    explicit FlushOrShutdown(W& w) noexcept : w_(&w) {}
    Poll<void> poll(Context& cx) {
        if constexpr (Shutdown) {
            return w_->poll_shutdown(cx);
        } else {
            return w_->poll_flush(cx);
        }
    }

  private:
    W* w_;
};

/// Pushes out whatever `w` buffers.
template <AsyncWrite W>
FlushOrShutdown<W, false> flush(W& w) noexcept {
    return FlushOrShutdown<W, false>(w);
}
/// Flushes, then ends the stream (the reader sees end of stream; a TCP FIN).
template <AsyncWrite W>
FlushOrShutdown<W, true> shutdown(W& w) noexcept {
    return FlushOrShutdown<W, true>(w);
}

}  // namespace weft::io
