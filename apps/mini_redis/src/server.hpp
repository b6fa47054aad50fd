#pragma once
/// \file
/// The mini-redis server: an accept loop, a task per connection, graceful shutdown.
///
/// Design (docs/mini_redis.md tells it at length):
/// - `run` owns the listener and the shared `Db`. It takes a permit from a `Semaphore` of
///   `max_connections` permits *before* each accept, so with every permit out the server stops
///   accepting (new clients wait in the kernel's backlog) until a connection ends and gives its
///   permit back.
/// - Each connection is a task of its own, reading frames through `Framed<TcpStream,
///   RespCodec>`, applying commands, and queueing each reply with `feed` (which does not
///   flush); it flushes only when no whole frame is left in its read buffer, so the replies
///   to a pipelined batch leave in one write.
/// - Shutdown is one `CancellationToken`: cancelling it stops the accept loop, and every
///   connection sees it between commands (a command already read is finished and answered)
///   and closes. `run` then waits for the connections by acquiring every permit of the
///   semaphore back, for at most `shutdown_timeout`, stops the purge task and returns.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "weft/coro/task.hpp"
#include "weft/net/tcp_listener.hpp"
#include "weft/sync/cancellation_token.hpp"

namespace mini_redis {

struct ServerConfig {
    /// Connections served at once (the tutorial's 250); more wait to be accepted.
    std::size_t max_connections = 250;
    /// How long shutdown waits for connections to finish before it gives up on them.
    std::chrono::milliseconds shutdown_timeout{5000};
    /// --tls-cert / --tls-key: serve TLS (weft::tls) when both are set; only in a build with
    /// weft::tls (WEFT_APP_TLS). A bad file makes run() throw before it accepts anyone.
    std::string tls_cert;
    std::string tls_key;
};

/// Serves on `listener` until `shutdown` is cancelled, then shuts down gracefully (see the
/// file comment). Returns the number of connections still open when it gave up waiting (0 on
/// a clean shutdown).
weft::Task<std::size_t> run(weft::net::TcpListener listener, weft::sync::CancellationToken shutdown,
                            ServerConfig config = {});

}  // namespace mini_redis
