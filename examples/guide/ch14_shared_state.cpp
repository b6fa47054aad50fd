// ch14_shared_state: the first mini-redis server, following the Tokio tutorial's steps: an
// accept loop, a task per connection, a database shared behind a std::mutex, and a hand-written
// Connection that reads RESP commands into a buffer (the "framing" step, by hand).
// With no argument: the server binds 127.0.0.1 on a free port, its own clients send SET and GET
// (the "hello redis" step, RESP written by hand), and it exits.
// With `--serve PORT`: it serves forever (try `redis-cli -p PORT set hello world`).
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "weft/weft.hpp"

using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;

// ---- The shared state: one map, one std::mutex, never held across a co_await ----

struct Db {
    std::mutex mu;
    std::unordered_map<std::string, std::string> map;
};

// ---- Framing by hand: RESP commands (arrays of bulk strings) out of a byte buffer ----

// Reads "<type><number>\r\n" at `pos`: the number, or nullopt if the line is not all here yet.
std::optional<long> read_header(std::string_view buf, std::size_t& pos, char type) {
    if (pos >= buf.size()) return std::nullopt;
    if (buf[pos] != type)
        throw std::runtime_error("protocol error: expected '" + std::string(1, type) + "'");
    std::size_t end = buf.find("\r\n", pos);
    if (end == std::string_view::npos) return std::nullopt;
    long n = -1;
    auto [p, ec] = std::from_chars(buf.data() + pos + 1, buf.data() + end, n);
    if (ec != std::errc() || p != buf.data() + end || n < 0 || n > (1 << 20))
        throw std::runtime_error("protocol error: bad length");
    pos = end + 2;
    return n;
}

// One whole command from the front of `buf`, and how many bytes it took; nullopt if the
// bytes hold no whole command yet (read more, then call again from the start).
std::optional<std::vector<std::string>> parse_command(std::string_view buf, std::size_t& used) {
    std::size_t pos = 0;
    std::optional<long> count = read_header(buf, pos, '*');
    if (!count) return std::nullopt;
    std::vector<std::string> words;
    for (long i = 0; i < *count; ++i) {
        std::optional<long> len = read_header(buf, pos, '$');
        if (!len) return std::nullopt;
        auto n = static_cast<std::size_t>(*len);
        if (buf.size() < pos + n + 2) return std::nullopt;  // the payload is not all here
        words.emplace_back(buf.substr(pos, n));
        pos += n + 2;
    }
    used = pos;
    return words;
}

// A socket and its read buffer: the tutorial's `Connection`.
class Connection {
  public:
    explicit Connection(TcpStream stream) : stream_(std::move(stream)) {}

    // The next command; nullopt when the client has closed the connection.
    weft::Task<std::optional<std::vector<std::string>>> read_command() {
        for (;;) {
            std::size_t used = 0;
            if (auto cmd = parse_command(buf_, used)) {
                buf_.erase(0, used);
                co_return cmd;
            }
            char chunk[4096];
            std::size_t n = co_await stream_.read(std::span(chunk));
            if (n == 0) {
                if (buf_.empty()) co_return std::nullopt;  // a clean close, between commands
                throw std::runtime_error("connection closed in the middle of a command");
            }
            buf_.append(chunk, n);
        }
    }

    weft::Task<void> write_reply(std::string reply) { co_await stream_.write_all(reply); }

  private:
    TcpStream stream_;
    std::string buf_;  // bytes read, not yet parsed into a command
};

// ---- Commands ----

std::string bulk(std::string_view s) {
    return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

// Runs one command against the database and returns its RESP reply. A plain function: the
// lock is taken and released inside, so it cannot be held across an await.
std::string run_command(const std::vector<std::string>& cmd, Db& db) {
    std::string name = cmd.empty() ? "" : cmd[0];
    for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "set" && cmd.size() == 3) {
        std::lock_guard lock(db.mu);
        db.map[cmd[1]] = cmd[2];
        return "+OK\r\n";
    }
    if (name == "get" && cmd.size() == 2) {
        std::lock_guard lock(db.mu);
        auto it = db.map.find(cmd[1]);
        if (it == db.map.end()) return "$-1\r\n";  // nil
        return bulk(it->second);
    }
    if (name == "ping") return "+PONG\r\n";
    return "-ERR unknown command '" + name + "'\r\n";
}

