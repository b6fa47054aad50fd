// The accept loop, the connection tasks and graceful shutdown (server.hpp; docs/web_server.md).
//
// A connection's task owns its socket, a read buffer (a std::vector<char> with a parse offset:
// the bytes before it are answered requests, dropped when the buffer is compacted) and an output
// string. It loops:
//   1. parse every complete request the buffer holds and append each answer to the output, in
//      order (pipelining); a parse error appends its status page and ends the connection;
//   2. write the output in one write_all (the buffered writer: one syscall per batch, not one
//      per header), or earlier if it passes 64 KiB or a large file is to be streamed;
//   3. read more, under the request's deadline (set when its first read starts: the header
//      timeout covers the whole request, head and body), racing the shutdown token while
//      the connection is idle.
// A timeout with a partial request, or before the first request, answers 408 and closes; a
// timeout between keep-alive requests closes without a word (an unsolicited 408 on an idle
// connection would be read by a client as the answer to the request it is about to send).
// With --tls-cert/--tls-key the accepted socket is wrapped by a weft::tls::TlsAcceptor (the
// handshake under the header timeout) and the same connection code runs over the TlsStream.
#include "server.hpp"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <optional>
#include <type_traits>

#include "pages.hpp"
#include "response.hpp"
#include "static_files.hpp"
#ifdef WEFT_APP_TLS
#include "weft/tls/tls.hpp"
#endif

