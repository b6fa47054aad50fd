#pragma once
/// \file
/// `BufReader<R>`: buffers an `AsyncRead` and reads it by lines or up to a delimiter.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "weft/io/async_read.hpp"

namespace weft::io {

/// Adds a buffer to any `AsyncRead` (Tokio's `BufReader`): few large reads from the inner
/// reader, and `read_line` / `read_until` on top. It is an `AsyncRead` itself, and an
/// `AsyncBufRead` (`poll_fill_buf` + `consume`).
///
/// It owns its reader; to buffer a stream you also write to, wrap a borrowed half:
/// `BufReader rd(stream.split().first)`, or an owned one from `into_split()`.
///
/// ```cpp
/// weft::io::BufReader lines(std::move(read_half));
/// std::string line;
/// while (co_await lines.read_line(line) != 0) {  // 0: end of stream
///     handle(line);  // with its '\n'
///     line.clear();
/// }
/// ```
template <AsyncRead R>
class BufReader {
  public:
    explicit BufReader(R inner, std::size_t capacity = 8192)
        : inner_(std::move(inner)), buf_(capacity) {}

    R& get_ref() noexcept { return inner_; }
    R into_inner() && { return std::move(inner_); }
    /// The bytes buffered and not consumed yet.
    std::span<const std::byte> buffer() const noexcept {
        return std::span(buf_).subspan(pos_, end_ - pos_);
    }

    /// The buffered bytes, reading more first if there are none; empty at end of stream.
    Poll<std::span<const std::byte>> poll_fill_buf(Context& cx) {
        if (pos_ == end_) {
            Poll<std::size_t> p = inner_.poll_read(cx, std::span(buf_));
            if (p.is_pending()) return Pending;
            pos_ = 0;
            end_ = p.value();
        }
        return buffer();
    }
    /// Marks `n` buffered bytes as used.
    void consume(std::size_t n) noexcept { pos_ = std::min(end_, pos_ + n); }

    /// AsyncRead: from the buffer; a read at least as large as the buffer skips it when empty.
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> out) {
        if (pos_ == end_ && out.size() >= buf_.size()) return inner_.poll_read(cx, out);
        Poll<std::span<const std::byte>> p = poll_fill_buf(cx);
        if (p.is_pending()) return Pending;
        std::size_t n = std::min(out.size(), p.value().size());
        std::copy_n(p.value().begin(), n, out.begin());
        consume(n);
        return n;
    }

    /// The future of `read_until` / `read_line`.
    template <class Container>
    class ReadUntil {
      public:
        using Output = std::size_t;
        ReadUntil(BufReader& r, std::byte delim, Container& out) noexcept
            : r_(&r), delim_(delim), out_(&out) {}
        Poll<std::size_t> poll(Context& cx) {
            for (;;) {
                Poll<std::span<const std::byte>> p = r_->poll_fill_buf(cx);
                if (p.is_pending()) return Pending;
                std::span<const std::byte> avail = p.value();
                if (avail.empty()) return total_;  // end of stream
                auto hit = std::find(avail.begin(), avail.end(), delim_);
                bool found = hit != avail.end();
                auto n = static_cast<std::size_t>((found ? hit + 1 : avail.end()) - avail.begin());
                const auto* first =
                    reinterpret_cast<const typename Container::value_type*>(avail.data());
                out_->insert(out_->end(), first, first + n);
                r_->consume(n);
                total_ += n;
                if (found) return total_;
            }
        }

      private:
        BufReader* r_;
        std::byte delim_;
        Container* out_;
        std::size_t total_ = 0;
    };

    /// Appends bytes to `out` up to and including `delim`, or to the end of the stream;
    /// returns how many (0: at end of stream). Cancel safe in the sense Tokio's is: bytes read
    /// before a drop are already in `out`, none are lost.
    ReadUntil<std::vector<std::byte>> read_until(std::byte delim, std::vector<std::byte>& out) {
        return {*this, delim, out};
    }
    /// `read_until('\n')` into a string (the '\n' included; no UTF-8 check).
    ReadUntil<std::string> read_line(std::string& line) { return {*this, std::byte{'\n'}, line}; }

  private:
    R inner_;
    std::vector<std::byte> buf_;
    std::size_t pos_ = 0, end_ = 0;
};

}  // namespace weft::io
