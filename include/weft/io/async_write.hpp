#pragma once
/// \file
/// The `AsyncWrite` concept: a sink of bytes polled like a future (Tokio's `AsyncWrite`).

#include <concepts>
#include <cstddef>
#include <span>

#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::io {

/// A byte sink with three poll methods:
///
/// - `Poll<std::size_t> poll_write(Context&, std::span<const std::byte>)`: writes some of the
///   bytes (at least one for a non-empty span, unless it throws) and returns how many;
/// - `Poll<void> poll_flush(Context&)`: pushes out anything buffered;
/// - `Poll<void> poll_shutdown(Context&)`: flushes, then signals end of stream to the reader
///   (a TCP FIN).
///
/// `Pending` means "wake `cx.waker()` when you can go on"; errors are thrown as
/// `std::system_error`.
///
/// ```cpp
/// struct Sink {  // swallows everything
///     std::size_t total = 0;
///     weft::Poll<std::size_t> poll_write(weft::Context&, std::span<const std::byte> b) {
///         total += b.size();
///         return b.size();
///     }
///     weft::Poll<void> poll_flush(weft::Context&) { return weft::Ready; }
///     weft::Poll<void> poll_shutdown(weft::Context&) { return weft::Ready; }
/// };
/// static_assert(weft::io::AsyncWrite<Sink>);
/// ```
template <class W>
concept AsyncWrite = requires(W& w, Context& cx, std::span<const std::byte> buf) {
    { w.poll_write(cx, buf) } -> std::same_as<Poll<std::size_t>>;
    { w.poll_flush(cx) } -> std::same_as<Poll<void>>;
    { w.poll_shutdown(cx) } -> std::same_as<Poll<void>>;
};

}  // namespace weft::io