namespace web_server {
namespace {

using namespace std::chrono_literals;
using weft::net::TcpListener;
using weft::net::TcpStream;
using ShutdownToken = weft::sync::CancellationToken;

constexpr std::size_t kFlushAt = 64 * 1024;

// What every connection shares: the configuration (immutable) and the file cache (behind its own
// mutex). Held by shared_ptr: a blocking-pool job may outlive the connection that started it.
struct Shared {
    explicit Shared(Config c)
        : cfg(std::move(c)),
          cache(cfg.file_cache_ttl, cfg.file_cache_entries, cfg.file_cache_max_file) {}
    const Config cfg;
    mutable FileCache cache;
    // Set just before the shutdown token is cancelled: a connection checks it before each
    // request (a load, cheaper than asking the token every time).
    mutable std::atomic<bool> stopping{false};
#ifdef WEFT_APP_TLS
    std::optional<weft::tls::TlsAcceptor> tls;  // set with --tls-cert/--tls-key
#endif
};
using SharedPtr = std::shared_ptr<const Shared>;
constexpr std::string_view kHtml = "text/html; charset=utf-8";

template <class Stream>
weft::Task<void> write_flushed(Stream& s, std::string_view data) {
    co_await s.write_all(data);
    co_await s.flush();
}
// Writes all of `data`, or throws std::system_error (timed_out) if the client has not taken it
// within the write timeout: a client that stops reading holds its connection no longer than that.
// (Over TLS the records must also have left: write_all, then flush, within the limit.)
template <class Stream>
weft::Task<void> send_all(Stream& s, std::string_view data, std::chrono::milliseconds limit) {
    bool elapsed = false;
    if constexpr (std::is_same_v<Stream, TcpStream>) {
        auto r = co_await weft::time::timeout(limit, s.write_all(data));
        elapsed = r.is_elapsed();
    } else {
        auto r = co_await weft::time::timeout(limit, write_flushed(s, data));
        elapsed = r.is_elapsed();
    }
    if (elapsed)
        throw std::system_error(std::make_error_code(std::errc::timed_out), "weft-http: write");
}

// Appends an error page for `status` (Connection as `keep`).
void write_error(std::string& out, int status, std::string_view reason, bool keep, bool body) {
    Head h;
    h.status = status;
    h.content_type = kHtml;
    h.keep_alive = keep;
    if (status == 405) h.allow = "GET, HEAD";
    if (status == 404) {
        write_response(out, h, kNotFoundHtml, body);
    } else {
        write_response(out, h, error_page(status, reason), body);
    }
}

// After the last answer of a connection: no more writes, then read and drop what the client
// still sends for a moment, so that closing with unread bytes does not reset the connection
// (an RST can destroy the answer before the client has read it).
template <class Stream>
weft::Task<void> lingering_close(Stream& s) {
    try {
        if constexpr (std::is_same_v<Stream, TcpStream>) {
            s.shutdown(weft::net::Shutdown::Write);
        } else {  // close_notify, then the FIN
            auto r = co_await weft::time::timeout(1s, s.shutdown());
            (void)r;
        }
        auto drain = [](Stream& st) -> weft::Task<void> {
            char buf[4096];
            for (std::size_t total = 0; total < (1u << 20);) {
                std::size_t n = co_await st.read(std::span(buf));
                if (n == 0) co_return;
                total += n;
            }
        };
        auto r = co_await weft::time::timeout(1s, drain(s));
        (void)r;
    } catch (const std::system_error&) {
    }
}

// Appends the head of a file's answer: 304 if the request's If-Modified-Since is not older than
// the file, else 200. Returns whether the body is to follow (a 200).
bool write_file_head(std::string& out, const Request& req, bool keep, std::string_view name,
                     std::uint64_t size, std::time_t mtime) {
    Head h;
    h.content_type = mime_type(name);
    h.content_length = size;  // also on a 304: what a 200 would carry (RFC 9110 8.6)
    h.keep_alive = keep;
    h.last_modified = mtime;
    if (const std::string* ims = req.header("If-Modified-Since")) {
        auto since = parse_http_date(*ims);
        // A date in the future is not a valid validator (RFC 9110 13.1.3): ignored.
        if (since && *since <= std::time(nullptr) && mtime <= *since) h.status = 304;
    }
    write_head(out, h);
    return h.status == 200;
}

// Answers one request into `out` (writing `out` and then the file itself when a large file is
// streamed). Returns whether the connection may go on.
// (`st` by reference: the caller awaits this at once and holds its own.)
template <class Stream>
weft::Task<bool> respond(const SharedPtr& st, const Request& req, bool keep, std::string& out,
                         Stream& s) {
    const bool head_only = req.method == "HEAD";
    if (req.method != "GET" && !head_only) {
        write_error(out, 405, "weft-http serves GET and HEAD only.", keep, true);
        co_return keep;
    }
    std::string_view raw_path =
        std::string_view(req.target).substr(0, req.target.find_first_of("?#"));

    if (st->cfg.root.empty()) {
        // The Rust book's routes.
        Head h;
        h.content_type = kHtml;
        h.keep_alive = keep;
        if (raw_path == "/sleep") {
            co_await weft::time::sleep(st->cfg.sleep_delay);
            h.keep_alive = keep = keep && !st->stopping.load(std::memory_order_acquire);
        }
        if (raw_path == "/" || raw_path == "/sleep") {
            write_response(out, h, kHelloHtml, !head_only);
        } else {
            write_error(out, 404, "", keep, !head_only);
        }
        co_return keep;
    }

    SanitizedPath sp = sanitize_path(req.target);
    if (!sp.ok()) {
        write_error(out, sp.status, "That path is not allowed.", keep, !head_only);
        co_return keep;
    }
    std::string key = sp.path;
    if (sp.trailing_slash) key.push_back('/');
    if (std::shared_ptr<const CachedFile> c = st->cache.get(key)) {
        if (write_file_head(out, req, keep, c->name, c->size, c->mtime) && !head_only)
            out += c->body;
        co_return keep;
    }
    std::string raw(raw_path);
    auto job = weft::spawn_blocking([st, sp, raw, head_only] {
        return lookup_file(st->cfg.root, sp, raw, !head_only, st->cfg.max_in_memory);
    });
    FileLookup f;
    bool failed = false;
    try {
        f = co_await job;
    } catch (const std::exception&) {
        failed = true;  // a read error: the file, not the request, is at fault
    }
    keep = keep && !st->stopping.load(std::memory_order_acquire);  // shutdown meanwhile
    if (failed) {
        write_error(out, 500, "The file could not be read.", false, !head_only);
        co_return false;
    }
    if (f.status == 301) {
        Head h;
        h.status = 301;
        h.content_type = kHtml;
        h.keep_alive = keep;
        h.location = f.location;
        write_response(out, h, error_page(301, "Moved to " + f.location), !head_only);
        co_return keep;
    }
    if (f.status != 200) {
        write_error(out, f.status, "You may not see that.", keep, !head_only);
        co_return keep;
    }

    if (!head_only) st->cache.put(key, f);
    if (!write_file_head(out, req, keep, f.name, f.size, f.mtime) || head_only) co_return keep;
    if (!f.fd) {
        out += f.body;
        co_return keep;
    }
    // A large file: what is buffered goes first, then the file in chunks.
    co_await send_all(s, out, st->cfg.write_timeout);
    out.clear();
    for (std::uint64_t off = 0; off < f.size;) {
        std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(st->cfg.max_in_memory, f.size - off));
        std::shared_ptr<Fd> fd = f.fd;
        auto chunk_job =
            weft::spawn_blocking([fd, off, want] { return read_chunk(fd->get(), off, want); });
        std::string chunk = co_await chunk_job;
        // A file that shrank while it was sent: the promised length cannot be kept, so the
        // connection must end for the client to see the answer is short.
        if (chunk.empty()) co_return false;
        co_await send_all(s, chunk, st->cfg.write_timeout);
        off += chunk.size();
    }
    co_return keep;
}

template <class Stream>
weft::Task<void> connection(Stream s, SharedPtr st, ShutdownToken shutdown,
                            weft::sync::OwnedSemaphorePermit permit) {
    (void)permit;  // held until the task ends: one of max_connections
    std::vector<char> buf(4096);
    std::size_t start = 0, len = 0;  // buf[start, len): received, not yet answered
    std::string out;
    bool first = true;                            // no request answered yet
    bool closing = false;                         // shutdown has begun
    std::optional<weft::time::Instant> deadline;  // of the request being read
    try {
        for (;;) {
            // 1. Answer every complete request in the buffer, in order.
            bool keep = true;
            while (keep && start < len) {
                ParseResult pr = parse_request(std::string_view(buf.data() + start, len - start),
                                               st->cfg.limits);
                if (pr.need_more()) break;
                if (pr.error()) {
                    write_error(out, pr.status, pr.reason, false, true);
                    co_await send_all(s, out, st->cfg.write_timeout);
                    co_await lingering_close(s);
                    co_return;
                }
                start += pr.consumed;
                deadline.reset();
                first = false;
                if (st->stopping.load(std::memory_order_acquire)) closing = true;
                keep = pr.request.keep_alive() && !closing;
                keep = co_await respond(st, pr.request, keep, out, s);
                if (out.size() >= kFlushAt) {
                    co_await send_all(s, out, st->cfg.write_timeout);
                    out.clear();
                }
            }
            // 2. Write the answers.
            if (!out.empty()) {
                co_await send_all(s, out, st->cfg.write_timeout);
                out.clear();
            }
            if (!keep) {
                co_await lingering_close(s);
                co_return;
            }
            // 3. Read more.
            if (start == len) start = len = 0;
            if (closing && start == len) co_return;
            if (start > 0) {
                std::memmove(buf.data(), buf.data() + start, len - start);
                len -= start;
                start = 0;
            }
            if (len == buf.size()) buf.resize(buf.size() * 2);  // bounded by the parser's limits
            if (!deadline) deadline = weft::time::Instant::now() + st->cfg.header_timeout;
            std::span<char> spare(buf.data() + len, buf.size() - len);
            const bool idle = len == 0;
            std::optional<std::size_t> got;
            bool stop = false;
            if (idle && !closing) {
                auto r = co_await weft::time::timeout_at(
                    *deadline, weft::select(s.read(spare), shutdown.cancelled()));
                if (r) {
                    if (r->index() == 0) {
                        got = std::get<0>(*r);
                    } else {
                        stop = true;  // shutdown while idle: close now
                    }
                }
            } else {
                auto r = co_await weft::time::timeout_at(*deadline, s.read(spare));
                if (r) got = *r;
            }
            if (stop) co_return;
            if (!got) {
                // The header timeout.
                if (idle && !first) co_return;  // an idle keep-alive connection: just close
                write_error(out, 408, "The request took too long to arrive.", false, true);
                co_await send_all(s, out, st->cfg.write_timeout);
                co_await lingering_close(s);
                co_return;
            }
            if (*got == 0) co_return;  // the client closed (a partial request is dropped)
            len += *got;
        }
    } catch (const std::system_error&) {
        // Reset by the peer, a broken pipe: this connection only.
    }
}

#ifdef WEFT_APP_TLS
// The TLS handshake (bounded by the header timeout; a failed one ends this connection only),
// then the same connection code over the TlsStream.
weft::Task<void> tls_connection(TcpStream tcp, SharedPtr st, ShutdownToken shutdown,
                                weft::sync::OwnedSemaphorePermit permit) {
    std::optional<weft::tls::TlsStream<TcpStream>> tls;
    try {
        auto hs = st->tls->accept(std::move(tcp));
        auto r = co_await weft::time::timeout(st->cfg.header_timeout, std::move(hs));
        if (r.is_elapsed()) co_return;
        tls.emplace(std::move(r.value()));
    } catch (const std::system_error&) {
        co_return;  // a bad handshake: this client only
    }
    co_await connection(std::move(*tls), st, std::move(shutdown), std::move(permit));
}
#endif

weft::Task<void> accept_loop(TcpListener& listener, std::shared_ptr<weft::sync::Semaphore> sem,
                             SharedPtr st, const ShutdownToken& stop) {
    for (;;) {
        // A permit first: at max_connections, new clients wait in the listen backlog.
        auto permit = co_await weft::sync::Semaphore::acquire_owned(sem);
        bool backoff = false;
        try {
            auto [stream, peer] = co_await listener.accept();
            (void)peer;
            stream.set_nodelay(true);
#ifdef WEFT_APP_TLS
            if (st->tls) {
                weft::spawn(tls_connection(std::move(stream), st, stop, std::move(permit)))
                    .detach();
                continue;
            }
#endif
            weft::spawn(connection(std::move(stream), st, stop, std::move(permit))).detach();
        } catch (const std::system_error& e) {
            // Out of file descriptors, a connection aborted before it was accepted: note it,
            // pause a little (EMFILE would otherwise spin), go on.
            std::fprintf(stderr, "weft-http: accept: %s\n", e.what());
            backoff = true;
        }
        if (backoff) co_await weft::time::sleep(100ms);
    }
}

}  // namespace

