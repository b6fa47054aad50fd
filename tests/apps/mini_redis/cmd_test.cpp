// Commands parsed from frames and applied to a database, without a server.
#include "cmd.hpp"

#include <gtest/gtest.h>

#include "db.hpp"
#include "weft/weft.hpp"

using namespace mini_redis;
using namespace std::chrono_literals;

namespace {

Frame words(std::initializer_list<std::string> ws) {
    std::vector<Frame> a;
    for (const auto& w : ws)
        a.push_back(Frame::bulk(w));
    return Frame::array_of(std::move(a));
}

Frame run(Db& db, std::initializer_list<std::string> ws) {
    return apply(parse_command(words(ws)), db);
}

std::string error_of(std::initializer_list<std::string> ws) {
    Command c = parse_command(words(ws));
    if (auto* inv = std::get_if<Invalid>(&c)) return inv->message;
    return "";
}

}  // namespace

TEST(MiniRedisCmd, GetSetPingPublish) {
    Db db;
    EXPECT_EQ(run(db, {"GET", "k"}), Frame::null());
    EXPECT_EQ(run(db, {"set", "k", "v"}), Frame::simple("OK"));
    EXPECT_EQ(run(db, {"GeT", "k"}), Frame::bulk("v"));
    EXPECT_EQ(run(db, {"PING"}), Frame::simple("PONG"));
    EXPECT_EQ(run(db, {"PING", "hi"}), Frame::bulk("hi"));
    EXPECT_EQ(run(db, {"PUBLISH", "ch", "m"}), Frame::integer_of(0));
    std::string binary("\0\r\n\xff", 4);
    EXPECT_EQ(run(db, {"SET", binary, binary}), Frame::simple("OK"));
    EXPECT_EQ(run(db, {"GET", binary}), Frame::bulk(binary));
}

TEST(MiniRedisCmd, SetOptions) {
    auto set = [](std::initializer_list<std::string> ws) {
        return std::get<Set>(parse_command(words(ws)));
    };
    EXPECT_EQ(set({"SET", "k", "v", "EX", "2"}).expire, 2000ms);
    EXPECT_EQ(set({"SET", "k", "v", "px", "15"}).expire, 15ms);
    EXPECT_FALSE(set({"SET", "k", "v"}).expire);
    EXPECT_EQ(error_of({"SET", "k", "v", "EX"}), "ERR syntax error");
    EXPECT_EQ(error_of({"SET", "k", "v", "XX"}), "ERR syntax error");
    EXPECT_EQ(error_of({"SET", "k", "v", "EX", "1", "PX", "1"}), "ERR syntax error");
    EXPECT_EQ(error_of({"SET", "k", "v", "EX", "x"}),
              "ERR value is not an integer or out of range");
    EXPECT_EQ(error_of({"SET", "k", "v", "EX", "0"}), "ERR invalid expire time in 'set' command");
    EXPECT_EQ(error_of({"SET", "k", "v", "PX", "-5"}), "ERR invalid expire time in 'set' command");
    EXPECT_EQ(error_of({"SET", "k", "v", "EX", "99999999999999999"}),
              "ERR invalid expire time in 'set' command");
}

TEST(MiniRedisCmd, Errors) {
    EXPECT_EQ(error_of({"xyz", "a"}), "ERR unknown command 'xyz'");
    EXPECT_EQ(error_of({"GET"}), "ERR wrong number of arguments for 'get' command");
    EXPECT_EQ(error_of({"SET", "k"}), "ERR wrong number of arguments for 'set' command");
    EXPECT_EQ(error_of({"PUBLISH", "c"}), "ERR wrong number of arguments for 'publish' command");
    EXPECT_EQ(error_of({"SUBSCRIBE"}), "ERR wrong number of arguments for 'subscribe' command");
    // Not a command at all: protocol errors, after which the server closes the connection.
    auto proto = [](Frame f) {
        Command c = parse_command(std::move(f));
        auto* inv = std::get_if<Invalid>(&c);
        return inv != nullptr && inv->protocol_error;
    };
    EXPECT_TRUE(proto(Frame::simple("PING")));
    EXPECT_TRUE(proto(Frame::array_of({Frame::integer_of(1)})));
    EXPECT_TRUE(std::holds_alternative<Nothing>(parse_command(Frame::array_of({}))));
    EXPECT_TRUE(std::holds_alternative<Nothing>(parse_command(Frame::null())));
}

