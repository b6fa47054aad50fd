// mini_redis::Client: a request/reply loop over Framed<TcpStream, RespCodec>, and the
// subscriber that reads pushed messages. See client.hpp.
#include "client.hpp"

#include <algorithm>
#include <deque>

#include "cmd.hpp"
#include "resp_codec.hpp"
#include "weft/codec/codec.hpp"
#include "weft/net/tcp_stream.hpp"
#include "weft/stream/stream.hpp"

namespace mini_redis {

struct Client::Impl {
    explicit Impl(weft::net::TcpStream s) : conn(std::move(s)) {}
    weft::codec::Framed<weft::net::TcpStream, RespCodec> conn;
    std::deque<Message> early;  // messages that came while a subscriber awaited a confirmation

    weft::Task<Frame> read() {
        std::optional<Frame> f = co_await weft::stream::next(conn);
        if (!f)
            throw std::system_error(std::make_error_code(std::errc::connection_reset),
                                    "mini-redis: the server closed the connection");
        co_return std::move(*f);
    }
};

namespace {

Frame expect_ok(Frame f) {
    if (f.kind == Frame::Kind::Error) throw Error(f.str);
    return f;
}

// A pushed ["message", channel, content].
std::optional<Message> as_message(Frame& f) {
    if (!f.is_array() || f.array.size() != 3 || !f.array[0].is_bulk() ||
        f.array[0].str != "message")
        return std::nullopt;
    return Message{std::move(f.array[1].str), std::move(f.array[2].str)};
}

}  // namespace

Client::Client(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

weft::Task<Client> Client::connect(weft::net::SocketAddr addr) {
    weft::net::TcpStream s = co_await weft::net::TcpStream::connect(addr);
    s.set_nodelay(true);
    co_return Client(std::make_unique<Impl>(std::move(s)));
}

weft::Task<Frame> Client::call(Frame request) {
    co_await impl_->conn.send(std::move(request));  // send = feed + flush
    co_return co_await impl_->read();
}

weft::Task<Frame> Client::request(std::vector<std::string> words) {
    std::vector<Frame> a;
    for (std::string& w : words)
        a.push_back(Frame::bulk(std::move(w)));
    co_return co_await call(Frame::array_of(std::move(a)));
}

weft::Task<std::string> Client::ping(std::optional<std::string> msg) {
    Frame req = to_frame(Ping{std::move(msg)});
    Frame f = expect_ok(co_await call(std::move(req)));
    co_return std::move(f.str);
}

weft::Task<std::optional<std::string>> Client::get(std::string key) {
    Frame req = to_frame(Get{std::move(key)});
    Frame f = expect_ok(co_await call(std::move(req)));
    if (f.kind == Frame::Kind::Null) co_return std::nullopt;
    if (!f.is_bulk()) throw Error("mini-redis: unexpected reply to GET: " + to_debug_string(f));
    co_return std::move(f.str);
}

weft::Task<void> Client::set(std::string key, std::string value) {
    Frame req = to_frame(Set{std::move(key), std::move(value), std::nullopt});
    (void)expect_ok(co_await call(std::move(req)));
}

weft::Task<void> Client::set_expires(std::string key, std::string value,
                                     std::chrono::milliseconds expiration) {
    Frame req = to_frame(Set{std::move(key), std::move(value), expiration});
    (void)expect_ok(co_await call(std::move(req)));
}

weft::Task<std::int64_t> Client::publish(std::string channel, std::string message) {
    Frame req = to_frame(Publish{std::move(channel), std::move(message)});
    Frame f = expect_ok(co_await call(std::move(req)));
    co_return f.integer;
}

weft::Task<Subscriber> Client::subscribe(std::vector<std::string> channels) && {
    Subscriber sub(std::move(*this));
    co_await sub.subscribe(std::move(channels));
    co_return sub;
}

Subscriber::Subscriber(Subscriber&&) noexcept = default;
Subscriber& Subscriber::operator=(Subscriber&&) noexcept = default;
Subscriber::~Subscriber() = default;

// Reads `count` replies of `kind` ("subscribe" / "unsubscribe"), keeping any message that
// comes first for next_message.
weft::Task<void> Subscriber::confirm(std::string_view kind, std::size_t count) {
    auto& impl = *client_.impl_;
    while (count > 0) {
        Frame f = expect_ok(co_await impl.read());
        if (auto m = as_message(f)) {
            impl.early.push_back(std::move(*m));
            continue;
        }
        if (!f.is_array() || f.array.size() != 3 || f.array[0].str != kind)
            throw Error("mini-redis: unexpected reply to " + std::string(kind) + ": " +
                        to_debug_string(f));
        --count;
    }
}

weft::Task<void> Subscriber::subscribe(std::vector<std::string> channels) {
    std::size_t n = channels.size();
    Frame req = to_frame(Subscribe{channels});
    co_await client_.impl_->conn.send(std::move(req));  // send = feed + flush
    co_await confirm("subscribe", n);
    for (std::string& ch : channels)
        if (std::find(channels_.begin(), channels_.end(), ch) == channels_.end())
            channels_.push_back(std::move(ch));
}

weft::Task<void> Subscriber::unsubscribe(std::vector<std::string> channels) {
    std::size_t n = channels.empty() ? std::max<std::size_t>(channels_.size(), 1) : channels.size();
    Frame req = to_frame(Unsubscribe{channels});
    co_await client_.impl_->conn.send(std::move(req));  // send = feed + flush
    co_await confirm("unsubscribe", n);
    if (channels.empty()) channels_.clear();
    for (const std::string& ch : channels)
        std::erase(channels_, ch);
}

weft::Task<std::optional<Message>> Subscriber::next_message() {
    auto& impl = *client_.impl_;
    if (!impl.early.empty()) {
        Message m = std::move(impl.early.front());
        impl.early.pop_front();
        co_return m;
    }
    for (;;) {
        std::optional<Frame> f = co_await weft::stream::next(impl.conn);
        if (!f) co_return std::nullopt;
        if (auto m = as_message(*f)) co_return m;
        (void)expect_ok(std::move(*f));  // anything else but an error is skipped
    }
}

weft::AsyncStream<Message> Subscriber::into_stream() && {
    Subscriber self = std::move(*this);
    while (auto m = co_await self.next_message())
        co_yield std::move(*m);
}

}  // namespace mini_redis
