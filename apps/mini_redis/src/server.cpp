// The server: the accept loop, the connection task and its subscribe mode, shutdown. The
// design is in server.hpp; the why of each part in docs/mini_redis.md.
#include "server.hpp"

#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cmd.hpp"
#include "db.hpp"
#include "resp_codec.hpp"
#include "weft/codec/codec.hpp"
#include "weft/future/select.hpp"
#include "weft/net/tcp_stream.hpp"
#include "weft/stream/broadcast_stream.hpp"
#include "weft/stream/stream.hpp"
#include "weft/stream/stream_map.hpp"
#include "weft/sync/semaphore.hpp"
#include "weft/task/spawn.hpp"
#include "weft/time/sleep.hpp"
#include "weft/time/timeout.hpp"
#ifdef WEFT_APP_TLS
#include "weft/tls/tls.hpp"
#endif

namespace mini_redis {

namespace {

using weft::net::TcpStream;
using Subscriptions =
    weft::stream::StreamMap<std::string, weft::stream::BroadcastStream<std::string>>;

Frame words3(std::string_view kind, Frame channel, std::int64_t n) {
    std::vector<Frame> a;
    a.push_back(Frame::bulk(std::string(kind)));
    a.push_back(std::move(channel));
    a.push_back(Frame::integer_of(n));
    return Frame::array_of(std::move(a));
}

// What ends a connection's loop.
enum class Next : std::uint8_t { Go, Close };

// Over a TcpStream, or a weft::tls::TlsStream of one (--tls-cert).
template <class Stream>
class Connection {
    using Conn = weft::codec::Framed<Stream, RespCodec>;

  public:
    Connection(Stream s, std::shared_ptr<Db> db, weft::sync::CancellationToken stop)
        : conn_(std::move(s)), db_(std::move(db)), stop_(std::move(stop)) {}

    weft::Task<void> serve() {
        std::optional<Frame> protocol_error;
        try {
            for (;;) {
                std::optional<Frame> f = co_await next_frame(nullptr);
                if (!f) break;
                Command cmd = parse_command(std::move(*f));
                if (co_await handle(std::move(cmd)) == Next::Close) break;
            }
            co_await conn_.flush();
        } catch (const weft::codec::FrameError& e) {
            // Malformed input (or EOF inside a frame): tell this client why, then close;
            // nobody else is affected.
            protocol_error = Frame::error(std::string("ERR ") + e.what());
        } catch (const std::system_error&) {
            // The peer reset or went away: only this connection ends.
        }
        if (protocol_error) co_await reply_and_close(std::move(*protocol_error));
    }

  private:
    // The next frame: one already in the read buffer, or (after flushing the replies so far)
    // one read from the socket; nullopt at EOF or shutdown. In subscribe mode, a message
    // published meanwhile is forwarded while waiting.
    weft::Task<std::optional<Frame>> next_frame(Subscriptions* subs) {
        for (;;) {
            if (std::optional<Frame> f = conn_.codec().decode(conn_.read_buffer())) co_return f;
            co_await conn_.flush();
            if (subs == nullptr) {
                auto r = co_await weft::select(stop_.cancelled(), weft::stream::next(conn_));
                if (r.index() == 0) co_return std::nullopt;  // shutdown, between commands
                co_return std::move(std::get<1>(r));
            }
            auto r = co_await weft::select(stop_.cancelled(), weft::stream::next(conn_),
                                           weft::stream::next(*subs));
            if (r.index() == 0) co_return std::nullopt;
            if (r.index() == 1) co_return std::move(std::get<1>(r));
            auto& msg = std::get<2>(r);
            if (!msg) {
                subs = nullptr;  // every channel closed (the server is going away): read only
                continue;
            }
            if (msg->second) {  // a lagged receiver skips what it lost
                std::vector<Frame> a;
                a.push_back(Frame::bulk("message"));
                a.push_back(Frame::bulk(msg->first));
                a.push_back(Frame::bulk(std::move(*msg->second)));
                co_await conn_.feed(Frame::array_of(std::move(a)));
            }
        }
    }

