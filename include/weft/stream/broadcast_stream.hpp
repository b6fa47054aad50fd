#pragma once
/// \file
/// `BroadcastStream<T>`: a broadcast receiver as a stream.

#include <optional>
#include <utility>

#include "weft/stream/stream.hpp"
#include "weft/sync/broadcast.hpp"

namespace weft::stream {

/// What a `broadcast::Receiver` receives, as a `Stream` of `broadcast::RecvResult<T>`: each
/// item is a value, or a lag report (`is_lagged()`, `lagged_by()` values lost, after which the
/// values go on from the oldest kept). The stream ends when the channel closes
/// (tokio-stream's `BroadcastStream`, whose items are `Result<T, Lagged>`).
///
/// ```cpp
/// auto values = weft::stream::BroadcastStream(tx.subscribe())
///             | weft::stream::filter_map([](auto r) {
///                   return r ? std::optional(*r) : std::nullopt;  // lagged: skipped
///               });
/// ```
///
/// Cancel safety: as `recv`, dropping a pending `next` loses nothing. Like every stream, it
/// must not move once polled.
template <class T>
class BroadcastStream {
  public:
    using Item = sync::broadcast::RecvResult<T>;
    explicit BroadcastStream(sync::broadcast::Receiver<T> rx) : rx_(std::move(rx)) {}
    BroadcastStream(BroadcastStream&& o) : rx_(std::move(o.rx_)) {}  // before the first poll

    Poll<std::optional<Item>> poll_next(Context& cx) {
        if (!recv_) recv_.emplace(rx_.recv());
        Poll<Item> p = recv_->poll(cx);
        if (p.is_pending()) return Pending;
        recv_.reset();
        if (p.value().is_closed()) return std::optional<Item>();
        return std::optional<Item>(std::move(p).value());
    }

  private:
    sync::broadcast::Receiver<T> rx_;
    std::optional<typename sync::broadcast::Receiver<T>::RecvFuture> recv_;  // points into rx_
};

}  // namespace weft::stream
