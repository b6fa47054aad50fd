#pragma once
// weft-http's server: the Rust book's final project (a web server on a thread pool) made async,
// then made a real HTTP/1.1 server. docs/web_server.md explains the design; in short:
//   - one task per connection (weft::spawn), at most max_connections at once: the accept loop
//     takes a Semaphore permit before it accepts, and the connection's task holds it;
//   - keep-alive and pipelining: a connection parses every complete request its buffer holds
//     and answers them in order, in one write per batch;
//   - a write timeout: a client that stops reading is dropped when a write waits longer;
//   - a header-read timeout per request (weft::time::timeout_at around the reads of one
//     request): a client that is silent or slow gets 408 and is closed, without holding up
//     anyone (it only ever holds its own task);
//   - graceful shutdown: a cancelled token tells every connection; idle ones close at once, busy
//   ones
//     finish the request in hand (answered with `Connection: close`); the server then waits up
//     to shutdown_timeout for them (by taking back every permit of the semaphore).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "http_parser.hpp"
#include "weft/weft.hpp"

namespace web_server {

struct Config {
    std::uint16_t port = 7878;  // the Rust book's; 0 picks a free one
    std::string root;           // empty: the book's routes (/, /sleep, 404) from built-in pages
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds write_timeout{30'000};  // to take one batch of answers or chunk
    std::chrono::milliseconds shutdown_timeout{10'000};
    std::chrono::milliseconds sleep_delay{5'000};  // GET /sleep
    std::size_t max_connections = 1024;
    std::size_t max_in_memory = 256 * 1024;  // bigger files are streamed in chunks of this size
    std::size_t worker_threads = 0;          // 0: the runtime's default
    std::chrono::milliseconds file_cache_ttl{1'000};  // 0: no file cache (static_files.hpp)
    std::size_t file_cache_entries = 1024;
    std::size_t file_cache_max_file = 64 * 1024;
    Limits limits;
    // --tls-cert / --tls-key: serve HTTPS (weft::tls) when both are set. Only in a build with
    // weft::tls (WEFT_APP_TLS); the handshake must finish within header_timeout.
    std::string tls_cert;
    std::string tls_key;
};

// Serves on `listener` until SIGINT or SIGTERM, then shuts down gracefully (see above). Returns
// the number of connections that were still open when shutdown_timeout ran out (0: a clean
// shutdown). `cfg.root`, if set, must be canonical (canonical_root).
weft::Task<std::size_t> serve_until_signalled(weft::net::TcpListener listener, Config cfg);

}  // namespace web_server
