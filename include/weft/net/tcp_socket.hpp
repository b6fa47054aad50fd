#pragma once
/// \file
/// `TcpSocket`: a TCP socket configured before it connects or listens.

#include <chrono>
#include <cstdint>
#include <optional>

#include "weft/detail/net/socket.hpp"
#include "weft/net/connect.hpp"
#include "weft/net/socket_addr.hpp"
#include "weft/net/tcp_listener.hpp"
#include "weft/net/tcp_stream.hpp"

namespace weft::net {

/// A TCP socket not yet connected or listening: Tokio's `TcpSocket`. Make it with `new_v4()`
/// or `new_v6()`, set its options (and `bind` it, for a listener or a client with a chosen
/// source address), then turn it into a stream with `std::move(s).connect(addr)` or into a
/// listener with `std::move(s).listen(backlog)`.
///
/// It is a plain descriptor until then: making and configuring one needs no runtime; `connect`
/// and `listen` register it with the current runtime's driver. Dropping it closes it. Every
/// failure throws `std::system_error` naming the operation ("weft::net::TcpSocket::bind
/// 127.0.0.1:80"). Unlike `TcpListener::bind`, nothing is set for you: set `set_reuseaddr(true)`
/// yourself for a server that must rebind at once after a restart.
///
/// ```cpp
/// auto sock = weft::net::TcpSocket::new_v4();
/// sock.set_reuseaddr(true);
/// sock.bind(weft::net::SocketAddr::localhost(0));
/// weft::net::TcpListener listener = std::move(sock).listen(128);
///
/// auto client = weft::net::TcpSocket::new_v4();
/// client.set_nodelay(true);
/// client.set_keepalive(true);
/// weft::net::TcpStream s = co_await std::move(client).connect(listener.local_addr());
/// ```
class TcpSocket {
  public:
    /// A new IPv4 / IPv6 stream socket (non-blocking, close-on-exec).
    static TcpSocket new_v4();
    static TcpSocket new_v6();
    /// One of addr's family.
    static TcpSocket new_for(const SocketAddr& addr);

    TcpSocket(TcpSocket&&) noexcept = default;
    TcpSocket& operator=(TcpSocket&&) noexcept = default;

    /// Binds to `addr` (port 0: the kernel chooses; see `local_addr`).
    void bind(const SocketAddr& addr);

    /// SO_REUSEADDR: bind a port still in TIME_WAIT (a restarted server).
    void set_reuseaddr(bool on);
    bool reuseaddr() const;
    /// SO_REUSEPORT: several sockets bound to one port, the kernel spreading connections.
    void set_reuseport(bool on);
    bool reuseport() const;
    /// SO_KEEPALIVE: probe an idle connection (the kernel's intervals).
    void set_keepalive(bool on);
    bool keepalive() const;
    /// SO_LINGER: with a duration, closing waits up to that long for unsent data (zero:
    /// closing resets the connection); nullopt (the default) closes in the background.
    void set_linger(std::optional<std::chrono::seconds> d);
    std::optional<std::chrono::seconds> linger() const;
    /// TCP_NODELAY: send small writes at once (no Nagle).
    void set_nodelay(bool on);
    bool nodelay() const;
    /// SO_SNDBUF / SO_RCVBUF. Linux doubles the size asked for (its bookkeeping) and clamps it
    /// to the system's limits; the getters say what it chose.
    void set_send_buffer_size(std::uint32_t size);
    std::uint32_t send_buffer_size() const;
    void set_recv_buffer_size(std::uint32_t size);
    std::uint32_t recv_buffer_size() const;

    /// The bound address (after `bind`).
    SocketAddr local_addr() const;
    /// The descriptor (still owned by the socket).
    int native_handle() const noexcept { return fd_.get(); }

    /// Connects to `addr`: the future of the stream, as `TcpStream::connect`'s (dropping it
    /// closes the socket).
    Connect<TcpStream> connect(const SocketAddr& addr) && noexcept;
    /// Listens with `backlog` (bind first, or the kernel picks a port) and registers with the
    /// current runtime: the listener. Throws `std::logic_error` outside a runtime.
    TcpListener listen(int backlog = 1024) &&;

  private:
    explicit TcpSocket(int fd) noexcept : fd_(fd) {}
    weft::detail::OwnedFd fd_;
};

}  // namespace weft::net
