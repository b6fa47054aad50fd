// mini_redis::Client against mini_redis::run in the same process: the library end to end,
// shutdown included.
#include "client.hpp"

#include <gtest/gtest.h>

#include "server.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;
using mini_redis::Client;

namespace {

// Runs `body(addr)` against a server on a free port, then shuts the server down and checks
// that every connection had ended.
template <class Body>
void with_server(Body body, mini_redis::ServerConfig cfg = {}) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    rt.block_on([&]() -> weft::Task<void> {
        auto l = weft::net::TcpListener::bind(weft::net::SocketAddr::localhost(0));
        auto addr = l.local_addr();
        weft::sync::CancellationToken stop;
        auto server = weft::spawn(mini_redis::run(std::move(l), stop, cfg));
        co_await body(addr);
        stop.cancel();
        EXPECT_EQ(co_await server, 0u);
    });
}

}  // namespace

TEST(MiniRedisClient, GetSetPing) {
    with_server([](weft::net::SocketAddr addr) -> weft::Task<void> {
        auto c = co_await Client::connect(addr);
        EXPECT_EQ(co_await c.ping(), "PONG");
        EXPECT_EQ(co_await c.ping("hi"), "hi");
        EXPECT_EQ(co_await c.get("k"), std::nullopt);
        co_await c.set("k", std::string("v\0\r\n", 4));
        EXPECT_EQ(co_await c.get("k"), std::string("v\0\r\n", 4));
        std::string big(2 * 1024 * 1024, 'x');
        co_await c.set("big", big);
        EXPECT_EQ(co_await c.get("big"), big);
        std::vector<std::string> nosuch = {"nosuch"};
        auto reply = co_await c.request(std::move(nosuch));
        EXPECT_EQ(reply, mini_redis::Frame::error("ERR unknown command 'nosuch'"));
        bool threw = false;
        try {
            co_await c.set_expires("k", "v", std::chrono::milliseconds(-1));
        } catch (const mini_redis::Error& e) {
            threw = true;
            EXPECT_STREQ(e.what(), "ERR invalid expire time in 'set' command");
        }
        EXPECT_TRUE(threw);
        EXPECT_EQ(co_await c.ping(), "PONG");  // still usable after an error reply
    });
}

TEST(MiniRedisClient, SetExpires) {
    with_server([](weft::net::SocketAddr addr) -> weft::Task<void> {
        auto c = co_await Client::connect(addr);
        co_await c.set_expires("k", "v", 50ms);
        co_await c.set_expires("long", "v", 1h);
        for (int i = 0; i < 1000 && (co_await c.get("k")).has_value(); ++i)
            co_await weft::time::sleep(10ms);
        EXPECT_EQ(co_await c.get("k"), std::nullopt);
        EXPECT_EQ(co_await c.get("long"), "v");
    });
}

TEST(MiniRedisClient, PublishSubscribe) {
    with_server([](weft::net::SocketAddr addr) -> weft::Task<void> {
        auto pub = co_await Client::connect(addr);
        std::vector<std::string> ab = {"a", "b"};
        auto sub = co_await (co_await Client::connect(addr)).subscribe(std::move(ab));
        EXPECT_EQ(sub.channels().size(), 2u);
        EXPECT_EQ(co_await pub.publish("a", "one"), 1);
        EXPECT_EQ(co_await pub.publish("c", "lost"), 0);
        EXPECT_EQ(co_await pub.publish("b", "two"), 1);
        auto m1 = co_await sub.next_message();
        auto m2 = co_await sub.next_message();
        EXPECT_EQ(m1->channel, "a");
        EXPECT_EQ(m1->content, "one");
        EXPECT_EQ(m2->channel, "b");
        EXPECT_EQ(m2->content, "two");
        std::vector<std::string> a = {"a"};
        co_await sub.unsubscribe(std::move(a));
        EXPECT_EQ(sub.channels(), std::vector<std::string>{"b"});
        EXPECT_EQ(co_await pub.publish("a", "gone"), 0);
        EXPECT_EQ(co_await pub.publish("b", "three"), 1);
        auto stream = std::move(sub).into_stream();
        auto m3 = co_await weft::stream::next(stream);
        EXPECT_EQ(m3->content, "three");
    });
}

TEST(MiniRedisClient, ShutdownClosesIdleConnections) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    rt.block_on([]() -> weft::Task<void> {
        auto l = weft::net::TcpListener::bind(weft::net::SocketAddr::localhost(0));
        auto addr = l.local_addr();
        weft::sync::CancellationToken stop;
        auto server = weft::spawn(mini_redis::run(std::move(l), stop));
        auto c = co_await Client::connect(addr);
        std::vector<std::string> x = {"x"};
        auto sub = co_await (co_await Client::connect(addr)).subscribe(std::move(x));
        EXPECT_EQ(co_await c.ping(), "PONG");
        stop.cancel();
        EXPECT_EQ(co_await server, 0u);  // both connections ended well before the timeout
        EXPECT_EQ(co_await sub.next_message(), std::nullopt);
    });
}
