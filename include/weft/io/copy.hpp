#pragma once
/// \file
/// `weft::io::copy`: everything from a reader into a writer.

#include <cstdint>

#include "weft/detail/io/copy_buffer.hpp"

namespace weft::io {

/// The future of `copy`.
template <AsyncRead R, AsyncWrite W>
class Copy {
  public:
    using Output = std::uint64_t;
    Copy(R& r, W& w) : r_(&r), w_(&w) {}
    Poll<std::uint64_t> poll(Context& cx) { return buf_.poll_copy(cx, *r_, *w_); }

  private:
    R* r_;
    W* w_;
    weft::detail::CopyBuffer buf_;
};

/// Copies everything `r` gives until its end of stream into `w`, flushes `w`, and returns
/// the number of bytes: Tokio's `io::copy`. It does not shut `w` down. An 8 KiB buffer
/// carries the bytes; while `r` has nothing, `w` is flushed, so a `BufWriter` does not hold
/// data back.
///
/// Cancel safety: **not** cancel safe: dropped midway, bytes read from `r` but not yet
/// written to `w` are lost.
///
/// ```cpp
/// std::uint64_t n = co_await weft::io::copy(socket, file);  // save an upload
/// ```
template <AsyncRead R, AsyncWrite W>
Copy<R, W> copy(R& r, W& w) {
    return Copy<R, W>(r, w);
}

}  // namespace weft::io
