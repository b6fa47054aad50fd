#pragma once
/// \file
/// `weft::net::lookup_host`: resolves a host name to socket addresses.

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "weft/coro/task.hpp"
#include "weft/net/socket_addr.hpp"

namespace weft::net {

/// Resolves `host` (a name such as `"localhost"`, or a numeric IPv4/IPv6 address) and pairs
/// every address found with `port`: Tokio's `lookup_host`. The system resolver
/// (`getaddrinfo`) blocks, so it runs on the runtime's blocking pool, as in Tokio; a numeric
/// address is parsed at once without it. Addresses come in the resolver's order (its
/// preference, RFC 6724), each once.
///
/// **Errors** throw `std::system_error` naming the host: the resolver's failures in
/// `resolve_category()` (e.g. `EAI_NONAME` for a name that does not exist), a system failure
/// behind it in `std::system_category()`. Needs a `weft::Runtime` (the blocking pool):
/// `std::logic_error` elsewhere.
///
/// ```cpp
/// weft::Task<weft::net::TcpStream> connect_to_redis() {
///     for (weft::net::SocketAddr a : co_await weft::net::lookup_host("localhost", 6379)) {
///         try {
///             co_return co_await weft::net::TcpStream::connect(a);
///         } catch (const std::system_error&) {  // try the next address
///         }
///     }
///     throw std::runtime_error("no address of localhost accepts");
/// }
/// ```
Task<std::vector<SocketAddr>> lookup_host(std::string host, std::uint16_t port);

/// As above, from `"host:port"` (`"example.com:80"`, `"[::1]:8080"`); a text with no port
/// throws `std::invalid_argument`.
Task<std::vector<SocketAddr>> lookup_host(std::string host_and_port);

/// The category of `getaddrinfo`'s `EAI_*` codes (name "weft.resolve"; `message()` is
/// `gai_strerror`).
const std::error_category& resolve_category() noexcept;

}  // namespace weft::net
