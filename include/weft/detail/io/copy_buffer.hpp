#pragma once
// Internal: one direction of io::copy and io::copy_bidirectional. A buffer that is filled by
// reading and drained by writing, with end of stream remembered, so that the copy resumes
// exactly where it left off after any Pending (Tokio's CopyBuffer).

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include "weft/io/async_read.hpp"
#include "weft/io/async_write.hpp"
#include "weft/io/error.hpp"

namespace weft::detail {

class CopyBuffer {
  public:
    explicit CopyBuffer(std::size_t size = 8192) : buf_(size) {}

    /// Copies from `r` to `w` until `r` ends, then flushes `w`; the bytes copied. (Shutting
    /// `w` down is the caller's choice.)
    template <io::AsyncRead R, io::AsyncWrite W>
    Poll<std::uint64_t> poll_copy(Context& cx, R& r, W& w) {
        for (;;) {
            if (pos_ == end_ && !eof_) {
                Poll<std::size_t> p = r.poll_read(cx, std::span(buf_));
                if (p.is_pending()) {
                    // Nothing to read yet: push out what the writer holds meanwhile, so a
                    // buffered writer does not sit on data while the source is idle.
                    if (need_flush_ && w.poll_flush(cx).is_ready()) need_flush_ = false;
                    return Pending;
                }
                pos_ = 0;
                end_ = p.value();
                if (end_ == 0) eof_ = true;
            }
            while (pos_ < end_) {
                Poll<std::size_t> p =
                    w.poll_write(cx, std::span<const std::byte>(buf_).subspan(pos_, end_ - pos_));
                if (p.is_pending()) return Pending;
                if (p.value() == 0) throw std::system_error(io::Errc::write_zero, "weft::io::copy");
                pos_ += p.value();
                total_ += p.value();
                need_flush_ = true;
            }
            if (eof_) {
                if (w.poll_flush(cx).is_pending()) return Pending;
                need_flush_ = false;
                return total_;
            }
        }
    }

  private:
    std::vector<std::byte> buf_;
    std::size_t pos_ = 0, end_ = 0;
    std::uint64_t total_ = 0;
    bool eof_ = false;
    bool need_flush_ = false;
};

}  // namespace weft::detail
