#pragma once
/// \file
/// Reading helpers over any `AsyncRead`: `read`, `read_exact`, `read_to_end`,
/// `read_to_string`. Each returns a future; `co_await` it.

#include <cstddef>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "weft/io/async_read.hpp"
#include "weft/io/error.hpp"

namespace weft::io {

/// The future of `read`: one `poll_read` into the buffer.
template <AsyncRead R>
class Read {
  public:
    using Output = std::size_t;
    Read(R& r, std::span<std::byte> buf) noexcept : r_(&r), buf_(buf) {}
    Poll<std::size_t> poll(Context& cx) { return r_->poll_read(cx, buf_); }

  private:
    R* r_;
    std::span<std::byte> buf_;
};

/// Reads what is available (at least one byte, or 0 at end of stream) into `buf`.
///
/// Cancel safety: dropping it before it completes reads nothing, so it is safe in a `select`.
///
/// ```cpp
/// char buf[4096];
/// std::size_t n = co_await weft::io::read(stream, std::span(buf));
/// if (n == 0) co_return;  // the peer closed
/// ```
template <AsyncRead R>
Read<R> read(R& r, std::span<std::byte> buf) noexcept {
    return Read<R>(r, buf);
}
/// `read` into chars.
template <AsyncRead R>
Read<R> read(R& r, std::span<char> buf) noexcept {
    return Read<R>(r, std::as_writable_bytes(buf));
}

/// The future of `read_exact`.
template <AsyncRead R>
class ReadExact {
  public:
    using Output = void;
    ReadExact(R& r, std::span<std::byte> buf) noexcept : r_(&r), buf_(buf) {}
    Poll<void> poll(Context& cx) {
        while (done_ < buf_.size()) {
            Poll<std::size_t> p = r_->poll_read(cx, buf_.subspan(done_));
            if (p.is_pending()) return Pending;
            if (p.value() == 0)
                throw std::system_error(Errc::unexpected_eof, "weft::io::read_exact");
            done_ += p.value();
        }
        return Ready;
    }

  private:
    R* r_;
    std::span<std::byte> buf_;
    std::size_t done_ = 0;
};

/// Fills `buf` completely; the end of the stream first throws `std::system_error` with
/// `Errc::unexpected_eof`.
///
/// Cancel safety: **not** cancel safe: dropped midway, the bytes read so far are lost.
///
/// ```cpp
/// std::byte header[8];
/// co_await weft::io::read_exact(stream, std::span(header));
/// ```
template <AsyncRead R>
ReadExact<R> read_exact(R& r, std::span<std::byte> buf) noexcept {
    return ReadExact<R>(r, buf);
}
/// `read_exact` into chars.
template <AsyncRead R>
ReadExact<R> read_exact(R& r, std::span<char> buf) noexcept {
    return ReadExact<R>(r, std::as_writable_bytes(buf));
}

/// The future of `read_to_end` and `read_to_string`: appends to a container of bytes or chars.
template <AsyncRead R, class Container>
class ReadToEnd {
  public:
    using Output = std::size_t;
    ReadToEnd(R& r, Container& out) noexcept : r_(&r), out_(&out) {}
    Poll<std::size_t> poll(Context& cx) {
        for (;;) {
            std::size_t old = out_->size();
            out_->resize(old + kChunk);
            auto room = std::as_writable_bytes(std::span(*out_).subspan(old));
            Poll<std::size_t> p = Pending;
            try {
                p = r_->poll_read(cx, room);
            } catch (...) {
                out_->resize(old);
                throw;
            }
            out_->resize(old + (p.is_ready() ? p.value() : 0));
            if (p.is_pending()) return Pending;
            if (p.value() == 0) return total_;
            total_ += p.value();
        }
    }

  private:
    static constexpr std::size_t kChunk = 16384;
    R* r_;
    Container* out_;
    std::size_t total_ = 0;
};

/// Appends everything up to the end of the stream to `out`; returns the count appended.
///
/// Cancel safety: what was read before the drop stays appended to `out`.
///
/// ```cpp
/// std::vector<std::byte> body;
/// co_await weft::io::read_to_end(stream, body);
/// ```
template <AsyncRead R>
ReadToEnd<R, std::vector<std::byte>> read_to_end(R& r, std::vector<std::byte>& out) noexcept {
    return {r, out};
}
/// `read_to_end` into a string (bytes as they come; no UTF-8 check).
template <AsyncRead R>
ReadToEnd<R, std::string> read_to_string(R& r, std::string& out) noexcept {
    return {r, out};
}

}  // namespace weft::io
