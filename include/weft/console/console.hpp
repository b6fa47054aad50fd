#pragma once
/// \file
/// `weft::console`: the live dashboard, a web page served by the runtime it shows.
///
/// The console is a small HTTP/1.1 server (weft's own HTTP module, the one weft-http uses) with
/// a page that draws the runtime's metrics per worker (polls per second, busy %, queue depth),
/// its task table (name, state, busy time, polls, await point; click a task for its async
/// backtrace) and the stall detector's reports as they happen. Everything the page needs is in
/// the binary: no CDN, no build step. docs/observability.md, "Live dashboard", shows it.
///
/// Three ways to turn it on:
///
/// ```cpp
/// // 1. One builder call: served from the runtime it shows, on 127.0.0.1:6669 by default.
/// weft::Runtime rt = weft::Runtime::builder().enable_console().build();
/// ```
///
/// 2. The environment, for any program built on weft: `WEFT_CONSOLE=1` (127.0.0.1:6669) or
///    `WEFT_CONSOLE=127.0.0.1:7000` serves the first runtime the process builds.
///
/// ```cpp
/// // 3. By hand: a task on any runtime, showing the runtime of `handle`.
/// weft::Task<void> observe(weft::Handle handle) {
///     auto server = weft::console::Server::bind(handle, "127.0.0.1:0");
///     std::printf("dashboard: http://%s/\n", server.local_addr().to_string().c_str());
///     co_await server.run();  // serves until this task is dropped
/// }
/// ```
///
/// Endpoints: `/` the page; `/events` server-sent events (a `snapshot` every 500 ms: the
/// metrics and the task table; a `stall` per stall report); `/api/dump` the task dump as JSON
/// (`Dump::to_json`); `/api/metrics` the metrics as JSON (`weft::metrics::to_json`);
/// `/api/stalls` the recent stall reports; `/metrics` the Prometheus text
/// (`weft::metrics::to_prometheus`).
///
/// The console is for a developer's machine: it has no authentication, so it binds to
/// 127.0.0.1 unless told otherwise, and shows task names and source locations to whoever can
/// connect.

#include <memory>
#include <string>
#include <string_view>

#include "weft/coro/task.hpp"
#include "weft/net/socket_addr.hpp"
#include "weft/runtime/handle.hpp"
#include "weft/runtime/stall_report.hpp"

namespace weft::detail {
struct ConsoleStart;  // src/console/autostart.cpp
}

namespace weft::console {

/// Where the console listens unless told otherwise.
inline constexpr std::string_view kDefaultAddr = weft::detail::kDefaultConsoleAddr;

/// A bound console server. `bind` opens the socket at once, so the address (a free port when
/// asked for port 0) is known before anything is served; `run` serves.
class Server {
  public:
    /// Listens on `addr` (`"host:port"`; port 0 picks a free one) for a console showing the
    /// runtime of `handle`. The socket belongs to `handle`'s runtime. Throws
    /// `std::invalid_argument` for an address that does not parse, `std::system_error` if it
    /// cannot be bound (e.g. `EADDRINUSE`).
    static Server bind(Handle handle, std::string_view addr = kDefaultAddr);

    /// The address the server listens on.
    net::SocketAddr local_addr() const;

    /// Serves until the returned task is dropped (cancelled), which also closes every open
    /// connection. Run it on the runtime of `handle` (spawned, or awaited by a task): the
    /// console's own tasks, named `weft-console`, then appear in the task table it serves.
    /// May be called once.
    Task<void> run();

    /// Adds a stall report to the page's stall list (and /api/stalls). Any thread. A console
    /// started by the builder or WEFT_CONSOLE is given every report of its runtime's stall
    /// detector; a server bound by hand shows the ones passed here, e.g. from
    /// `RuntimeBuilder::on_stall`.
    void report_stall(const runtime::StallReport& r) const;

    struct State;  // src/console/console.cpp

  private:
    friend struct weft::detail::ConsoleStart;
    explicit Server(std::shared_ptr<State> st) noexcept : st_(std::move(st)) {}
    std::shared_ptr<State> st_;
};

/// Binds `addr` and serves the console of `handle`'s runtime until the task is dropped: as
/// `Server::bind(handle, addr)` followed by `run()`, inside the task (so a bind error is thrown
/// from the `co_await`).
Task<void> serve(Handle handle, std::string addr = std::string(kDefaultAddr));

}  // namespace weft::console