    weft::Task<Next> handle(Command cmd) {
        if (auto* inv = std::get_if<Invalid>(&cmd); inv != nullptr && inv->protocol_error) {
            co_await reply_and_close(Frame::error(inv->message));
            co_return Next::Close;
        }
        if (std::holds_alternative<Nothing>(cmd)) co_return Next::Go;
        if (std::holds_alternative<Quit>(cmd)) {
            co_await conn_.feed(Frame::simple("OK"));
            co_return Next::Close;
        }
        if (auto* sub = std::get_if<Subscribe>(&cmd)) co_return co_await subscribe_mode(*sub);
        if (auto* unsub = std::get_if<Unsubscribe>(&cmd)) {
            // Not subscribed to anything: Redis answers each channel (or a nil one) with 0.
            if (unsub->channels.empty())
                co_await conn_.feed(words3("unsubscribe", Frame::null(), 0));
            for (std::string& ch : unsub->channels)
                co_await conn_.feed(words3("unsubscribe", Frame::bulk(std::move(ch)), 0));
            co_return Next::Go;
        }
        co_await conn_.feed(apply(std::move(cmd), *db_));
        co_return Next::Go;
    }

    // Subscribe mode (as Redis's RESP2): only (UN)SUBSCRIBE, PING and QUIT, until the last
    // channel is unsubscribed.
    weft::Task<Next> subscribe_mode(Subscribe& first) {
        Subscriptions subs;
        co_await subscribe(subs, std::move(first.channels));
        while (!subs.is_empty()) {
            std::optional<Frame> f = co_await next_frame(&subs);
            if (!f) co_return Next::Close;
            std::string name = command_name(*f);
            Command cmd = parse_command(std::move(*f));
            if (auto* inv = std::get_if<Invalid>(&cmd); inv != nullptr && inv->protocol_error) {
                co_await reply_and_close(Frame::error(inv->message));
                co_return Next::Close;
            }
            if (auto* sub = std::get_if<Subscribe>(&cmd)) {
                co_await subscribe(subs, std::move(sub->channels));
            } else if (auto* unsub = std::get_if<Unsubscribe>(&cmd)) {
                std::vector<std::string> chans = std::move(unsub->channels);
                if (chans.empty()) chans = subs.keys();
                for (std::string& ch : chans) {
                    subs.remove(ch);
                    co_await conn_.feed(words3("unsubscribe", Frame::bulk(std::move(ch)),
                                               static_cast<std::int64_t>(subs.len())));
                }
            } else if (auto* ping = std::get_if<Ping>(&cmd)) {
                std::vector<Frame> a;
                a.push_back(Frame::bulk("pong"));
                a.push_back(Frame::bulk(ping->msg ? std::move(*ping->msg) : std::string()));
                co_await conn_.feed(Frame::array_of(std::move(a)));
            } else if (std::holds_alternative<Quit>(cmd)) {
                co_await conn_.feed(Frame::simple("OK"));
                co_return Next::Close;
            } else if (auto* inv = std::get_if<Invalid>(&cmd);
                       inv != nullptr && name != "ping" && name != "quit") {
                // Not allowed here, whatever its arguments: Redis's subscribe-mode error; a
                // malformed SUBSCRIBE gets its own error.
                co_await conn_.feed(name == "subscribe" || name == "unsubscribe"
                                        ? Frame::error(inv->message)
                                        : subscribe_mode_error(name));
            } else if (inv != nullptr) {
                co_await conn_.feed(Frame::error(inv->message));
            } else if (!std::holds_alternative<Nothing>(cmd)) {
                co_await conn_.feed(subscribe_mode_error(name));
            }
        }
        co_return Next::Go;
    }

    weft::Task<void> subscribe(Subscriptions& subs, std::vector<std::string> channels) {
        for (std::string& ch : channels) {
            if (!subs.contains_key(ch))
                subs.insert(ch, weft::stream::BroadcastStream<std::string>(db_->subscribe(ch)));
            co_await conn_.feed(words3("subscribe", Frame::bulk(std::move(ch)),
                                       static_cast<std::int64_t>(subs.len())));
        }
    }

    weft::Task<void> reply_and_close(Frame error) {
        try {
            co_await conn_.feed(std::move(error));
            co_await conn_.flush();
        } catch (const std::system_error&) {
        }
    }

