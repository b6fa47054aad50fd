#pragma once
/// \file
/// `ctrl_c()`: a future for the next Ctrl-C (`SIGINT`).

#include "weft/signal/signal.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::signal {

/// The future returned by `ctrl_c()`: completes at the next `SIGINT` delivered after it was
/// made. It owns a `Signal` for `SIGINT`; dropping it stops listening. The awaiting task is
/// resumed as a `Signal::recv` awaiter is.
///
/// ```cpp
/// weft::signal::CtrlC stop = weft::signal::ctrl_c();
/// co_await stop;
/// std::puts("interrupted");
/// ```
class CtrlC {
  public:
    using Output = void;
    explicit CtrlC(Signal sig) noexcept : sig_(std::move(sig)) {}
    /// Ready at the next `SIGINT`. Throws `std::runtime_error` if its runtime has shut down.
    Poll<void> poll(Context& cx);

  private:
    Signal sig_;
};

/// A future that completes at the next Ctrl-C: Tokio's `tokio::signal::ctrl_c`.
///
/// The listener is created, and the handler installed, when `ctrl_c()` is called, not when
/// the future is first polled (Tokio's `async fn` does the latter): a `SIGINT` between the
/// call and the first poll completes it rather than killing the process. From then on,
/// `SIGINT` no longer ends the process by default (see `weft::signal::signal`).
///
/// ```cpp
/// auto stop = weft::signal::ctrl_c();
/// auto serve_until_stopped = weft::select(std::move(stop), serve(listener));
/// co_await serve_until_stopped;  // returns on Ctrl-C, dropping `serve`
/// ```
///
/// **Cancel safety.** Dropping the future stops listening; a `SIGINT` then is caught and
/// ignored. To wait for several Ctrl-Cs, keep a `weft::signal::signal(SignalKind::interrupt())`
/// and call its `recv()` in a loop.
///
/// **Throws** `std::logic_error` outside a runtime, and `std::system_error` as `signal` does.
CtrlC ctrl_c();

}  // namespace weft::signal
