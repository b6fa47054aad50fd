#pragma once
/// \file
/// `StreamListener`: what `TcpListener` and `UnixListener` share; `Accept`: the future of
/// their `accept()`.

#include <utility>

#include "weft/detail/net/socket.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::net {

/// The future of `TcpListener::accept` and `UnixListener::accept`: its output is the next
/// connection, a `Stream`, and the peer's address.
///
/// Cancel safe: dropping it before it completes leaves the connection queued in the kernel
/// for the next `accept`. It does not throw when descriptors run out (`EMFILE`, `ENFILE`,
/// `ENOBUFS`, `ENOMEM`): the connection stays queued, the future backs off for 10 ms and
/// tries again. A connection the peer aborted before it was accepted (`ECONNABORTED`) is
/// skipped. Other errors throw `std::system_error`.
template <class Stream>
class Accept {
  public:
    using Output = std::pair<Stream, typename Stream::Addr>;
    /// Made by `accept()`; the listener must outlive it.
    explicit Accept(weft::detail::ListenSocket& l) noexcept : l_(&l) {}
    Poll<Output> poll(Context& cx);

  private:
    weft::detail::ListenSocket* l_;
    weft::detail::AcceptLoop loop_;
};

/// The members `TcpListener` and `UnixListener` share, written once: `Listener` is the
/// derived type and `Stream` the type of the connections it accepts. Only those two derive
/// from it; each adds its own `bind`.
template <class Listener, class Stream>
class StreamListener {
  public:
    /// The address type of the listener and of its peers.
    using Addr = typename Stream::Addr;

    /// Takes a listening socket descriptor of the listener's family (made non-blocking here)
    /// into the current runtime. Throws `std::logic_error` outside a runtime.
    static Listener from_fd(int fd);

    /// The next connection and the peer's address (see `Accept`): cancel safe, and it backs
    /// off instead of throwing when descriptors run out.
    Accept<Stream> accept() noexcept { return Accept<Stream>(sock_); }
    /// One attempt: a connection, or Pending. Throws `std::system_error` on any failure
    /// (including `EMFILE`, which `accept()` handles itself).
    Poll<std::pair<Stream, Addr>> poll_accept(Context& cx);

    /// The bound address (for TCP, with the port the kernel chose for port 0).
    Addr local_addr() const;
    /// The socket descriptor (still owned by the listener).
    int native_handle() const noexcept { return sock_.fd(); }

  protected:
    explicit StreamListener(weft::detail::ListenSocket sock) noexcept : sock_(std::move(sock)) {}
    weft::detail::ListenSocket sock_;
};

}  // namespace weft::net
