#pragma once
// Internal: getsockname / getpeername as a SocketAddr, shared by the socket types.

#include "weft/net/socket_addr.hpp"

namespace weft::net::detail_sock {
/// The local (peer=false) or remote address of `fd`; throws std::system_error naming `what`.
SocketAddr sockname(int fd, bool peer, const char* what);
}  // namespace weft::net::detail_sock