    Conn conn_;
    std::shared_ptr<Db> db_;
    weft::sync::CancellationToken stop_;
};

weft::Task<void> serve_connection(TcpStream s, std::shared_ptr<Db> db,
                                  weft::sync::CancellationToken stop,
                                  weft::sync::OwnedSemaphorePermit permit) {
    s.set_nodelay(true);
    Connection<TcpStream> c(std::move(s), std::move(db), std::move(stop));
    co_await c.serve();
    (void)permit;  // given back as this task ends: another client may be accepted
}

#ifdef WEFT_APP_TLS
// The TLS handshake first (within 10 s; a failed one ends this client only), then the same
// connection code over the TlsStream.
weft::Task<void> serve_tls_connection(TcpStream s, weft::tls::TlsAcceptor acceptor,
                                      std::shared_ptr<Db> db, weft::sync::CancellationToken stop,
                                      weft::sync::OwnedSemaphorePermit permit) {
    s.set_nodelay(true);
    std::optional<weft::tls::TlsStream<TcpStream>> tls;
    try {
        auto hs = acceptor.accept(std::move(s));
        auto r = co_await weft::time::timeout(std::chrono::seconds(10), std::move(hs));
        if (r.is_elapsed()) co_return;
        tls.emplace(std::move(r.value()));
    } catch (const std::system_error&) {
        co_return;
    }
    Connection<weft::tls::TlsStream<TcpStream>> c(std::move(*tls), std::move(db), std::move(stop));
    co_await c.serve();
    (void)permit;
}
#endif

}  // namespace

weft::Task<std::size_t> run(weft::net::TcpListener listener, weft::sync::CancellationToken shutdown,
                            ServerConfig config) {
#ifdef WEFT_APP_TLS
    std::optional<weft::tls::TlsAcceptor> tls;
    if (!config.tls_cert.empty()) {
        weft::tls::ServerConfig tc;
        tc.cert_chain_file = config.tls_cert;
        tc.key_file = config.tls_key;
        tls.emplace(tc);
    }
#else
    if (!config.tls_cert.empty())
        throw std::runtime_error("built without weft::tls (OpenSSL 3): no --tls-cert");
#endif
    auto db = std::make_shared<Db>();
    auto purge = weft::spawn(db->purge_task());
    auto limit = std::make_shared<weft::sync::Semaphore>(config.max_connections);

    for (;;) {
        auto permit = co_await weft::select(shutdown.cancelled(),
                                            weft::sync::Semaphore::acquire_owned(limit));
        if (permit.index() == 0) break;
        // weft's accept waits out a lack of descriptors by itself; anything else it throws is
        // about that one connection attempt: say so, and go on accepting.
        std::optional<std::variant<std::monostate, std::pair<TcpStream, weft::net::SocketAddr>>>
            accepted;
        try {
            accepted.emplace(co_await weft::select(shutdown.cancelled(), listener.accept()));
        } catch (const std::system_error& e) {
            std::fprintf(stderr, "mini-redis-server: accept: %s\n", e.what());
        }
        if (!accepted) {
            co_await weft::time::sleep(std::chrono::milliseconds(10));
            continue;
        }
        if (accepted->index() == 0) break;
        auto& [stream, peer] = std::get<1>(*accepted);
#ifdef WEFT_APP_TLS
        if (tls) {
            weft::spawn(serve_tls_connection(std::move(stream), *tls, db, shutdown,
                                             std::move(std::get<1>(permit))))
                .detach();
            continue;
        }
#endif
        weft::spawn(
            serve_connection(std::move(stream), db, shutdown, std::move(std::get<1>(permit))))
            .detach();
    }
    { weft::net::TcpListener closed = std::move(listener); }  // refuse new clients from now on

    // Every connection has seen the token (or will, between two commands); when each has
    // ended, every permit is back.
    auto all_back = co_await weft::time::timeout(
        config.shutdown_timeout,
        weft::sync::Semaphore::acquire_owned(limit, config.max_connections));
    std::size_t left = all_back ? 0 : config.max_connections - limit->available_permits();
    db->shutdown();
    co_await purge;
    co_return left;
}

}  // namespace mini_redis
