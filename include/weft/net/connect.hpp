#pragma once
/// \file
/// `Connect`: the future of `TcpStream::connect` and `UnixStream::connect`.

#include "weft/detail/net/socket.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::net {

/// The future of `Stream::connect(addr)` (`Stream` is `TcpStream` or `UnixStream`): its
/// output is the connected stream. The first poll creates the socket and starts connecting;
/// the future is Ready once the connection is made, and throws `std::system_error` naming the
/// address if it fails (e.g. `std::errc::connection_refused`).
///
/// Cancel safe in the sense that matters: dropping it before it completes closes the
/// half-open socket, so `weft::time::timeout(2s, TcpStream::connect(addr))` leaks nothing.
template <class Stream>
class Connect {
  public:
    using Output = Stream;
    explicit Connect(typename Stream::Addr addr) noexcept : addr_(addr) {}
    /// Connects `socket` (a non-blocking stream socket of addr's family, set up beforehand:
    /// `TcpSocket::connect`) rather than a new one; dropped before its first poll, it closes it.
    Connect(typename Stream::Addr addr, weft::detail::OwnedFd socket) noexcept
        : addr_(addr), pre_(std::move(socket)) {}
    Poll<Stream> poll(Context& cx);

  private:
    typename Stream::Addr addr_;
    weft::detail::OwnedFd pre_;        // TcpSocket's, until the first poll
    weft::detail::StreamSocket sock_;  // after the first poll: the socket connecting
};

}  // namespace weft::net
