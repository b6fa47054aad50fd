#pragma once
/// \file
/// The futures of `feed`, `send`, `flush` and `close` on a `FramedWrite` or a `Framed`:
/// hand-written futures holding a pointer to the framed object (as `weft::stream::next` does), so
/// awaiting them costs no coroutine frame.

#include <optional>
#include <utility>

#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::codec {

/// The future of `framed.feed(item)` (`FlushAfter` false) and of `framed.send(item)` (true):
/// waits until the write buffer is below the backpressure boundary (writing to the inner
/// writer), encodes `item` into it, then, for `feed`, writes again while the buffer is at or
/// above the boundary, and for `send`, writes all of it and flushes the inner writer.
template <class F, class T, bool FlushAfter>
class Put {
  public:
    using Output = void;
    Put(F& framed, T item) : f_(&framed), item_(std::move(item)) {}

    Poll<void> poll(Context& cx) {
        if (item_) {
            if (f_->poll_ready(cx).is_pending()) return Pending;
            T item = std::move(*item_);
            item_.reset();
            f_->start_send(std::move(item));
        }
        if constexpr (FlushAfter) {
            return f_->poll_flush(cx);
        } else {
            return f_->poll_ready(cx);
        }
    }

  private:
    F* f_;
    std::optional<T> item_;  // until encoded
};

/// The future of `framed.feed(item)`: encodes `item` into the write buffer, writing only what
/// the backpressure boundary requires. It does not flush: bytes below the boundary wait in the
/// buffer for the next `feed`, `send`, `flush` or `close` (Rust's `SinkExt::feed`). Feed a
/// batch (the replies to pipelined requests), then `flush` once.
///
/// Cancel safety: dropped before it encoded the item, nothing of the item was sent (the item
/// is dropped with the future); dropped after, the item is in the write buffer, whole, and goes
/// out with the next `feed`, `send`, `flush` or `close`. Either way the framing of the output
/// stays intact.
template <class F, class T>
using Feed = Put<F, T, false>;

/// The future of `framed.send(item)`: `feed(item)`, then `flush()` (Rust's `SinkExt::send`):
/// when it completes, the item and everything fed before it reached the inner writer, flushed.
///
/// Cancel safety: as `feed` until the item is encoded; after that, as `flush` (the item stays
/// in the buffer, whole, and goes out with the next `feed`, `send`, `flush` or `close`).
template <class F, class T>
using Send = Put<F, T, true>;

/// The future of `framed.flush()`: writes the whole write buffer, then flushes the inner
/// writer. Cancel safe: what was not written stays in the buffer.
template <class F>
class Flush {
  public:
    using Output = void;
    explicit Flush(F& framed) noexcept : f_(&framed) {}
    Poll<void> poll(Context& cx) { return f_->poll_flush(cx); }

  private:
    F* f_;
};

/// The future of `framed.close()`: `flush`, then shuts the inner writer down (a TCP FIN).
/// Cancel safe as `flush` is.
template <class F>
class Close {
  public:
    using Output = void;
    explicit Close(F& framed) noexcept : f_(&framed) {}
    Poll<void> poll(Context& cx) { return f_->poll_close(cx); }

  private:
    F* f_;
};

}  // namespace weft::codec
