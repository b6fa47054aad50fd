#pragma once
/// \file
/// `UdpSocket`: datagrams to and from any address.

#include <cstddef>
#include <span>
#include <utility>

#include "weft/detail/io/io_source.hpp"
#include "weft/future/poll_fn.hpp"
#include "weft/net/socket_addr.hpp"

namespace weft::net {

/// A UDP socket: Tokio's `UdpSocket`.
///
/// `bind` it, then `send_to` / `recv_from` any peer, or `connect` it to one peer and use
/// `send` / `recv`. Each method returns a future; one datagram per call (a receive buffer
/// smaller than the datagram gets its first bytes, the rest is dropped, as with recv(2)).
/// Receives are cancel safe (a dropped receive took nothing); so are sends (a datagram goes
/// whole or not at all). Errors are thrown as `std::system_error`, e.g. `connection_refused`
/// on a connected socket whose peer has no listener (from the ICMP reply).
///
/// ```cpp
/// auto sock = weft::net::UdpSocket::bind(weft::net::SocketAddr::localhost(0));
/// co_await sock.send_to(std::as_bytes(std::span("ping", 4)), server);
/// std::byte buf[1500];
/// auto [n, from] = co_await sock.recv_from(buf);
/// ```
class UdpSocket {
  public:
    /// Binds to `addr` (port 0: any free port). Throws `std::system_error`, or
    /// `std::logic_error` outside a runtime.
    static UdpSocket bind(const SocketAddr& addr);

    UdpSocket(UdpSocket&&) noexcept = default;
    UdpSocket& operator=(UdpSocket&&) noexcept = default;

    /// Sets the only peer: `send`/`recv` then talk to it, and datagrams from others are
    /// dropped by the kernel. Never blocks.
    void connect(const SocketAddr& peer);

    Poll<std::size_t> poll_send_to(Context& cx, std::span<const std::byte> buf,
                                   const SocketAddr& to);
    Poll<std::pair<std::size_t, SocketAddr>> poll_recv_from(Context& cx, std::span<std::byte> buf);
    Poll<std::size_t> poll_send(Context& cx, std::span<const std::byte> buf);
    Poll<std::size_t> poll_recv(Context& cx, std::span<std::byte> buf);

    /// Sends one datagram to `to`; returns its size.
    auto send_to(std::span<const std::byte> buf, SocketAddr to) {
        return poll_fn([this, buf, to](Context& cx) { return poll_send_to(cx, buf, to); });
    }
    /// Receives one datagram: its size (truncated to the buffer) and its sender.
    auto recv_from(std::span<std::byte> buf) {
        return poll_fn([this, buf](Context& cx) { return poll_recv_from(cx, buf); });
    }
    /// Sends one datagram to the connected peer.
    auto send(std::span<const std::byte> buf) {
        return poll_fn([this, buf](Context& cx) { return poll_send(cx, buf); });
    }
    /// Receives one datagram from the connected peer.
    auto recv(std::span<std::byte> buf) {
        return poll_fn([this, buf](Context& cx) { return poll_recv(cx, buf); });
    }

    SocketAddr local_addr() const;
    /// The connected peer (throws `std::system_error` with ENOTCONN if none).
    SocketAddr peer_addr() const;
    int native_handle() const noexcept { return src_.fd(); }

  private:
    explicit UdpSocket(weft::detail::IoSource src) noexcept : src_(std::move(src)) {}
    mutable weft::detail::IoSource src_;
};

}  // namespace weft::net
