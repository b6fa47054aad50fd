// ch14_channels: mini-redis with framing done by weft::codec (a small RESP codec over
// Framed), and a client handle that many tasks share: they send their commands over an mpsc
// channel to one manager task, which owns the only connection, and each gets its reply back
// on a oneshot channel (the Tokio tutorial's "channels" step).
// With no argument: the server binds 127.0.0.1 on a free port, three tasks talk to it through
// one client handle, and it exits. With `--serve PORT`: the server alone, forever (try
// `redis-cli -p PORT`).
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "weft/weft.hpp"

using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;

// ---- Frames and their codec: a small subset of RESP2 ----

struct Frame {
    char type = '$';           // '+' simple string, '-' error, '$' bulk string, '*' array
    std::string str;           // the text of '+', '-' and '$'
    bool null = false;         // '$' only: the nil bulk string, "$-1\r\n"
    std::vector<Frame> items;  // '*' only
};

// Reads "<number>\r\n" after the type byte at `pos`; nullopt if the line is not all here yet.
std::optional<long> read_number(std::string_view buf, std::size_t& pos) {
    std::size_t end = buf.find("\r\n", pos);
    if (end == std::string_view::npos) return std::nullopt;
    long n = 0;
    auto [p, ec] = std::from_chars(buf.data() + pos, buf.data() + end, n);
    if (ec != std::errc() || p != buf.data() + end || n < -1 || n > (1 << 20))
        throw weft::codec::FrameError("bad length");
    pos = end + 2;
    return n;
}

// The frame at `pos` (advancing `pos` past it), or nullopt if it is not all here yet.
std::optional<Frame> parse_frame(std::string_view buf, std::size_t& pos, int depth) {
    if (pos >= buf.size()) return std::nullopt;
    if (depth > 8) throw weft::codec::FrameError("nested too deep");
    Frame f;
    f.type = buf[pos++];
    if (f.type == '+' || f.type == '-') {
        std::size_t end = buf.find("\r\n", pos);
        if (end == std::string_view::npos) return std::nullopt;
        f.str = buf.substr(pos, end - pos);
        pos = end + 2;
        return f;
    }
    if (f.type != '$' && f.type != '*') throw weft::codec::FrameError("unknown frame type");
    std::optional<long> n = read_number(buf, pos);
    if (!n) return std::nullopt;
    if (*n == -1) {
        f.null = true;
        return f;
    }
    if (f.type == '$') {
        auto len = static_cast<std::size_t>(*n);
        if (buf.size() < pos + len + 2) return std::nullopt;
        f.str = buf.substr(pos, len);
        pos += len + 2;
        return f;
    }
    for (long i = 0; i < *n; ++i) {
        std::optional<Frame> item = parse_frame(buf, pos, depth + 1);
        if (!item) return std::nullopt;
        f.items.push_back(std::move(*item));
    }
    return f;
}

void write_frame(const Frame& f, std::string& out) {
    out += f.type;
    if (f.type == '+' || f.type == '-') {
        out += f.str + "\r\n";
    } else if (f.null) {
        out += "-1\r\n";
    } else if (f.type == '$') {
        out += std::to_string(f.str.size()) + "\r\n" + f.str + "\r\n";
    } else {
        out += std::to_string(f.items.size()) + "\r\n";
        for (const Frame& item : f.items)
            write_frame(item, out);
    }
}

// The codec: Framed calls decode when bytes arrive and encode for each frame sent.
class RespCodec {
  public:
    using Item = Frame;

    std::optional<Frame> decode(weft::codec::BytesMut& src) {
        std::size_t pos = 0;
        std::optional<Frame> f = parse_frame(src.view(), pos, 0);
        if (f) src.advance(pos);  // consume the frame's bytes; a partial one stays
        return f;
    }

    void encode(const Frame& f, weft::codec::BytesMut& dst) {
        std::string out;
        write_frame(f, out);
        dst.extend(out);
    }
};

Frame simple(std::string s) {
    return Frame{'+', std::move(s), false, {}};
}
Frame error(std::string s) {
    return Frame{'-', std::move(s), false, {}};
}
Frame bulk(std::string s) {
    return Frame{'$', std::move(s), false, {}};
}
Frame nil() {
    return Frame{'$', "", true, {}};
}

// ---- The server (as in ch14_shared_state, with Framed instead of a hand-written buffer) ----

struct Db {
    std::mutex mu;
    std::unordered_map<std::string, std::string> map;
};

