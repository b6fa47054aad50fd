#pragma once
/// \file
/// `ReceiverStream<T>`: an mpsc receiver as a stream.

#include <optional>
#include <utility>

#include "weft/stream/stream.hpp"
#include "weft/sync/mpsc.hpp"

namespace weft::stream {

/// The values an `mpsc::Receiver` receives, as a `Stream` that ends when the channel does
/// (tokio-stream's `ReceiverStream`; it works for bounded and unbounded channels alike).
///
/// ```cpp
/// auto [tx, rx] = weft::sync::mpsc::channel<Event>(64);
/// auto events = weft::stream::ReceiverStream(std::move(rx)) | weft::stream::filter(is_click);
/// ```
///
/// Cancel safety: as `recv`, a value leaves the channel only in the poll that returns it.
template <class T>
class ReceiverStream {
  public:
    using Item = T;
    explicit ReceiverStream(sync::mpsc::Receiver<T> rx) : rx_(std::move(rx)) {}
    Poll<std::optional<T>> poll_next(Context& cx) { return rx_.poll_recv(cx); }
    /// Closes the channel (senders fail from now on; buffered values still come).
    void close() { rx_.close(); }
    /// The receiver back.
    sync::mpsc::Receiver<T> into_inner() && { return std::move(rx_); }

  private:
    sync::mpsc::Receiver<T> rx_;
};

}  // namespace weft::stream
