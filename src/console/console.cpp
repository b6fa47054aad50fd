// The console's HTTP server (weft/console/console.hpp; docs/observability.md, "Live dashboard").
//
// Shape. `serve(handle, addr)` is a Task, like everything else that runs on weft (and like
// console-subscriber's `Server::serve`): it serves until dropped, so the caller decides where it
// runs and how long, and dropping it is the one way to stop it. `Server::bind` is split out so
// that the address, a free port when asked for port 0, is known before the first request (the
// tests and the builder's start-up line need it).
//
// Where it runs. On the runtime it shows, as a few ordinary tasks: one accept loop (named
// `weft-console` when the builder starts it), one task per connection (`weft-console-conn`), held
// in a JoinSet inside the loop's frame, so dropping the loop aborts every connection, the
// never-ending event streams included. On a multi-thread runtime a task stuck on one worker does
// not stop the console (the other workers steal its tasks); on a current-thread runtime it is
// served while `block_on` runs.
//
// Requests are read with the library's HTTP parser (src/http, the one weft-http uses), at most
// 16 KiB of head and no body; GET and HEAD only; keep-alive as HTTP/1.1 has it. The answers:
//   /              the page (page.html, embedded by CMake at configure time: page.cpp.in)
//   /api/dump      Dump::to_json of `co_await handle.dump()`
//   /api/metrics   weft::metrics::to_json of handle.metrics()
//   /api/stalls    the stall feed: the last 100 stall reports, oldest first
//   /metrics       weft::metrics::to_prometheus of handle.metrics()
//   /events        server-sent events, the body framed by closing (no length, Connection:
//                  close): a `snapshot` event every 500 ms, {"seq":N,"t_ms":..,"metrics":{..},
//                  "dump":{..}}, and a `stall` event for each new stall report, sent with the
//                  next snapshot. The stream ends when the client goes (a failed write) or the
//                  server is dropped.
// Every write has a 10 s timeout: a client that stops reading is dropped, not buffered for.
#include "weft/console/console.hpp"

#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "providers.hpp"
#include "server_state.hpp"
#include "weft/detail/http/request.hpp"
#include "weft/detail/http/response.hpp"
#include "weft/net/tcp_listener.hpp"
#include "weft/net/tcp_stream.hpp"
#include "weft/task/join_set.hpp"
#include "weft/task/task_builder.hpp"
#include "weft/time/sleep.hpp"
#include "weft/time/timeout.hpp"

namespace weft::console {

namespace detail {
extern const char* const kPage;  // page.cpp (generated from page.html)
extern const std::size_t kPageSize;
}  // namespace detail

namespace {

namespace http = weft::detail::http;
using namespace std::chrono_literals;
using StatePtr = std::shared_ptr<Server::State>;

constexpr auto kWriteTimeout = 10s;
constexpr auto kEventPeriod = 500ms;
constexpr std::string_view kServerName = "weft-console";

Task<void> send(net::TcpStream& s, std::string_view data) {
    auto r = co_await time::timeout(kWriteTimeout, s.write_all(data));
    if (r.is_elapsed())
        throw std::system_error(std::make_error_code(std::errc::timed_out), "weft console");
}

void answer(std::string& out, int status, std::string_view type, std::string_view body, bool keep,
            bool with_body) {
    http::Head h;
    h.status = status;
    h.server = kServerName;
    h.content_type = type;
    h.keep_alive = keep;
    h.cache_control = "no-store";
    if (status == 405) h.allow = "GET, HEAD";
    http::write_response(out, h, body, with_body);
}

std::string snapshot_event(const StatePtr& st, std::uint64_t seq, const std::string& dump) {
    auto t = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - st->started);
    std::string ev = "event: snapshot\ndata: {\"seq\":" + std::to_string(seq) +
                     ",\"t_ms\":" + std::to_string(t.count()) +
                     ",\"metrics\":" + detail::metrics_json(st->handle) + ",\"dump\":" + dump +
                     "}\n\n";
    return ev;
}

// The event stream: never returns normally; ends by an exception (the client went) or by
// being dropped.
Task<void> events(net::TcpStream& s, StatePtr st) {
    std::string out;
    http::Head h;
    h.server = kServerName;
    h.content_type = "text/event-stream";
    h.until_close = true;
    h.cache_control = "no-store";
    http::write_head(out, h);
    out += "retry: 1000\n\n";
    co_await send(s, out);
    std::uint64_t seen = 0;  // the last stall sent
    for (std::uint64_t seq = 1;; ++seq) {
        std::string dump = co_await detail::dump_json(st->handle);
        out = snapshot_event(st, seq, dump);
        auto [stalls, last] = st->stalls->since(seen);
        seen = last;
        for (const std::string& j : stalls)
            out += "event: stall\ndata: " + j + "\n\n";
        co_await send(s, out);
        co_await time::sleep(kEventPeriod);
    }
}

std::string stalls_json(const StatePtr& st) {
    std::string out = "[";
    auto items = st->stalls->since(0).first;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ',';
        out += items[i];
    }
    return out + "]";
}

