#pragma once
/// \file
/// `TcpStream`: a TCP connection, readable and writable from tasks.

#include <chrono>
#include <cstdint>
#include <optional>

#include "weft/net/byte_stream.hpp"
#include "weft/net/connect.hpp"
#include "weft/net/shutdown.hpp"
#include "weft/net/socket_addr.hpp"

namespace weft::net {

/// A TCP connection: Tokio's `TcpStream`. Made by `TcpStream::connect` or
/// `TcpListener::accept`; it belongs to the runtime it was made in (its I/O driver).
///
/// It is an `io::AsyncRead` and `io::AsyncWrite`, so every `weft::io` helper works on it;
/// the common ones are members too. Reading and writing may go on at the same time from two
/// tasks (one reader, one writer): use `split()` for two borrowed halves or `into_split()`
/// for two owned ones (`weft/net/split.hpp`). Errors are thrown as `std::system_error` (see
/// `weft/io/error.hpp`); a peer that closed gives end of stream on read (0) and
/// `EPIPE`/`ECONNRESET` on write, never a SIGPIPE. Dropping the stream closes it. (The
/// byte-stream members, from `poll_read` to `into_split`, are `ByteStream`'s, in
/// `weft/net/byte_stream.hpp`, shared with `UnixStream`.)
///
/// ```cpp
/// auto addr = weft::net::SocketAddr::from_string("127.0.0.1:6379");
/// weft::net::TcpStream s = co_await weft::net::TcpStream::connect(addr);
/// co_await s.write_all("PING\r\n");
/// char buf[64];
/// std::size_t n = co_await s.read(std::span(buf));
/// ```
class TcpStream : public ByteStream<TcpStream, SocketAddr> {
  public:
    /// Connects to `addr`. Throws `std::system_error` (e.g. `std::errc::connection_refused`)
    /// naming the address. Bound its time with `weft::time::timeout`:
    /// `co_await weft::time::timeout(2s, TcpStream::connect(addr))`; dropping it mid-way
    /// closes the half-open socket.
    static Connect<TcpStream> connect(SocketAddr addr) noexcept;

    TcpStream(TcpStream&&) noexcept = default;
    TcpStream& operator=(TcpStream&&) noexcept = default;

    /// TCP_NODELAY: send small writes at once instead of coalescing them (Nagle).
    void set_nodelay(bool on);
    bool nodelay() const;
    /// The time-to-live of outgoing packets (IP_TTL; IPV6_UNICAST_HOPS on IPv6).
    void set_ttl(std::uint32_t ttl);
    std::uint32_t ttl() const;
    /// SO_LINGER (see `TcpSocket::set_linger`): nullopt closes in the background; a duration
    /// makes closing wait for unsent data that long; zero resets the connection on close.
    void set_linger(std::optional<std::chrono::seconds> d);
    std::optional<std::chrono::seconds> linger() const;

  private:
    friend struct weft::detail::SocketAccess;
    static constexpr const char* kKind = "weft::net::TcpStream";
    explicit TcpStream(weft::detail::StreamSocket sock) noexcept : ByteStream(std::move(sock)) {}
};

inline Connect<TcpStream> TcpStream::connect(SocketAddr addr) noexcept {
    return Connect<TcpStream>(addr);
}

extern template class ByteStream<TcpStream, SocketAddr>;
extern template class Connect<TcpStream>;

}  // namespace weft::net
