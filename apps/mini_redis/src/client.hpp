#pragma once
/// \file
/// `mini_redis::Client`: a client of mini-redis (or of any Redis), as the tutorial's.
///
/// One connection, one request at a time: each call sends a command, flushes, and reads the
/// reply. An error reply throws `mini_redis::Error` (the connection stays usable); a closed or
/// broken connection throws `std::system_error` or `weft::codec::FrameError`. `subscribe`
/// consumes the client and returns a `Subscriber`, since a connection in subscribe mode can no
/// longer run ordinary commands.
///
/// ```cpp ignore: needs the mini_redis library, which the doc examples do not link
/// auto client = co_await mini_redis::Client::connect(addr);
/// co_await client.set("hello", "world");
/// auto v = co_await client.get("hello");  // "world"
/// auto sub = co_await std::move(client).subscribe({"news"});
/// auto messages = std::move(sub).into_stream();
/// while (auto m = co_await weft::stream::next(messages)) use(m->channel, m->content);
/// ```
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "frame.hpp"
#include "weft/coro/async_stream.hpp"
#include "weft/coro/task.hpp"
#include "weft/net/socket_addr.hpp"

namespace mini_redis {

/// An error reply from the server ("ERR ...").
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A message received on a subscribed channel.
struct Message {
    std::string channel;
    std::string content;
};

class Subscriber;

class Client {
  public:
    static weft::Task<Client> connect(weft::net::SocketAddr addr);

    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;
    ~Client();

    /// PING: "PONG", or `msg` back.
    weft::Task<std::string> ping(std::optional<std::string> msg = std::nullopt);
    /// GET: the value, or nullopt if the key is not set.
    weft::Task<std::optional<std::string>> get(std::string key);
    /// SET without expiry (clears one the key had).
    weft::Task<void> set(std::string key, std::string value);
    /// SET with PX: the key disappears `expiration` from now.
    weft::Task<void> set_expires(std::string key, std::string value,
                                 std::chrono::milliseconds expiration);
    /// PUBLISH: how many subscribers received the message.
    weft::Task<std::int64_t> publish(std::string channel, std::string message);
    /// SUBSCRIBE: this connection becomes a subscriber of `channels`.
    weft::Task<Subscriber> subscribe(std::vector<std::string> channels) &&;

    /// Sends any command (an array of bulk strings) and returns the reply frame as is (error
    /// replies included): what mini-redis-cli's `raw` command and the tests use.
    weft::Task<Frame> request(std::vector<std::string> words);

    struct Impl;

  private:
    friend class Subscriber;
    explicit Client(std::unique_ptr<Impl> impl) noexcept;
    weft::Task<Frame> call(Frame request);
    std::unique_ptr<Impl> impl_;
};

class Subscriber {
  public:
    Subscriber(Subscriber&&) noexcept;
    Subscriber& operator=(Subscriber&&) noexcept;
    ~Subscriber();

    /// The channels subscribed now.
    const std::vector<std::string>& channels() const noexcept { return channels_; }
    /// The next message; nullopt when the server closed the connection.
    weft::Task<std::optional<Message>> next_message();
    /// Every message, as a stream (consumes the subscriber).
    weft::AsyncStream<Message> into_stream() &&;
    /// Subscribes to more channels.
    weft::Task<void> subscribe(std::vector<std::string> channels);
    /// Unsubscribes from `channels` (all of them if empty).
    weft::Task<void> unsubscribe(std::vector<std::string> channels);

  private:
    friend class Client;
    explicit Subscriber(Client c) noexcept : client_(std::move(c)) {}
    weft::Task<void> confirm(std::string_view kind, std::size_t count);
    Client client_;
    std::vector<std::string> channels_;
};

}  // namespace mini_redis
