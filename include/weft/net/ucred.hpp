#pragma once
/// \file
/// `weft::net::UCred`: the credentials of a Unix socket's peer.

#include <sys/types.h>

namespace weft::net {

/// The process at the other end of a Unix stream, as the kernel recorded it when the
/// connection was made (`SO_PEERCRED`): Tokio's `UCred`.
///
/// ```cpp
/// weft::net::UCred who = stream.peer_cred();
/// if (who.uid != 0) co_return;  // serve root only
/// ```
struct UCred {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};

}  // namespace weft::net
