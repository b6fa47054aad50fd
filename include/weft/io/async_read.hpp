#pragma once
/// \file
/// The `AsyncRead` concept: a source of bytes polled like a future (Tokio's `AsyncRead`).

#include <concepts>
#include <cstddef>
#include <span>

#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::io {

/// A byte source with `Poll<std::size_t> poll_read(Context&, std::span<std::byte>)`.
///
/// `poll_read` copies up to `buf.size()` bytes into `buf` and returns how many; 0 means end of
/// stream (for a non-empty `buf`). If nothing can be read yet it returns `Pending` and wakes
/// `cx.waker()` when it can. Errors are thrown as `std::system_error` (see `weft/io/error.hpp`).
/// Implement it for your own types (a TLS stream, a decompressor) and every helper in
/// `weft::io` (`read`, `read_exact`, `BufReader`, `copy`) works on them.
///
/// ```cpp
/// struct Zeros {  // an endless stream of zero bytes
///     weft::Poll<std::size_t> poll_read(weft::Context&, std::span<std::byte> buf) {
///         std::ranges::fill(buf, std::byte{0});
///         return buf.size();
///     }
/// };
/// static_assert(weft::io::AsyncRead<Zeros>);
/// ```
template <class R>
concept AsyncRead = requires(R& r, Context& cx, std::span<std::byte> buf) {
    { r.poll_read(cx, buf) } -> std::same_as<Poll<std::size_t>>;
};

}  // namespace weft::io
