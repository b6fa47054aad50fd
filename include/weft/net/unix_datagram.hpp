#pragma once
/// \file
/// `UnixDatagram`: a Unix domain datagram socket.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <utility>

#include "weft/detail/io/io_source.hpp"
#include "weft/future/poll_fn.hpp"
#include "weft/io/interest.hpp"
#include "weft/net/unix_socket_addr.hpp"

namespace weft::net {

/// A Unix domain datagram socket: Tokio's `UnixDatagram`. Messages keep their boundaries and,
/// unlike UDP's, are never lost or reordered: a full receiver makes the sender wait.
///
/// Make it with `bind` (a path or an abstract name), `unbound()` (to send only, or to
/// `connect`), or `pair()`. Then `send_to` / `recv_from` any socket, or `connect` to one and
/// `send` / `recv`. Each call moves one datagram; a receive buffer smaller than the datagram
/// gets its first bytes, the rest is dropped. Receives and sends are cancel safe (a datagram
/// goes whole or not at all). Errors throw `std::system_error` naming the operation and the
/// path. Dropping the socket closes it; a bound path stays in the file system (remove it
/// yourself, as with `UnixListener`).
///
/// ```cpp
/// auto [a, b] = weft::net::UnixDatagram::pair();
/// co_await a.send(std::as_bytes(std::span("ping", 4)));
/// std::byte buf[64];
/// std::size_t n = co_await b.recv(buf);
/// ```
class UnixDatagram {
  public:
    /// Binds to `path` (which must not exist) / to `addr`. Throws `std::system_error`
    /// naming it, or `std::logic_error` outside a runtime.
    static UnixDatagram bind(const std::filesystem::path& path);
    static UnixDatagram bind(const UnixSocketAddr& addr);
    /// A socket with no address (it can send; it receives once connected to a peer, or
    /// through an autobound abstract address the kernel gives it on its first send).
    static UnixDatagram unbound();
    /// Two sockets connected to each other (socketpair(2)).
    static std::pair<UnixDatagram, UnixDatagram> pair();

    UnixDatagram(UnixDatagram&&) noexcept = default;
    UnixDatagram& operator=(UnixDatagram&&) noexcept = default;

    /// Sets the only peer: `send`/`recv` then talk to it. Never blocks.
    void connect(const std::filesystem::path& path);
    void connect(const UnixSocketAddr& addr);

    Poll<std::size_t> poll_send_to(Context& cx, std::span<const std::byte> buf,
                                   const UnixSocketAddr& to);
    Poll<std::pair<std::size_t, UnixSocketAddr>> poll_recv_from(Context& cx,
                                                                std::span<std::byte> buf);
    Poll<std::size_t> poll_send(Context& cx, std::span<const std::byte> buf);
    Poll<std::size_t> poll_recv(Context& cx, std::span<std::byte> buf);
    Poll<io::Readiness> poll_ready(Context& cx, io::Interest interest);

    /// Sends one datagram to `to`; returns its size.
    auto send_to(std::span<const std::byte> buf, UnixSocketAddr to) {
        return poll_fn([this, buf, to](Context& cx) { return poll_send_to(cx, buf, to); });
    }
    auto send_to(std::span<const std::byte> buf, const std::filesystem::path& to) {
        return send_to(buf, UnixSocketAddr::from_pathname(to));
    }
    /// Receives one datagram: its size and its sender (unnamed if the sender is unbound).
    auto recv_from(std::span<std::byte> buf) {
        return poll_fn([this, buf](Context& cx) { return poll_recv_from(cx, buf); });
    }
    /// Sends one datagram to the connected peer.
    auto send(std::span<const std::byte> buf) {
        return poll_fn([this, buf](Context& cx) { return poll_send(cx, buf); });
    }
    /// Receives one datagram.
    auto recv(std::span<std::byte> buf) {
        return poll_fn([this, buf](Context& cx) { return poll_recv(cx, buf); });
    }
    /// Once reported ready for any direction of `interest`. Cancel safe.
    auto ready(io::Interest interest) {
        return poll_fn([this, interest](Context& cx) { return poll_ready(cx, interest); });
    }
    auto readable() { return ready(io::Interest::readable); }
    auto writable() { return ready(io::Interest::writable); }

    /// One attempt now: the result, or `std::nullopt` if it would block (readiness cleared).
    std::optional<std::size_t> try_send(std::span<const std::byte> buf);
    std::optional<std::size_t> try_recv(std::span<std::byte> buf);
    std::optional<std::size_t> try_send_to(std::span<const std::byte> buf,
                                           const UnixSocketAddr& to);
    std::optional<std::pair<std::size_t, UnixSocketAddr>> try_recv_from(std::span<std::byte> buf);

    /// This socket's address (unnamed if unbound).
    UnixSocketAddr local_addr() const;
    /// The connected peer's (throws `std::system_error` with ENOTCONN if none).
    UnixSocketAddr peer_addr() const;
    int native_handle() const noexcept { return src_.fd(); }

  private:
    explicit UnixDatagram(weft::detail::IoSource src) noexcept : src_(std::move(src)) {}
    mutable weft::detail::IoSource src_;
};

}  // namespace weft::net
