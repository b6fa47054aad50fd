// TcpStream and TcpListener: what is TCP's own (TCP_NODELAY, SO_REUSEADDR on bind); the rest
// is the code they share with the Unix domain types, instantiated here (socket_shared.hpp).

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "socket_shared.hpp"

#include "weft/net/tcp_listener.hpp"
#include "weft/net/tcp_stream.hpp"

namespace weft::net {

template class ByteStream<TcpStream, SocketAddr>;
template class Connect<TcpStream>;
template class Accept<TcpStream>;
template class StreamListener<TcpListener, TcpStream>;

void TcpStream::set_nodelay(bool on) {
    int v = on ? 1 : 0;
    if (::setsockopt(sock_.fd(), IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) != 0)
        detail::throw_os_error(errno, std::string(kKind) + "::set_nodelay");
}

bool TcpStream::nodelay() const {
    int v = 0;
    socklen_t len = sizeof v;
    if (::getsockopt(sock_.fd(), IPPROTO_TCP, TCP_NODELAY, &v, &len) != 0)
        detail::throw_os_error(errno, std::string(kKind) + "::nodelay");
    return v != 0;
}

TcpListener TcpListener::bind(const SocketAddr& addr, int backlog) {
    return TcpListener(detail::ListenSocket::bind(addr.as_sockaddr(), addr.sockaddr_len(), backlog,
                                                  /*reuse_addr=*/true, kKind, addr.to_string()));
}

}  // namespace weft::net