TEST(MiniRedisCmd, ConfigGetAnswersWhatBenchmarksAsk) {
    Db db;
    EXPECT_EQ(run(db, {"CONFIG", "GET", "save"}), words({"save", ""}));
    EXPECT_EQ(run(db, {"CONFIG", "GET", "appendonly"}), words({"appendonly", "no"}));
    EXPECT_EQ(run(db, {"CONFIG", "GET", "maxmemory"}), Frame::array_of({}));
    EXPECT_EQ(run(db, {"CONFIG", "SET", "a", "b"}).kind, Frame::Kind::Error);
}

TEST(MiniRedisCmd, ToFrameRoundTrips) {
    std::vector<Command> cmds = {Ping{},
                                 Ping{"m"},
                                 Get{"k"},
                                 Set{"k", "v", std::nullopt},
                                 Set{"k", "v", 1500ms},
                                 Publish{"c", "m"},
                                 Subscribe{{"a", "b"}},
                                 Unsubscribe{{}},
                                 Quit{}};
    for (const Command& c : cmds) {
        Frame f = to_frame(c);
        Command back = parse_command(f);
        EXPECT_EQ(back.index(), c.index()) << to_debug_string(f);
        EXPECT_EQ(to_frame(back), f);
    }
}

TEST(MiniRedisDb, PlainSetClearsTheDeadline) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    rt.block_on([]() -> weft::Task<void> {
        Db db;
        db.set("k", "v", 50ms);
        db.set("k", "w", std::nullopt);
        co_await weft::time::sleep(150ms);
        EXPECT_EQ(db.get("k"), "w");
    });
}

TEST(MiniRedisDb, PurgeTaskRemovesExpiredKeys) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    rt.block_on([]() -> weft::Task<void> {
        Db db;
        auto purge = weft::spawn(db.purge_task());
        db.set("late", "v", 1h);
        db.set("soon", "v", 30ms);  // earlier than the one it sleeps for: it is woken
        db.set("keep", "v", std::nullopt);
        EXPECT_EQ(db.size(), 3u);
        for (int i = 0; i < 500 && db.size() != 2; ++i)
            co_await weft::time::sleep(10ms);
        EXPECT_EQ(db.size(), 2u);
        EXPECT_FALSE(db.get("soon"));
        EXPECT_EQ(db.get("late"), "v");
        db.set("late", "v2", 20ms);  // a new, earlier deadline for a key that had one
        for (int i = 0; i < 500 && db.size() != 1; ++i)
            co_await weft::time::sleep(10ms);
        EXPECT_EQ(db.size(), 1u);
        db.shutdown();
        co_await purge;
    });
}

TEST(MiniRedisDb, PublishReachesEverySubscriber) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    rt.block_on([]() -> weft::Task<void> {
        Db db;
        auto a = db.subscribe("ch");
        auto b = db.subscribe("ch");
        auto other = db.subscribe("other");
        EXPECT_EQ(db.publish("ch", "hello"), 2u);
        auto ra = co_await a.recv();
        auto rb = co_await b.recv();
        EXPECT_EQ(*ra, "hello");
        EXPECT_EQ(*rb, "hello");
        EXPECT_TRUE(other.try_recv().is_empty());
        { auto gone = std::move(a); }
        { auto gone = std::move(b); }
        EXPECT_EQ(db.publish("ch", "nobody"), 0u);
    });
}
