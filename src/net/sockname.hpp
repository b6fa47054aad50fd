#pragma once
// Internal: helpers the socket types share.

#include "weft/net/socket_addr.hpp"

namespace weft::net::detail_sock {
/// The local (peer=false) or remote address of `fd`; throws std::system_error naming `what`.
SocketAddr sockname(int fd, bool peer, const char* what);
/// Sets O_NONBLOCK on an adopted descriptor; on failure closes it and throws naming `what`.
void set_nonblocking(int fd, const char* what);
}  // namespace weft::net::detail_sock
