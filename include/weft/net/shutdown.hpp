#pragma once
/// \file
/// `Shutdown`: which direction of a connection `shutdown` closes.

#include <sys/socket.h>

namespace weft::net {

/// The direction(s) `TcpStream::shutdown` / `UnixStream::shutdown` close (std's
/// `net::Shutdown`). `Write` sends end of stream to the peer; `Read` makes later reads return
/// end of stream.
///
/// ```cpp
/// stream.shutdown(weft::net::Shutdown::Write);  // the peer's read returns 0
/// ```
enum class Shutdown { Read = SHUT_RD, Write = SHUT_WR, Both = SHUT_RDWR };

}  // namespace weft::net