// What not to do (compiled, never called): the lock is held across a co_await. While the
// write waits for a slow client, every task that needs the map blocks its worker thread on
// `mu`; the task may also resume on another thread and unlock a std::mutex it did not lock
// there (undefined behaviour); on a one-thread runtime, the next task to lock it deadlocks.
weft::Task<void> get_holding_the_lock(Connection& conn, Db& db, std::string key) {
    std::lock_guard lock(db.mu);
    auto it = db.map.find(key);
    co_await conn.write_reply(it == db.map.end() ? "$-1\r\n" : bulk(it->second));
}

// ---- The server: a task per connection ----

weft::Task<void> process(TcpStream socket, std::shared_ptr<Db> db) {
    Connection conn(std::move(socket));
    try {
        while (auto cmd = co_await conn.read_command()) {
            co_await conn.write_reply(run_command(*cmd, *db));
        }
    } catch (const std::exception& e) {
        std::printf("  connection ended: %s\n", e.what());  // this client only
    }
}

weft::Task<void> serve(TcpListener& listener) {
    auto db = std::make_shared<Db>();
    for (;;) {
        auto [socket, peer] = co_await listener.accept();
        weft::spawn(process(std::move(socket), db)).detach();
    }
}

// ---- A client that writes RESP by hand (the "hello redis" step) ----

// A command as RESP: an array of bulk strings.
std::string encode_command(std::vector<std::string> words) {
    std::string out = "*" + std::to_string(words.size()) + "\r\n";
    for (std::string_view w : words)
        out += bulk(w);
    return out;
}

// The words of a command. (A helper, not a braced list inside `co_await`: GCC 12 cannot
// build an initializer_list there.)
template <class... Words>
std::vector<std::string> args(Words... words) {
    return {std::string(words)...};
}

// Sends one command and reads its reply (one line, or two for a bulk string).
weft::Task<std::string> call(TcpStream& s, std::vector<std::string> words) {
    co_await s.write_all(encode_command(words));
    weft::io::BufReader reader(s.split().first);
    std::string reply;
    co_await reader.read_line(reply);
    // read_line gives "" at end of stream, and a line without "\r\n" if the server stopped
    // in the middle of it: either way there is no reply to return.
    if (reply.size() < 3 || !reply.ends_with("\r\n"))
        throw std::runtime_error("connection closed before the reply");
    if (reply[0] == '$' && reply[1] != '-') {  // a bulk string: its bytes on the next line
        reply.clear();
        co_await reader.read_line(reply);
        if (!reply.ends_with("\r\n"))
            throw std::runtime_error("connection closed in the middle of a reply");
    }
    reply.resize(reply.size() - 2);  // drop "\r\n"
    co_return reply;
}

weft::Task<void> client(SocketAddr addr, std::string key, std::string value) {
    TcpStream s = co_await TcpStream::connect(addr);
    std::string set = co_await call(s, args("SET", key, value));
    std::string got = co_await call(s, args("GET", key));
    std::printf("  SET %s %s -> %s; GET %s -> %s\n", key.c_str(), value.c_str(), set.c_str(),
                key.c_str(), got.c_str());
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
        auto addr = listener.local_addr();
        auto server = weft::spawn(serve(listener));
        co_await client(addr, "hello", "world");
        // Three clients at once, each on its own connection, each served by its own task.
        co_await weft::join(client(addr, "a", "1"), client(addr, "b", "2"), client(addr, "c", "3"));
        // Every connection saw the same map.
        TcpStream s = co_await TcpStream::connect(addr);
        std::string b = co_await call(s, args("GET", "b"));
        std::string nope = co_await call(s, args("GET", "nope"));
        std::string bad = co_await call(s, args("INCR", "a"));
        std::printf("  GET b -> %s; GET nope -> %s; INCR a -> %s\n", b.c_str(), nope.c_str(),
                    bad.c_str());
        server.abort();
        try {
            co_await server;
        } catch (const weft::JoinError&) {
        }
    });
    return 0;
}