weft::Task<std::size_t> serve_until_signalled(TcpListener listener, Config config) {
#ifdef WEFT_APP_TLS
    std::optional<weft::tls::TlsAcceptor> tls;
    if (!config.tls_cert.empty()) {
        weft::tls::ServerConfig tc;
        tc.cert_chain_file = config.tls_cert;
        tc.key_file = config.tls_key;
        tc.alpn_protocols = {"http/1.1"};
        tls.emplace(tc);  // a bad file throws here, before the first accept
    }
    auto shared = std::make_shared<Shared>(std::move(config));
    shared->tls = std::move(tls);
    std::shared_ptr<const Shared> st = std::move(shared);
#else
    auto st = std::make_shared<const Shared>(std::move(config));
#endif
    auto sem = std::make_shared<weft::sync::Semaphore>(st->cfg.max_connections);
    ShutdownToken stop;

    // Both listeners exist before the first accept: a signal from here on is caught.
    auto ctrl_c = weft::signal::ctrl_c();
    auto term = weft::signal::signal(weft::signal::SignalKind::terminate());
    {
        auto first =
            weft::select(std::move(ctrl_c), term.recv(), accept_loop(listener, sem, st, stop));
        co_await first;  // the accept loop never ends by itself: a signal came
    }                    // the accept loop's frame goes here, with the permit it may hold

    { TcpListener closed = std::move(listener); }  // new clients are refused from now on
    st->stopping.store(true, std::memory_order_release);
    stop.cancel();  // every connection hears it
    auto all = co_await weft::time::timeout(
        st->cfg.shutdown_timeout,
        weft::sync::Semaphore::acquire_owned(sem, st->cfg.max_connections));
    if (all) co_return 0;
    co_return st->cfg.max_connections - sem->available_permits();
}

}  // namespace web_server