Task<void> connection(net::TcpStream s, StatePtr st) {
    std::string buf, out;
    char chunk[4096];
    http::Limits limits;
    limits.max_body = 0;
    try {
        for (;;) {
            http::ParseResult pr = http::parse_request(buf, limits);
            if (pr.need_more()) {
                if (buf.size() > limits.max_head_bytes) co_return;
                std::size_t n = co_await s.read(std::span(chunk));
                if (n == 0) co_return;
                buf.append(chunk, n);
                continue;
            }
            if (pr.error()) {
                answer(out, pr.status, "text/plain; charset=utf-8", pr.reason + "\n", false, true);
                co_await send(s, out);
                co_return;
            }
            buf.erase(0, pr.consumed);
            const http::Request& req = pr.request;
            const bool keep = req.keep_alive();
            const bool head_only = req.method == "HEAD";
            std::string_view path =
                std::string_view(req.target)
                    .substr(0, std::string_view(req.target).find_first_of("?#"));
            out.clear();
            if (req.method != "GET" && !head_only) {
                answer(out, 405, "text/plain; charset=utf-8", "GET or HEAD\n", keep, true);
            } else if (path == "/" || path == "/index.html") {
                answer(out, 200, "text/html; charset=utf-8",
                       std::string_view(detail::kPage, detail::kPageSize), keep, !head_only);
            } else if (path == "/events" && !head_only) {
                co_await events(s, st);
                co_return;
            } else if (path == "/api/dump") {
                std::string dump = co_await detail::dump_json(st->handle);
                answer(out, 200, "application/json", dump, keep, !head_only);
            } else if (path == "/api/metrics") {
                answer(out, 200, "application/json", detail::metrics_json(st->handle), keep,
                       !head_only);
            } else if (path == "/api/stalls") {
                answer(out, 200, "application/json", stalls_json(st), keep, !head_only);
            } else if (path == "/metrics") {
                answer(out, 200, "text/plain; version=0.0.4; charset=utf-8",
                       detail::metrics_prometheus(st->handle), keep, !head_only);
            } else {
                answer(out, 404, "text/plain; charset=utf-8", "not found\n", keep, !head_only);
            }
            co_await send(s, out);
            if (!keep) co_return;
        }
    } catch (const std::exception&) {
        // The client went, or stopped reading: this connection only.
    }
}

// What JoinSet::spawn_on needs: spawns on the current runtime with a name, so that the
// console's connections are recognisable in the task table they serve.
struct NamedSpawner {
    const char* name;
    template <class F>
    auto spawn(F&& f, weft::detail::AwaitSite site) {
        return task::Builder().name(name).spawn(std::forward<F>(f), site);
    }
};

Task<void> accept_loop(StatePtr st) {
    JoinSet<void> conns;
    NamedSpawner named{"weft-console-conn"};
    for (;;) {
        auto [stream, peer] = co_await st->listener.accept();
        (void)peer;
        while (conns.try_join_next()) {
        }
        conns.spawn_on(named, connection(std::move(stream), st));
    }
}

}  // namespace

Server Server::bind(Handle handle, std::string_view addr) {
    std::optional<net::SocketAddr> a = net::SocketAddr::parse(addr);
    if (!a)
        throw std::invalid_argument("weft console: not an address (host:port): " +
                                    std::string(addr));
    auto guard = handle.enter();  // the socket registers with the observed runtime's driver
    net::TcpListener listener = net::TcpListener::bind(*a);
    return Server(std::make_shared<State>(std::move(handle), std::move(listener)));
}

net::SocketAddr Server::local_addr() const {
    return st_->listener.local_addr();
}

void Server::report_stall(const runtime::StallReport& r) const {
    st_->stalls->push(detail::stall_json(r));
}

Task<void> Server::run() {
    if (std::exchange(st_->running, true))
        throw std::logic_error("weft console: Server::run called twice");
    return accept_loop(st_);
}

Task<void> serve(Handle handle, std::string addr) {
    Server server = Server::bind(std::move(handle), addr);
    co_await server.run();
}

}  // namespace weft::console