Frame run_command(const Frame& cmd, Db& db) {
    std::vector<std::string> w;
    for (const Frame& item : cmd.items)
        w.push_back(item.str);
    std::string name = w.empty() ? "" : w[0];
    for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "set" && w.size() == 3) {
        std::lock_guard lock(db.mu);
        db.map[w[1]] = w[2];
        return simple("OK");
    }
    if (name == "get" && w.size() == 2) {
        std::lock_guard lock(db.mu);
        auto it = db.map.find(w[1]);
        return it == db.map.end() ? nil() : bulk(it->second);
    }
    if (name == "ping") return simple("PONG");
    return error("ERR unknown command '" + name + "'");
}

weft::Task<void> process(TcpStream socket, std::shared_ptr<Db> db) {
    weft::codec::Framed conn(std::move(socket), RespCodec());
    try {
        while (std::optional<Frame> frame = co_await weft::stream::next(conn)) {
            co_await conn.send(run_command(*frame, *db));
        }
    } catch (const std::exception& e) {  // FrameError (bad RESP) or a socket error
        std::printf("  server: connection ended: %s\n", e.what());
    }
}

weft::Task<void> serve(TcpListener& listener) {
    auto db = std::make_shared<Db>();
    for (int n = 1;; ++n) {
        auto [socket, peer] = co_await listener.accept();
        std::printf("  server: connection %d accepted\n", n);
        weft::spawn(process(std::move(socket), db)).detach();
    }
}

// ---- The client: one connection, one manager task, a handle for every task ----

// What a task asks of the manager: a command, and where the reply should go.
struct Request {
    std::vector<std::string> words;
    weft::sync::oneshot::Sender<Frame> reply;
};

// The only task that touches the connection: one request at a time, in the order they came.
weft::Task<void> manager(SocketAddr addr, weft::sync::mpsc::Receiver<Request> requests) {
    weft::codec::Framed conn(co_await TcpStream::connect(addr), RespCodec());
    while (std::optional<Request> req = co_await requests.recv()) {
        Frame cmd{'*', "", false, {}};
        for (std::string& w : req->words)
            cmd.items.push_back(bulk(std::move(w)));
        co_await conn.send(cmd);
        std::optional<Frame> reply = co_await weft::stream::next(conn);
        if (!reply) break;  // the server closed: the senders still queued are dropped
        (void)std::move(req->reply).send(std::move(*reply));
    }
    // Every Client is gone (recv gave nullopt): the connection closes here.
}

// A cheap handle on the manager. It only wraps a Sender, so it is cheap to copy: each user
// below takes its own copy by value, one more producer on the same channel.
class Client {
  public:
    explicit Client(weft::sync::mpsc::Sender<Request> tx) : tx_(std::move(tx)) {}

    weft::Task<Frame> call(std::vector<std::string> words) {
        auto [reply_tx, reply_rx] = weft::sync::oneshot::channel<Frame>();
        Request req{std::move(words), std::move(reply_tx)};
        (void)co_await tx_.send(std::move(req));  // waits while 32 requests are queued
        co_return co_await reply_rx;  // throws weft::sync::RecvError if the manager gave up
    }

  private:
    weft::sync::mpsc::Sender<Request> tx_;
};

template <class... Words>
std::vector<std::string> args(Words... words) {
    return {std::string(words)...};
}

std::string show(const Frame& f) {
    return f.null ? "(nil)" : f.str;
}

weft::Task<void> user(Client client, std::string key, std::string value) {
    Frame set = co_await client.call(args("SET", key, value));
    Frame got = co_await client.call(args("GET", key));
    std::printf("  task %s: SET -> %s, GET -> %s\n", key.c_str(), show(set).c_str(),
                show(got).c_str());
}

int main(int argc, char** argv) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    if (argc > 2 && std::string_view(argv[1]) == "--serve") {
        auto port = static_cast<std::uint16_t>(std::atoi(argv[2]));
        rt.block_on([port]() -> weft::Task<void> {
            auto listener = TcpListener::bind(SocketAddr::localhost(port));
            std::printf("mini-redis on %s\n", listener.local_addr().to_string().c_str());
            std::fflush(stdout);
            co_await serve(listener);
        });
        return 0;
    }
    rt.block_on([]() -> weft::Task<void> {
        auto listener = TcpListener::bind(SocketAddr::localhost(0));
        auto server = weft::spawn(serve(listener));

        auto [tx, rx] = weft::sync::mpsc::channel<Request>(32);
        auto mgr = weft::spawn(manager(listener.local_addr(), std::move(rx)));
        {
            Client client(std::move(tx));
            co_await weft::join(user(client, "a", "1"), user(client, "b", "2"),
                                user(client, "c", "3"));
            Frame missing = co_await client.call(args("GET", "nope"));
            std::printf("  GET nope -> %s\n", show(missing).c_str());
        }  // the last Sender goes: the manager's recv() gives nullopt and it ends
        co_await mgr;

        server.abort();
        try {
            co_await server;
        } catch (const weft::JoinError&) {
        }
    });
    return 0;
}
