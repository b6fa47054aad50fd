#pragma once
/// \file
/// `BufWriter`: gathers small writes into one buffer (Tokio's `BufWriter`).

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "weft/io/async_read.hpp"
#include "weft/io/async_write.hpp"
#include "weft/io/error.hpp"

namespace weft::io {

/// Wraps an `AsyncWrite` so that many small writes become a few large ones: each
/// `poll_write` copies into a buffer (8 KiB unless told), which goes to the inner writer when
/// it is full, on `flush`, and on `shutdown`. A write at least as large as the buffer skips
/// it. It is an `AsyncWrite` itself, and an `AsyncRead` when the inner type is one (reads
/// pass through), so `BufWriter<TcpStream>` serves a whole request/response protocol.
///
/// **Flush before dropping it**: like Tokio's, a `BufWriter` dropped with bytes in its buffer
/// loses them (writing them needs a `co_await`, which a destructor cannot do).
///
/// ```cpp
/// weft::io::BufWriter out(std::move(stream));
/// for (const auto& line : lines)
///     co_await weft::io::write_all(out, line);  // no syscall per line
/// co_await weft::io::flush(out);
/// ```
template <AsyncWrite W>
class BufWriter {
  public:
    explicit BufWriter(W inner, std::size_t capacity = 8192)
        : inner_(std::move(inner)), capacity_(capacity == 0 ? 1 : capacity) {
        buf_.reserve(capacity_);
    }

    W& get_ref() noexcept { return inner_; }
    /// The inner writer; bytes still buffered are dropped (flush first).
    W into_inner() && { return std::move(inner_); }
    /// The bytes buffered and not written yet.
    std::span<const std::byte> buffer() const noexcept { return buf_; }
    std::size_t capacity() const noexcept { return capacity_; }

    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> data) {
        if (buf_.size() + data.size() > capacity_) {
            if (poll_flush_buf(cx).is_pending()) return Pending;
        }
        if (data.size() >= capacity_) return inner_.poll_write(cx, data);  // buffer is empty
        buf_.insert(buf_.end(), data.begin(), data.end());
        return data.size();
    }
    Poll<void> poll_flush(Context& cx) {
        if (poll_flush_buf(cx).is_pending()) return Pending;
        return inner_.poll_flush(cx);
    }
    Poll<void> poll_shutdown(Context& cx) {
        if (poll_flush_buf(cx).is_pending()) return Pending;
        return inner_.poll_shutdown(cx);
    }

    /// Reads pass straight through to the inner type.
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> out) requires AsyncRead<W> {
        return inner_.poll_read(cx, out);
    }

  private:
    // Writes the buffer out. written_ remembers how much went out across Pending (and a
    // throw), so no byte goes out twice.
    Poll<void> poll_flush_buf(Context& cx) {
        while (written_ < buf_.size()) {
            Poll<std::size_t> p =
                inner_.poll_write(cx, std::span<const std::byte>(buf_).subspan(written_));
            if (p.is_pending()) return Pending;
            if (p.value() == 0) throw std::system_error(Errc::write_zero, "weft::io::BufWriter");
            written_ += p.value();
        }
        buf_.clear();
        written_ = 0;
        return Ready;
    }

    W inner_;
    std::size_t capacity_;
    std::vector<std::byte> buf_;
    std::size_t written_ = 0;  // a prefix of buf_ already written
};

}  // namespace weft::io
