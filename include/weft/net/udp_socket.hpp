#pragma once
/// \file
/// `UdpSocket`: datagrams to and from any address.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "weft/detail/io/io_source.hpp"
#include "weft/future/poll_fn.hpp"
#include "weft/io/interest.hpp"
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

    Poll<std::pair<std::size_t, SocketAddr>> poll_peek_from(Context& cx, std::span<std::byte> buf);
    /// Receives the next datagram without taking it (MSG_PEEK): the next `recv_from` gets it
    /// again. Cancel safe.
    auto peek_from(std::span<std::byte> buf) {
        return poll_fn([this, buf](Context& cx) { return poll_peek_from(cx, buf); });
    }

    /// One attempt now, without waiting: the result, or `std::nullopt` if it would block
    /// (nothing queued; the send buffer full); the readiness is then cleared, so that
    /// `readable()`/`writable()` wait for the next report. Other errors throw.
    std::optional<std::size_t> try_send_to(std::span<const std::byte> buf, const SocketAddr& to);
    std::optional<std::pair<std::size_t, SocketAddr>> try_recv_from(std::span<std::byte> buf);
    std::optional<std::size_t> try_send(std::span<const std::byte> buf);
    std::optional<std::size_t> try_recv(std::span<std::byte> buf);

    /// Once reported ready for any direction of `interest`: what was seen. Cancel safe.
    auto ready(io::Interest interest) {
        return poll_fn([this, interest](Context& cx) { return poll_ready(cx, interest); });
    }
    auto readable() { return ready(io::Interest::readable); }
    auto writable() { return ready(io::Interest::writable); }
    Poll<io::Readiness> poll_ready(Context& cx, io::Interest interest);

    /// SO_BROADCAST: may send to a broadcast address.
    void set_broadcast(bool on);
    bool broadcast() const;
    /// The time-to-live of outgoing unicast datagrams (IP_TTL; IPV6_UNICAST_HOPS on IPv6).
    void set_ttl(std::uint32_t ttl);
    std::uint32_t ttl() const;
    /// Joins / leaves the IPv4 multicast group `group` (dotted, "239.1.2.3") on the interface
    /// whose address is `iface` ("0.0.0.0": the kernel's choice). Throws
    /// `std::invalid_argument` for an address that does not parse, `std::system_error` if the
    /// kernel refuses.
    void join_multicast_v4(std::string_view group, std::string_view iface);
    void leave_multicast_v4(std::string_view group, std::string_view iface);
    /// Joins / leaves the IPv6 group `group` ("ff02::1:3") on interface index `iface` (0:
    /// the kernel's choice).
    void join_multicast_v6(std::string_view group, std::uint32_t iface);
    void leave_multicast_v6(std::string_view group, std::uint32_t iface);
    /// IP_MULTICAST_LOOP: whether this host's own multicast datagrams come back to it
    /// (the default: on).
    void set_multicast_loop_v4(bool on);
    bool multicast_loop_v4() const;
    /// IP_MULTICAST_TTL (the default: 1, this network only).
    void set_multicast_ttl_v4(std::uint32_t ttl);
    std::uint32_t multicast_ttl_v4() const;
    /// IPV6_MULTICAST_LOOP.
    void set_multicast_loop_v6(bool on);
    bool multicast_loop_v6() const;

    SocketAddr local_addr() const;
    /// The connected peer (throws `std::system_error` with ENOTCONN if none).
    SocketAddr peer_addr() const;
    int native_handle() const noexcept { return src_.fd(); }

  private:
    explicit UdpSocket(weft::detail::IoSource src) noexcept : src_(std::move(src)) {}
    mutable weft::detail::IoSource src_;
};

}  // namespace weft::net
