#pragma once
/// \file
/// `Signal`: a listener for one Unix signal, and `signal(kind)`, which makes one.

#include <utility>

#include "weft/detail/io/io_source.hpp"
#include "weft/signal/signal_kind.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::detail::signal_registry {
// A listener's entry in the process-wide registry (src/signal/registry.hpp).
struct Listener;
}  // namespace weft::detail::signal_registry

namespace weft::signal {

class Signal;

/// The future of `Signal::recv`. It borrows the `Signal`: keep the `Signal` alive, and in
/// place, while the future lives. Dropping it before it completes loses nothing: the delivery
/// it was waiting for is seen by the next `recv`.
class RecvFuture {
  public:
    using Output = bool;
    RecvFuture(RecvFuture&& o) noexcept : s_(o.s_), waiting_(std::exchange(o.waiting_, false)) {}
    RecvFuture& operator=(RecvFuture&&) = delete;
    /// Forgets the waker a Pending poll stored, so a dropped receive does not keep its task
    /// referenced until the `Signal` goes.
    ~RecvFuture();
    Poll<bool> poll(Context& cx);

  private:
    friend class Signal;
    explicit RecvFuture(Signal& s) noexcept : s_(&s) {}
    Signal* s_;
    bool waiting_ = false;  // the last poll returned Pending
};

/// A listener for one Unix signal: Tokio's `tokio::signal::unix::Signal`. Made by
/// `weft::signal::signal(kind)`.
///
/// `co_await sig.recv()` completes at the next delivery of the signal after the listener was
/// made, or after the previous `recv` completed, and returns `true`:
///
/// - **Coalesced.** Deliveries are not counted: several between two `recv`s complete one.
/// - **Broadcast.** Every listener for a signal number sees each delivery, in whichever task,
///   thread or runtime it lives.
/// - **Only from now on.** A listener never sees a delivery made before it was created.
///
/// `recv` returns `false` when no delivery can be received any more: the runtime the
/// listener belongs to has shut down (Tokio's `None`). So `while (co_await sig.recv())` is
/// the usual loop.
///
/// ```cpp
/// auto hup = weft::signal::signal(weft::signal::SignalKind::hangup());
/// while (co_await hup.recv()) reload_config();
/// ```
///
/// **Cancel safety.** `recv` is cancel safe: a dropped `recv` consumed nothing, and the next
/// one completes for a delivery the dropped one would have seen.
///
/// **Threads.** The task awaiting `recv` is woken by the runtime's I/O driver (the thread that
/// waits in it), or by whichever listener's task, in any runtime, first notices the delivery;
/// the signal handler itself wakes nobody (see docs/signal.md). One `Signal` is used by one
/// task at a time; different `Signal`s may be used from different threads at once.
///
/// A listener belongs to the runtime it was created in, as a socket does: it holds a
/// descriptor registered with that runtime's I/O driver.
class Signal {
  public:
    Signal(Signal&& o) noexcept
        : kind_(o.kind_),
          src_(std::move(o.src_)),
          node_(std::exchange(o.node_, nullptr)),
          closed_(o.closed_) {}
    Signal& operator=(Signal&& o) noexcept;
    /// Stops listening. The signal's handler stays installed (see `signal`).
    ~Signal();

    /// The next delivery: `true`, or `false` once the listener's runtime has shut down.
    /// Cancel safe.
    RecvFuture recv() noexcept { return RecvFuture(*this); }
    /// One look: `true` if the signal was delivered since the last completed receive (or since
    /// the listener was made), `false` if its runtime has shut down, else Pending with cx's
    /// waker stored.
    Poll<bool> poll_recv(Context& cx);

    /// The signal this listener is for.
    SignalKind kind() const noexcept { return kind_; }

  private:
    friend Signal signal(SignalKind kind);
    friend class RecvFuture;
    Signal(SignalKind kind, weft::detail::IoSource src,
           weft::detail::signal_registry::Listener* node) noexcept
        : kind_(kind), src_(std::move(src)), node_(node) {}
    // Reads the listener's descriptor when the driver reports it readable, and turns what the
    // handler recorded into broadcasts; true once the runtime has shut down.
    bool drive(Context& cx);
    void forget_waker() noexcept;

    SignalKind kind_;
    weft::detail::IoSource src_;  // a duplicate of the registry's eventfd (see docs/signal.md)
    weft::detail::signal_registry::Listener* node_ = nullptr;
    bool closed_ = false;  // the runtime has shut down
};

/// A listener for `kind`: Tokio's `tokio::signal::unix::signal`.
///
/// On the first listener for a signal number, weft installs its handler for that number
/// (`sigaction` with `SA_RESTART`), process-wide, and keeps it installed for the rest of the
/// process, as Tokio does: after the last listener is gone, deliveries are still caught and
/// ignored, so `SIGINT` or `SIGTERM` no longer end the process. A handler that was installed
/// before (a function, not `SIG_DFL` or `SIG_IGN`) is still called, after weft's, on every
/// delivery.
///
/// ```cpp
/// auto usr1 = weft::signal::signal(weft::signal::SignalKind::user_defined1());
/// co_await usr1.recv();  // kill -USR1 <pid>
/// ```
///
/// **Throws** `std::system_error` with `std::errc::invalid_argument` for a number that is not
/// a signal, and for the signals that cannot be listened for: `SIGKILL` and `SIGSTOP` (the
/// kernel does not let them be caught) and `SIGSEGV`, `SIGBUS`, `SIGILL` and `SIGFPE` (raised
/// by a faulting instruction, which a handler that just returns would run again). Also
/// `std::system_error` if the kernel refuses (`sigaction`, `eventfd`, `fcntl`), and
/// `std::logic_error` outside a runtime. A refused number, or a call outside a runtime,
/// changes nothing; a handler installed before a later step failed stays installed.
Signal signal(SignalKind kind);

}  // namespace weft::signal
